"""The message shortcut "Ask supportbot about this message": the bot answers that message in
its thread, as if it had been mentioned there (same spool, same pipeline, same checks)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from supportbot.bot.delivery import Inbox
from supportbot.bot.listeners.door import NotAQuestion, classify
from supportbot.core.originals import Sealer

if TYPE_CHECKING:
    from slack_bolt import App

    from supportbot.core.settings import Settings
    from supportbot.usecases.answer import Responder

log = logging.getLogger(__name__)

ASK = "ask_supportbot"


def register(app: App, *, responder: Responder, settings: Settings, inbox: Inbox) -> None:
    sealer = Sealer.from_settings(settings)

    @app.shortcut(ASK)
    def on_ask(ack: Any, body: dict[str, Any]) -> None:
        ack()
        message = body.get("message") or {}
        # The message's author asked; the answer goes into that message's thread.
        event = {
            "type": "app_mention",
            "user": message.get("user"),
            "text": message.get("text"),
            "ts": message.get("ts"),
            "thread_ts": message.get("thread_ts"),
            "channel": (body.get("channel") or {}).get("id"),
        }
        try:
            kind, incoming = classify(
                event, {"team_id": (body.get("team") or {}).get("id")}, bot_user_id=None, sealer=sealer
            )
        except NotAQuestion as why:
            log.info("shortcut on a message that is no question for the bot: %s", why)
            return
        key = inbox.accept(kind=kind, incoming=incoming)
        if key is not None:  # None: that message was asked about (or mentioned the bot) already
            inbox.run(key)
