"""Reviewed conversations as OpenAI chat JSONL: ``{"id": ..., "messages": [...]}`` per line.

The rows come from ``core.store.training_conversations`` (a correction replaces the bot's reply;
a 👎 without one ends the usable part), the same selection training reads from the database.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def jsonl_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps({"id": row["id"], "messages": row["messages"]}, ensure_ascii=False) + "\n"


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write the file whole or not at all (a temporary file renamed into place); returns the lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for line in jsonl_lines(rows):
                fh.write(line)
                count += 1
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
