"""`supportbot train sentiment` (train the mood classifier, write its report) and `supportbot
sentiment` (score a turn, or a JSONL file of them)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _settings():
    from supportbot.core.settings import load_settings

    return load_settings()


def headline_lines(report: dict) -> list[str]:
    ours, base = report["ours"], report["baseline"]
    lines = [f"{'held-out turns':<28} {ours['n']:>10}", f"{'':<28} {'ours':>10} {'vader':>10}"]
    for key, label in (
        ("macro_f1", "macro-F1"),
        ("accuracy", "accuracy"),
        ("ece", "calibration error (ECE)"),
        ("brier", "Brier score"),
        ("frustration_mae", "frustration MAE"),
        ("frustration_spearman", "frustration Spearman"),
    ):
        if key in ours:
            lines.append(f"{label:<28} {ours[key]:>10.3f} {base[key]:>10.3f}")
    return lines


@click.command("sentiment")
@click.option(
    "--data",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Labelled turns, CSV or JSONL: text, label (negative|neutral|positive), optional frustration "
    "(0..1) and split (train|test). Default: the bundled sample.",
)
@click.option(
    "--candidates",
    default="logreg,mlp,tuned",
    show_default=True,
    help="The heads measured; the best on validation families is kept.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--class-prior",
    type=click.Choice(["balanced", "labelled"]),
    default="balanced",
    show_default=True,
    help="balanced: the labels weighed alike whatever their share of the rows; labelled: as the rows"
    " share them (for rows drawn at random from the team's own traffic).",
)
def train_sentiment_cmd(data: tuple[str, ...], candidates: str, seed: int, class_prior: str) -> None:
    """Train the customer-mood classifier (label + frustration) and report it against vaderSentiment."""
    from supportbot.training.sentiment import SentimentConfig, train_sentiment
    from supportbot.training.sentiment_data import read_turns, sample_turns
    from supportbot.training.sentiment_heads import CANDIDATES

    names = tuple(c.strip() for c in candidates.split(",") if c.strip())
    unknown = [c for c in names if c not in CANDIDATES]
    if unknown or not names:
        raise click.BadParameter(f"choose from {', '.join(CANDIDATES)}", param_hint="--candidates")
    settings = _settings()
    turns = read_turns([Path(p) for p in data]) if data else sample_turns()
    run = train_sentiment(
        turns,
        settings=settings,
        config=SentimentConfig(candidates=names, seed=seed, class_prior=class_prior),
        trained_on=", ".join(Path(p).name for p in data) if data else "the bundled sample",
        say=lambda text: click.echo(text, err=True),
    )
    click.echo(f"sentiment classifier ({run.report['chosen']}) saved to {run.model_dir}")
    for line in headline_lines(run.report):
        click.echo(f"  {line}")
    click.echo(f"report: {run.report_paths['md']}")


@click.command("sentiment")
@click.argument("text", required=False)
@click.option(
    "--file",
    "file_",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSONL of {"id", "text"} (or "query") lines to score.',
)
@click.option("--json", "as_json", is_flag=True, help="JSON lines out: id, label, frustration.")
def sentiment(text: str | None, file_: Path | None, as_json: bool) -> None:
    """How a customer's message reads: negative, neutral or positive, and frustration 0..1."""
    from supportbot.core.errors import ModelUnavailable
    from supportbot.core.pii import redact_text
    from supportbot.training.sentiment import load_scorer
    from supportbot.training.sentiment_data import ToScore, read_to_score

    if (text is None) == (file_ is None):
        raise click.UsageError("give a TEXT or --file FILE.jsonl (not both)")
    rows = read_to_score(file_) if file_ else [ToScore(id=None, text=redact_text(text or ""))]
    scorer = load_scorer(_settings())
    if scorer is None:
        raise ModelUnavailable("no sentiment classifier yet: run `supportbot train sentiment`")
    moods = scorer.score([r.text for r in rows])
    for row, mood in zip(rows, moods, strict=True):
        if as_json:
            out = {"id": row.id, **mood.as_json()} if file_ else mood.as_json()
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        else:
            prefix = f"{row.id}\t" if file_ else ""
            click.echo(f"{prefix}{mood.label.value}\tfrustration {mood.frustration:.2f}")
