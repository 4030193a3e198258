"""`supportbot history ...` (the conversation history in the terminal) and `supportbot review`
(the web app for admins, and `review hash-password` to make an admin account)."""

from __future__ import annotations

import getpass
import json
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from supportbot.review.filters import RATINGS, STATUSES

if TYPE_CHECKING:
    from supportbot.core.context import AppContext

MIN_PASSWORD_LENGTH = 8


def _ctx() -> AppContext:
    from supportbot.core.context import AppContext

    return AppContext.open()


def _cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli"


# --- history --------------------------------------------------------------------------------------


@click.group()
def history() -> None:
    """Conversation history: list, show, export."""


@history.command("list")
@click.option("--channel", help="Only this Slack channel id.")
@click.option("--user", help="Only this Slack user id.")
@click.option("--since", help="Updated since: 7d, 24h, 30m or a date (2026-11-01).")
@click.option("--until", help="Updated before the end of this date (or before this time).")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--rating", type=click.Choice(RATINGS), help="The latest 👍 (up) / 👎 (down), or none.")
@click.option("--model-version", help="Answered (at least once) by this model version.")
@click.option("-q", "--query", "q", help="Full-text search in the message text.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array of objects.")
def history_list(limit: int, offset: int, as_json: bool, **typed: str | None) -> None:
    """Conversations, newest first."""
    from supportbot.core import store
    from supportbot.review.filters import ListFilters
    from supportbot.review.serialize import row_dict

    # The filter options are named as the web form's fields: the same checks and conversions.
    filters = ListFilters.from_mapping(typed)
    ctx = _ctx()
    with ctx.sessions() as s:
        found = store.list_conversations(
            s, matching=filters.conversation_filter(), limit=limit, offset=offset
        )
        rows = [row_dict(r) for r in found]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no conversations match" if filters.active else "no conversations yet")
        return
    click.echo(
        f"{'ID':>7}  {'UPDATED (UTC)':<16}  {'CHANNEL':<10} {'STATUS':<9} {'RATE':<4} {'TRAIN':<5} "
        f"{'MSGS':>4}  {'MODEL':<12} FIRST QUESTION"
    )
    for r in rows:
        question = " ".join((r["first_question"] or "").split())
        click.echo(
            f"{r['id']:>7}  {r['updated_at'][:16].replace('T', ' '):<16}  {(r['channel'] or '-')[:10]:<10} "
            f"{r['status']:<9} {r['rating'] or '-':<4} {'yes' if r['approved'] else '':<5} {r['messages']:>4}  "
            f"{(r['model_version'] or '-')[:12]:<12} {textwrap.shorten(question, 70, placeholder='…') if question else ''}"
        )


@history.command("show")
@click.argument("conversation_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def history_show(conversation_id: int, as_json: bool) -> None:
    """One conversation: its messages, the tickets each reply used, feedback and admin actions."""
    from supportbot.core import store
    from supportbot.review.serialize import conversation_dict

    ctx = _ctx()
    with ctx.sessions() as s:
        conv = store.get_conversation(s, conversation_id=conversation_id)
        data = conversation_dict(conv, store.audit_entries(s, conversation_id=conversation_id))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _echo_conversation(data)


def _short_time(value: str | None) -> str:
    return (value or "")[:16].replace("T", " ")


def _echo_conversation(data: dict[str, Any]) -> None:
    facts = [
        f"conversation {data['id']}",
        f"channel {data['channel'] or '-'}",
        f"user {data['user'] or '-'}",
        data["status"],
        f"rated {data['rating']}" if data["rating"] else "not rated",
    ]
    if data["approved"]:
        facts.append("approved for training")
    click.echo(" · ".join(facts))
    click.echo(
        f"started {_short_time(data['created_at'])} UTC, updated {_short_time(data['updated_at'])} UTC"
    )
    for m in data["messages"]:
        click.echo("")
        who = {"user": "customer", "assistant": "bot", "agent": "agent"}[m["role"]]
        how = []
        if m["role"] == "assistant":
            how = [m["model_version"] or "unknown version"]
            how += [m["prompt_mode"]] if m["prompt_mode"] else []
            how += [f"{m['latency_ms']} ms"] if m["latency_ms"] is not None else []
            if m["prompt_tokens"] is not None or m["completion_tokens"] is not None:
                how.append(f"{m['prompt_tokens'] or 0}+{m['completion_tokens'] or 0} tokens")
            how += [f"confidence {m['confidence']:.2f}"] if m["confidence"] is not None else []
            how += [m["outcome"]] if m["outcome"] and m["outcome"] != "model" else []
        head = f"[{_short_time(m['created_at'])}] {who}" + (f" {m['user']}" if m["user"] else "")
        click.echo(head + (f" ({', '.join(how)})" if how else "") + f"  #{m['id']}")
        click.echo(textwrap.indent(m["text"], "  "))
        if m["hits"]:
            sources = ", ".join(f"{h['ticket'] or h['ticket_id']} ({h['score']:.2f})" for h in m["hits"])
            click.echo(f"  sources: {sources}")
        for f in m["feedback"]:
            parts = [f["user"]]
            parts += [{"up": "👍", "down": "👎"}[f["rating"]]] if f["rating"] else []
            parts += [f'"{f["comment"]}"'] if f["comment"] else []
            click.echo("  feedback: " + " ".join(parts))
            if f["corrected_answer"]:
                click.echo("  corrected answer:")
                click.echo(textwrap.indent(f["corrected_answer"], "    "))
    if data["audit"]:
        click.echo("\nactivity:")
        for e in data["audit"]:
            detail = ", ".join(f"{k}={v}" for k, v in (e["detail"] or {}).items())
            click.echo(
                f"  {_short_time(e['created_at'])}  {e['actor']}  {e['action']}"
                + (f"  {detail}" if detail else "")
            )


@history.command("export")
@click.option(
    "--approved",
    "approved_only",
    is_flag=True,
    help="Only conversations an admin approved (default: approved or rated 👍, what training reads).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="The JSONL file to write ('-': standard output).",
)
def history_export(approved_only: bool, output: Path) -> None:
    """Reviewed conversations as OpenAI chat JSONL, the format `supportbot train` imports."""
    from supportbot.review.export import jsonl_lines, write_jsonl
    from supportbot.usecases.review import export_conversations

    rows = export_conversations(
        _ctx().sessions, admin=_cli_actor(), approved_only=approved_only, file=str(output)
    )
    if str(output) == "-":
        for line in jsonl_lines(rows):
            sys.stdout.write(line)
        return
    count = write_jsonl(output, rows)
    click.echo(f"wrote {count} conversation{'s' if count != 1 else ''} to {output}", err=True)


@history.command("original")
@click.argument("message_id", type=click.IntRange(1, 2**63 - 1))
def history_original(message_id: int) -> None:
    """What the customer typed in message MESSAGE_ID, PII included (needs SUPPORTBOT_ORIGINALS_KEY).

    Only messages that had PII in them have an original; every read is in the audit log.
    """
    from supportbot.core import store
    from supportbot.core.db import transaction
    from supportbot.core.errors import ConfigError, NotFound
    from supportbot.core.originals import Sealer

    ctx = _ctx()
    sealer = Sealer.from_settings(ctx.settings)
    if sealer is None:
        raise ConfigError("SUPPORTBOT_ORIGINALS_KEY is not set: originals are neither kept nor readable")
    with transaction(ctx.sessions) as s:
        message = store.find_message(s, message_id=message_id)
        if message is None:
            raise NotFound(f"message {message_id} does not exist")
        if message.original_encrypted is None:
            raise NotFound(f"message {message_id} has no original (it had no PII, or none was kept)")
        text = sealer.open(message.original_encrypted)
        store.audit(
            s,
            actor=_cli_actor(),
            action="history.original",
            conversation_id=message.conversation_id,
            message_id=message_id,
        )
    click.echo(text)


# --- review ---------------------------------------------------------------------------------------


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8090, show_default=True, type=int, help="Port to listen on.")
@click.pass_context
def review(click_ctx: click.Context, host: str, port: int) -> None:
    """The review web app for admins (`supportbot review` serves it).

    Admins come from SUPPORTBOT_REVIEW_ADMINS (name:hash, comma-separated; make a hash with
    `supportbot review hash-password`). SUPPORTBOT_SESSION_SECRET keeps sessions across restarts.
    """
    if click_ctx.invoked_subcommand is None:
        serve(host=host, port=port)


def serve(*, host: str, port: int) -> None:
    import uvicorn

    from supportbot.core.errors import ConfigError
    from supportbot.review.app import create_app

    ctx = _ctx()
    if not ctx.settings.review_admins:
        raise ConfigError(
            "no admin account: set SUPPORTBOT_REVIEW_ADMINS to name:hash "
            "(make the hash with `supportbot review hash-password`)"
        )
    app = create_app(ctx)
    if app.state.ephemeral_secret:
        click.echo(
            "note: SUPPORTBOT_SESSION_SECRET is not set; a random one is used, so logins end when the server stops",
            err=True,
        )
    click.echo(
        f"review app: http://{host}:{port}/ ({len(ctx.settings.review_admins)} admin account(s))", err=True
    )
    # The app applies SUPPORTBOT_TRUSTED_PROXIES itself; uvicorn's own default trusts 127.0.0.1.
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


@review.command("hash-password")
@click.option("--name", help="The admin's login name: prints the whole name:hash entry.")
@click.option(
    "--iterations", type=click.IntRange(100_000), default=None, help="PBKDF2 rounds (default 600000)."
)
def hash_password_cmd(name: str | None, iterations: int | None) -> None:
    """Ask for a password and print its hash for SUPPORTBOT_REVIEW_ADMINS."""
    from supportbot.review.passwords import DEFAULT_ITERATIONS, hash_password

    if name is not None and (not name.strip() or any(c in name for c in ":,")):
        raise click.BadParameter("a name must not be empty or contain ':' or ','", param_hint="--name")
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.UsageError(f"use at least {MIN_PASSWORD_LENGTH} characters")
    encoded = hash_password(password, iterations=iterations or DEFAULT_ITERATIONS)
    entry = f"{name.strip()}:{encoded}" if name else encoded
    click.echo(entry)
    click.echo(
        "Add it to SUPPORTBOT_REVIEW_ADMINS (name:hash, comma-separated). The hash contains '$': "
        "quote it in single quotes in a shell, write $$ in docker-compose files.",
        err=True,
    )
