"""The FAISS index of ticket vectors. Its ids are the tickets' primary keys.

Three kinds, all inner product over normalised vectors (= cosine similarity):

- ``flat``: exact search, ``IndexIDMap2(IndexFlatIP)``. The default below the size threshold.
- ``ivf``: approximate, ``IndexIVFFlat`` with ids stored in its inverted lists and a hash-table
  direct map, so single tickets are added, replaced and removed in place. ``auto`` picks this one
  above the threshold: it trains and fills 1M vectors in about a minute, answers in a few ms and,
  unlike HNSW, supports ``remove_ids``.
- ``hnsw``: approximate, ``IndexIDMap2(IndexHNSWFlat)``. HNSW cannot remove nodes from its graph,
  so a removed or replaced ticket becomes a tombstone: its slot in the id map is set to -1 (the
  node stays, still helping navigation) and searches pass a selector that skips -1. The tombstones
  live in the FAISS file itself (no side file). When they pass a fifth of the graph, the graph is
  rebuilt from the stored vectors (no re-embedding).

Searching is read-only and safe from many threads at once; changes (add/remove) are made by one
writer that then saves a new file (see ``store``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportbot.core.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np

KINDS = ("flat", "ivf", "hnsw")
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 256
COMPACT_TOMBSTONES = 0.2
_LIVE = None  # lazily built IDSelectorRange(0, 2**62): "not a tombstone"


def choose_kind(setting: str, *, count: int, threshold: int) -> str:
    """The index kind for ``count`` tickets: the setting, or for ``auto`` exact up to the threshold."""
    if setting != "auto":
        if setting not in KINDS:
            raise InvalidInput(f"unknown index type {setting!r} (use auto, flat, ivf or hnsw)")
        return setting
    return "ivf" if count > threshold else "flat"


def ivf_params(count: int) -> dict[str, int]:
    """nlist ~ 4·sqrt(n) (a power of two), at least ~39 training points per list; nprobe = 1/32
    of the lists (at least 16): recall@5 0.96–0.98 of exact on sentence embeddings at 10k–100k
    tickets, in under 3 ms at 1M (measured by bench/retrieval.py)."""
    nlist = 1 << max(0, round(math.log2(max(1.0, 4 * math.sqrt(max(count, 1))))))
    nlist = max(1, min(nlist, count // 39 if count >= 39 else 1))
    nprobe = min(nlist, max(16, nlist // 32))
    return {"nlist": nlist, "nprobe": nprobe}


def _faiss():
    import faiss

    return faiss


def _as_ids(ids: Sequence[int] | np.ndarray) -> np.ndarray:
    import numpy as np

    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))


def _as_vectors(vectors: np.ndarray, dim: int) -> np.ndarray:
    import numpy as np

    x = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if x.ndim != 2 or x.shape[1] != dim:
        raise InvalidInput(f"expected vectors of shape (n, {dim}), got {x.shape}")
    return x


class TicketIndex:
    """A FAISS index whose labels are ticket ids, with exact, IVF and HNSW kinds."""

    def __init__(self, index: Any, *, kind: str, dim: int, params: dict[str, Any] | None = None) -> None:
        self.index = index
        self.kind = kind
        self.dim = dim
        self.params = dict(params or {})
        self._apply_search_params()

    # --- construction --------------------------------------------------------------------------

    @classmethod
    def empty(cls, *, dim: int, kind: str, params: dict[str, Any] | None = None) -> TicketIndex:
        faiss = _faiss()
        params = dict(params or {})
        if kind == "flat":
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        elif kind == "hnsw":
            params.setdefault("M", HNSW_M)
            params.setdefault("ef_construction", HNSW_EF_CONSTRUCTION)
            params.setdefault("ef_search", HNSW_EF_SEARCH)
            inner = faiss.IndexHNSWFlat(dim, int(params["M"]), faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = int(params["ef_construction"])
            index = faiss.IndexIDMap2(inner)
        elif kind == "ivf":
            params = {**ivf_params(0), **params}
            quantizer = faiss.IndexFlatIP(dim)
            # (faiss's Python wrapper keeps the quantizer alive as long as the index)
            index = faiss.IndexIVFFlat(quantizer, dim, int(params["nlist"]), faiss.METRIC_INNER_PRODUCT)
        else:
            raise InvalidInput(f"unknown index type {kind!r} (use flat, ivf or hnsw)")
        return cls(index, kind=kind, dim=dim, params=params)

    @classmethod
    def build(
        cls,
        ids: Sequence[int] | np.ndarray,
        vectors: np.ndarray,
        *,
        kind: str,
        params: dict[str, Any] | None = None,
        train_size: int | None = None,
    ) -> TicketIndex:
        """An index of ``kind`` holding ``vectors`` under ``ids`` (IVF is trained on them first)."""
        import numpy as np

        ids = _as_ids(ids)
        vectors = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
        if len(ids) != len(vectors):
            raise InvalidInput(f"{len(ids)} ids for {len(vectors)} vectors")
        if len(np.unique(ids)) != len(ids):
            raise InvalidInput("duplicate ticket ids")
        dim = int(vectors.shape[1]) if vectors.ndim == 2 else 0
        if kind == "ivf":
            params = {**ivf_params(len(ids)), **(params or {})}
        index = cls.empty(dim=dim, kind=kind, params=params)
        if kind == "ivf":
            index._train(vectors, train_size=train_size)
        index.add(ids, vectors)
        return index

    def _train(self, vectors: np.ndarray, *, train_size: int | None) -> None:
        import numpy as np

        if len(vectors) == 0:
            raise InvalidInput("an IVF index needs vectors to train on")
        nlist = int(self.params["nlist"])
        # k-means on ~64 points per list is as good as on all of them and much faster at 1M.
        limit = train_size or max(nlist * 64, 10_000)
        sample = vectors
        if len(vectors) > limit:
            rng = np.random.default_rng(0)
            sample = vectors[np.sort(rng.choice(len(vectors), size=limit, replace=False))]
        self.index.cp.max_points_per_centroid = max(1, -(-len(sample) // nlist))
        self.index.train(np.ascontiguousarray(sample))
        faiss = _faiss()
        self.index.set_direct_map_type(faiss.DirectMap.Hashtable)

    def _apply_search_params(self) -> None:
        if self.kind == "ivf":
            self.index.nprobe = int(self.params.get("nprobe", 1))
        elif self.kind == "hnsw":
            self._inner_hnsw().hnsw.efSearch = int(self.params.get("ef_search", HNSW_EF_SEARCH))

    def _inner_hnsw(self) -> Any:
        return _faiss().downcast_index(self.index.index)

    # --- size ----------------------------------------------------------------------------------

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def tombstones(self) -> int:
        return int(self.params.get("tombstones", 0)) if self.kind == "hnsw" else 0

    @property
    def count(self) -> int:
        """Live tickets (tombstones not counted)."""
        return self.ntotal - self.tombstones

    def ids(self) -> np.ndarray:
        """The live ticket ids, sorted."""
        import numpy as np

        faiss = _faiss()
        if self.kind in ("flat", "hnsw"):
            found = faiss.vector_to_array(self.index.id_map)
        else:
            lists = self.index.invlists
            parts = []
            for list_no in range(lists.nlist):
                size = lists.list_size(list_no)
                if size:
                    parts.append(faiss.rev_swig_ptr(lists.get_ids(list_no), size).copy())
            found = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        return np.sort(found[found >= 0])

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of these ticket ids (rows in the same order). IVF keeps no id →
        entry map until asked for one (a hash table: ticket ids are not sequential)."""
        import numpy as np

        if self.kind == "ivf":
            faiss = _faiss()
            self.index.set_direct_map_type(faiss.DirectMap.Hashtable)
        if not len(ids):
            return np.empty((0, self.dim), dtype=np.float32)
        return np.asarray(self.index.reconstruct_batch(_as_ids(ids)), dtype=np.float32)

    # --- changes -------------------------------------------------------------------------------

    def add(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add tickets that are not in the index (use ``upsert`` for ones that may be)."""
        ids = _as_ids(ids)
        if len(ids) == 0:
            return
        vectors = _as_vectors(vectors, self.dim)
        if len(ids) != len(vectors):
            raise InvalidInput(f"{len(ids)} ids for {len(vectors)} vectors")
        if (ids < 0).any():
            raise InvalidInput("ticket ids must be positive")
        self.index.add_with_ids(vectors, ids)

    def remove(self, ids: Sequence[int] | np.ndarray) -> int:
        """Remove tickets by id; returns how many were in the index."""
        import numpy as np

        ids = _as_ids(ids)
        if len(ids) == 0 or self.ntotal == 0:
            return 0
        faiss = _faiss()
        if self.kind == "ivf":
            # The hash-table direct map removes by an explicit id array (and only that).
            return int(self.index.remove_ids(faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids))))
        if self.kind == "flat":
            return int(self.index.remove_ids(faiss.IDSelectorBatch(ids)))
        id_map = faiss.vector_to_array(self.index.id_map)
        hit = np.isin(id_map, ids) & (id_map >= 0)
        removed = int(hit.sum())
        if removed:
            id_map[hit] = -1
            faiss.copy_array_to_vector(id_map, self.index.id_map)
            self.index.construct_rev_map()
            self.params["tombstones"] = self.tombstones + removed
            if self.tombstones > COMPACT_TOMBSTONES * self.ntotal:
                self.compact()
        return removed

    def upsert(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add or replace tickets (a changed ticket keeps its id, gets its new vector)."""
        ids = _as_ids(ids)
        self.remove(ids)
        self.add(ids, vectors)

    def compact(self) -> None:
        """HNSW only: rebuild the graph from the live stored vectors, dropping the tombstones."""
        if self.kind != "hnsw" or self.tombstones == 0:
            return
        faiss = _faiss()
        id_map = faiss.vector_to_array(self.index.id_map)
        live = id_map >= 0
        vectors = self._inner_hnsw().reconstruct_n(0, self.ntotal)[live]
        params = {k: v for k, v in self.params.items() if k != "tombstones"}
        fresh = TicketIndex.empty(dim=self.dim, kind="hnsw", params=params)
        fresh.add(id_map[live], vectors)
        self.index, self.params = fresh.index, fresh.params
        self._apply_search_params()

    # --- search --------------------------------------------------------------------------------

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (n_queries, k); missing results have id -1 (fewer tickets than k)."""
        import numpy as np

        queries = _as_vectors(queries, self.dim)
        k = max(1, int(k))
        if self.ntotal == 0:
            return (
                np.full((len(queries), k), -np.inf, dtype=np.float32),
                np.full((len(queries), k), -1, dtype=np.int64),
            )
        if self.kind == "hnsw" and self.tombstones:
            faiss = _faiss()
            global _LIVE
            if _LIVE is None:
                _LIVE = faiss.IDSelectorRange(0, 1 << 62)
            params = faiss.SearchParametersHNSW(sel=_LIVE, efSearch=int(self.params["ef_search"]))
            return self.index.search(queries, k, params=params)
        return self.index.search(queries, k)

    # --- files ---------------------------------------------------------------------------------

    def write(self, path: Path) -> None:
        _faiss().write_index(self.index, str(path))

    @classmethod
    def read(cls, path: Path, *, kind: str, dim: int, params: dict[str, Any]) -> TicketIndex:
        faiss = _faiss()
        index = faiss.read_index(str(path))
        if int(index.d) != dim:
            from supportbot.core.errors import IndexMismatch

            raise IndexMismatch(f"{path} holds {index.d}-dimensional vectors, its manifest says {dim}")
        return cls(index, kind=kind, dim=dim, params=params)
