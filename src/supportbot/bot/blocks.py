"""Block Kit rendering of replies: the answer, its sources, 👍/👎 and "Talk to a human"."""

from __future__ import annotations

from typing import Any

from supportbot.core.enums import Outcome
from supportbot.core.identifiers import Masker, present_past, stated_amounts
from supportbot.usecases.messages import Reply

FEEDBACK_UP, FEEDBACK_DOWN, HANDOVER = "feedback_up", "feedback_down", "handover"
CLAIM, RESOLVE, HAND_BACK = "handover_claim", "handover_resolve", "handover_back"
CSAT = [f"csat_{score}" for score in range(1, 6)]  # the customer's 1–5 once a case is resolved
SHARE = "share_answer"  # a private answer, posted for the channel
ACTIONS_BLOCK = "reply_actions"
# "Related questions" under an answer: one button per question (action ids are unique in a block).
RELATED = [f"related_question_{n}" for n in range(1, 4)]
RELATED_BLOCK = "related_questions"
MAX_LABEL = 75  # a button's text
HANDOVER_BLOCK = "handover_actions"
# A declared action waiting for approval (usecases.actions): the buttons' value is the call's id.
APPROVE_ACTION, CANCEL_ACTION = "action_approve", "action_cancel"
APPROVAL_BLOCK = "action_approval"
MAX_TEXT = 2900  # a section's text is limited to 3000 characters


def sources_line(reply: Reply) -> str | None:
    if not reply.sources:
        return None
    parts = [f"{s.external_id} ({s.score:.2f})" for s in reply.sources]
    label = "Similar solved tickets" if reply.escalated else "Sources"
    if reply.outcome == Outcome.fallback:  # the answer is the first one's resolution, as it was
        label = "Answered with the most similar solved ticket"
    line = f"{label}: " + " · ".join(parts)
    if reply.model_version:
        line += f"  |  model {reply.model_version}"
    return line


def answer_blocks(reply: Reply, *, with_text: bool = True) -> list[dict[str, Any]]:
    """The reply as a message; without ``with_text`` only what goes under its text (sources,
    buttons): the text of a streamed answer is the stream's own."""
    text = reply.text if len(reply.text) <= MAX_TEXT else reply.text[:MAX_TEXT] + "…"
    blocks: list[dict[str, Any]] = [text_block(text)] if with_text else []
    if reply.escalated and reply.sources:
        # As a shown ticket reads: no other customer's order numbers or amounts.
        stated = stated_amounts(s.resolution for s in reply.sources)
        listing = "\n".join(
            f"• *{s.external_id}* — {present_past(s.resolution, Masker(), stated=stated)[:200]}"
            for s in reply.sources
            if s.resolution
        )
        if listing:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": listing}})
    line = sources_line(reply)
    if line:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line}]})
    if reply.approval_here is not None:
        blocks.append(approval_block(reply.approval_here))
    value = str(reply.message_id)
    elements: list[dict[str, Any]] = [
        {
            "type": "button",
            "action_id": FEEDBACK_UP,
            "value": value,
            "text": {"type": "plain_text", "text": "👍"},
        },
        {
            "type": "button",
            "action_id": FEEDBACK_DOWN,
            "value": value,
            "text": {"type": "plain_text", "text": "👎"},
        },
    ]
    if not reply.escalated:
        elements.append(
            {
                "type": "button",
                "action_id": HANDOVER,
                "value": value,
                "text": {"type": "plain_text", "text": "Talk to a human"},
            }
        )
    blocks.append({"type": "actions", "block_id": ACTIONS_BLOCK, "elements": elements})
    return blocks + related_blocks(reply)


def label(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def related_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Other solved questions the customer may pick (none under a hand-over); the button's value
    is the question itself, checked against the reply's stored ones when clicked."""
    if reply.escalated or not reply.related:
        return []
    return [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "*Related questions*"}]},
        {
            "type": "actions",
            "block_id": RELATED_BLOCK,
            "elements": [
                _button(action, question, label(question))
                for action, question in zip(RELATED, reply.related, strict=False)
            ],
        },
    ]


OFFER = (
    "I'm sorry this is taking so long. A person from our support team can take over right away, "
    "if you'd like:"
)


def offer_human(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The answer's blocks with a person offered at once: a line saying so above the buttons,
    and "Talk to a human" as the primary one."""
    out: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("block_id") == ACTIONS_BLOCK:
            out.append(text_block(OFFER))
            elements = [
                {**e, "style": "primary"} if e.get("action_id") == HANDOVER else e for e in block["elements"]
            ]
            block = {**block, "elements": elements}
        out.append(block)
    return out


def _button(action_id: str, value: str, label: str, *, style: str | None = None) -> dict[str, Any]:
    button = {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": label},
    }
    if style:
        button["style"] = style
    return button


def approval_block(call_id: int) -> dict[str, Any]:
    """Approve / Cancel for a declared action's call (who may click which: usecases.action_calls)."""
    value = str(call_id)
    return {
        "type": "actions",
        "block_id": APPROVAL_BLOCK,
        "elements": [
            _button(APPROVE_ACTION, value, "Approve", style="primary"),
            _button(CANCEL_ACTION, value, "Cancel", style="danger"),
        ],
    }


def approval_request_blocks(
    *, call_id: int, tagged: str, description: str, what: str, customer: str | None, where: str
) -> list[dict[str, Any]]:
    """The support channel's request to approve an irreversible action: what will be done, in
    plain words, for which customer, where they asked (with a link), and Approve / Cancel."""
    who = f"<@{customer}>" if customer else "the customer"
    lines = [
        f"{tagged}: an action that cannot be undone needs your approval.",
        f"*{description}* for {who}",
        f"*What will be done:* {what}",
    ]
    return [
        text_block("\n".join(lines)),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": where}]},
        approval_block(call_id),
    ]


def decided_blocks(blocks: list[dict[str, Any]], note: str, *, text: str = "") -> list[dict[str, Any]]:
    """A message's blocks with its Approve / Cancel replaced by a note (a streamed answer's text
    put back in front, as ``replace_actions`` does)."""
    kept = [b for b in blocks if b.get("block_id") != APPROVAL_BLOCK]
    if text and not any(b.get("type") in ("section", "markdown", "rich_text") for b in kept):
        kept.insert(0, text_block(text[:MAX_TEXT]))
    return [*kept, {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]


def tag(group: str | None) -> str:
    return f"<!subteam^{group}>" if group else "A support agent"


def handover_blocks(
    *, group: str | None, why: str, summary: str | None, conversation_id: int
) -> list[dict[str, Any]]:
    """The message that asks the support team to take a thread over: who is tagged and why, the
    two-line summary for the agent, and the lifecycle's buttons."""
    lines = [f"{tag(group)}: {why}"]
    if summary:
        lines += [f"> {line}" for line in summary.splitlines()]
    value = str(conversation_id)
    return [
        text_block("\n".join(lines)),
        {
            "type": "actions",
            "block_id": HANDOVER_BLOCK,
            "elements": [
                _button(CLAIM, value, "I'll take it", style="primary"),
                _button(RESOLVE, value, "Resolved"),
                _button(HAND_BACK, value, "Hand back to the bot"),
            ],
        },
    ]


def csat_blocks(conversation_id: int) -> list[dict[str, Any]]:
    value = str(conversation_id)
    return [
        text_block("This conversation is resolved. How did we do, from 1 (poor) to 5 (great)?"),
        {
            "type": "actions",
            "block_id": "csat_actions",
            "elements": [_button(action, value, str(score)) for score, action in enumerate(CSAT, start=1)],
        },
    ]


def share_blocks(blocks: list[dict[str, Any]], reply_id: int) -> list[dict[str, Any]]:
    """A private answer's blocks, with "Share with the channel" among its buttons."""
    out = [dict(b) for b in blocks]
    for block in out:
        if block.get("block_id") == ACTIONS_BLOCK:
            block["elements"] = [*block["elements"], _button(SHARE, str(reply_id), "Share with the channel")]
    return out


def text_block(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def replace_actions(blocks: list[dict[str, Any]], note: str, *, text: str = "") -> list[dict[str, Any]]:
    """The same message with its buttons replaced by a short note (after a click). A streamed
    answer's blocks hold no text (the stream does): ``text`` is put back in front, or an update
    with blocks would show none of it."""
    kept = [b for b in blocks if b.get("block_id") != ACTIONS_BLOCK]
    if text and not any(b.get("type") in ("section", "markdown", "rich_text") for b in kept):
        kept.insert(0, text_block(text[:MAX_TEXT]))
    return [*kept, {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]


def working_text() -> str:
    return "_Looking into it…_"


def delayed_text() -> str:
    """Shown while the answer waits on something of ours (the database) to come back."""
    return (
        "_Sorry, I'm having trouble on my side right now. I've kept your question and will answer "
        "here as soon as I can._"
    )
