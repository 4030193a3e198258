"""Fine-tuning configuration: a dataclass whose fields carry their help text.

Load from a JSON or TOML file with ``--config FILE``; flags of `supportbot train run` override it.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from supportbot.core.errors import InvalidInput
from supportbot.training.data import EARLIER_ERA


def opt(default: Any, help: str, **kwargs: Any) -> Any:
    if callable(default):
        return field(default_factory=default, metadata={"help": help}, **kwargs)
    return field(default=default, metadata={"help": help}, **kwargs)


@dataclass
class FinetuneConfig:
    base: str | None = opt(
        None, "Base model: HF name or path. Default: the active version's base (our own model)."
    )
    data: list[str] = opt(
        list,
        "Support logs to learn: chat JSONL, Q/A CSV or Zendesk/Freshdesk/Intercom exports. Default: the newer"
        " sample logs.",
    )
    data_eras: list[str] = opt(lambda: ["recent"], "For the bundled sample logs: which era is the new data.")
    conversations: bool = opt(True, "Also learn from our own conversations rated 👍 or approved in review.")
    replay: list[str] = opt(
        list,
        "Earlier data mixed back in so old topics are not forgotten. Default: the sample logs' earlier era"
        " when learning the sample logs; none when --data names your own logs.",
    )
    newest: float = opt(
        0.2,
        "With --data and no --replay: learn the newest share of the conversations (by `created`, else file"
        " order; what `train base --data` left for the fine-tune) and replay the older part. 0: learn all"
        " of --data with no replay.",
    )
    replay_eras: list[str] = opt(
        lambda: [EARLIER_ERA], "For the bundled sample logs: which era is the earlier data."
    )
    replay_ratio: float = opt(
        4.0,
        "Replayed conversations per new one (0 turns replay off). New topics arrive many"
        " conversations per intent at once; a generous replay keeps the earlier intents from being"
        " crowded out (on the sample logs 1 per new one cost the earlier topics 0.07 answer F1, 4 none).",
    )
    eval_questions: str | None = opt(
        None,
        "Held-out questions (JSONL: question, reference, intent, era). Default: the sample's; with"
        " --data naming your own logs, the first question and answer of each validation conversation.",
    )
    question_field: str = opt("question", "Q/A CSV: the column with the customer's question.")
    answer_field: str = opt("resolution", "Q/A CSV: the column with the answer.")
    rank: int = opt(64, "LoRA rank r (a small model needs a high rank to take in a new product).")
    alpha: int = opt(64, "LoRA alpha (scaling = alpha / r).")
    dropout: float = opt(0.0, "LoRA dropout (0 also skips a copy of every adapted input: faster).")
    target_modules: list[str] = opt(
        lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "Modules that get LoRA matrices (names inside the base model).",
    )
    lr: float = opt(3e-3, "Peak learning rate (linear warm-up, cosine decay to 10%).")
    warmup: float = opt(0.1, "Share of the steps over which the learning rate warms up.")
    epochs: float = opt(2.5, "Passes over the (packed) training data; `steps` wins when set.")
    steps: int | None = opt(None, "Optimizer steps (overrides epochs).")
    batch_size: int = opt(
        2,
        "Rows per step (a packed row holds several conversations). Small batches, more steps: on the"
        " sample logs 2 rows x 1,000 steps learned the new topics better than 8 x 300 in the same time.",
    )
    grad_accum: int = opt(1, "Gradient accumulation steps.")
    max_length: int = opt(512, "Longest row in tokens (the model's context window caps it).")
    packing: bool = opt(True, "Pack short conversations into full rows instead of padding.")
    val_fraction: float = opt(0.1, "Share of conversations held out for validation.")
    seed: int = opt(0, "Random seed (data order, LoRA init, sampling).")
    checkpoint_every: int = opt(0, "Save the adapter every N steps (0: only at the end).")
    val_max_examples: int = opt(
        200,
        "At most this many validation conversations per split (new, earlier topics) for loss and"
        " perplexity, spread evenly: with a pretrained base every pass over them costs minutes on a CPU.",
    )
    eval_max_questions: int = opt(400, "At most this many held-out questions are generated for the report.")
    calibration_questions: int = opt(
        160,
        "At most this many validation questions calibrate the checks after the model (the agreement"
        " floor, the close-match score) for this model: never the ones the report is measured on.",
    )
    serve_eval: bool = opt(True, "Also ask the questions through our server, completion vs chat style.")
    serve_eval_questions: int = opt(
        50,
        "How many of the report's questions (the first ones) go through our server as well: its"
        " /v1/completions and /v1/chat/completions text checked against the in-process answers.",
    )
    tickets: int = opt(
        2,
        "Retrieved tickets in every example's prompt, as the bot shows them (its own ticket left out);"
        " 0 trains without. Needs the ticket index (`supportbot index build`).",
    )
    ticket_budget: int = opt(
        180, "Token budget (approx_tokens) of the tickets in a prompt; each is clipped to its share."
    )
    unrelated_share: float = opt(
        0.05,
        "Share of examples given unrelated tickets only, whose answer becomes \"I can't find this in our"
        ' past cases" (the bot hands those over).',
    )
    thin_share: float = opt(
        0.25,
        "Share of examples whose customer wording is thinned to about half its words, so the answer is"
        " learned from the tickets in the prompt rather than from wordings seen in training (new customers"
        " word things in new ways).",
    )
    max_answer_tokens: int = opt(160, "Longest answer generated for the evaluation report.")
    promote: bool = opt(
        False,
        "Make the candidate live when its evaluation passes the rules of `supportbot model promote`"
        " (otherwise it waits for an admin's promote).",
    )

    @classmethod
    def help_text(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in fields(cls)}

    @classmethod
    def from_file(cls, path: Path) -> FinetuneConfig:
        try:
            raw = tomllib.loads(path.read_text()) if path.suffix == ".toml" else json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{path}: cannot read the config ({exc})") from None
        return cls.from_dict(raw, where=str(path))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, where: str = "config") -> FinetuneConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise InvalidInput(f"{where}: unknown setting(s) {', '.join(unknown)}")
        config = cls(**raw)
        config.validate()
        return config

    def merged(self, **overrides: Any) -> FinetuneConfig:
        values = asdict(self)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return FinetuneConfig.from_dict(values)

    def served(self, questions: int) -> int:
        """How many of the report's ``questions`` also go through the model server (0: none)."""
        return min(questions, max(0, self.serve_eval_questions)) if self.serve_eval else 0

    def validate(self) -> None:
        checks = [
            (self.rank > 0, "rank must be positive"),
            (self.alpha > 0, "alpha must be positive"),
            (0 <= self.dropout < 1, "dropout must be in [0, 1)"),
            (self.lr > 0, "lr must be positive"),
            (self.batch_size > 0 and self.grad_accum > 0, "batch_size and grad_accum must be positive"),
            (self.steps is None or self.steps > 0, "steps must be positive"),
            (self.epochs > 0, "epochs must be positive"),
            (0 <= self.warmup < 1, "warmup must be in [0, 1)"),
            (0 <= self.val_fraction < 0.5, "val_fraction must be in [0, 0.5)"),
            (self.replay_ratio >= 0, "replay_ratio must be >= 0"),
            (0 <= self.newest < 1, "newest must be in [0, 1)"),
            (bool(self.target_modules), "target_modules must not be empty"),
            (self.tickets >= 0 and self.ticket_budget > 0, "tickets must be >= 0 and ticket_budget positive"),
            (0 <= self.unrelated_share < 0.5, "unrelated_share must be in [0, 0.5)"),
            (0 <= self.thin_share < 1, "thin_share must be in [0, 1)"),
            (self.max_answer_tokens > 0, "max_answer_tokens must be positive"),
            (self.val_max_examples > 0, "val_max_examples must be positive"),
            (self.calibration_questions >= 0, "calibration_questions must be >= 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise InvalidInput(f"invalid training config: {message}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def defaults() -> dict[str, Any]:
    out = {}
    for f in fields(FinetuneConfig):
        if f.default is not MISSING:
            out[f.name] = f.default
        elif f.default_factory is not MISSING:
            out[f.name] = f.default_factory()
    return out
