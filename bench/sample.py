"""The bundled sample's tickets in a scratch SQLite database with their FAISS index, for benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def sample_retriever(folder: Path, embedder: Any, *, k: int = 3) -> tuple[Any, Any, Any]:
    """(engine, session factory, retriever) over the sample tickets, built in ``folder``."""
    from supportbot.core.db import make_engine, session_factory, upgrade
    from supportbot.retrieval.importer import import_tickets
    from supportbot.retrieval.index_builder import build_index
    from supportbot.retrieval.search import Retriever

    engine = make_engine(f"sqlite:///{folder}/sample.db")
    upgrade(engine)
    sessions = session_factory(engine)
    import_tickets(sessions, SAMPLE / "tickets.jsonl")
    build_index(sessions=sessions, folder=folder / "index", embedder=embedder, kind_setting="flat")
    return engine, sessions, Retriever.from_index(folder / "index", sessions=sessions, embedder=embedder, k=k)
