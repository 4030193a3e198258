"""What a fine-tune learns from: the new logs (and the team's reviewed conversations), earlier
logs replayed so old topics are not forgotten, and each example with the tickets the bot would
show for it, tokenized."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportbot.core.errors import InvalidInput
from supportbot.training.config import FinetuneConfig
from supportbot.training.context import GroundingStats, TicketSettings, ground_or_plain, grounded_chat
from supportbot.training.data import (
    EARLIER_ERA,
    SAMPLE_DIR,
    Conversation,
    Prepared,
    from_store_rows,
    load_file,
    newest_apart,
    prepare,
    spread,
)
from supportbot.training.eval_set import eval_questions_path, load_eval_items

if TYPE_CHECKING:
    from supportbot.core.db import Sessions
    from supportbot.core.settings import Settings


@dataclass
class Examples:
    """A run's tokenized examples, each with the tickets the bot would show for it."""

    train: list[Any]
    val_new: list[Any]
    val_replay: list[Any]
    max_length: int
    grounding: GroundingStats | None


def load_logs(paths: list[str], eras: list[str], *, config: FinetuneConfig, what: str) -> list[Conversation]:
    sample = [str(SAMPLE_DIR / "conversations.jsonl")]
    use_sample = not paths
    out: list[Conversation] = []
    errors: list[str] = []
    for p in paths or sample:
        path = Path(p)
        if not path.exists():
            raise InvalidInput(f"{path}: no such file")
        loaded, report = load_file(
            path, question_field=config.question_field, answer_field=config.answer_field
        )
        out += loaded
        errors += report.errors  # every file's, not the last one's
    if errors:
        shown = "\n  ".join(errors[:10])
        print(f"{what}: {len(errors)} bad line(s) skipped:\n  {shown}", file=sys.stderr)
    if use_sample and eras:
        out = [c for c in out if c.meta.get("era", EARLIER_ERA) in eras]
    return out


def gather_data(config: FinetuneConfig, *, sessions: Sessions | None) -> tuple[Prepared, Prepared]:
    """(new data, replay data), each redacted, masked, de-duplicated and split."""
    eval_path = eval_questions_path(config)
    held_out = [i.question for i in load_eval_items(eval_path)] if eval_path else []
    new = load_logs(config.data, config.data_eras, config=config, what="data")
    if config.conversations and sessions is not None:
        from supportbot.core import store

        with sessions() as s:
            own = from_store_rows(store.training_conversations(s))
        new += own
    if not new:
        raise InvalidInput("no conversations to learn from (check --data)")
    replay: list[Conversation] = []
    if config.data and not config.replay and config.newest > 0:
        # A team's own export without separate earlier logs: the newest share is what is learned
        # (what `train base --data` left for it), the older part is replayed so it is not
        # forgotten. The bundled sample, another company's history, is never replayed into it.
        logs = [c for c in new if c.source != "conversations"]
        reviewed = [c for c in new if c.source == "conversations"]
        older, newest = newest_apart(logs, config.newest)
        new = newest + reviewed
        want = int(len(new) * config.replay_ratio) if config.replay_ratio > 0 else 0
        replay = spread(older, want)
        print(
            f"data: learning the newest {len(newest)} of {len(logs)} conversations"
            f" ({config.newest:.0%}) and {len(reviewed)} reviewed ones; replaying {len(replay)} older ones",
            file=sys.stderr,
        )
    elif config.replay_ratio > 0 and config.data and not config.replay:
        # The bundled sample is another company's history: it is replayed only into fine-tunes on
        # the sample itself, never into a team's own logs.
        print(
            "replay: none (pass --replay FILE with your earlier logs so the old topics are not forgotten)",
            file=sys.stderr,
        )
    elif config.replay_ratio > 0:
        pool = load_logs(config.replay, config.replay_eras, config=config, what="replay")
        want = int(len(new) * config.replay_ratio)
        replay = spread(pool, want)  # deterministic, over the whole history
    return (
        prepare(new, eval_questions=held_out, val_fraction=config.val_fraction),
        prepare(replay, eval_questions=held_out, val_fraction=config.val_fraction),
    )


def training_retriever(
    config: FinetuneConfig, *, settings: Settings, sessions: Sessions | None
) -> Any | None:
    """The ticket index the examples' tickets come from; None (said on stderr) without one."""
    if config.tickets <= 0 or sessions is None:
        return None
    try:
        from supportbot.retrieval.search import Retriever

        return Retriever.open(settings=settings, sessions=sessions)
    except Exception as exc:
        print(f"tickets: none in the prompts ({exc})", file=sys.stderr)
        return None


def build_examples(
    config: FinetuneConfig, tokenizer: Any, new: Prepared, replay: Prepared, *, retriever: Any | None
) -> Examples:
    """Every conversation with the tickets the bot would show for it (training/context.py),
    tokenized; validation examples spread down to ``val_max_examples`` per split."""
    from supportbot.training.sft import encode

    max_length = min(config.max_length, getattr(tokenizer, "model_max_length", 10**9) or 10**9)
    ticket_settings = TicketSettings(
        k=config.tickets,
        budget=config.ticket_budget,
        unrelated_share=config.unrelated_share,
        seed=config.seed,
        thin_share=config.thin_share,
    )
    plain = TicketSettings(k=config.tickets, budget=config.ticket_budget, unrelated_share=0.0)
    train_set, grounding = ground_or_plain(
        new.train + replay.train, retriever=retriever, settings=ticket_settings
    )
    val_new_set, _ = ground_or_plain(new.val, retriever=retriever, settings=plain)
    val_replay_set, _ = ground_or_plain(replay.val, retriever=retriever, settings=plain)

    def encoded(grounded: list[Any]) -> list[Any]:
        chats = (grounded_chat(g, budget=config.ticket_budget) for g in grounded)
        return [e for chat in chats if (e := encode(tokenizer, chat, max_length=max_length))]

    train_ex = encoded(train_set)
    if not train_ex:
        raise InvalidInput("no training examples left after preparation")
    return Examples(
        train=train_ex,
        val_new=spread(encoded(val_new_set), config.val_max_examples),
        val_replay=spread(encoded(val_replay_set), config.val_max_examples),
        max_length=max_length,
        grounding=grounding,
    )
