"""The JSON manifest beside the FAISS file: what the index was built with and from.

The manifest is the commit point of a save: the FAISS file is written under a fresh name first,
then the manifest (atomically replaced) names it. A reader that sees a manifest always finds the
file it names, and the bot notices a new index by the manifest changing on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from supportbot.core.errors import IndexMismatch

MANIFEST = "manifest.json"
FORMAT = 1
REBUILD = "run `supportbot index build`"


def fingerprint(pairs: Iterable[tuple[int, str]]) -> str:
    """One hash of the ticket set: every (primary key, content hash), in id order."""
    digest = hashlib.sha256()
    for ticket_id, content in pairs:
        digest.update(f"{ticket_id}:{content}\n".encode())
    return digest.hexdigest()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Manifest:
    embedder: str
    dim: int
    index_type: str  # flat | ivf | hnsw
    count: int
    fingerprint: str
    faiss_file: str
    params: dict[str, Any] = field(default_factory=dict)
    tombstones: int = 0
    built_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexMismatch(f"no ticket index in {folder}: {REBUILD}") from None
        except (OSError, ValueError) as exc:
            raise IndexMismatch(f"the index manifest {path} is unreadable ({exc}): {REBUILD}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise IndexMismatch(f"the index in {folder} has an unknown format: {REBUILD}")
        known = {f for f in cls.__dataclass_fields__}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError as exc:
            raise IndexMismatch(f"the index manifest {path} is incomplete ({exc}): {REBUILD}") from None

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{MANIFEST}.{os.getpid()}.tmp"
        tmp.write_text(self.to_json(), encoding="utf-8")
        os.replace(tmp, folder / MANIFEST)

    def check_embedder(self, *, name: str, dim: int | None = None) -> None:
        """Refuse an index whose vectors came from another model: their scores mean nothing."""
        if self.embedder != name:
            raise IndexMismatch(
                f"the ticket index was built with the embedder {self.embedder!r}, "
                f"but the setting is {name!r}: {REBUILD}"
            )
        if dim is not None and self.dim != dim:
            raise IndexMismatch(
                f"the ticket index has {self.dim}-dimensional vectors, the embedder makes {dim}: {REBUILD}"
            )

    def check_tickets(self, *, count: int, digest: str) -> None:
        """Refuse an index that no longer matches the tickets table (it would cite wrong tickets)."""
        if self.count != count or self.fingerprint != digest:
            raise IndexMismatch(
                f"the ticket index ({self.count} tickets) no longer matches the tickets table "
                f"({count} tickets, changed since the index was saved): {REBUILD}"
            )


def manifest_stamp(folder: Path) -> tuple[int, int, int] | None:
    """A cheap "has the index on disk changed" token: the manifest's inode, size and mtime."""
    try:
        st = (folder / MANIFEST).stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)
