"""`/supportbot status | retrain | promote VERSION | rollback | channel … | help`.

The words are parsed here; what they do is a use case each (usecases.retrain, usecases.versions,
usecases.channels).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from supportbot.core import store
from supportbot.core.enums import AnswerMode, JobStatus
from supportbot.core.errors import SupportbotError
from supportbot.core.store import ChannelConfig
from supportbot.usecases.channels import SETTINGS, channel_settings, set_channel_setting
from supportbot.usecases.retrain import request_retrain
from supportbot.usecases.versions import promote, rollback

if TYPE_CHECKING:
    from slack_bolt import App

    from supportbot.core.db import Sessions
    from supportbot.core.settings import Settings
    from supportbot.usecases.answer import Responder

log = logging.getLogger(__name__)

HELP = (
    "`/supportbot status` — the active model, the index, the job queue\n"
    "`/supportbot retrain` — fine-tune on the latest reviewed conversations (admins)\n"
    "`/supportbot promote VERSION` — make a candidate version live (admins)\n"
    "`/supportbot rollback` — return to the previous version (admins)\n"
    "`/supportbot channel` — this channel's settings (admins; `/supportbot channel help`)"
)
CHANNEL_HELP = (
    "`/supportbot channel` or `channel show` — this channel's settings\n"
    "`/supportbot channel mode all|mentions` — answer every new message, or only mentions\n"
    "`/supportbot channel categories a,b | all` — the ticket categories to search\n"
    "`/supportbot channel group S0123ABCD | default` — the user group tagged on a hand-over\n"
    "`/supportbot channel private on|off` — answers only the asker sees"
)
ADMIN_ONLY = {"retrain", "promote", "rollback", "channel"}


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


def describe_channel(config: ChannelConfig, *, default_group: str | None) -> str:
    """One channel's settings, as the command shows them."""
    mode = "every new message" if config.answer_mode is AnswerMode.all else "only mentions"
    categories = ", ".join(config.categories) if config.categories else "all"
    if config.handover_group:
        group = f"<!subteam^{config.handover_group}>"
    else:
        group = f"default (<!subteam^{default_group}>)" if default_group else "default (none set)"
    private = "on (answers only the asker sees)" if config.private else "off"
    return (
        f"Settings for <#{config.channel}>: answers {mode} · categories: {categories} · "
        f"hand-over group: {group} · private: {private}"
    )


def channel_command(
    words: list[str], *, user: str, team: str | None, channel: str, settings: Settings, sessions: Sessions
) -> str:
    """`channel [show] | channel SETTING VALUE`: show or change this channel's settings."""
    if not words or words == ["show"]:
        config = channel_settings(sessions, team=team, channel=channel)
        return describe_channel(config, default_group=settings.support_group_id)
    if words[0].lower() not in SETTINGS or len(words) < 2:
        return CHANNEL_HELP
    config = set_channel_setting(
        sessions, team=team, channel=channel, name=words[0], value=" ".join(words[1:]), actor=user
    )
    return "Saved. " + describe_channel(config, default_group=settings.support_group_id)


def _versions_command(verb: str, words: list[str], *, user: str, sessions: Sessions) -> str:
    if verb == "promote":
        if len(words) != 2:
            return "Usage: `/supportbot promote VERSION`"
        _, verdict = promote(sessions, name=words[1], actor=user)
        return f"{words[1]} is now live ({verdict})."
    target, previous = rollback(sessions, actor=user)
    return f"Rolled back from {previous} to {target.name}."


def run_command(
    text: str,
    *,
    user: str,
    channel: str,
    settings: Settings,
    sessions: Sessions,
    retriever: Any | None,
    team: str | None = None,
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
        if verb in ("promote", "rollback"):
            return _versions_command(verb, words, user=user, sessions=sessions)
        if verb == "channel":
            return channel_command(
                words[1:], user=user, team=team, channel=channel, settings=settings, sessions=sessions
            )
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
            team=command.get("team_id"),
            settings=settings,
            sessions=responder.sessions,
            retriever=responder.retriever,
        )
        ack(text=reply)
