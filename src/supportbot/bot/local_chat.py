"""Talk to the bot without Slack: the same pipeline, history and sources, in a terminal.

Reads questions line by line; when stdin is not a terminal (`printf 'question\n' | ...`) it
answers every line and exits at the end of input.
"""

from __future__ import annotations

import getpass
import time
import uuid
from typing import IO, TYPE_CHECKING

from supportbot.core.enums import Outcome
from supportbot.usecases.messages import Incoming, Reply
from supportbot.usecases.respond import Handled, Pipeline, Where

if TYPE_CHECKING:
    from supportbot.core.context import AppContext

PROMPT = "you> "


def format_reply(reply: Reply) -> str:
    lines = [f"bot> {reply.text}"]
    if reply.sources:
        label = "similar solved tickets" if reply.escalated else "sources"
        if reply.outcome == Outcome.fallback:
            label = "answered with the most similar solved ticket"
        lines.append(f"     {label}: " + ", ".join(f"{s.external_id} ({s.score:.2f})" for s in reply.sources))
    if reply.escalated:
        lines.append("     (handed over to a human; the conversation is marked escalated)")
    elif reply.offer_human:
        lines.append("     (a person from the support team can take over: ask for one)")
    if reply.approval is not None:
        lines.append(
            f"     (action call {reply.approval} waits for its approval: Approve / Cancel are Slack's buttons)"
        )
    meta = [f"conversation {reply.conversation_id}"]
    if reply.model_version:
        meta.append(f"model {reply.model_version}")
    meta.append(f"{reply.latency_ms} ms")
    lines.append("     [" + ", ".join(meta) + "]")
    return "\n".join(lines)


def format_outcome(outcome: Handled) -> str:
    """What the chat shows for one message: the reply, or why the bot stays quiet (Slack's rules:
    a person holds the thread, say)."""
    if outcome.reply is None:
        return f"bot> (no answer: {outcome.plan.why})"
    return format_reply(outcome.reply)


def run_local_chat(
    pipeline: Pipeline, *, stdin: IO[str], stdout: IO[str], interactive: bool, banner: str = ""
) -> int:
    """Answer each line of ``stdin``; returns how many questions were answered."""
    session = uuid.uuid4().hex[:12]
    user = f"local:{getpass.getuser()}"
    answered = 0
    if interactive:
        stdout.write((banner or "Ask a support question (Ctrl-D or 'exit' to leave).") + "\n")
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        question = line.strip()
        if not question:
            continue
        if question.lower() in {"exit", "quit"}:
            break
        if not interactive:
            stdout.write(f"{PROMPT}{question}\n")
        incoming = Incoming(
            text=question,
            source="local",
            channel="local",
            thread_ts=session,
            user=user,
            ts=f"{time.time():.6f}",
        )
        outcome = pipeline.run(incoming, where=Where.im)
        stdout.write(format_outcome(outcome) + "\n")
        stdout.flush()
        answered += outcome.said
    return answered


def local_chat_main(ctx: AppContext, *, stdin: IO[str], stdout: IO[str]) -> int:
    from supportbot.bot.runtime import build_responder

    pipeline = Pipeline(build_responder(ctx), ctx.settings)
    return run_local_chat(pipeline, stdin=stdin, stdout=stdout, interactive=stdin.isatty())
