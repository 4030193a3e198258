"""The answer pipeline's parts run once before the first customer's question."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from supportbot.core import store

if TYPE_CHECKING:
    from supportbot.usecases.answer import Responder

log = logging.getLogger(__name__)


def warm_up(responder: Responder) -> float:
    """Run the pipeline's parts once before the first customer does; returns the seconds taken.

    First calls pay for lazy set-up (the embedder's first forward pass, SQL compilation, the
    client's modules and response models) while holding the GIL: in a process that also acks
    Slack's events, that would stall the first acks. The model is asked for one token if it
    answers within a few seconds (it may not be up yet: the bot falls back until it is).
    """
    started = time.perf_counter()
    if responder.retriever is not None:
        try:
            responder.retriever.search("Hello, my order has not arrived yet.", k=1)
        except Exception as exc:  # real questions will search, or fail, the same way
            log.warning("warm-up search failed: %s", exc)
        try:
            responder.term_weights()
        except Exception as exc:
            log.warning("warm-up of the word weights failed: %s", exc)
    # Every statement an answer runs, once, in a transaction that is then rolled back.
    with responder.sessions() as s:
        try:
            recorded = store.record_user_turn(
                s, text="warm-up", source="warm-up", channel="warm-up", thread_ts="0", ts="0"
            )
            question = recorded.message
            store.thread_history(s, conversation_id=question.conversation_id, before_id=question.id, limit=1)
            store.record_reply(
                s, reply_to_id=question.id, text="warm-up", details={}, hits=[],
                slack_channel="warm-up", slack_ts="0.1",
            )  # fmt: skip
            store.reply_to(s, message_id=question.id)
            store.find_conversation(s, team=None, channel="warm-up", thread_ts="0")
        finally:
            s.rollback()
    if responder.model is not None:
        responder.model.warm_up()
    return time.perf_counter() - started
