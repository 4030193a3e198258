"""Support logs in, supervised conversations out.

Sources: OpenAI chat JSONL (``{"messages": [...]}``), question/answer CSV (with column flags
as for tickets), a helpdesk tool's export (read as ``tickets import`` reads it), and the
project's own reviewed conversations. Every conversation is redacted
(PII becomes placeholders), has its identifiers masked (the model learns ``<ORDER_ID>``, the
application fills the real one in), is de-duplicated, kept away from evaluation items, and put
into the train or the validation split by a hash of its id (so a conversation never straddles).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from supportbot.core.errors import InvalidInput
from supportbot.core.identifiers import Masker, amount_key
from supportbot.core.pii import redact
from supportbot.core.resources import sample_dir
from supportbot.core.salutation import learn_signatures, neutral_reply

T = TypeVar("T")

# The bundled sample history (data/sample/): the default training data and held-out questions.
SAMPLE_DIR = sample_dir()
# The era of the sample's earlier conversations (the default model learns from them, fine-tunes
# replay them); a conversation without an era belongs to it. Not the base model.
EARLIER_ERA = "base"

ROLES = {"system", "user", "assistant"}


@dataclass
class Conversation:
    id: str
    messages: list[dict[str, str]]
    source: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def first_question(self) -> str:
        return next((m["content"] for m in self.messages if m["role"] == "user"), "")

    @property
    def first_answer(self) -> str:
        """The assistant's reply to the first question."""
        start = next((i for i, m in enumerate(self.messages) if m["role"] == "user"), len(self.messages))
        return next((m["content"] for m in self.messages[start + 1 :] if m["role"] == "assistant"), "")


def spread(items: Sequence[T], n: int) -> list[T]:
    """``n`` items taken evenly over the whole sequence (not just its start); all if n >= len."""
    if n >= len(items):
        return list(items)
    step = len(items) / n if n > 0 else 0
    return [items[int(i * step)] for i in range(max(n, 0))]


@dataclass
class LoadReport:
    loaded: int = 0
    errors: list[str] = field(default_factory=list)

    def add_error(self, where: str, reason: str) -> None:
        self.errors.append(f"{where}: {reason}")


def _check_messages(messages: Any) -> list[dict[str, str]]:
    if not isinstance(messages, list) or not messages:
        raise ValueError("'messages' must be a non-empty list")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise ValueError(f"message {i} is not an object")
        role, content = m.get("role"), m.get("content")
        if role not in ROLES:
            raise ValueError(f"message {i} has role {role!r} (expected system, user or assistant)")
        if not isinstance(content, str) or not content.strip():
            raise ValueError(f"message {i} has no text content")
        out.append({"role": role, "content": content.strip()})
    if not any(m["role"] == "assistant" for m in out):
        raise ValueError("no assistant message to learn from")
    return out


def load_chat_jsonl(path: Path, report: LoadReport | None = None) -> tuple[list[Conversation], LoadReport]:
    """OpenAI chat JSONL; a bad line is reported as file:line and skipped."""
    report = report or LoadReport()
    out: list[Conversation] = []
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            where = f"{path}:{lineno}"
            try:  # line by line: one bad byte costs its line, not the file
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                report.add_error(where, f"not valid UTF-8 (byte {exc.start + 1} of the line)")
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                report.add_error(where, f"not JSON ({exc.msg})")
                continue
            if not isinstance(row, dict):
                report.add_error(where, "not a JSON object")
                continue
            try:
                messages = _check_messages(row.get("messages"))
            except ValueError as exc:
                report.add_error(where, str(exc))
                continue
            meta = {k: v for k, v in row.items() if k in ("intent", "era", "created", "category")}
            out.append(Conversation(str(row.get("id") or f"{path.name}:{lineno}"), messages, path.name, meta))
            report.loaded += 1
    return out, report


def load_qa_csv(
    path: Path,
    *,
    question_field: str = "question",
    answer_field: str = "resolution",
    id_field: str = "id",
    report: LoadReport | None = None,
) -> tuple[list[Conversation], LoadReport]:
    """Question/answer CSV (a helpdesk export); each row becomes a one-exchange conversation."""
    report = report or LoadReport()
    out: list[Conversation] = []
    # Undecodable bytes survive as surrogates, so the row that holds them can be named and skipped.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [f for f in (question_field, answer_field) if f not in (reader.fieldnames or [])]
        if missing:
            report.add_error(
                f"{path}:1", f"missing column(s) {', '.join(missing)} (use --question-field/--answer-field)"
            )
            return out, report
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if any(_undecodable(v) for v in row.values()):
                report.add_error(where, "not valid UTF-8")
                continue
            question = (row.get(question_field) or "").strip()
            answer = (row.get(answer_field) or "").strip()
            if not question or not answer:
                report.add_error(where, f"empty {question_field if not question else answer_field}")
                continue
            conv_id = (row.get(id_field) or "").strip() or f"{path.name}:{reader.line_num}"
            out.append(
                Conversation(
                    conv_id,
                    [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
                    path.name,
                )
            )
            report.loaded += 1
    return out, report


def _undecodable(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, str) and any("\udc80" <= ch <= "\udcff" for ch in v) for v in values)


def load_file(
    path: Path, *, question_field: str = "question", answer_field: str = "resolution"
) -> tuple[list[Conversation], LoadReport]:
    """A question/answer CSV (with these column names), an OpenAI chat JSONL, or a helpdesk
    tool's export (Zendesk, Freshdesk, Intercom, Slack): by the suffix, and a JSON file's fields."""
    if path.suffix.lower() == ".csv":
        return load_qa_csv(path, question_field=question_field, answer_field=answer_field)
    fmt = _tool_format(path)
    if fmt is not None:
        return load_tool_export(path, fmt)
    return load_chat_jsonl(path)


def _tool_format(path: Path) -> str | None:
    """The helpdesk tool a JSON file or folder was exported from (None: chat JSONL)."""
    from supportbot.retrieval.formats import TOOL_FORMATS, resolve_format

    if not path.is_dir() and path.suffix.lower() not in (".json", ".jsonl", ".ndjson"):
        return None  # read as chat JSONL, whatever it is called, as always
    fmt = resolve_format(path)
    if fmt == "helpcenter":
        raise InvalidInput(
            f"{path}: help-center articles are knowledge to show (`tickets import`), "
            "not conversations to learn to answer from"
        )
    return fmt if fmt in TOOL_FORMATS else None


def load_tool_export(
    path: Path, fmt: str, report: LoadReport | None = None
) -> tuple[list[Conversation], LoadReport]:
    """Each solved ticket of a helpdesk export as one exchange, read as `tickets import` reads it
    (the subject and the customer's opening message; the agents' public replies, internal notes
    left out), so the model learns the answers the index shows. A ticket no agent answered is
    passed over; a broken one is named by its line."""
    from supportbot.retrieval.formats import read_items
    from supportbot.retrieval.sources import Record, RowError

    report = report or LoadReport()
    out: list[Conversation] = []
    items = list(read_items(path, fmt=fmt))
    # Each agent's reply greets and signs on its own: cleaned one by one, as the import does.
    signatures = learn_signatures(r for item in items if isinstance(item, Record) for r in item.agent_replies)
    for item in items:
        if isinstance(item, RowError):
            report.add_error(f"{item.file or path}:{item.line}", item.reason)
        elif isinstance(item, Record):
            question = "\n".join(p for p in (item.question, item.body) if p)
            answer = "\n\n".join(neutral_reply(r, signatures) for r in item.agent_replies)
            messages = [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
            meta = {"created": item.created.isoformat()} if item.created else {}
            out.append(Conversation(item.external_id, messages, path.name, meta))
            report.loaded += 1
    return out, report


def from_store_rows(rows: Iterable[dict[str, Any]]) -> list[Conversation]:
    """Conversations from ``core.store.training_conversations`` (approved or rated 👍)."""
    return [Conversation(r["id"], r["messages"], "conversations") for r in rows]


def by_time(conversations: Sequence[Conversation]) -> list[Conversation]:
    """Oldest first: by ``created`` when every conversation has one (ISO dates sort as text),
    else in file order (exports are written in time order)."""
    if conversations and all(isinstance(c.meta.get("created"), str) for c in conversations):
        return sorted(conversations, key=lambda c: str(c.meta["created"]))
    return list(conversations)


def newest_apart(
    conversations: Sequence[Conversation], share: float
) -> tuple[list[Conversation], list[Conversation]]:
    """(the older ones, the newest ``share`` of them). A team's own export, learned in two steps
    as the sample's eras are: the base model learns the older part, the fine-tune the newest
    (what changed lately: a new policy, a new product) with the older part replayed."""
    ordered = by_time(conversations)
    cut = len(ordered) - round(len(ordered) * share)
    return ordered[:cut], ordered[cut:]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s<>]", "", text.lower())).strip()


@dataclass
class Prepared:
    train: list[Conversation]
    val: list[Conversation]
    stats: Counter[str] = field(default_factory=Counter)
    pii: Counter[str] = field(default_factory=Counter)


def clean(
    conversation: Conversation, pii: Counter[str], signatures: frozenset[str] = frozenset()
) -> Conversation:
    """Redact PII, drop system turns (the prompt renderer adds ours), take the customer's name out
    of the agent's salutation and the agent's sign-off off the reply (core.salutation;
    ``signatures``: the unsigned ones learned from the data set), mask identifiers."""
    masker = Masker()
    messages = []
    for m in conversation.messages:
        if m["role"] == "system":
            continue
        redacted = redact(m["content"])
        pii.update(redacted.counts)
        text = neutral_reply(redacted.text, signatures) if m["role"] == "assistant" else redacted.text
        messages.append({"role": m["role"], "content": masker.mask(text)})
    # What each amount placeholder stood for: the team's prices are put back where the tickets in
    # the prompt state them (training.context.stating).
    amounts = {name: value for name, value in masker.values.items() if name.startswith("<AMOUNT")}
    meta = {**conversation.meta, "amounts": amounts} if amounts else conversation.meta
    return Conversation(conversation.id, messages, conversation.source, meta)


def split_of(conv_id: str, val_fraction: float) -> str:
    bucket = int(hashlib.sha256(conv_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "val" if bucket < val_fraction else "train"


def prepare(
    conversations: Sequence[Conversation],
    *,
    eval_questions: Iterable[str] = (),
    val_fraction: float = 0.05,
) -> Prepared:
    """Redact, mask, de-duplicate, drop evaluation items, split by conversation."""
    held_out = {normalise(q) for q in eval_questions}
    prepared = Prepared([], [])
    seen: set[str] = set()
    signatures = learn_signatures(
        m["content"] for c in conversations for m in c.messages if m["role"] == "assistant"
    )
    for conversation in conversations:
        c = clean(conversation, prepared.pii, signatures)
        if not any(m["role"] == "assistant" for m in c.messages) or c.messages[0]["role"] != "user":
            prepared.stats["dropped: no question/answer"] += 1
            continue
        if normalise(c.first_question) in held_out:
            prepared.stats["dropped: identical to an evaluation item"] += 1
            continue
        # The amounts count: the same reply at another price (after a price change) is news.
        key = hashlib.sha256(
            json.dumps(
                [(m["role"], normalise(m["content"])) for m in c.messages]
                + sorted((k, amount_key(v)) for k, v in c.meta.get("amounts", {}).items())
            ).encode()
        ).hexdigest()
        if key in seen:
            prepared.stats["dropped: duplicate"] += 1
            continue
        seen.add(key)
        (prepared.val if split_of(c.id, val_fraction) == "val" else prepared.train).append(c)
    prepared.stats["train"] = len(prepared.train)
    prepared.stats["val"] = len(prepared.val)
    return prepared


def write_jsonl(path: Path, conversations: Iterable[Conversation]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for c in conversations:
            fh.write(json.dumps({"id": c.id, "messages": c.messages, **c.meta}, ensure_ascii=False) + "\n")
    return path
