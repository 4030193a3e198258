"""Import solved tickets (an export, a Slack channel's history fetched live, or the team's resolved
conversations) and keep the index in step with them: the one way the CLI, the first start and
anything else fill the store."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportbot.core.context import AppContext
from supportbot.core.settings import Settings


@dataclass
class Imported:
    """What an import did: the report of the rows, and the index update (None: not asked for)."""

    report: Any  # retrieval.importer.ImportReport | retrieval.conversations result
    index: Any | None  # retrieval.index_builder.IndexUpdate


def _embedder(settings: Settings) -> Any:
    from supportbot.retrieval.embedder import embedder_device, load_embedder

    return load_embedder(settings.embedder, device=embedder_device(settings.device))


@contextlib.contextmanager
def _index_writer(app: AppContext, *, enabled: bool, progress: bool) -> Iterator[Any]:
    """The index writer around a change of the tickets table (or None: the index is left as it is)."""
    if not enabled:
        yield None
        return
    from supportbot.retrieval.index_builder import IndexWriter

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
    from supportbot.retrieval.importer import import_tickets as read_into_store
    from supportbot.retrieval.sources import FieldMap

    def write() -> Any:
        return read_into_store(
            app.sessions, path, fields=fields or FieldMap(), fmt=fmt, source=source, progress=progress
        )

    return _stored(app, write, update_index=update_index, progress=progress)


# A bulk read waits out Slack's rate limits (Retry-After) this many times per call before it gives up.
SLACK_RATE_LIMIT_RETRIES = 10


def import_slack_channels(
    app: AppContext,
    channels: Sequence[str],
    *,
    oldest: str | None = None,
    fields: Any = None,
    source: str = "slack",
    update_index: bool = True,
    progress: bool = False,
) -> Imported:
    """Fetch the history of Slack ``channels`` (ids or names; threads started at ``oldest`` or later) with
    the bot token, and import their threads as a Slack export's are: the same reading, the same
    store path. Everything is fetched before the first write (a refused channel writes nothing)."""
    from supportbot.core.errors import ConfigError
    from supportbot.retrieval.formats.slack_live import read_channels, resolve_channels
    from supportbot.retrieval.importer import import_records
    from supportbot.retrieval.sources import FieldMap
    from supportbot.usecases.notify import slack_client

    if not app.settings.secret("slack_bot_token"):
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set: reading a channel's history takes the bot's token "
            "(scopes channels:history, groups:history)"
        )
    client = slack_client(app.settings, rate_limit_retries=SLACK_RATE_LIMIT_RETRIES)
    ids = resolve_channels(client, channels)
    found = read_channels(client, ids, fields=fields or FieldMap(), oldest=oldest, progress=progress)
    label = "Slack " + ", ".join(f"#{c}" for c in ids)

    def write() -> Any:
        return import_records(app.sessions, found, label=label, source=source)

    return _stored(app, write, update_index=update_index, progress=progress)


def _stored(app: AppContext, write: Callable[[], Any], *, update_index: bool, progress: bool) -> Imported:
    """Run an import (``write``: its report) and embed the tickets it changed into the index."""
    with _index_writer(app, enabled=update_index, progress=progress) as writer:
        report = write()
        update = writer.apply(changed=report.changed_ids) if writer is not None else None
    return Imported(report, update)


def tickets_from_conversations(
    app: AppContext, *, update_index: bool = True, progress: bool = False
) -> Imported:
    """Tickets from resolved conversations (question + final accepted answer), index updated."""
    from supportbot.retrieval.conversations import tickets_from_conversations as collect

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
    from supportbot.core import store
    from supportbot.core.resources import sample_dir

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
    from supportbot.core import store
    from supportbot.core.db import transaction
    from supportbot.core.errors import NotFound

    with _index_writer(app, enabled=update_index, progress=progress) as writer:
        with transaction(app.sessions) as session:
            missing = [e for e in external_ids if not store.ids_for_external(session, external_ids=[e])]
            if missing:
                raise NotFound(f"no ticket {', '.join(repr(m) for m in missing)}; nothing was removed")
            gone = [store.delete_ticket(session, external_id=e) for e in external_ids]
        update = writer.apply(removed=gone) if writer is not None else None
    return Imported(len(gone), update)


@dataclass
class AddedTicket:
    """A ticket written by hand, and the index update (None: not asked for)."""

    ticket_id: int
    external_id: str
    index: Any | None  # retrieval.index_builder.IndexUpdate


MAX_TICKET_TEXT = 20_000


def add_ticket(
    app: AppContext,
    *,
    actor: str,
    external_id: str,
    question: str,
    resolution: str,
    category: str | None = None,
    source: str = "review",
    detail: dict[str, Any] | None = None,
    update_index: bool = True,
) -> AddedTicket:
    """One new ticket (an admin's answer to a content gap, say): stored redacted, audited, and
    embedded into the index when there is one that matches the table. An external id that is
    taken already is a Conflict (a new ticket never overwrites another)."""
    from sqlalchemy.exc import IntegrityError

    from supportbot.core import store
    from supportbot.core.db import transaction
    from supportbot.core.errors import Conflict, InvalidInput

    external_id, question, resolution = external_id.strip(), question.strip(), resolution.strip()
    category = (category or "").strip() or None
    if not external_id or len(external_id) > 128:
        raise InvalidInput("a ticket id is 1 to 128 characters")
    if not question or not resolution:
        raise InvalidInput("a ticket needs a question and a resolution")
    if max(len(question), len(resolution)) > MAX_TICKET_TEXT:
        raise InvalidInput(
            f"a ticket's question and resolution are at most {MAX_TICKET_TEXT:,} characters each"
        )
    if category is not None and len(category) > 64:
        raise InvalidInput("a category is at most 64 characters")
    with _index_writer(app, enabled=update_index, progress=False) as writer:
        try:
            with transaction(app.sessions) as session:
                if store.ids_for_external(session, external_ids=[external_id]):
                    raise Conflict(f"ticket {external_id!r} exists already")
                ticket, _ = store.upsert_ticket(
                    session,
                    external_id=external_id,
                    question=question,
                    resolution=resolution,
                    category=category,
                    source=source,
                )
                ticket_id = ticket.id
                store.audit(
                    session,
                    actor=actor,
                    action="ticket.create",
                    detail={"external_id": external_id, "ticket_id": ticket_id, **(detail or {})},
                )
        except IntegrityError:  # the same id written by someone else between the check and the insert
            raise Conflict(f"ticket {external_id!r} exists already") from None
        update = writer.apply(changed=[ticket_id]) if writer is not None else None
    return AddedTicket(ticket_id, external_id, update)
