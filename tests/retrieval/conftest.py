"""Fixtures of the retrieval tests: the real embedding model, a small labelled ticket set, a real
database (SQLite and PostgreSQL through ``sessions``) and a real FAISS index on disk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parent / "data"
TICKETS = DATA / "tickets.jsonl"
QUERIES = DATA / "queries.jsonl"


def ticket_rows() -> list[dict]:
    return [json.loads(line) for line in TICKETS.read_text(encoding="utf-8").splitlines()]


def clustered(n: int, dim: int, *, seed: int, clusters: int = 20) -> np.ndarray:
    """Normalised vectors around fixed centres (the same for every seed): data with structure,
    as sentence embeddings have, from which tickets and queries alike are drawn."""
    centres = np.random.default_rng(1000 + dim).standard_normal((clusters, dim)).astype(np.float32)
    rng = np.random.default_rng(seed)
    x = centres[rng.integers(0, clusters, n)] + 0.35 * rng.standard_normal((n, dim)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def brute_force(
    base: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The reference: every inner product, sorted (ties to the smaller id)."""
    scores = queries @ base.T
    order = np.lexsort((np.broadcast_to(ids, scores.shape), -scores), axis=1)[:, :k]
    return np.take_along_axis(scores, order, axis=1), ids[order]


class RecordingEmbedder:
    """The real embedder, remembering every text it was given (what reaches the index)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.seen: list[str] = []

    def encode(self, texts, *, batch_size: int = 64, progress: bool = False):
        self.seen.extend(texts)
        return self.inner.encode(texts, batch_size=batch_size, progress=progress)


@pytest.fixture(scope="session")
def embedder():
    from supportbot.retrieval.embedder import load_embedder

    return load_embedder()


@pytest.fixture
def imported(sessions):
    from supportbot.retrieval.importer import import_tickets

    report = import_tickets(sessions, TICKETS)
    assert report.failed == 0 and report.created == len(ticket_rows())
    return report


@pytest.fixture
def index_dir(tmp_path, sessions, imported, embedder) -> Path:
    from supportbot.retrieval.index_builder import build_index

    folder = tmp_path / "index"
    build_index(sessions=sessions, folder=folder, embedder=embedder, kind_setting="flat")
    return folder
