"""How well a sentiment scorer does on labelled turns, beside the lexicon baseline
(vaderSentiment, rule-based), and the report of a training run: Markdown, JSON and a PNG
(confusion matrices and a reliability diagram) as the other training reports.

Metrics: accuracy, macro-F1, per-class F1, the confusion matrix; calibration as expected
calibration error (10 equal-width bins of the confidence in the predicted label) and the
multi-class Brier score; for the frustration score, mean absolute error and Spearman's rank
correlation. vaderSentiment gives no class probabilities: its neg/neu/pos proportions stand in
for them, its label is the standard compound threshold (±0.05), its frustration max(0, -compound).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportbot.training.sentiment_model import LABELS

if TYPE_CHECKING:
    import numpy as np

VADER_THRESHOLD = 0.05
ECE_BINS = 10


@dataclass(frozen=True)
class Scored:
    """One scorer's output on some turns: a label index, class probabilities, frustration."""

    predicted: np.ndarray  # (n,) indices into LABELS
    probabilities: np.ndarray  # (n, 3)
    frustration: np.ndarray  # (n,)


def vader(texts: Sequence[str]) -> Scored:
    import numpy as np
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyser = SentimentIntensityAnalyzer()
    scores = [analyser.polarity_scores(t) for t in texts]
    compound = np.asarray([s["compound"] for s in scores])
    predicted = np.where(compound >= VADER_THRESHOLD, 2, np.where(compound <= -VADER_THRESHOLD, 0, 1))
    probs = np.asarray([[s["neg"], s["neu"], s["pos"]] for s in scores], dtype=np.float64)
    probs /= np.clip(probs.sum(axis=1, keepdims=True), 1e-9, None)
    return Scored(predicted=predicted, probabilities=probs, frustration=np.clip(-compound, 0.0, 1.0))


def _f1(tp: float, fp: float, fn: float) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> float:
    import numpy as np

    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            total += in_bin.mean() * abs(confidence[in_bin].mean() - correct[in_bin].mean())
    return float(total)


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> list[dict[str, float]]:
    import numpy as np

    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    return [
        {
            "bin": float(edges[b]),
            "n": int((which == b).sum()),
            "confidence": float(confidence[which == b].mean()),
            "accuracy": float(correct[which == b].mean()),
        }
        for b in range(bins)
        if (which == b).any()
    ]


def metrics(truth: np.ndarray, scored: Scored, frustration: np.ndarray | None) -> dict[str, Any]:
    """``truth``: label indices; ``frustration``: the true scores (NaN where a row has none)."""
    import numpy as np

    pred = scored.predicted
    confusion = np.zeros((3, 3), dtype=int)
    for t, p in zip(truth, pred, strict=True):
        confusion[t, p] += 1
    per_class = {
        LABELS[c].value: _f1(
            confusion[c, c], confusion[:, c].sum() - confusion[c, c], confusion[c].sum() - confusion[c, c]
        )
        for c in range(3)
    }
    correct = (pred == truth).astype(float)
    confidence = scored.probabilities[np.arange(len(pred)), pred]
    onehot = np.eye(3)[truth]
    out: dict[str, Any] = {
        "n": len(truth),
        "accuracy": float(correct.mean()),
        "macro_f1": float(np.mean(list(per_class.values()))),
        "f1": per_class,
        "ece": expected_calibration_error(confidence, correct),
        "brier": float(((scored.probabilities - onehot) ** 2).sum(axis=1).mean()),
        "confusion": confusion.tolist(),
        "reliability": reliability(confidence, correct),
    }
    if frustration is not None and np.isfinite(frustration).sum() >= 3:
        from scipy.stats import spearmanr

        has = np.isfinite(frustration)
        out["frustration_mae"] = float(np.abs(scored.frustration[has] - frustration[has]).mean())
        out["frustration_spearman"] = float(spearmanr(scored.frustration[has], frustration[has]).statistic)
    return out


def by_style(styles: Sequence[str | None], truth: np.ndarray, columns: dict[str, Scored]) -> dict[str, dict]:
    """Accuracy per style (where the rows name one), for each scorer."""
    import numpy as np

    names = sorted({s for s in styles if s})
    out: dict[str, dict] = {}
    for style in names:
        rows = np.asarray([s == style for s in styles])
        out[style] = {"n": int(rows.sum())} | {
            col: float((scored.predicted[rows] == truth[rows]).mean()) for col, scored in columns.items()
        }
    return out


# --- the report ---------------------------------------------------------------------------------

HEADLINE = (
    ("accuracy", "accuracy"),
    ("macro_f1", "macro-F1"),
    ("f1.negative", "F1 negative"),
    ("f1.neutral", "F1 neutral"),
    ("f1.positive", "F1 positive"),
    ("ece", "calibration error (ECE, lower is better)"),
    ("brier", "Brier score (lower is better)"),
    ("frustration_mae", "frustration MAE (lower is better)"),
    ("frustration_spearman", "frustration Spearman"),
)


def _get(d: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        d = d.get(part) if isinstance(d, dict) else None  # type: ignore[assignment]
    return d


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _markdown(report: dict[str, Any]) -> str:
    ours, base = report["ours"], report["baseline"]
    chosen = report["chosen"]
    lines = [
        "# Sentiment classifier: held-out evaluation",
        "",
        f"{ours['n']} held-out turns ({report['test_rows_from']}); trained on {report['train_rows']} turns with "
        f"the embedder {report['embedder']}. Chosen: **{chosen}** (best validation macro-F1), frustration from "
        f"its {report['frustration_from']} (lower validation MAE). Training took {report['seconds']:.1f} s.",
        "The labels weighed alike, not as the training rows share them (class prior balanced)."
        if report.get("class_prior") == "balanced"
        else "The labels weighed as the training rows share them (class prior labelled).",
        "",
        f"| metric | ours ({chosen}) | vaderSentiment |",
        "|---|---:|---:|",
    ]
    lines += [f"| {label} | {_fmt(_get(ours, key))} | {_fmt(_get(base, key))} |" for key, label in HEADLINE]
    lines += [
        "",
        "## Candidates",
        "",
        "Each fitted on the training rows less the validation families, chosen on those families, then",
        "scored on the held-out split (the chosen one is refitted on every training row before it is saved).",
        "",
        "Frustration MAE on the validation families from the regression head · the class probabilities ·",
        "their mixture; the lowest is kept (and used for the held-out figures).",
        "",
        "| candidate | validation macro-F1 | validation frustration MAE | frustration from | "
        "held-out macro-F1 | held-out accuracy | held-out ECE | held-out frustration MAE · Spearman | "
        "temperature | fit s |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, c in report["candidates"].items():
        val, test = c["validation"], c["test"]
        maes = " · ".join(_fmt(v) for v in val["frustration_mae"].values())
        lines.append(
            f"| {name} | {_fmt(val['macro_f1'])} | {maes} | {c['frustration_from']} | {_fmt(test['macro_f1'])} | "
            f"{_fmt(test['accuracy'])} | {_fmt(test['ece'])} | {_fmt(test.get('frustration_mae'))} · "
            f"{_fmt(test.get('frustration_spearman'))} | {_fmt(c['temperature'])} | {_fmt(c['seconds'])} |"
        )
    if report.get("by_style"):
        lines += [
            "",
            "## Accuracy by style",
            "",
            "| style | turns | ours | vaderSentiment |",
            "|---|---:|---:|---:|",
        ]
        for style, row in report["by_style"].items():
            lines.append(f"| {style} | {row['n']} | {_fmt(row['ours'])} | {_fmt(row['vader'])} |")
    lines += ["", "## Confusion matrices (rows: true label, columns: predicted)", ""]
    for title, col in (("ours", ours), ("vaderSentiment", base)):
        lines += [
            f"**{title}**",
            "",
            "| | " + " | ".join(x.value for x in LABELS) + " |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {LABELS[i].value} | " + " | ".join(str(v) for v in row) + " |"
            for i, row in enumerate(col["confusion"])
        ]
        lines.append("")
    if report.get("notes"):
        lines += ["## Notes", ""] + [f"- {n}" for n in report["notes"]] + [""]
    if report.get("examples"):
        lines += [
            "## Where the two disagree (first few)",
            "",
            "| turn | true | ours | vaderSentiment |",
            "|---|---|---|---|",
        ]
        for ex in report["examples"]:
            text = ex["text"].replace("|", "\\|")
            lines.append(f"| {text} | {ex['true']} | {ex['ours']} | {ex['vader']} |")
    return "\n".join(lines) + "\n"


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), dpi=110)
    names = [x.value for x in LABELS]
    for ax, (title, col) in zip(
        axes[:2],
        ((f"ours ({report['chosen']})", report["ours"]), ("vaderSentiment", report["baseline"])),
        strict=True,
    ):
        ax.imshow(col["confusion"], cmap="Blues")
        for i, row in enumerate(col["confusion"]):
            for j, v in enumerate(row):
                ax.text(j, i, str(v), ha="center", va="center")
        ax.set_xticks(range(3), names)
        ax.set_yticks(range(3), names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{title}: macro-F1 {col['macro_f1']:.3f}")
    ax = axes[2]
    ax.plot([0, 1], [0, 1], color="gray", linestyle=":", label="perfectly calibrated")
    for label, col in (("ours", report["ours"]), ("vaderSentiment", report["baseline"])):
        bins = col["reliability"]
        ax.plot(
            [b["confidence"] for b in bins],
            [b["accuracy"] for b in bins],
            marker="o",
            label=f"{label} (ECE {col['ece']:.3f})",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence in the predicted label")
    ax.set_ylabel("share correct")
    ax.set_title("reliability")
    ax.legend(fontsize=8)
    fig.suptitle("sentiment, held-out turns")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_sentiment_report(report: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "eval.json", "md": out_dir / "eval.md", "png": out_dir / "eval.png"}
    paths["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    paths["md"].write_text(_markdown(report))
    _plot(report, paths["png"])
    return paths
