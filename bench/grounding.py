"""Which model answers best? Every configuration through the real answer pipeline, side by side.

    python -m bench.grounding --config NAME=BASE[:ADAPTER][@TICKETS] [--config ...] [--limit 420]

Each configuration is served by our model server (in this process) and asked every held-out
question of the sample (data/sample/eval_questions.jsonl) through the same path as
`supportbot ask --file`: a new conversation each, retrieval, the prompt with TICKETS retrieved
tickets (0: none), the model, the grounding guard, the gate. The top-ticket baseline (what the
bot shows without a model) is measured on the same questions in the same run. Printed per
configuration: right procedure (every keyphrase of the intent in the answer), token F1 and
ROUGE-L against the reference, answers with an invented identifier, hand-overs, fallbacks, ms
per answer, and the training time its model folder records. Also written to
bench/results/grounding.{json,md} with the per-answer agreement signals used to calibrate
SUPPORTBOT_DISAGREE_BELOW.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@dataclass
class Config:
    name: str
    base: str
    adapter: str | None
    tickets: int

    @classmethod
    def parse(cls, text: str) -> Config:
        name, _, rest = text.partition("=")
        rest, _, tickets = rest.partition("@")
        base, _, adapter = rest.partition(":")
        return cls(name, base, adapter or None, int(tickets or 2))


def training_seconds(path: str | None) -> float | None:
    """What the model folder says its training took (ours write it in supportbot.json)."""
    if not path:
        return None
    meta = Path(path) / "supportbot.json"
    if not meta.is_file():
        return None
    metrics = json.loads(meta.read_text()).get("metrics", {})
    return metrics.get("seconds") or metrics.get("train_seconds")


FLOORS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35)


def calibrate(
    replies: list[Any], items: list[Any], *, embedder: Any, score: Any, weights: Any
) -> list[dict[str, Any]]:
    """Right procedure and F1 if every model answer agreeing less than a floor with its tickets
    were replaced by the top one, as the bot's fallback shows it. Signals: the lexical one the bot
    uses (token F1 with the resolutions, core.grounding.agreement) against the two tickets in the
    prompt or the top one alone, the cosine of the sentence embeddings of answer and top
    resolution, and the share of what the retrieved tickets agree on that the answer says
    (core.grounding.coverage: the one the bot uses)."""
    import numpy as np

    from supportbot.core.grounding import agreement, coverage
    from supportbot.core.identifiers import Masker
    from supportbot.core.settings import Settings
    from supportbot.usecases.decide import fallback_text

    model_rows = [i for i, r in enumerate(replies) if r.outcome == "model" and r.sources]
    lexical = {
        i: agreement(replies[i].text, [s.resolution for s in replies[i].sources[:2]]) for i in model_rows
    }
    lexical_top = {i: agreement(replies[i].text, [replies[i].sources[0].resolution]) for i in model_rows}
    covered = {
        i: coverage(replies[i].text, [s.resolution for s in replies[i].sources], weights) for i in model_rows
    }
    covered = {i: (1.0 if c is None else c) for i, c in covered.items()}
    texts = [replies[i].text for i in model_rows] + [replies[i].sources[0].resolution for i in model_rows]
    vectors = embedder.encode(texts) if model_rows else np.zeros((0, 1))
    n = len(model_rows)
    cosine = {i: float(vectors[j] @ vectors[n + j]) for j, i in enumerate(model_rows)}
    # The close-match rule (SUPPORTBOT_CLOSE_MATCH_SCORE, at its default) applied as well: a
    # "no past case fits" whose closest ticket is a close match shows that ticket.
    close = Settings().close_match_score
    overruled = {
        i
        for i, r in enumerate(replies)
        if r.outcome == "handover"
        and r.reason == "the model found no past case that fits"
        and r.sources
        and r.sources[0].score >= close
    }
    fallback = {}
    for i in [*model_rows, *overruled]:
        masker = Masker()
        masker.mask(items[i].question)
        fallback[i] = fallback_text(replies[i].sources[0], why="disagreement", masker=masker)
    rows = []
    for signal, values in (
        ("lexical, top 2", lexical),
        ("lexical, top 1", lexical_top),
        ("cosine, top 1", cosine),
        ("agreed terms, top 3", covered),
    ):
        floors = {"lexical": FLOORS, "cosine": tuple(f + 0.3 for f in FLOORS)}.get(
            signal.split(",")[0], (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
        )
        for floor in floors:
            swapped = {i for i in model_rows if values[i] < floor}
            answers = [fallback[i] if i in swapped | overruled else r.text for i, r in enumerate(replies)]
            got = score(answers, items)["all"]
            rows.append(
                {
                    "signal": signal,
                    "floor": floor,
                    "keyphrase_accuracy": got["keyphrase_accuracy"],
                    "f1": got["f1"],
                    "replaced": len(swapped) / len(replies),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", action="append", default=[], help="NAME=BASE[:ADAPTER][@TICKETS]")
    parser.add_argument("--limit", type=int, default=420)
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="Answer with the agreement check and the close-match rule off, and print what each floor"
        " of each signal would give on those answers (how SUPPORTBOT_DISAGREE_BELOW was chosen).",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "grounding"))
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from bench.sample import sample_retriever
    from supportbot.bot.ask import Question, ask_many
    from supportbot.core.identifiers import Masker, present_past
    from supportbot.core.scoring import token_f1
    from supportbot.core.settings import load_settings
    from supportbot.retrieval.embedder import load_embedder
    from supportbot.serving.embedded import EmbeddedServer
    from supportbot.training.eval_set import load_eval_items
    from supportbot.training.pretrained import resolve
    from supportbot.training.scores import score_answers
    from supportbot.usecases.answer import Responder
    from supportbot.usecases.model_client import ModelClient
    from supportbot.usecases.respond import Pipeline

    sample = ROOT / "data" / "sample"
    items = load_eval_items(
        sample / "eval_questions.jsonl", intents_path=sample / "intents.json", limit=args.limit
    )
    questions = [Question(str(i), item.question) for i, item in enumerate(items)]
    embedder = load_embedder()
    results: dict[str, Any] = {}
    signals: dict[str, list[dict[str, Any]]] = {}
    calibrations: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        engine, sessions, retriever = sample_retriever(Path(tmp), embedder)
        from supportbot.core.grounding import TermWeights

        weights = TermWeights.from_store(sessions)

        started = time.perf_counter()
        tops = retriever.search_many([q.text for q in questions], k=1)
        baseline = []
        for q, hits in zip(questions, tops, strict=True):
            masker = Masker()
            masker.mask(q.text)
            baseline.append(present_past(hits[0].resolution, masker) if hits else "")
        ms = (time.perf_counter() - started) * 1000 / len(questions)
        results["top ticket (baseline)"] = {**score_answers(baseline, items)["all"], "ms_per_answer": ms}

        for spec in map(Config.parse, args.config):
            base = resolve(spec.base, models_dir=load_settings().models_dir)
            adapters = {spec.name: spec.adapter} if spec.adapter else {}
            settings = load_settings(
                home=Path(tmp) / "home",
                database_url=f"sqlite:///{tmp}/grounding.db",
                prompt_tickets=spec.tickets,
                max_answer_tokens=args.max_tokens,
                model_name=spec.name if spec.adapter else "supportbot",
                model_timeout_s=600,
                model_retries=0,
                **({"disagree_below": 0.0, "close_match_score": 1.0} if args.calibrate else {}),
            )
            with EmbeddedServer(base, adapters=adapters, device="auto") as server:
                settings = settings.model_copy(update={"model_base_url": server.base_url})
                responder = Responder(
                    settings=settings,
                    sessions=sessions,
                    retriever=retriever,
                    model=ModelClient.from_settings(settings),
                )
                started = time.perf_counter()
                pipeline = Pipeline(responder, settings)
                handled = [h for _, h in ask_many(pipeline, questions, concurrency=args.concurrency)]
                replies = [h.reply for h in handled if h.reply is not None]
                assert len(replies) == len(handled), "a single question always gets a reply"
                elapsed = time.perf_counter() - started
            texts = [r.text for r in replies]
            row = score_answers(texts, items)["all"]
            row["handover_rate"] = sum(r.outcome == "handover" for r in replies) / len(replies)
            row["fallback_rate"] = sum(r.outcome == "fallback" for r in replies) / len(replies)
            row["ms_per_answer"] = elapsed * 1000 / len(replies)
            # Both stages of our own model: the base from scratch, then the LoRA fine-tune.
            stages = [t for t in (training_seconds(base), training_seconds(spec.adapter)) if t]
            row["training_s"] = sum(stages) if stages else None
            results[spec.name] = row
            if args.calibrate:
                calibrations[spec.name] = calibrate(
                    replies, items, embedder=embedder, score=score_answers, weights=weights
                )
            signals[spec.name] = [
                {
                    "outcome": r.outcome,
                    "right": all(k.lower() in r.text.lower() for k in item.keyphrases),
                    "top_score": r.sources[0].score if r.sources else None,
                    "agreement": max((token_f1(r.text, s.resolution) for s in r.sources), default=0.0),
                    "reason": r.reason,
                    "intent": item.intent,
                    "question": item.question,
                    "answer": r.text,
                    "sources": [src.external_id for src in r.sources],
                }
                for r, item in zip(replies, items, strict=True)
            ]
        engine.dispose()

    columns = [
        ("keyphrase_accuracy", "right procedure"),
        ("f1", "token F1"),
        ("rouge_l", "ROUGE-L"),
        ("invented_identifier_rate", "invented ids"),
        ("handover_rate", "hand-overs"),
        ("fallback_rate", "fallbacks"),
        ("ms_per_answer", "ms/answer"),
        ("training_s", "training s"),
    ]
    lines = [
        f"{len(items)} held-out questions of the sample, through the answer pipeline",
        "",
        "| configuration | " + " | ".join(label for _, label in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name, row in results.items():
        cells = []
        for key, _ in columns:
            value = row.get(key)
            cells.append(
                "–"
                if value is None
                else f"{value:.0f}"
                if key in ("ms_per_answer", "training_s")
                else f"{value:.3f}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for name, rows in calibrations.items():
        lines += [
            "",
            f"{name}: a model answer below the agreement floor replaced by the best ticket (what"
            " SUPPORTBOT_DISAGREE_BELOW does), on the same answers",
            "",
            "| signal | floor | right procedure | token F1 | replaced |",
            "|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {r['signal']} | {r['floor']:.2f} | {r['keyphrase_accuracy']:.3f} | {r['f1']:.3f} | {r['replaced']:.3f} |"
            for r in rows
        ]
    table = "\n".join(lines)
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(table + "\n")
    out.with_suffix(".json").write_text(
        json.dumps({"results": results, "calibration": calibrations, "signals": signals}, indent=1)
    )


if __name__ == "__main__":
    main()
