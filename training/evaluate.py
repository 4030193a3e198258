"""Evaluation before vs after: token metrics on the validation split, generated answers on
held-out questions (scored against the reference and against the retrieval baseline), the two API
styles side by side, and the rate of invented identifiers."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.identifiers import Masker
from core.prompt import DEFAULT_SYSTEM, build_messages
from training.data import spread


@dataclass
class EvalItem:
    question: str
    reference: str
    intent: str | None = None
    era: str | None = None
    keyphrases: list[str] = field(default_factory=list)


def load_eval_items(
    path: Path, *, intents_path: Path | None = None, limit: int | None = None
) -> list[EvalItem]:
    keyphrases: dict[str, list[str]] = {}
    if intents_path and intents_path.exists():
        keyphrases = {i["intent"]: i.get("keyphrases", []) for i in json.loads(intents_path.read_text())}
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        items.append(
            EvalItem(
                question=row["question"],
                reference=row.get("reference", ""),
                intent=row.get("intent"),
                era=row.get("era"),
                keyphrases=keyphrases.get(row.get("intent") or "", []),
            )
        )
    # An even spread over the file, so every intent stays represented.
    return items if limit is None else spread(items, limit)


# --- scores -----------------------------------------------------------------------------------

_WORD = re.compile(r"[\w<>#$.]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def words(text: str) -> list[str]:
    return [w.strip(".").lower() for w in _WORD.findall(text) if w.strip(".")]


def token_f1(prediction: str, reference: str) -> float:
    p, r = words(prediction), words(reference)
    if not p or not r:
        return float(p == r)
    common = sum((Counter(p) & Counter(r)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


def rouge_l(prediction: str, reference: str) -> float:
    p, r = words(prediction), words(reference)
    if not p or not r:
        return float(p == r)
    prev = [0] * (len(r) + 1)
    for a in p:
        cur = [0]
        for j, b in enumerate(r, start=1):
            cur.append(prev[j - 1] + 1 if a == b else max(prev[j], cur[j - 1]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(p), lcs / len(r)
    return 2 * precision * recall / (precision + recall)


def invented_numbers(answer: str, *, question: str, reference: str) -> list[str]:
    """Numbers in the answer found neither in the question nor in the reference answer."""
    known = set(_NUMBER.findall(question)) | set(_NUMBER.findall(reference))
    return [n for n in _NUMBER.findall(answer) if n not in known]


def has_keyphrases(answer: str, keyphrases: Sequence[str]) -> bool:
    low = answer.lower()
    return all(k.lower() in low for k in keyphrases)


def score_answers(answers: Sequence[str], items: Sequence[EvalItem]) -> dict[str, Any]:
    """Mean F1 / ROUGE-L / keyphrase accuracy / invented-identifier rate, overall and per era."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        groups["all"].append(i)
        if item.era:
            groups[item.era].append(i)
    out: dict[str, Any] = {}
    for name, idx in groups.items():
        with_keys = [i for i in idx if items[i].keyphrases]
        invented = [
            invented_numbers(answers[i], question=items[i].question, reference=items[i].reference)
            for i in idx
        ]
        out[name] = {
            "n": len(idx),
            "f1": sum(token_f1(answers[i], items[i].reference) for i in idx) / len(idx),
            "rouge_l": sum(rouge_l(answers[i], items[i].reference) for i in idx) / len(idx),
            "keyphrase_accuracy": (
                sum(has_keyphrases(answers[i], items[i].keyphrases) for i in with_keys) / len(with_keys)
                if with_keys
                else None
            ),
            "invented_identifier_rate": sum(1 for inv in invented if inv) / len(idx),
        }
    return out


# --- generation -------------------------------------------------------------------------------


def masked_messages(question: str, *, system: str = DEFAULT_SYSTEM) -> tuple[list[dict[str, str]], Masker]:
    """The prompt as the bot builds it: identifiers masked, our system turn first."""
    masker = Masker()
    return build_messages(question=masker.mask(question), system=system), masker


def generate_answers(
    model: Any,
    tokenizer: Any,
    questions: Sequence[str],
    *,
    system: str = DEFAULT_SYSTEM,
    max_new_tokens: int = 160,
    batch_size: int = 32,
    progress: bool = False,
) -> list[str]:
    """Greedy answers with bare ``model.generate`` (left-padded batches), identifiers put back."""
    import torch
    from tqdm.auto import tqdm

    from training.modeling import generation_config

    device = next(model.parameters()).device
    tokenizer.padding_side = "left"
    config = generation_config(tokenizer, max_new_tokens=max_new_tokens)
    answers: list[str] = []
    model.eval()
    for start in tqdm(range(0, len(questions), batch_size), disable=not progress, desc="generating"):
        chunk = questions[start : start + batch_size]
        prompts, maskers = zip(*(masked_messages(q, system=system) for q in chunk), strict=True)
        texts = [
            tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts
        ]
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        with torch.no_grad():
            out = model.generate(**enc, generation_config=config)
        for masker, row in zip(maskers, out[:, enc["input_ids"].shape[1] :], strict=True):
            text = tokenizer.decode(row, skip_special_tokens=True).strip()
            answers.append(masker.unmask(text)[0])
    return answers


def served_answers(
    base_url: str,
    model_name: str,
    questions: Sequence[str],
    *,
    mode: str,
    system: str = DEFAULT_SYSTEM,
    max_tokens: int = 160,
    concurrency: int = 64,  # the server's default batch: 400 questions in ~15 s instead of ~20
    api_key: str = "unused",
) -> list[str]:
    """The same questions through an OpenAI-compatible server, in completion or chat style."""
    from concurrent.futures import ThreadPoolExecutor

    from openai import OpenAI

    from core.prompt import STOP, render_flat

    client = OpenAI(base_url=base_url, api_key=api_key, timeout=120, max_retries=1)

    def ask(question: str) -> str:
        messages, masker = masked_messages(question, system=system)
        if mode == "completion":
            resp = client.completions.create(
                model=model_name,
                prompt=render_flat(messages),
                max_tokens=max_tokens,
                temperature=0,
                stop=STOP,
            )
            text = resp.choices[0].text
        else:
            resp = client.chat.completions.create(
                model=model_name, messages=messages, max_tokens=max_tokens, temperature=0
            )
            text = resp.choices[0].message.content or ""
        return masker.unmask(text.strip())[0]

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(ask, questions))


# --- the report -------------------------------------------------------------------------------


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
            for metric in ("f1", "rouge_l", "keyphrase_accuracy", "invented_identifier_rate"):
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
            metrics = ["f1", "rouge_l", "keyphrase_accuracy"]
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


PROMOTION_METRICS = (
    # (metric, higher is better, tolerance: equal within noise counts as "not worse")
    ("answer_f1", True, 0.01),
    ("keyphrase_accuracy", True, 0.01),
    ("invented_identifier_rate", False, 0.005),
)


def compare_for_promotion(candidate: dict[str, Any], reference: dict[str, Any]) -> tuple[bool, str]:
    """Is ``candidate`` not worse than ``reference`` on the held-out answer metrics?"""
    ok, reasons = True, []
    for metric, higher_is_better, tolerance in PROMOTION_METRICS:
        c, r = candidate.get(metric), reference.get(metric)
        if c is None or r is None:
            continue
        worse = c < r - tolerance if higher_is_better else c > r + tolerance
        reasons.append(f"{metric} {c:.3f} vs {r:.3f}{' (worse)' if worse else ''}")
        ok = ok and not worse
    return ok, ", ".join(reasons) or "no comparable metrics"


def headline(report_json: dict[str, Any], column: str) -> dict[str, Any]:
    """The few numbers that decide promotion, taken from one column of a report."""
    answers = report_json.get("answers", {}).get(column, {}).get("all", {})
    tokens = report_json.get("token_metrics", {}).get(column, {})
    return {
        "answer_f1": answers.get("f1"),
        "answer_rouge_l": answers.get("rouge_l"),
        "keyphrase_accuracy": answers.get("keyphrase_accuracy"),
        "invented_identifier_rate": answers.get("invented_identifier_rate"),
        "val_perplexity": tokens.get("perplexity"),
        "val_token_accuracy": tokens.get("token_accuracy"),
    }


BaselineFn = Callable[[Sequence[str]], list[str]]
