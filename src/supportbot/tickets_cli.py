"""`supportbot tickets ...` (the index's commands: ``index_cli.py``).

Exit status: 0 done; 1 an error (one line); 3 an import where some rows failed (each reported as
file:line: reason on stderr) and the rest went in.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

PARTIAL_FAILURE = 3


def _context():
    from supportbot.core.context import AppContext

    return AppContext.open()


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
    "--slack-channel",
    "slack_channels",
    multiple=True,
    metavar="CHANNEL",
    help="Fetch this Slack channel's threads with the bot token (SLACK_BOT_TOKEN; scopes "
    "channels:history, groups:history) instead of reading FILE: its id (C0123ABCD) or its name "
    "(#support; scope channels:read, groups:read for private ones). Repeat for several.",
)
@click.option(
    "--oldest",
    metavar="DATE",
    help="--slack-channel: only threads started on or after DATE (2024-01-01, or Unix time).",
)
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
    help="zendesk/freshdesk/slack: an agent's user id (a slack export: or name); their replies are "
    "the resolution (default: anyone's but the customer's). Repeat, or --agents-file.",
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
    slack_channels: tuple[str, ...],
    oldest: str | None,
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
    """Import FILE (an export of solved tickets, or a folder), or a Slack channel's history
    (--slack-channel), redacting PII; re-imports update.

    \b
    jsonl, csv  a ticket a row, any columns (--id-field, --question-field, --answer-field)
    zendesk     tickets with comments: subject + first message; agents' public replies
    freshdesk   tickets with conversations: subject + description; public outgoing replies
    intercom    conversations: the customer's opening; admins' replies (notes dropped)
    helpcenter  a folder of .md/.html articles: a ticket per section (--base-url)
    slack       an export folder, or saved conversations.history/replies: threads, agents' replies;
                or --slack-channel C0123ABCD (or #support): the same, fetched through the Slack Web API
    """
    from supportbot.core.errors import InvalidInput
    from supportbot.core.resources import sample_dir
    from supportbot.retrieval.formats import agents_in, default_source, resolve_format
    from supportbot.retrieval.sources import FieldMap
    from supportbot.usecases.tickets import import_slack_channels, import_tickets

    if [file is not None, sample, bool(slack_channels)].count(True) != 1:
        raise InvalidInput(
            "give a FILE to import, --sample for the bundled sample, or --slack-channel (one of them)"
        )
    if oldest is not None and not slack_channels:
        raise InvalidInput("--oldest is for --slack-channel (a live fetch); an export is read whole")
    if slack_channels:
        if fmt not in ("auto", "slack"):
            raise InvalidInput("--slack-channel reads Slack threads: leave --format out (or slack)")
        fmt = "slack"
    else:
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
    if slack_channels:
        imported = import_slack_channels(
            _context(),
            slack_channels,
            oldest=oldest,
            fields=fields,
            source=source,
            update_index=not no_index,
            progress=_progress(),
        )
    else:
        assert file is not None
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
            f"{report.path}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
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
