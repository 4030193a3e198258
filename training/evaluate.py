"""Evaluation before vs after: token metrics on the validation split, generated answers on
held-out questions (scored against the reference and against the retrieval baseline), the two API
styles side by side, and the rate of invented identifiers."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.identifiers import Masker
from core.prompt import CANNOT_HELP, DEFAULT_SYSTEM, ContextTicket, build_messages, end_on_sentence
from core.scoring import rouge_l, token_f1
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


def invented_numbers(answer: str, *, question: str, reference: str) -> list[str]:
    """Identifiers in the answer (order numbers, amounts, e-mails, URLs: what the grounding guard
    checks) found neither in the question nor in the reference answer. Step numbers, days and
    other small numbers of a procedure are not identifiers, nor is a ticket cited as a source."""
    from core.identifiers import find_identifiers

    known = {(i.kind, i.key) for text in (question, reference) for i in find_identifiers(text)}
    known_orders = {key for kind, key in known if kind == "order"}
    invented = []
    for ident in find_identifiers(answer):
        if ident.kind == "ticket":
            continue  # a source cited ("the most similar solved ticket (T-10314)"), not a fact
        if (ident.kind, ident.key) in known or (ident.kind == "order" and ident.key in known_orders):
            continue
        invented.append(ident.text)
    return invented


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
            # The model's "none of the tickets fits" answer: the bot hands these over.
            "handover_rate": sum(1 for i in idx if answers[i].strip().startswith(CANNOT_HELP[:40]))
            / len(idx),
        }
    return out


# --- generation -------------------------------------------------------------------------------


def masked_messages(
    question: str,
    *,
    system: str = DEFAULT_SYSTEM,
    tickets: Sequence[ContextTicket] = (),
    ticket_budget: int | None = None,
) -> tuple[list[dict[str, str]], Masker]:
    """The prompt as the bot builds it: identifiers masked, our system turn (with the retrieved
    tickets, when there are any) first."""
    masker = Masker()
    messages = build_messages(
        question=masker.mask(question), system=system, tickets=tickets, ticket_budget=ticket_budget
    )
    return messages, masker


def generate_answers(
    model: Any,
    tokenizer: Any,
    questions: Sequence[str],
    *,
    system: str = DEFAULT_SYSTEM,
    max_new_tokens: int = 160,
    batch_size: int = 32,
    progress: bool = False,
    tickets: Sequence[Sequence[ContextTicket]] | None = None,
    ticket_budget: int | None = None,
) -> list[str]:
    """Greedy answers with bare ``model.generate`` (left-padded batches), identifiers put back.

    ``tickets``: per question, the retrieved tickets to put into its prompt (as the bot does)."""
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
        chunk_tickets = tickets[start : start + batch_size] if tickets is not None else [()] * len(chunk)
        prompts, maskers = zip(
            *(
                masked_messages(q, system=system, tickets=t, ticket_budget=ticket_budget)
                for q, t in zip(chunk, chunk_tickets, strict=True)
            ),
            strict=True,
        )
        texts = [
            tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts
        ]
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        with torch.no_grad():
            out = model.generate(**enc, generation_config=config)
        stops = config.eos_token_id if isinstance(config.eos_token_id, list) else [config.eos_token_id]
        for masker, row in zip(maskers, out[:, enc["input_ids"].shape[1] :], strict=True):
            text = tokenizer.decode(row, skip_special_tokens=True).strip()
            # Stopped by the cap, not a stop token: end on a sentence, as the bot does.
            if not any(int(t) in stops for t in row):
                text = end_on_sentence(text)
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
    tickets: Sequence[Sequence[ContextTicket]] | None = None,
    ticket_budget: int | None = None,
) -> list[str]:
    """The same questions through an OpenAI-compatible server, in completion or chat style."""
    from concurrent.futures import ThreadPoolExecutor

    from openai import OpenAI

    from core.prompt import STOP, render_flat

    client = OpenAI(base_url=base_url, api_key=api_key, timeout=120, max_retries=1)

    def ask(job: tuple[str, Sequence[ContextTicket]]) -> str:
        question, context = job
        messages, masker = masked_messages(
            question, system=system, tickets=context, ticket_budget=ticket_budget
        )
        if mode == "completion":
            resp = client.completions.create(
                model=model_name,
                prompt=render_flat(messages),
                max_tokens=max_tokens,
                temperature=0,
                stop=STOP,
            )
            text = resp.choices[0].text
            if resp.choices[0].finish_reason == "length":
                text = end_on_sentence(text.strip())
        else:
            resp = client.chat.completions.create(
                model=model_name, messages=messages, max_tokens=max_tokens, temperature=0
            )
            text = resp.choices[0].message.content or ""
            if resp.choices[0].finish_reason == "length":
                text = end_on_sentence(text.strip())
        return masker.unmask(text.strip())[0]

    jobs = list(zip(questions, tickets if tickets is not None else [()] * len(questions), strict=True))
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(ask, jobs))


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
            for metric in (
                "f1",
                "rouge_l",
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


def headline(report_json: dict[str, Any], column: str) -> dict[str, Any]:
    """The few numbers that decide promotion, taken from one column of a report."""
    answers = report_json.get("answers", {}).get(column, {}).get("all", {})
    tokens = report_json.get("token_metrics", {}).get(column, {})
    return {
        "answer_f1": answers.get("f1"),
        "answer_rouge_l": answers.get("rouge_l"),
        "keyphrase_accuracy": answers.get("keyphrase_accuracy"),
        "invented_identifier_rate": answers.get("invented_identifier_rate"),
        "handover_rate": answers.get("handover_rate"),
        "ms_per_answer": answers.get("ms_per_answer"),
        "val_perplexity": tokens.get("perplexity"),
        "val_token_accuracy": tokens.get("token_accuracy"),
    }


BaselineFn = Callable[[Sequence[str]], list[str]]
