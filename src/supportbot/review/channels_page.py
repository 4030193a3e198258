"""The channels page: each channel's settings, as admins set them in Slack with
`/supportbot channel …` (read-only here: Slack is where they are changed, and audited)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from supportbot.review.rendering import render
from supportbot.review.web import Ctx
from supportbot.usecases.channels import all_channel_settings

router = APIRouter()


@router.get("/channels")
def channels(request: Request, ctx: Ctx) -> Response:
    return render(
        request,
        "channels.html",
        {"channels": all_channel_settings(ctx.sessions), "default_group": ctx.settings.support_group_id},
    )
