"""The assistant pane (Slack's AI-app surface): a greeting with suggested prompts when a thread
starts, the thread's context kept when the user switches channels.

The user's messages in an assistant thread are direct messages: the message listeners answer them
through the same spool and pipeline as any DM (bolt's Assistant has no ``user_message`` listener
here, so those events pass on to them), with the "is looking through past tickets…" status and the
thread's title set while the answer is written (bot.listeners.messages).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from slack_bolt import Assistant
from slack_bolt.context.assistant.thread_context import AssistantThreadContext
from slack_bolt.context.assistant.thread_context_store.store import AssistantThreadContextStore

from supportbot.usecases.suggestions import suggested_prompts

if TYPE_CHECKING:
    from slack_bolt import App

    from supportbot.core.settings import Settings
    from supportbot.usecases.answer import Responder

log = logging.getLogger(__name__)

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
