"""The search API the bot calls for every question: text in, the most similar solved tickets out.

    retriever = Retriever.open(settings=settings, sessions=sessions)   # once per process
    hits = retriever.search("my parcel never arrived", k=5)             # from any thread

One ``Retriever`` per process holds the embedder and the index; ``search`` is safe from many
threads at once (FAISS searches are read-only, the embedder guards its tokenizer, the state is
swapped as one reference). Each search embeds the text, asks FAISS for the top k ids, and reads
their rows with one ``SELECT ... WHERE id IN (...)``.

The bot runs for days while tickets get imported: every ``refresh_interval_s`` a search stats the
manifest (microseconds) and, when it changed, loads the new index in the background of that one
call, verified against the tickets table, and swaps it in. A new index that does not verify is
logged and the current one kept.

FAISS is set to one OpenMP thread: a single query is faster on one thread than split across
cores (the split costs more than it saves), and concurrent requests get their parallelism from
the bot's own threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from supportbot.core.store.ticket_reads import fetch_rows
from supportbot.retrieval.embedder import (
    BatchingEmbedder,
    Embedder,
    canonical_name,
    embedder_device,
    load_embedder,
)
from supportbot.retrieval.faiss_index import TicketIndex
from supportbot.retrieval.index_files import load_index
from supportbot.retrieval.manifest import Manifest, manifest_stamp
from supportbot.retrieval.requests import DEFAULT_WEIGHT, MAX_TICKETS, RequestGroups, group_index
from supportbot.retrieval.rows import table_fingerprint
from supportbot.retrieval.sentences import DEFAULT_WEIGHT as SENTENCE_WEIGHT
from supportbot.retrieval.sentences import rerank, sentences

if TYPE_CHECKING:
    from supportbot.core.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchHit:
    ticket_id: int
    external_id: str
    score: float
    question: str
    resolution: str
    category: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def omp_threads(n: int | None) -> Iterator[None]:
    """OpenMP threads for the calling thread while the block runs, then back to what they were.

    A single query is fastest on one thread (no fork/join of a team); batch work wants them all.
    """
    if n is None:
        yield
        return
    import faiss

    before = faiss.omp_get_max_threads()
    if before == n:
        yield
        return
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


@dataclass(frozen=True)
class _State:
    index: TicketIndex
    manifest: Manifest
    stamp: tuple[int, int, int] | None
    requests: RequestGroups | None = None


# How many more neighbours a search limited to some categories asks the index for.
CATEGORY_OVERFETCH = 20
# The candidates ranked by request (retrieval.requests) before the best k are kept.
REQUEST_CANDIDATES = 20


class Retriever:
    def __init__(
        self,
        *,
        folder: Path,
        sessions: sessionmaker[Session],
        embedder: Embedder,
        k: int = 3,
        min_score: float | None = None,
        check_tickets: bool = True,
        refresh_interval_s: float = 2.0,
        faiss_threads: int | None = 1,
        request_weight: float = DEFAULT_WEIGHT,
        sentence_weight: float = SENTENCE_WEIGHT,
    ) -> None:
        self.folder = Path(folder)
        self.sessions = sessions
        self.embedder = embedder
        self.k = k
        self.min_score = min_score
        self.check_tickets = check_tickets
        self.refresh_interval_s = refresh_interval_s
        # Applied around each FAISS call only: OpenMP's thread count is shared with torch (the same
        # runtime), so setting it once here would leave the caller's thread training or generating
        # on one core.
        self.faiss_threads = faiss_threads
        # How much a ticket's whole request counts beside its own similarity (retrieval.requests;
        # 0: similarity alone).
        self.request_weight = request_weight
        # How much a message's best sentence counts beside the whole message when ranking
        # (retrieval.sentences; 0: the whole message alone).
        self.sentence_weight = sentence_weight
        self._reload_lock = threading.Lock()
        self._next_check = 0.0
        self._state = self._load()
        self._next_check = time.monotonic() + refresh_interval_s

    @classmethod
    def open(cls, *, settings: Settings, sessions: sessionmaker[Session], **kwargs: Any) -> Retriever:
        """The index in ``settings.index_dir`` with the configured embedder (refused, with the
        command that fixes it, when either does not match)."""
        manifest = Manifest.read(settings.index_dir)
        # Checked before loading a model: a wrong embedder is refused in milliseconds.
        manifest.check_embedder(name=canonical_name(settings.embedder))
        # The bot searches from many threads at once: their questions are embedded together.
        embedder = BatchingEmbedder(load_embedder(settings.embedder, device=embedder_device(settings.device)))
        kwargs.setdefault("k", settings.retrieval_k)
        kwargs.setdefault("min_score", settings.min_score)
        kwargs.setdefault("request_weight", settings.request_weight)
        kwargs.setdefault("sentence_weight", settings.sentence_weight)
        return cls(folder=settings.index_dir, sessions=sessions, embedder=embedder, **kwargs)

    @classmethod
    def from_index(
        cls, folder: Path, *, sessions: sessionmaker[Session], embedder: Embedder, **kwargs: Any
    ) -> Retriever:
        return cls(folder=folder, sessions=sessions, embedder=embedder, **kwargs)

    # --- the index on disk ---------------------------------------------------------------------

    def _load(self) -> _State:
        stamp = manifest_stamp(self.folder)
        manifest = Manifest.read(self.folder)
        manifest.check_embedder(name=self.embedder.name, dim=self.embedder.dim)
        if self.check_tickets:
            with self.sessions() as session:
                count, digest = table_fingerprint(session)
            manifest.check_tickets(count=count, digest=digest)
        index, manifest = load_index(self.folder, manifest)
        requests = None
        if self.request_weight > 0 and index.count:
            ids = [int(i) for i in index.ids()[-MAX_TICKETS:]]
            with self.sessions() as session:
                rows = fetch_rows(session, ids)
            # The newest answer wins: a request's tickets ordered by when they were opened.
            when = {i: (r.created_at, i) for i, r in rows.items() if r.created_at is not None}
            requests = group_index(index, {i: r.resolution for i, r in rows.items()}, when=when)
        return _State(index, manifest, stamp, requests)

    @property
    def manifest(self) -> Manifest:
        return self._state.manifest

    @property
    def index(self) -> TicketIndex:
        return self._state.index

    @property
    def size(self) -> int:
        """How many tickets the loaded index holds."""
        return self._state.manifest.count

    def changed_on_disk(self) -> bool:
        """Whether the saved index differs from the one loaded (a stat call, nothing more)."""
        return manifest_stamp(self.folder) != self._state.stamp

    def refresh(self, *, force: bool = False) -> bool:
        """Load the saved index if it changed (or ``force``); True when a new one was swapped in.

        Raises when the saved index does not verify; the current one stays in use.
        """
        with self._reload_lock:
            if not force and not self.changed_on_disk():
                return False
            self._state = self._load()
            return True

    def _maybe_refresh(self) -> None:
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + self.refresh_interval_s
        if not self.changed_on_disk() or not self._reload_lock.acquire(blocking=False):
            return  # unchanged, or another thread is loading it: carry on with the current one
        try:
            if self.changed_on_disk():
                self._state = self._load()
                log.info("ticket index reloaded: %d tickets", self._state.manifest.count)
        except Exception as exc:
            log.warning("kept the current ticket index; the new one did not load: %s", exc)
        finally:
            self._reload_lock.release()

    # --- search --------------------------------------------------------------------------------

    def search(
        self,
        text: str,
        k: int | None = None,
        *,
        min_score: float | None = None,
        categories: Sequence[str] = (),
    ) -> list[SearchHit]:
        """The ``k`` most similar tickets, best first, scoring at least the minimum score; with
        ``categories``, only tickets of those (a channel limited to billing, say)."""
        return self.search_many([text], k=k, min_score=min_score, categories=categories)[0]

    def search_many(
        self,
        texts: Sequence[str],
        k: int | None = None,
        *,
        min_score: float | None = None,
        progress: bool = False,
        categories: Sequence[str] = (),
    ) -> list[list[SearchHit]]:
        """``search`` for many texts at once: one batched embedding, one FAISS call, one query.

        With ``categories`` the index is asked for more neighbours (FAISS has no filter over
        these ids) and the others are dropped: up to ``CATEGORY_OVERFETCH`` times ``k``."""
        self._maybe_refresh()
        state = self._state
        k = int(k or self.k)
        allowed = {c.lower() for c in categories}
        fetch = min(max(k, k * CATEGORY_OVERFETCH), state.index.count) if allowed else k
        if state.requests is not None:
            fetch = min(max(fetch, REQUEST_CANDIDATES), state.index.count)
        floor = self.min_score if min_score is None else min_score
        results: list[list[SearchHit]] = [[] for _ in texts]
        todo = [i for i, t in enumerate(texts) if t and t.strip()]
        if not todo or state.index.count == 0:
            return results
        parts = [sentences(texts[i]) if self.sentence_weight > 0 else [] for i in todo]
        starts = np.cumsum([0, *(len(p) for p in parts)])
        encoded = self.embedder.encode(
            [texts[i] for i in todo] + [s for p in parts for s in p], progress=progress
        )
        vectors, part_vectors = encoded[: len(todo)], encoded[len(todo) :]
        with omp_threads(self.faiss_threads):
            scores, ids = state.index.search(vectors, fetch)
            part_ids = state.index.search(part_vectors, fetch)[1] if len(part_vectors) else None
        ranked: list[list[tuple[int, float]]] = []
        for n, (row_scores, row_ids) in enumerate(zip(scores, ids, strict=True)):
            candidates = [(int(t), float(s)) for s, t in zip(row_scores, row_ids, strict=True) if t >= 0]
            own: dict[int, float] | None = None
            if part_ids is not None and parts[n]:
                mine = part_vectors[starts[n] : starts[n + 1]]
                candidates, own = self._by_sentence(
                    state, vectors[n], mine, candidates, part_ids[starts[n] : starts[n + 1]]
                )
            if state.requests is not None:
                candidates = state.requests.rank(vectors[n], candidates, weight=self.request_weight)
            if own is not None:  # the score is the similarity to the whole message
                candidates = [(t, own.get(t, s)) for t, s in candidates]
            ranked.append(candidates)
        # After ranking: a superseded hit's replacement need not have been a candidate itself.
        with self.sessions() as session:
            rows = fetch_rows(session, {t for candidates in ranked for t, _ in candidates})
        for slot, candidates in zip(todo, ranked, strict=True):
            hits = results[slot]
            for ticket_id, score in candidates:
                row = rows.get(int(ticket_id))
                if row is None or (floor is not None and score < floor):
                    continue  # no result, or a ticket deleted since the index was saved
                if allowed and (row.category or "").lower() not in allowed:
                    continue
                if len(hits) >= k:
                    break
                hits.append(
                    SearchHit(
                        ticket_id=row.id,
                        external_id=row.external_id,
                        score=float(score),
                        question=row.question,
                        resolution=row.resolution,
                        category=row.category,
                    )
                )
        return results

    def _by_sentence(
        self,
        state: _State,
        query: np.ndarray,
        parts: np.ndarray,
        candidates: list[tuple[int, float]],
        part_ids: np.ndarray,
    ) -> tuple[list[tuple[int, float]], dict[int, float] | None]:
        """The candidates and the sentences' nearest tickets ranked by retrieval.sentences (with
        each one's similarity to the whole message); the candidates as they were where the index
        cannot give their vectors back."""
        pool = list(dict.fromkeys([t for t, _ in candidates] + [int(t) for t in part_ids.ravel() if t >= 0]))
        try:
            stored = state.index.vectors(pool)
        except Exception as exc:  # an index kind without stored vectors
            log.debug("ranked by the whole message: %s", exc)
            return candidates, None
        return rerank(query, parts, candidates, vectors=stored, ids=pool, weight=self.sentence_weight)
