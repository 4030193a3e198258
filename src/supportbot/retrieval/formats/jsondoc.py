"""JSON exports read record by record, each with the line it starts on.

Helpdesk exports come as one JSON array (``[{...}, {...}]``), an object holding it
(``{"tickets": [...], "count": 2}``) or JSON Lines. ``json.load`` would give the records but not
where they are, and one syntax error would lose the whole file. Here each element of the array is
decoded on its own with ``JSONDecoder.raw_decode`` from its offset, so a record is named by the
line it starts on, and a broken one by the decoder's line. Reading then resumes at the next record
that starts at the broken one's indentation (a pretty-printed export puts each record on lines of
its own, and a raw newline cannot occur inside a JSON string); with the whole array on one line the
rest cannot be told apart, and reading stops there. Bytes that are not UTF-8 make the records that
hold them errors, not the file.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportbot.core.errors import InvalidInput
from supportbot.retrieval.sources import RowError

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class Item:
    """One record: the line it starts on, the top-level key it was under (None: the top level)."""

    line: int
    key: str | None
    value: Any


class Doc:
    """A file's text, with its line starts (offset → line) and where undecodable bytes were."""

    def __init__(self, text: str, bad: list[int]) -> None:
        self.text = text
        self.bad = bad  # offsets of the characters that stand for bytes that were not UTF-8
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def has_bad(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.bad, start)
        return i < len(self.bad) and self.bad[i] < end

    def skip_space(self, pos: int) -> int:
        match = _SPACE.match(self.text, pos)
        return match.end() if match else pos


def decode_utf8(data: bytes) -> tuple[str, list[int]]:
    """The text (a bad byte becomes U+FFFD) and the offsets of the bad bytes in it."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    parts: list[str] = []
    bad: list[int] = []
    length = 0
    start = 0
    while True:
        try:
            parts.append(data[start:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            good = data[start : start + exc.start].decode("utf-8")
            parts.append(good + "\ufffd")
            length += len(good)
            bad.append(length)
            length += 1
            start += exc.end
    return "".join(parts), bad


def read_doc(path: Path) -> Doc:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    return Doc(*decode_utf8(data))


def items(doc: Doc, keys: tuple[str, ...], *, lines: bool = False) -> Iterator[Item | RowError]:
    """The records of a JSON document, in file order: the elements of a top-level array, the
    elements of the arrays under ``keys`` of a top-level object (any other value under one of
    ``keys`` as one item; a top-level object without them is the one record), or the lines of a
    JSON Lines file (``lines``, or found so: more than one value in the file)."""
    pos = doc.skip_space(0)
    if pos >= len(doc.text):
        return
    if lines or (doc.text[pos] == "{" and _is_json_lines(doc, pos)):
        yield from _lines(doc)
    elif doc.text[pos] == "[":
        yield from _array(doc, pos, None)
    else:
        yield from _object(doc, pos, keys)


def _is_json_lines(doc: Doc, pos: int) -> bool:
    """More than one value in the file; or, when the first is broken, one of the first lines is
    an object on its own (a line of a pretty-printed document never is)."""
    try:
        _, end = _DECODER.raw_decode(doc.text, pos)
    except json.JSONDecodeError:
        first = [line for line in doc.text[pos:].split("\n", 4)[:4] if line.strip()]
        return len(first) > 1 and any(_is_object(line) for line in first)
    return doc.skip_space(end) < len(doc.text)


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def _lines(doc: Doc) -> Iterator[Item | RowError]:
    offset = 0
    for number, line in enumerate(doc.text.split("\n"), start=1):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        if doc.has_bad(start, start + len(line)):
            yield RowError(number, "not valid UTF-8")
            continue
        try:
            yield Item(number, None, json.loads(line))
        except json.JSONDecodeError as exc:
            yield RowError(number, f"invalid JSON: {exc.msg} at column {exc.colno}")


def _broken(doc: Doc, exc: json.JSONDecodeError, start: int | None = None) -> RowError:
    """The decoder's line and column; and the line the record starts on, when that is another."""
    line = doc.line(exc.pos)
    where = (
        f" (the record from line {doc.line(start)})" if start is not None and doc.line(start) != line else ""
    )
    return RowError(line, f"invalid JSON: {exc.msg} at column {exc.colno}{where}")


def _resume(doc: Doc, start: int, after: int) -> int | None:
    """Where the record after a broken one starts: the next line that opens a value at the broken
    record's indentation (None: the record did not start a line, or nothing follows)."""
    line_start = doc.text.rfind("\n", 0, start) + 1
    indent = doc.text[line_start:start]
    if indent.strip():
        return None
    found = re.compile(r"\n" + re.escape(indent) + r"(?=[{\[])").search(doc.text, after)
    return found.end() if found else None


def _array(doc: Doc, pos: int, key: str | None) -> Generator[Item | RowError, None, int | None]:
    """The elements of the array at ``pos`` (its ``[``); the offset after it comes back through
    ``StopIteration`` (None: the array is broken beyond repair)."""
    pos = doc.skip_space(pos + 1)
    if doc.text.startswith("]", pos):
        return pos + 1
    while True:
        try:
            value, end = _DECODER.raw_decode(doc.text, pos)
        except json.JSONDecodeError as exc:
            yield _broken(doc, exc, pos)
            resumed = _resume(doc, pos, pos + 1)
            if resumed is None:
                return None
            pos = resumed
            continue
        if doc.has_bad(pos, end):
            yield RowError(doc.line(pos), "not valid UTF-8")
        else:
            yield Item(doc.line(pos), key, value)
        pos = doc.skip_space(end)
        if doc.text.startswith("]", pos):
            return pos + 1
        if doc.text.startswith(",", pos):
            pos = doc.skip_space(pos + 1)
            continue
        yield RowError(
            doc.line(pos), f"invalid JSON: expected ',' or ']' after the record on line {doc.line(end)}"
        )
        resumed = _resume(doc, pos, end)
        if resumed is None:
            return None
        pos = resumed


def _object(doc: Doc, pos: int, keys: tuple[str, ...]) -> Iterator[Item | RowError]:
    """The records under ``keys`` of the top-level object at ``pos``, or the object itself."""
    if doc.text[pos] != "{":
        try:
            value, _ = _DECODER.raw_decode(doc.text, pos)
        except json.JSONDecodeError as exc:
            yield _broken(doc, exc)
            return
        yield Item(doc.line(pos), None, value)
        return
    others: dict[str, Any] = {}
    found = False
    start, pos = pos, doc.skip_space(pos + 1)
    while not doc.text.startswith("}", pos):
        try:
            name, pos = _DECODER.raw_decode(doc.text, pos)
            pos = doc.skip_space(pos)
            if not doc.text.startswith(":", pos) or not isinstance(name, str):
                raise json.JSONDecodeError("Expecting ':' delimiter after a key", doc.text, pos)
            pos = doc.skip_space(pos + 1)
            if name in keys and doc.text.startswith("[", pos):
                found = True
                end = yield from _array(doc, pos, name)
                if end is None:
                    return
                pos = end
            else:
                value, value_end = _DECODER.raw_decode(doc.text, pos)
                if name in keys:
                    found = True
                    yield Item(doc.line(pos), name, value)
                else:
                    others[name] = value
                pos = value_end
            pos = doc.skip_space(pos)
            if doc.text.startswith(",", pos):
                pos = doc.skip_space(pos + 1)
            elif not doc.text.startswith("}", pos):
                raise json.JSONDecodeError("Expecting ',' delimiter", doc.text, pos)
        except json.JSONDecodeError as exc:
            yield _broken(doc, exc)
            return
    if not found:
        yield Item(doc.line(start), None, others)


def first_item(doc: Doc, keys: tuple[str, ...]) -> Item | None:
    """The first record that decodes (for telling the format), or None."""
    for item in items(doc, keys):
        if isinstance(item, Item):
            return item
    return None
