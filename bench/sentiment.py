"""The customer-mood classifier against the lexicon baseline, on the sample's held-out families,
and how fast it scores one message.

    python -m bench.sentiment [--candidates logreg,mlp,tuned] [--threads 2] [--repeat 200]

One run trains every candidate (as `supportbot train sentiment` does, into a temporary home),
prints the held-out figures of each candidate, of the chosen classifier and of vaderSentiment
side by side, then times single-message scoring: the project's embedder alone, our classifier
(embedding included) and vaderSentiment, each on the same held-out turns one at a time, and
the classifier on batches of 64.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _timed(fn, items) -> list[float]:
    out = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def _row(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    return f"| {name} | {statistics.median(ms):.2f} | {p99:.2f} | {1000 / statistics.mean(ms):,.0f} |"


def flagged(labels: list[str], frustration: list[float], *, offer_at: float) -> list[bool]:
    """What the bot acts on: a negative turn, or one frustrated enough to offer a person."""
    return [lab == "negative" or f >= offer_at for lab, f in zip(labels, frustration, strict=True)]


SHOPS = {  # messages written apart from the sample's generator, each shop's own hand
    "another shop": "bench/second_shop/mood.toml",
    "a broadband provider": "bench/third_set/mood.toml",
}


def other_shops(scorer, *, offer_at: float) -> None:
    """Messages of other teams, written apart from the sample's generator (each shop's
    mood.toml, its hand-written lines only): abusive ones should be flagged, ordinary requests
    not, upset ones mostly."""
    from bench.second_shop.generate import mood_rows
    from supportbot.training.sentiment_eval import vader
    from supportbot.training.sentiment_model import LABELS

    root = Path(__file__).resolve().parents[1]
    for shop, file in SHOPS.items():
        rows = mood_rows(root / file)
        texts = [r["text"] for r in rows]
        moods = scorer.score(texts)
        ours = flagged([m.label.value for m in moods], [m.frustration for m in moods], offer_at=offer_at)
        v = vader(texts)
        theirs = flagged([LABELS[int(i)].value for i in v.predicted], list(v.frustration), offer_at=offer_at)
        print(
            f"\n{shop}'s messages, written apart from the sample ({file});"
            f" flagged = negative, or frustration >= {offer_at:g} (a person offered)\n"
        )
        print("| messages | n | ours flagged | vaderSentiment flagged |\n|---|---:|---:|---:|")
        for label, want in (("abusive", "recall"), ("upset", "recall"), ("ordinary", "false alarms")):
            idx = [i for i, r in enumerate(rows) if r["label"] == label]
            a = sum(ours[i] for i in idx) / len(idx)
            b = sum(theirs[i] for i in idx) / len(idx)
            print(f"| {label} ({want}) | {len(idx)} | {a:.3f} | {b:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--candidates", default="logreg,mlp,tuned")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=200, help="Single messages timed per scorer.")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from supportbot.core.settings import Settings
    from supportbot.retrieval.embedder import load_embedder
    from supportbot.training.sentiment import SentimentConfig, load_scorer, train_sentiment
    from supportbot.training.sentiment_data import sample_turns

    home = Path(tempfile.mkdtemp(prefix="bench-sentiment-"))
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'x.db'}")
    turns = sample_turns()
    config = SentimentConfig(candidates=tuple(args.candidates.split(",")))
    started = time.perf_counter()
    run = train_sentiment(turns, settings=settings, config=config, say=print)
    print(f"\ntrained in {time.perf_counter() - started:.1f} s ({args.threads} torch threads)\n")
    report = run.report

    cols = [*report["candidates"], f"ours ({report['chosen']}, refitted)", "vaderSentiment"]
    figures = [c["test"] for c in report["candidates"].values()] + [report["ours"], report["baseline"]]
    print(f"held-out turns: {report['ours']['n']} (template families never trained on)\n")
    print("| metric | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for key, label in (
        ("macro_f1", "macro-F1"),
        ("accuracy", "accuracy"),
        ("ece", "ECE"),
        ("brier", "Brier"),
        ("frustration_mae", "frustration MAE"),
        ("frustration_spearman", "frustration Spearman"),
    ):
        print(f"| {label} | " + " | ".join(f"{f[key]:.3f}" for f in figures) + " |")
    print(
        "| validation macro-F1 | "
        + " | ".join(f"{c['validation']['macro_f1']:.3f}" for c in report["candidates"].values())
        + " | | |"
    )
    print(
        "| fit seconds | "
        + " | ".join(f"{c['seconds']:.1f}" for c in report["candidates"].values())
        + " | | |"
    )
    print("\n| style | turns | ours | vaderSentiment |\n|---|---:|---:|---:|")
    for style, row in report["by_style"].items():
        print(f"| {style} | {row['n']} | {row['ours']:.3f} | {row['vader']:.3f} |")

    scorer = load_scorer(settings)
    assert scorer is not None
    other_shops(scorer, offer_at=settings.frustration_offer_at)

    # Latency of one message, as the bot scores each customer turn.
    embedder = load_embedder(settings.embedder)
    vader = SentimentIntensityAnalyzer()
    texts = [t.text for t in turns if t.split == "test"]
    singles = (texts * (1 + args.repeat // len(texts)))[: args.repeat]
    for text in singles[:20]:  # warm up every path
        scorer.score([text])
        embedder.encode([text])
    embed_ms = _timed(lambda t: embedder.encode([t]), singles)
    ours_ms = _timed(lambda t: scorer.score([t]), singles)
    vader_ms = _timed(vader.polarity_scores, singles)
    batches = [texts[i : i + 64] for i in range(0, len(texts) - 63, 64)]
    started = time.perf_counter()
    for batch in batches:
        scorer.score(batch)
    batch_rate = sum(map(len, batches)) / (time.perf_counter() - started)
    print(f"\none message at a time ({len(singles)} held-out turns, {args.threads} torch threads)\n")
    print("| scorer | p50 ms | p99 ms | messages/s |\n|---|---:|---:|---:|")
    print(_row("embedder alone (all-MiniLM-L6-v2)", embed_ms))
    print(_row(f"ours ({report['chosen']}), embedding included", ours_ms))
    print(_row("vaderSentiment", vader_ms))
    print(
        f"\nours beyond the embedding: {statistics.median(ours_ms) - statistics.median(embed_ms):.2f} ms p50; "
        f"batches of 64: {batch_rate:,.0f} messages/s"
    )


if __name__ == "__main__":
    main()
