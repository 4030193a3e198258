"""The App Home tab (`app_home_opened` → `views.publish`): what the bot can help with and how to
reach a human, for everyone; how it is doing today, for admins. The numbers come from
usecases.home; this module only lays them out in Block Kit."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from supportbot.usecases.home import HomeNumbers, home_numbers

if TYPE_CHECKING:
    from slack_bolt import App

    from supportbot.core.settings import Settings
    from supportbot.usecases.answer import Responder

log = logging.getLogger(__name__)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _percent(rate: float | None) -> str:
    return f"{rate:.0%}" if rate is not None else "–"


def everyone_blocks(numbers: HomeNumbers, *, support_group: str | None) -> list[dict[str, Any]]:
    topics = (
        ", ".join(numbers.categories) if numbers.categories else "questions like those our team has solved"
    )
    human = f"the support team (<!subteam^{support_group}>)" if support_group else "the support team"
    return [
        {"type": "header", "text": {"type": "plain_text", "text": "supportbot"}},
        _section(
            "I answer questions from the tickets our support team has solved before, and show the "
            "tickets I used."
        ),
        _section(f"*What I can help with:* {topics}."),
        _section(
            "*How to ask:* send me a direct message, or mention me (`@supportbot`) in a channel; "
            "I answer in the thread."
        ),
        _section(
            f"*Reaching a human:* press *Talk to a human* under any answer and {human} takes over "
            "in that thread. I stay quiet there once a person joins."
        ),
    ]


def admin_blocks(numbers: HomeNumbers) -> list[dict[str, Any]]:
    indexed = f"{numbers.indexed} tickets indexed" if numbers.indexed is not None else "no index loaded"
    return [
        {"type": "divider"},
        {"type": "header", "text": {"type": "plain_text", "text": "For admins"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Active model*\n{numbers.active_version or 'none yet'}"},
                {"type": "mrkdwn", "text": f"*Index*\n{indexed} ({numbers.tickets} in the database)"},
                {
                    "type": "mrkdwn",
                    "text": f"*Jobs*\n{numbers.queued_jobs} queued, {numbers.running_jobs} running",
                },
                {"type": "mrkdwn", "text": f"*Questions today*\n{numbers.questions_today}"},
                {
                    "type": "mrkdwn",
                    "text": (
                        f"*Hand-over rate today*\n{_percent(numbers.handover_rate_today)} "
                        f"({numbers.handed_over_today} of {numbers.conversations_today} conversations)"
                    ),
                },
            ],
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "`/supportbot status`, `retrain`, `promote VERSION`, `rollback`, `channel`",
                }
            ],
        },
    ]


def home_view(numbers: HomeNumbers, *, admin: bool, support_group: str | None) -> dict[str, Any]:
    blocks = everyone_blocks(numbers, support_group=support_group)
    if admin:
        blocks += admin_blocks(numbers)
    return {"type": "home", "blocks": blocks}


def register(app: App, *, responder: Responder, settings: Settings) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], client: Any) -> None:
        user = event.get("user")
        if not isinstance(user, str) or (event.get("tab") or "home") != "home":
            return  # the Messages tab, or a payload without a user: nothing to publish
        numbers = home_numbers(responder.sessions, indexed=getattr(responder.retriever, "size", None))
        view = home_view(
            numbers, admin=user in settings.admin_user_ids, support_group=settings.support_group_id
        )
        client.views_publish(user_id=user, view=view)
