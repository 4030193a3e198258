"""`supportbot index ...`: build, search, evaluate and inspect the FAISS ticket index.

Exit status: 0 done; 1 an error (one line).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from supportbot.core.settings import Settings


def _context():
    from supportbot.core.context import AppContext

    return AppContext.open()


def _embedder(settings: Settings):
    from supportbot.retrieval.embedder import embedder_device, load_embedder

    return load_embedder(settings.embedder, device=embedder_device(settings.device))


def _progress() -> bool:
    return sys.stderr.isatty()


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
