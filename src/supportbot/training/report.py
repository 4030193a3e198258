"""The evaluation report: its columns (before, after, the top-ticket baseline, …) written as
Markdown, JSON and a PNG, and the headline numbers promotion reads from it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Report:
    title: str
    token_metrics: dict[str, dict[str, float]]  # column -> {loss, perplexity, token_accuracy}
    answers: dict[str, dict[str, Any]]  # column -> score_answers(...)
    examples: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def write_report(report: Report, out_dir: Path, *, stem: str = "eval") -> dict[str, Path]:
    """Markdown + JSON + PNG of a report, side by side in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / f"{stem}.json", "md": out_dir / f"{stem}.md", "png": out_dir / f"{stem}.png"}
    paths["json"].write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    lines = [f"# {report.title}", ""]
    if report.token_metrics:
        cols = list(report.token_metrics)
        lines += ["## Validation split (assistant tokens)", "", "| metric | " + " | ".join(cols) + " |"]
        lines.append("|---|" + "---|" * len(cols))
        for metric in ("perplexity", "loss", "token_accuracy"):
            lines.append(
                f"| {metric} | " + " | ".join(_fmt(report.token_metrics[c].get(metric)) for c in cols) + " |"
            )
        lines.append("")
    if report.answers:
        cols = list(report.answers)
        groups = sorted({g for c in cols for g in report.answers[c]}, key=lambda g: (g != "all", g))
        lines += ["## Held-out questions", ""]
        for group in groups:
            n = next((report.answers[c][group]["n"] for c in cols if group in report.answers[c]), 0)
            lines += [f"### {group} ({n} questions)", "", "| metric | " + " | ".join(cols) + " |"]
            lines.append("|---|" + "---|" * len(cols))
            for metric in (
                "f1",
                "rouge_l",
                "right_request",
                "keyphrase_accuracy",
                "invented_identifier_rate",
                "handover_rate",
                "ms_per_answer",
            ):
                row = [_fmt(report.answers[c].get(group, {}).get(metric)) for c in cols]
                lines.append(f"| {metric} | " + " | ".join(row) + " |")
            lines.append("")
    if report.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in report.notes] + [""]
    if report.examples:
        lines += ["## Examples", ""]
        for ex in report.examples:
            lines.append(f"**Q:** {ex['question']}  ")
            for key, value in ex.items():
                if key != "question":
                    lines.append(f"*{key}:* {value}  ")
            lines.append("")
    paths["md"].write_text("\n".join(lines))
    _plot(report, paths["png"])
    return paths


def _plot(report: Report, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = []
    if report.answers:
        panels.append("answers")
    if report.token_metrics:
        panels.append("tokens")
    fig, axes = plt.subplots(1, max(1, len(panels)), figsize=(6 * max(1, len(panels)), 4), dpi=110)
    axes = [axes] if len(panels) <= 1 else list(axes)
    for ax, panel in zip(axes, panels, strict=False):
        if panel == "answers":
            cols = list(report.answers)
            metrics = ["f1", "rouge_l", "right_request"]
            width = 0.8 / max(1, len(cols))
            for i, col in enumerate(cols):
                vals = [report.answers[col].get("all", {}).get(m) or 0.0 for m in metrics]
                ax.bar([x + i * width for x in range(len(metrics))], vals, width, label=col)
            ax.set_xticks([x + width * (len(cols) - 1) / 2 for x in range(len(metrics))], metrics)
            ax.set_ylim(0, 1)
            ax.set_title("held-out questions")
            ax.legend(fontsize=8)
        else:
            cols = list(report.token_metrics)
            ax.bar(cols, [report.token_metrics[c]["perplexity"] for c in cols], color="tab:gray")
            ax.set_title("validation perplexity (lower is better)")
    fig.suptitle(report.title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def headline(report_json: dict[str, Any], column: str) -> dict[str, Any]:
    """The few numbers that decide promotion, taken from one column of a report."""
    answers = report_json.get("answers", {}).get(column, {}).get("all", {})
    tokens = report_json.get("token_metrics", {}).get(column, {})
    return {
        "answer_f1": answers.get("f1"),
        "answer_rouge_l": answers.get("rouge_l"),
        "keyphrase_accuracy": answers.get("keyphrase_accuracy"),
        "right_request": answers.get("right_request"),
        "invented_identifier_rate": answers.get("invented_identifier_rate"),
        "handover_rate": answers.get("handover_rate"),
        "ms_per_answer": answers.get("ms_per_answer"),
        "val_perplexity": tokens.get("perplexity"),
        "val_token_accuracy": tokens.get("token_accuracy"),
    }
