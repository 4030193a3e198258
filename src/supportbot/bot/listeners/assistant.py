"""The assistant pane (Slack's AI-app surface): a greeting with suggested prompts when a thread
starts, the thread's context kept when the user switches channels.

The user's messages in an assistant thread are direct messages: the message listeners answer them
through the same spool and pipeline as any DM (bolt's Assistant has no ``user_message`` listener
here, so those events pass on to them), with the "is looking through past tickets…" status and the
thread's title set while the answer is written (``show_working``), and an answer's related
questions offered as the thread's suggested prompts (``suggest_related``).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from slack_bolt import Assistant
from slack_bolt.context.assistant.thread_context import AssistantThreadContext
from slack_bolt.context.assistant.thread_context_store.store import AssistantThreadContextStore

from supportbot.bot.blocks import label
from supportbot.usecases.messages import Incoming, Reply
from supportbot.usecases.suggestions import suggested_prompts

if TYPE_CHECKING:
    from slack_bolt import App

    from supportbot.core.settings import Settings
    from supportbot.usecases.answer import Responder

log = logging.getLogger(__name__)

WORKING_STATUS = "is looking through past tickets…"
RELATED_TITLE = "Related questions"
GREETING = (
    "Hi! I answer from the support team's solved tickets, and hand you to a person whenever I'm "
    "not sure. Ask me anything, or start with one of these:"
)


class ThreadContexts(AssistantThreadContextStore):
    """Which channel the user had open beside each assistant thread. Bolt's default keeps it in
    message metadata it reads back with conversations.replies; the answers do not use it, so it is
    kept in memory (a restart forgets it, and Slack sends it again on the next switch)."""

    def __init__(self) -> None:
        self._contexts: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        with self._lock:
            self._contexts[(channel_id, thread_ts)] = dict(context)

    def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        with self._lock:
            context = self._contexts.get((channel_id, thread_ts))
        return AssistantThreadContext(context) if context else None


def register(app: App, *, responder: Responder, settings: Settings) -> None:
    assistant = Assistant(thread_context_store=ThreadContexts())

    @assistant.thread_started
    def started(say: Any, set_suggested_prompts: Any) -> None:
        say(GREETING)
        prompts = suggested_prompts(responder.sessions)
        if prompts:
            set_suggested_prompts(prompts=prompts, title="Customers often ask")

    @assistant.thread_context_changed
    def context_changed(save_thread_context: Any, payload: dict[str, Any]) -> None:
        save_thread_context(payload["assistant_thread"]["context"])

    app.use(assistant)


def show_working(client: Any, incoming: Incoming, *, first: bool) -> None:
    """In an assistant thread (a thread in a DM): "is looking through past tickets…" while the
    answer is written (Slack clears it with the reply), and the question as the thread's title."""
    if not (incoming.channel or "").startswith("D") or incoming.thread_ts == incoming.ts:
        return
    from slack_sdk.errors import SlackApiError

    try:
        client.assistant_threads_setStatus(
            channel_id=incoming.channel, thread_ts=incoming.thread_ts, status=WORKING_STATUS
        )
        if first:
            title = incoming.text if len(incoming.text) <= 60 else incoming.text[:59] + "…"
            client.assistant_threads_setTitle(
                channel_id=incoming.channel, thread_ts=incoming.thread_ts, title=title
            )
    except SlackApiError as exc:  # not an assistant thread after all: nothing to show
        log.debug("assistant status not set: %s", exc.response.get("error"))


def suggest_related(client: Any, incoming: Incoming, reply: Reply) -> None:
    """In an assistant thread (a thread in a DM), the related questions as suggested prompts
    (none: the pane keeps showing nothing new)."""
    channel, thread_ts = incoming.channel or "", incoming.thread_ts
    if not reply.related or not channel.startswith("D") or thread_ts in (None, incoming.ts):
        return
    from slack_sdk.errors import SlackApiError

    prompts = [{"title": label(q), "message": q} for q in reply.related]
    try:
        client.assistant_threads_setSuggestedPrompts(
            channel_id=channel, thread_ts=thread_ts, title=RELATED_TITLE, prompts=prompts
        )
    except SlackApiError as exc:  # not an assistant thread after all: the buttons remain
        log.debug("related questions not suggested: %s", exc.response.get("error"))
