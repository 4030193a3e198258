"""The support channel (``SUPPORTBOT_SUPPORT_CHANNEL``): where every hand-over request is posted
for the support team, wherever the customer asked (a DM, the assistant pane, a channel), with the
two-line summary, the group's tag and a link to the customer's thread; and the relay between that
request's thread and the customer's (usecases.relay decides, this posts). An irreversible
action's approval is asked there too (``post_approval_request``): what will be done, for whom, a
link to the customer's thread, and the Approve / Cancel the support team presses.

Without a support channel the request is posted in the customer's thread, as it always was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from supportbot.bot.blocks import approval_request_blocks, handover_blocks, tag
from supportbot.core.db import Sessions
from supportbot.usecases.handover import note_request
from supportbot.usecases.relay import Relay

if TYPE_CHECKING:
    from supportbot.usecases.actions import ActionDesk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """A hand-over to put in front of the support team. (channel, thread_ts): the customer's
    thread; ``open_request``: the request still open from an earlier hand-over, if any."""

    conversation_id: int
    group: str | None
    why: str
    summary: str | None
    channel: str
    thread_ts: str | None
    customer: str | None
    open_request: tuple[str, str] | None = None


def permalink(client: Any, channel: str, ts: str | None) -> str | None:
    """A link to the customer's thread (chat.getPermalink); None when Slack gives none (the
    request is posted without it rather than not at all)."""
    if not ts:
        return None
    from slack_sdk.errors import SlackApiError

    try:
        link = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError as exc:
        log.warning("no permalink to %s/%s: %s", channel, ts, exc.response.get("error"))
        return None
    return link if isinstance(link, str) and link else None


def _where(channel: str, customer: str | None) -> str:
    if channel.startswith("D"):
        return f"a direct message with <@{customer}>" if customer else "a direct message"
    return f"<#{channel}>"


def _from(client: Any, channel: str, thread_ts: str | None, customer: str | None) -> str:
    """The customer's thread, for the team: From <where> · <link|open the conversation>."""
    link = permalink(client, channel, thread_ts)
    return f"From {_where(channel, customer)}" + (f" · <{link}|open the conversation>" if link else "")


def post_request(client: Any, sessions: Sessions, request: Request, *, support_channel: str | None) -> None:
    """Ask the support team to take the conversation over: in the support channel (its request
    stored on the conversation), or, without one, in the customer's thread."""
    blocks = handover_blocks(
        group=request.group, why=request.why, summary=request.summary, conversation_id=request.conversation_id
    )
    text = f"{tag(request.group)}: {request.why}"
    if not support_channel:
        client.chat_postMessage(
            channel=request.channel, thread_ts=request.thread_ts, text=text, blocks=blocks
        )
        return
    if request.open_request is not None:  # asked again: the open request's thread hears of it
        channel, ts = request.open_request
        client.chat_postMessage(channel=channel, thread_ts=ts, text=f"Asked again: {request.why}")
        return
    where = _from(client, request.channel, request.thread_ts, request.customer)
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": where}]}
    summary = f"\n{request.summary}" if request.summary else ""
    posted = client.chat_postMessage(
        channel=support_channel,
        text=f"{text}{summary}\n{where}",
        blocks=[blocks[0], context, *blocks[1:]],
    )
    note_request(sessions, conversation_id=request.conversation_id, channel=support_channel, ts=posted["ts"])


def post_approval_request(client: Any, desk: ActionDesk, call_id: int, *, support_channel: str) -> None:
    """Ask the support team to approve an irreversible call, once; its buttons count only on this
    message (the desk notes where it is)."""
    ask = desk.approval_request(call_id)
    if ask is None:  # decided already, or asked before (a retried delivery)
        return
    where = _from(client, ask.channel, ask.thread_ts, ask.customer) if ask.channel else "From the local chat"
    blocks = approval_request_blocks(
        call_id=ask.call_id,
        tagged=tag(ask.group),
        description=ask.description,
        what=ask.what,
        customer=ask.customer,
        where=where,
    )
    text = f"{tag(ask.group)}: approval needed: {ask.what}\n{where}"
    posted = client.chat_postMessage(channel=support_channel, text=text, blocks=blocks)
    desk.note_approval_request(ask.call_id, channel=support_channel, ts=posted["ts"])


def post_relay(client: Any, relay: Relay) -> None:
    """An agent's reply in the customer's thread, or the customer's turn in the request's thread."""
    who = f"<@{relay.author}>" if relay.author else "Someone"
    if relay.to_customer:
        text = f"*{who}* (support team): {relay.text}"
    else:
        text = f"*{who}* (customer) wrote: {relay.text}"
    client.chat_postMessage(channel=relay.channel, thread_ts=relay.thread_ts, text=text)
