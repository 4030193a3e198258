"""`/supportbot status | retrain | promote VERSION | rollback | help`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from core import store
from core.errors import SupportbotError
from core.models import JobStatus
from usecases.retrain import request_retrain
from usecases.versions import promote, rollback

if TYPE_CHECKING:
    from slack_bolt import App

    from core.db import Sessions
    from core.settings import Settings
    from usecases.answer import Responder

log = logging.getLogger(__name__)

HELP = (
    "`/supportbot status` — the active model, the index, the job queue\n"
    "`/supportbot retrain` — fine-tune on the latest reviewed conversations (admins)\n"
    "`/supportbot promote VERSION` — make a candidate version live (admins)\n"
    "`/supportbot rollback` — return to the previous version (admins)"
)
ADMIN_ONLY = {"retrain", "promote", "rollback"}


def status_text(sessions: Sessions, retriever: Any | None) -> str:
    with sessions() as s:
        active = store.active_model_version(s)
        tickets = store.count_tickets(s)
        queued = store.count_jobs(s, status=JobStatus.queued)
        running = store.count_jobs(s, status=JobStatus.running)
    model = f"*{active.name}*" if active else "none yet"
    indexed = getattr(retriever, "size", None)
    index = f"{indexed} tickets indexed" if indexed is not None else "no index loaded"
    return f"Active model: {model} · Tickets: {tickets} ({index}) · Jobs: {queued} queued, {running} running"


def run_command(
    text: str, *, user: str, channel: str, settings: Settings, sessions: Sessions, retriever: Any | None
) -> str:
    words = (text or "").split()
    verb = words[0].lower() if words else "help"
    if verb in ADMIN_ONLY and user not in settings.admin_user_ids:
        return f"Sorry, `{verb}` is for supportbot admins only. Ask one of them, or try `/supportbot status`."
    try:
        if verb == "status":
            return status_text(sessions, retriever)
        if verb == "retrain":
            job = request_retrain(sessions, requested_by=user, via="slack", slack_channel=channel)
            return f"Queued retraining job {job.id}. I'll post here when it ends."
        if verb == "promote":
            if len(words) != 2:
                return "Usage: `/supportbot promote VERSION`"
            _, verdict = promote(sessions, name=words[1], actor=user)
            return f"{words[1]} is now live ({verdict})."
        if verb == "rollback":
            target, previous = rollback(sessions, actor=user)
            return f"Rolled back from {previous} to {target.name}."
    except SupportbotError as exc:
        return f"⚠️ {exc}"
    return HELP


def register(app: App, *, responder: Responder, settings: Settings) -> None:
    @app.command("/supportbot")
    def on_command(ack: Any, command: dict[str, Any]) -> None:
        reply = run_command(
            command.get("text", ""),
            user=command["user_id"],
            channel=command["channel_id"],
            settings=settings,
            sessions=responder.sessions,
            retriever=responder.retriever,
        )
        ack(text=reply)
