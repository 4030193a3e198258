"""Wiring: settings → retriever + model client → responder (shared by Slack and the local chat)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from supportbot.usecases.answer import Responder
from supportbot.usecases.model_client import ModelClient

if TYPE_CHECKING:
    from supportbot.core.context import AppContext
    from supportbot.core.db import Sessions
    from supportbot.core.mood import MoodScorer
    from supportbot.core.settings import Settings

log = logging.getLogger(__name__)


def load_retriever(settings: Settings, sessions: Sessions) -> tuple[Any | None, str | None]:
    """(the ticket index, None), or (None, why not): a missing, corrupt or stale index."""
    try:
        from supportbot.retrieval.search import Retriever

        return Retriever.open(settings=settings, sessions=sessions), None
    except Exception as exc:
        problem = str(exc) or type(exc).__name__
        # Loud: without an index every question is handed over; /health reports it too.
        log.error("no ticket index loaded, every question will be handed over: %s", problem)
        return None, problem


def open_retriever(settings: Settings, sessions: Sessions) -> Any | None:
    """The ticket index, or None (logged as an error) when there is none to load."""
    return load_retriever(settings, sessions)[0]


def load_mood(settings: Settings) -> MoodScorer | None:
    """The sentiment classifier (``supportbot train sentiment``), or None: messages go unscored."""
    try:
        from supportbot.training.sentiment import load_scorer

        scorer = load_scorer(settings)
    except Exception as exc:
        log.error("no sentiment classifier loaded, customer messages are not scored: %s", exc)
        return None
    if scorer is None:
        log.warning(
            "no sentiment classifier at %s (`supportbot train sentiment`): customer messages are not scored",
            settings.sentiment_model_dir,
        )
    return scorer


def build_responder(
    ctx: AppContext,
    *,
    retriever: Any | None = None,
    model: ModelClient | None = None,
    mood: MoodScorer | None = None,
) -> Responder:
    problem = None
    if retriever is None:
        retriever, problem = load_retriever(ctx.settings, ctx.sessions)
    return Responder(
        settings=ctx.settings,
        sessions=ctx.sessions,
        retriever=retriever,
        model=model or ModelClient.from_settings(ctx.settings),
        index_problem=problem,
        mood=mood or load_mood(ctx.settings),
    )


def health_check(responder: Responder, inbox: Any | None = None) -> Any:
    from supportbot.bot.health import HealthCheck

    return HealthCheck(
        sessions=responder.sessions,
        retriever=responder.retriever,
        inbox=inbox,
        index_problem=responder.index_problem,
    )
