"""Import solved tickets (a JSONL/CSV export, or the team's resolved conversations) and keep the
index in step with them: the one way the CLI, the first start and anything else fill the store."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.context import AppContext
from core.settings import Settings


@dataclass
class Imported:
    """What an import did: the report of the rows, and the index update (None: not asked for)."""

    report: Any  # retrieval.importer.ImportReport | retrieval.conversations result
    index: Any | None  # retrieval.index_builder.IndexUpdate


def _embedder(settings: Settings) -> Any:
    from retrieval.embedder import embedder_device, load_embedder

    return load_embedder(settings.embedder, device=embedder_device(settings.device))


@contextlib.contextmanager
def _index_writer(app: AppContext, *, enabled: bool, progress: bool) -> Iterator[Any]:
    """The index writer around a change of the tickets table (or None: the index is left as it is)."""
    if not enabled:
        yield None
        return
    from retrieval.index_builder import IndexWriter

    s = app.settings
    with IndexWriter(
        s.index_dir,
        sessions=app.sessions,
        embedder_name=s.embedder,
        load_embedder=lambda: _embedder(s),
        kind_setting=s.index_type,
        threshold=s.approx_threshold,
        progress=progress,
    ) as writer:
        yield writer


def import_tickets(
    app: AppContext,
    path: Path,
    *,
    fields: Any = None,
    fmt: str | None = None,
    source: str = "import",
    update_index: bool = True,
    progress: bool = False,
) -> Imported:
    """Import ``path`` (PII redacted before the first write; a re-import updates), then embed the
    changed tickets into the index. ``fields``: a retrieval.sources.FieldMap for other exports."""
    from retrieval.importer import import_tickets as read_into_store
    from retrieval.sources import FieldMap

    with _index_writer(app, enabled=update_index, progress=progress) as writer:
        report = read_into_store(
            app.sessions, path, fields=fields or FieldMap(), fmt=fmt, source=source, progress=progress
        )
        update = writer.apply(changed=report.changed_ids) if writer is not None else None
    return Imported(report, update)


def tickets_from_conversations(
    app: AppContext, *, update_index: bool = True, progress: bool = False
) -> Imported:
    """Tickets from resolved conversations (question + final accepted answer), index updated."""
    from retrieval.conversations import tickets_from_conversations as collect

    with _index_writer(app, enabled=update_index, progress=progress) as writer:
        result = collect(app.sessions)
        update = (
            writer.apply(changed=result.changed_ids, removed=result.removed_ids)
            if writer is not None
            else None
        )
    return Imported(result, update)


def import_sample_if_empty(app: AppContext, *, progress: bool = True) -> tuple[int, bool]:
    """The bundled sample tickets, when the store has none: (tickets stored, imported now)."""
    from core import store
    from core.resources import sample_dir

    with app.sessions() as s:
        count = store.count_tickets(s)
    if count:
        return count, False
    imported = import_tickets(
        app, sample_dir() / "tickets.jsonl", update_index=False, progress=progress
    ).report
    return imported.created + imported.updated, True


def remove_tickets(
    app: AppContext, external_ids: list[str], *, update_index: bool = True, progress: bool = False
) -> Imported:
    """Delete tickets by their external ids, all or none (NotFound names the missing ones), and
    drop them from the index; ``report``: how many were removed."""
    from core import store
    from core.db import transaction
    from core.errors import NotFound

    with _index_writer(app, enabled=update_index, progress=progress) as writer:
        with transaction(app.sessions) as session:
            missing = [e for e in external_ids if not store.ids_for_external(session, external_ids=[e])]
            if missing:
                raise NotFound(f"no ticket {', '.join(repr(m) for m in missing)}; nothing was removed")
            gone = [store.delete_ticket(session, external_id=e) for e in external_ids]
        update = writer.apply(removed=gone) if writer is not None else None
    return Imported(len(gone), update)
