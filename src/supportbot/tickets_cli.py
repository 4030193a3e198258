"""`supportbot tickets ...` and `supportbot index ...`.

Exit status: 0 done; 1 an error (one line); 3 an import where some rows failed (each reported as
file:line: reason on stderr) and the rest went in.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from supportbot.core.settings import Settings

PARTIAL_FAILURE = 3


def _context():
    from supportbot.core.context import AppContext

    return AppContext.open()


def _embedder(settings: Settings):
    from supportbot.retrieval.embedder import embedder_device, load_embedder

    return load_embedder(settings.embedder, device=embedder_device(settings.device))


def _progress() -> bool:
    return sys.stderr.isatty()


def _echo_update(update: Any) -> None:
    if update is None:
        return
    click.echo(update.describe())
    for hint in update.hints:
        click.echo(f"hint: {hint}")


def _update_dict(update: Any) -> dict[str, Any] | None:
    if update is None:
        return None
    return {
        "updated": update.skipped is None,
        "skipped": update.skipped,
        "embedded": update.embedded,
        "removed": update.removed,
        "count": update.manifest.count if update.manifest else None,
        "hints": update.hints,
    }


def _redacted_text(counts: dict[str, int]) -> str:
    if not counts:
        return "no PII found"
    return "PII redacted: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


def _skipped_text(reasons: dict[str, int]) -> str:
    """What the summary line says of skipped records ("" when none was)."""
    if not reasons:
        return ""
    detail = ", ".join(f"{n} {reason}" for reason, n in reasons.items())
    return f", {sum(reasons.values())} skipped ({detail})"


# --- tickets ---------------------------------------------------------------------------------------


@click.group()
def tickets() -> None:
    """Import past tickets; make tickets from resolved conversations."""


@tickets.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path), required=False)
@click.option("--sample", is_flag=True, help="Import the bundled sample tickets (instead of FILE).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "jsonl", "csv", "zendesk", "freshdesk", "intercom", "helpcenter", "slack"]),
    default="auto",
    show_default=True,
)
@click.option("--id-field", default="id", show_default=True, help="Column of the ticket's own id.")
@click.option(
    "--question-field",
    multiple=True,
    help="Column(s) of the question; repeat for several (the first non-empty is the question, "
    "the rest its body). Default: question, else subject + body.",
)
@click.option("--answer-field", default="resolution", show_default=True, help="Column of the resolution.")
@click.option(
    "--category-field",
    default="category",
    show_default=True,
    help="Column (a tool's field, an article's front-matter key) of the category ('' for none).",
)
@click.option(
    "--created-field",
    help="Column of when the ticket was opened (ISO 8601 or Unix time): retrieval prefers the "
    "newest answer to a request. Default: created_at, created, date, ... where present.",
)
@click.option(
    "--agent",
    "agents",
    multiple=True,
    help="zendesk/freshdesk/slack: an agent's user id (slack: or name); their replies are the "
    "resolution (default: anyone's but the customer's). Repeat, or --agents-file.",
)
@click.option("--agents-file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--base-url", help="helpcenter: an article's URL is this + its path (unless it names one).")
@click.option("--source", help="Recorded as the tickets' source. [default: import; a tool's: its name]")
@click.option("--no-index", is_flag=True, help="Do not update the index (run `index build` later).")
@click.option("--max-errors", default=100, show_default=True, help="Bad rows listed on stderr (all counted).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def import_cmd(
    file: Path | None,
    sample: bool,
    fmt: str,
    id_field: str,
    question_field: tuple[str, ...],
    answer_field: str,
    category_field: str,
    created_field: str | None,
    agents: tuple[str, ...],
    agents_file: Path | None,
    base_url: str | None,
    source: str | None,
    no_index: bool,
    max_errors: int,
    as_json: bool,
) -> None:
    """Import FILE (an export of solved tickets, or a folder), redacting PII; re-imports update.

    \b
    jsonl, csv  a ticket a row, any columns (--id-field, --question-field, --answer-field)
    zendesk     tickets with comments: subject + first message; agents' public replies
    freshdesk   tickets with conversations: subject + description; public outgoing replies
    intercom    conversations: the customer's opening; admins' replies (notes dropped)
    helpcenter  a folder of .md/.html articles: a ticket per section (--base-url)
    slack       an export folder, or saved conversations.history/replies: threads, agents' replies
    """
    from supportbot.core.errors import InvalidInput
    from supportbot.core.resources import sample_dir
    from supportbot.retrieval.formats import agents_in, default_source, resolve_format
    from supportbot.retrieval.sources import FieldMap
    from supportbot.usecases.tickets import import_tickets

    if (file is None) == (not sample):
        raise InvalidInput("give a FILE to import, or --sample for the bundled sample (not both)")
    file = file or sample_dir() / "tickets.jsonl"
    fmt = resolve_format(file, fmt)
    source = default_source(fmt) if source is None else source
    if not source.strip() or len(source) > 32:
        raise InvalidInput("--source: a name of 1 to 32 characters")
    fields = FieldMap(
        id=id_field,
        question=question_field,
        answer=answer_field,
        category=category_field or None,
        created=created_field or None,
        agents=agents + agents_in(agents_file),
        base_url=base_url or None,
    )
    imported = import_tickets(
        _context(),
        file,
        fields=fields,
        fmt=fmt,
        source=source,
        update_index=not no_index,
        progress=_progress(),
    )
    report, update = imported.report, imported.index
    for line in report.error_lines()[:max_errors]:
        click.echo(line, err=True)
    if report.failed > max_errors:
        click.echo(f"... and {report.failed - max_errors} more bad rows", err=True)
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "index": _update_dict(update)}))
    else:
        click.echo(
            f"{file}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.failed} failed{_skipped_text(report.skipped_reasons())}; "
            f"{_redacted_text(dict(report.redacted))}"
        )
        _echo_update(update)
    if report.failed:
        # SystemExit, not ctx.exit: it passes through click's non-standalone mode, so every entry
        # point (the console script, `python -m supportbot`) exits with this status.
        sys.exit(PARTIAL_FAILURE)


@tickets.command("from-conversations")
@click.option("--no-index", is_flag=True, help="Do not update the index (run `index build` later).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def from_conversations(no_index: bool, as_json: bool) -> None:
    """Make tickets from resolved conversations (question + final accepted answer)."""
    from supportbot.usecases.tickets import tickets_from_conversations

    imported = tickets_from_conversations(_context(), update_index=not no_index, progress=_progress())
    result, update = imported.report, imported.index
    if as_json:
        click.echo(json.dumps({**result.to_dict(), "index": _update_dict(update)}))
        return
    click.echo(
        f"{result.conversations} resolved conversations: {result.created} tickets created, "
        f"{result.updated} updated, {result.unchanged} unchanged, {result.skipped} skipped "
        f"(no accepted answer), {result.removed} withdrawn; {_redacted_text(dict(result.redacted))}"
    )
    _echo_update(update)


@tickets.command("remove")
@click.argument("external_ids", nargs=-1, required=True)
@click.option("--no-index", is_flag=True, help="Do not update the index (run `index build` later).")
def remove(external_ids: tuple[str, ...], no_index: bool) -> None:
    """Delete tickets by their external ids (and drop them from the index)."""
    from supportbot.usecases.tickets import remove_tickets

    removed = remove_tickets(_context(), list(external_ids), update_index=not no_index, progress=_progress())
    click.echo(f"removed {removed.report} ticket(s)")
    _echo_update(removed.index)


# --- index -----------------------------------------------------------------------------------------


@click.group()
def index() -> None:
    """Build, search and evaluate the FAISS ticket index."""


@index.command()
@click.option(
    "--type",
    "kind",
    type=click.Choice(["auto", "flat", "ivf", "hnsw"]),
    default=None,
    help="Index type (default: the index_type setting).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def build(kind: str | None, as_json: bool) -> None:
    """Embed every ticket and save a new index (FAISS file + manifest.json)."""
    from supportbot.retrieval.index_builder import build_index

    app = _context()
    s = app.settings
    result = build_index(
        sessions=app.sessions,
        folder=s.index_dir,
        embedder=_embedder(s),
        kind_setting=kind or s.index_type,
        threshold=s.approx_threshold,
        progress=_progress(),
    )
    m = result.manifest
    if as_json:
        click.echo(
            json.dumps(
                {
                    "count": m.count,
                    "index_type": m.index_type,
                    "embedder": m.embedder,
                    "dim": m.dim,
                    "params": m.params,
                    "folder": str(s.index_dir),
                    "embed_seconds": round(result.embed_seconds, 3),
                    "index_seconds": round(result.index_seconds, 3),
                }
            )
        )
        return
    rate = m.count / result.embed_seconds if result.embed_seconds > 0 else 0.0
    click.echo(
        f"indexed {m.count} tickets ({m.index_type}, {m.embedder}, {m.dim} dims) in {s.index_dir}: "
        f"embedding {result.embed_seconds:.1f} s ({rate:.0f} tickets/s), index {result.index_seconds:.1f} s"
    )


def _retriever(app: Any, **kwargs: Any):
    from supportbot.retrieval.search import Retriever

    return Retriever.open(settings=app.settings, sessions=app.sessions, **kwargs)


def _short(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@index.command()
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(min=1), default=None, help="Hits (default: retrieval_k).")
@click.option("--min-score", type=float, default=None, help="Drop hits below (default: min_score).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def search(query: str, k: int | None, min_score: float | None, as_json: bool) -> None:
    """The tickets most similar to QUERY, best first."""
    app = _context()
    retriever = _retriever(app)
    hits = retriever.search(query, k=k, min_score=min_score)
    if as_json:
        click.echo(json.dumps({"query": query, "hits": [h.to_dict() for h in hits]}))
        return
    if not hits:
        click.echo("no similar ticket")
        return
    for rank, hit in enumerate(hits, start=1):
        category = f" [{hit.category}]" if hit.category else ""
        click.echo(f"{rank}. {hit.score:.3f}  {hit.external_id}{category}  {_short(hit.question, 90)}")
        click.echo(f"   → {_short(hit.resolution, 110)}")


@index.command("eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-k", "k", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def eval_cmd(queries: Path, k: int, as_json: bool) -> None:
    """Score the index on labelled QUERIES (JSONL: query, relevant_ticket_ids) beside BM25."""
    from supportbot.retrieval.evaluate import evaluate, load_queries

    items = load_queries(queries)
    app = _context()
    retriever = _retriever(app, faiss_threads=None)
    result = evaluate(retriever=retriever, sessions=app.sessions, queries=items, k=k, progress=_progress())
    if result.get("skipped_lines"):
        click.echo(
            f"warning: {len(result['skipped_lines'])} queries skipped: none of their relevant tickets "
            f"is in the table (lines {', '.join(map(str, result['skipped_lines'][:10]))})",
            err=True,
        )
    if as_json:
        click.echo(json.dumps(result))
        return
    m = retriever.manifest
    base = result["baseline"]
    ours_title = f"ours ({m.index_type})"
    click.echo(f"{result['queries']} queries, {m.count} tickets, k={k}")
    click.echo(f"{'':<16}{ours_title:>16}{'BM25':>10}")
    for key, label in [
        ("hit_at_1", "hit@1"),
        ("hit_at_k", f"hit@{k}"),
        ("precision_at_k", f"precision@{k}"),
        ("recall_at_k", f"recall@{k}"),
        ("mrr", "MRR"),
    ]:
        click.echo(f"{label:<16}{result[key]:>16.3f}{base[key]:>10.3f}")


@index.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def status(as_json: bool) -> None:
    """The saved index: type, size, embedder, and whether it matches the tickets table."""
    from supportbot.core.errors import IndexMismatch
    from supportbot.retrieval.embedder import canonical_name
    from supportbot.retrieval.index_files import verify_index_file
    from supportbot.retrieval.manifest import Manifest
    from supportbot.retrieval.rows import table_fingerprint

    app = _context()
    s = app.settings
    manifest = Manifest.read(s.index_dir)
    problem = None
    try:
        verify_index_file(s.index_dir, manifest)
        manifest.check_embedder(name=canonical_name(s.embedder))
        with app.sessions() as session:
            count, digest = table_fingerprint(session)
        manifest.check_tickets(count=count, digest=digest)
    except IndexMismatch as exc:
        problem = str(exc)
    report = {
        "folder": str(s.index_dir),
        "index_type": manifest.index_type,
        "count": manifest.count,
        "embedder": manifest.embedder,
        "dim": manifest.dim,
        "params": manifest.params,
        "tombstones": manifest.tombstones,
        "built_at": manifest.built_at,
        "updated_at": manifest.updated_at,
        "up_to_date": problem is None,
        "problem": problem,
    }
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"index:     {report['folder']} ({manifest.index_type}, {manifest.count} tickets)")
    click.echo(f"embedder:  {manifest.embedder} ({manifest.dim} dims)")
    click.echo(f"updated:   {manifest.updated_at} (built {manifest.built_at})")
    click.echo("state:     up to date" if problem is None else f"state:     {problem}")
