"""Wiring: settings → retriever + model client → responder (shared by Slack and the local chat)."""

from __future__ import annotations

import logging
from typing import Any

from bot.model_client import ModelClient
from bot.responder import Responder

log = logging.getLogger(__name__)


def open_retriever(settings: Any, sessions: Any) -> Any | None:
    """The ticket index, or None (with a warning) when none was built yet."""
    try:
        from retrieval.search import Retriever

        return Retriever.open(settings=settings, sessions=sessions)
    except Exception as exc:
        log.warning("answering without ticket retrieval: %s", exc)
        return None


def build_responder(ctx: Any, *, retriever: Any | None = None, model: ModelClient | None = None) -> Responder:
    return Responder(
        settings=ctx.settings,
        sessions=ctx.sessions,
        retriever=retriever if retriever is not None else open_retriever(ctx.settings, ctx.sessions),
        model=model or ModelClient.from_settings(ctx.settings),
    )
