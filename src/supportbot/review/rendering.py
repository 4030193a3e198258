"""Jinja2 templates (autoescaped) and the filters the pages share."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from supportbot.core.enums import Rating
from supportbot.review.serialize import rating_name

RATING_ICONS = {Rating.up.value: "👍", Rating.down.value: "👎"}


def when(value: datetime | None) -> str:
    """A short UTC time: '2026-11-28 15:04'."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else ""


def ago(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    seconds = max(0, int(((now or datetime.now(UTC)) - value).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


def thousands(value: int | float | None) -> str:
    return f"{value:,}" if value is not None else ""


def percent(value: float | None) -> str:
    return f"{100 * value:.0f}%" if value is not None else "–"


def make_templates(directory: Path) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(when=when, ago=ago, thousands=thousands, percent=percent, rating_name=rating_name)
    env.globals.update(RATING_ICONS=RATING_ICONS)
    return Jinja2Templates(env=env)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    session = getattr(request.state, "session", None)
    base = {
        "user": session.user if session else None,
        "csrf": session.csrf if session else "",
        "path": request.url.path,
    }
    return request.app.state.templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status_code, headers=headers
    )
