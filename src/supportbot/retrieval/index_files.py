"""Saving and loading the index folder: one FAISS file plus ``manifest.json``, no pickle.

Each save writes the FAISS file under a fresh name, then replaces the manifest that names it, then
deletes the files no manifest names any more. A reader therefore never sees half a file, and a
process that still holds the previous file open keeps reading it (POSIX keeps unlinked files).
A lock file serialises writers (two imports at once would otherwise both start from the same
index and the second save would drop the first one's changes).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from supportbot.core.errors import IndexMismatch
from supportbot.retrieval.faiss_index import TicketIndex
from supportbot.retrieval.manifest import REBUILD, Manifest, now_iso

LOCK_FILE = ".lock"


def save_index(
    folder: Path,
    index: TicketIndex,
    *,
    embedder: str,
    fingerprint: str,
    built_at: str | None = None,
) -> Manifest:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"tickets-{uuid.uuid4().hex[:12]}.faiss"
    tmp = folder / f".{name}.tmp"
    index.write(tmp)
    os.replace(tmp, folder / name)
    params = {k: v for k, v in index.params.items() if k != "tombstones"}
    manifest = Manifest(
        embedder=embedder,
        dim=index.dim,
        index_type=index.kind,
        count=index.count,
        fingerprint=fingerprint,
        faiss_file=name,
        params=params,
        tombstones=index.tombstones,
    )
    if built_at:
        manifest.built_at = built_at
    manifest.updated_at = now_iso()
    manifest.write(folder)
    for old in folder.glob("tickets-*.faiss"):
        if old.name != name:
            with contextlib.suppress(OSError):
                old.unlink()
    return manifest


def load_index(folder: Path, manifest: Manifest | None = None) -> tuple[TicketIndex, Manifest]:
    manifest = manifest or Manifest.read(folder)
    path = folder / manifest.faiss_file
    if not path.exists():
        raise IndexMismatch(f"the index file {path} named by the manifest is missing: {REBUILD}")
    params = dict(manifest.params)
    if manifest.index_type == "hnsw":
        params["tombstones"] = manifest.tombstones
    try:
        index = TicketIndex.read(path, kind=manifest.index_type, dim=manifest.dim, params=params)
    except RuntimeError as exc:  # FAISS on a truncated or overwritten file
        raise IndexMismatch(f"the index file {path} is unreadable ({_first_line(exc)}): {REBUILD}") from None
    if index.count != manifest.count:
        raise IndexMismatch(
            f"the index file holds {index.count} tickets, its manifest says {manifest.count}: {REBUILD}"
        )
    return index, manifest


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(exc).__name__


def verify_index_file(folder: Path, manifest: Manifest) -> None:
    """Check that the FAISS file the manifest names is there and readable, and holds what the
    manifest says, without loading it (memory-mapped: milliseconds even for a million vectors)."""
    import faiss

    path = folder / manifest.faiss_file
    if not path.exists():
        raise IndexMismatch(f"the index file {path} named by the manifest is missing: {REBUILD}")
    try:
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError as exc:
        raise IndexMismatch(f"the index file {path} is unreadable ({_first_line(exc)}): {REBUILD}") from None
    # HNSW keeps removed tickets' nodes as tombstones: they are in the file, not in the count.
    expected = manifest.count + (manifest.tombstones if manifest.index_type == "hnsw" else 0)
    if int(index.ntotal) != expected or int(index.d) != manifest.dim:
        raise IndexMismatch(
            f"the index file holds {index.ntotal} vectors of {index.d} dimensions, its manifest says "
            f"{expected} of {manifest.dim}: {REBUILD}"
        )


def index_exists(folder: Path) -> bool:
    return (folder / "manifest.json").exists()


@contextlib.contextmanager
def writer_lock(folder: Path) -> Iterator[None]:
    """One writer of the index folder at a time (other writers wait)."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
