"""Building the index from the tickets table, and keeping it in step without a rebuild.

``build_index`` embeds every ticket and saves a fresh index. ``IndexWriter`` wraps a change of the
tickets table (an import, tickets from conversations, a removal): it takes the writer lock, loads
the saved index if it matches the table *before* the change, and afterwards re-embeds only the
tickets that changed, removes the deleted ones and saves the index with the new fingerprint. An
index that did not match before the change is left alone: it is refused at search time with the
message to rebuild, which is the truth.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core.errors import IndexMismatch
from supportbot.retrieval.embedder import Embedder, canonical_name
from supportbot.retrieval.faiss_index import TicketIndex, choose_kind, ivf_params
from supportbot.retrieval.index_files import index_exists, load_index, save_index, writer_lock
from supportbot.retrieval.manifest import REBUILD, Manifest, fingerprint
from supportbot.retrieval.rows import iter_for_index, table_fingerprint, texts_for

log = logging.getLogger(__name__)

# An IVF index trained on n vectors serves up to this many times n well; beyond, its lists grow
# long and uneven, and a rebuild (which retrains) is worth suggesting.
IVF_GROWTH_HINT = 4


@dataclass
class BuildResult:
    manifest: Manifest
    embed_seconds: float
    index_seconds: float


def build_index(
    *,
    sessions: sessionmaker[Session],
    folder: Path,
    embedder: Embedder,
    kind_setting: str = "auto",
    threshold: int = 200_000,
    progress: bool = False,
    batch_size: int = 64,
) -> BuildResult:
    """Embed every ticket and save a new index (replacing any old one)."""
    import numpy as np

    with writer_lock(folder):
        with sessions() as session:
            rows = list(iter_for_index(session))
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        digest = fingerprint((r[0], r[2]) for r in rows)
        started = time.perf_counter()
        vectors = embedder.encode([r[1] for r in rows], batch_size=batch_size, progress=progress)
        embedded = time.perf_counter()
        kind = choose_kind(kind_setting, count=len(rows), threshold=threshold)
        if kind == "ivf" and len(rows) == 0:
            kind = "flat"  # nothing to train on; the next build with tickets makes the IVF index
        params: dict[str, Any] = {"trained_on": len(rows)} if kind == "ivf" else {}
        index = TicketIndex.build(ids, vectors.reshape(len(rows), embedder.dim), kind=kind, params=params)
        manifest = save_index(folder, index, embedder=embedder.name, fingerprint=digest)
        return BuildResult(manifest, embedded - started, time.perf_counter() - embedded)


@dataclass
class IndexUpdate:
    """What an incremental update did; ``skipped`` says why nothing was done, when so."""

    embedded: int = 0
    removed: int = 0
    manifest: Manifest | None = None
    skipped: str | None = None
    hints: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.skipped:
            return f"index not updated: {self.skipped}"
        assert self.manifest is not None
        return (
            f"index updated: {self.embedded} embedded, {self.removed} removed, "
            f"{self.manifest.count} tickets ({self.manifest.index_type})"
        )


class IndexWriter:
    """Hold the index steady while the tickets table changes, then apply exactly those changes.

    with IndexWriter(folder, sessions=..., embedder_name=..., load_embedder=...) as writer:
        ... change tickets, collect the changed / deleted primary keys ...
        update = writer.apply(changed=ids, removed=gone)
    """

    def __init__(
        self,
        folder: Path,
        *,
        sessions: sessionmaker[Session],
        embedder_name: str,
        load_embedder: Callable[[], Embedder],
        kind_setting: str = "auto",
        threshold: int = 200_000,
        progress: bool = False,
    ) -> None:
        self.folder = folder
        self.sessions = sessions
        self.embedder_name = canonical_name(embedder_name)
        self.load_embedder = load_embedder
        self.kind_setting = kind_setting
        self.threshold = threshold
        self.progress = progress
        self.index: TicketIndex | None = None
        self.manifest: Manifest | None = None
        self.skipped: str | None = None
        self._lock = writer_lock(folder)

    def __enter__(self) -> IndexWriter:
        self._lock.__enter__()
        try:
            self._load()
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self._lock.__exit__(*exc)

    def _load(self) -> None:
        if not index_exists(self.folder):
            self.skipped = f"there is no index yet: {REBUILD}"
            return
        try:
            manifest = Manifest.read(self.folder)
            manifest.check_embedder(name=self.embedder_name)
            with self.sessions() as session:
                count, digest = table_fingerprint(session)
            manifest.check_tickets(count=count, digest=digest)
            self.index, self.manifest = load_index(self.folder, manifest)
        except IndexMismatch as exc:
            self.skipped = str(exc)

    def apply(self, *, changed: Iterable[int] = (), removed: Iterable[int] = ()) -> IndexUpdate:
        """Re-embed ``changed`` tickets (added or edited), drop ``removed`` ones, save."""
        import numpy as np

        if self.index is None or self.manifest is None:
            return IndexUpdate(skipped=self.skipped)
        changed_ids = sorted(set(int(i) for i in changed))
        removed_ids = set(int(i) for i in removed)
        with self.sessions() as session:
            texts = texts_for(session, changed_ids)
        present = [i for i in changed_ids if i in texts]
        removed_ids |= set(changed_ids) - set(present)  # changed, then deleted: gone
        update = IndexUpdate()
        if present:
            embedder = self.load_embedder()
            if embedder.dim != self.index.dim:
                return IndexUpdate(
                    skipped=f"the embedder makes {embedder.dim}-dimensional vectors, "
                    f"the index holds {self.index.dim}: {REBUILD}"
                )
            vectors = embedder.encode([texts[i] for i in present], progress=self.progress)
            self.index.upsert(np.array(present, dtype=np.int64), vectors)
            update.embedded = len(present)
        if removed_ids:
            update.removed = self.index.remove(np.array(sorted(removed_ids), dtype=np.int64))
        if not update.embedded and not update.removed:
            update.manifest = self.manifest  # nothing changed: no new file for the bot to reload
            return update
        with self.sessions() as session:
            pairs = _ticket_pairs(session)
        table_ids = np.array([p[0] for p in pairs], dtype=np.int64)
        if not np.array_equal(table_ids, self.index.ids()):
            # Someone changed tickets outside this writer meanwhile: saving would hide that.
            return IndexUpdate(skipped=f"the tickets changed during the update: {REBUILD}")
        self.manifest = save_index(
            self.folder,
            self.index,
            embedder=self.manifest.embedder,
            fingerprint=fingerprint(pairs),
            built_at=self.manifest.built_at,
        )
        update.manifest = self.manifest
        update.hints = self._hints()
        return update

    def _hints(self) -> list[str]:
        assert self.index is not None
        hints = []
        count = self.index.count
        wanted = choose_kind(self.kind_setting, count=count, threshold=self.threshold)
        if wanted != self.index.kind and count > 0:
            hints.append(
                f"{count} tickets: `supportbot index build` would make a {wanted} index "
                f"(this one is {self.index.kind})"
            )
        trained = int(self.index.params.get("trained_on", 0) or 0)
        if self.index.kind == "ivf" and trained and count > IVF_GROWTH_HINT * trained:
            hints.append(
                f"the IVF index was trained on {trained} tickets and now holds {count}: "
                f"`supportbot index build` retrains it (nlist {ivf_params(count)['nlist']})"
            )
        return hints


def _ticket_pairs(session: Session) -> list[tuple[int, str]]:
    from supportbot.core.store import ticket_hashes

    return ticket_hashes(session)
