"""Labelled customer turns in, for the sentiment classifier: the bundled sample's
``sentiment.jsonl`` or a team's own rows (CSV or JSONL with ``text``, ``label`` and optionally
``frustration``, ``split``, ``style``, ``family``), and unlabelled turns to score.

Every text is redacted (core.pii) as it is read, before it is embedded, trained on or written
into a report. A broken row stops the read with one line naming the file and the line: labels
are few and each one counts, so none is dropped silently.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportbot.core.enums import Sentiment
from supportbot.core.errors import InvalidInput
from supportbot.core.pii import redact_text
from supportbot.core.resources import sample_dir

SPLITS = ("train", "test")
# Without a split column, this share of a team's rows (by a hash of the text) is held out.
TEST_SHARE = 0.2
MAX_ERRORS_SHOWN = 5


@dataclass(frozen=True)
class Turn:
    """One labelled customer turn (already redacted)."""

    id: str
    text: str
    label: Sentiment
    frustration: float | None  # None: the row gave none
    split: str  # train | test
    group: str  # rows of one template family (or one text): never on both sides of a split
    style: str | None = None


def sample_path() -> Path:
    """The sample's labelled turns (what data/generate.py writes), from the package data."""
    return sample_dir() / "sentiment.jsonl"


def _stable_share(key: str) -> float:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line, row) for every non-empty row, or (line, reason) where the row cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(f"{path}:{bad_line}: not valid UTF-8") from None
    if path.suffix.lower() == ".csv":
        yield from _csv_records(text)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"invalid JSON: {exc.msg} at column {exc.colno}"
            continue
        yield number, value if isinstance(value, dict) else f"not a JSON object but {type(value).__name__}"


def _csv_records(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    last = 0
    for values in reader:
        start, last = last + 1, reader.line_num
        if not values or all(not v.strip() for v in values):
            continue
        if header is None:
            header = [h.strip().lower() for h in values]
            continue
        if len(values) != len(header):
            yield start, f"expected {len(header)} fields as in the header, found {len(values)}"
            continue
        yield start, dict(zip(header, values, strict=True))


def _frustration(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"frustration must be a number in [0, 1], not {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"frustration must be a number in [0, 1], not {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"frustration must be in [0, 1], not {number}")
    return number


def _turn(row: dict[str, Any], *, where: str) -> Turn:
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("no 'text' (a non-empty string)")
    raw_label = row.get("label")
    try:
        label = Sentiment(str(raw_label).strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in Sentiment)
        raise ValueError(f"label must be one of {names}, not {raw_label!r}") from None
    split = str(row.get("split") or "").strip().lower()
    if split and split not in SPLITS:
        raise ValueError(f"split must be train or test, not {row.get('split')!r}")
    clean = redact_text(text.strip())
    group = str(row.get("family") or "").strip() or f"text:{clean.lower()}"
    if not split:  # held out by a hash of its group, so one family stays on one side
        split = "test" if _stable_share(group) < TEST_SHARE else "train"
    style = str(row.get("style") or "").strip() or None
    return Turn(
        id=str(row.get("id") or where),
        text=clean,
        label=label,
        frustration=_frustration(row.get("frustration")),
        split=split,
        group=group,
        style=style,
    )


def read_turns(paths: Sequence[Path | str]) -> list[Turn]:
    """Every labelled row of the files; the first few broken rows are named, then it stops."""
    turns: list[Turn] = []
    errors: list[str] = []
    for path in map(Path, paths):
        for line, row in _records(path):
            where = f"{path}:{line}"
            if isinstance(row, str):
                errors.append(f"{where}: {row}")
                continue
            try:
                turns.append(_turn(row, where=where))
            except ValueError as exc:
                errors.append(f"{where}: {exc}")
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise InvalidInput("; ".join(errors[:MAX_ERRORS_SHOWN]) + more)
    if not turns:
        raise InvalidInput(f"no labelled rows in {', '.join(map(str, paths))}")
    return turns


def sample_turns() -> list[Turn]:
    return read_turns([sample_path()])


@dataclass(frozen=True)
class ToScore:
    id: Any
    text: str


def read_to_score(path: Path) -> list[ToScore]:
    """Lines ``{"id", "text"}`` (or ``query`` for text) to score; a bad line is named."""
    rows: list[ToScore] = []
    for line, row in _records(path):
        where = f"{path}:{line}"
        if isinstance(row, str):
            raise InvalidInput(f"{where}: {row}")
        text = row.get("text", row.get("query"))
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput(f"{where}: no 'text' or 'query' (a non-empty string)")
        rows.append(ToScore(id=row.get("id", line), text=redact_text(text)))
    return rows
