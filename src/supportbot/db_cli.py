"""`supportbot db ...`: migrations and the database status."""

from __future__ import annotations

import json

import click


@click.group()
def db() -> None:
    """Database: migrate, inspect the schema version."""


def _engine():
    from supportbot.core.db import make_engine
    from supportbot.core.settings import load_settings

    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.db_url)


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: the latest)."""
    from supportbot.core.db import current_revision, describe
    from supportbot.core.db import upgrade as run_upgrade

    engine = _engine()
    before = current_revision(engine)
    run_upgrade(engine, revision)
    after = current_revision(engine)
    if before == after:
        click.echo(f"{describe(engine)}: already at {after}")
    else:
        click.echo(f"{describe(engine)}: migrated {before or 'empty'} -> {after}")


@db.command()
@click.argument("revision", default="base")
@click.option("--yes", is_flag=True, help="Do not ask: downgrading drops tables and their data.")
def downgrade(revision: str, yes: bool) -> None:
    """Migrate the database down to REVISION (default: empty)."""
    from supportbot.core.db import describe
    from supportbot.core.db import downgrade as run_downgrade

    engine = _engine()
    if not yes:
        click.confirm(
            f"Downgrade {describe(engine)} to {revision}? Data in dropped tables is lost", abort=True
        )
    run_downgrade(engine, revision)
    click.echo(f"{describe(engine)}: at {revision}")


def status_report(engine) -> dict:
    """Where the database is, its schema revision, and (when current) what it holds."""
    from supportbot.core import store
    from supportbot.core.db import current_revision, describe, head_revision, session_factory

    current, head = current_revision(engine), head_revision()
    report: dict = {
        "database": describe(engine),
        "revision": current,
        "head": head,
        "up_to_date": current == head,
    }
    if current == head:
        with session_factory(engine)() as session:
            report.update(store.row_counts(session))
    return report


def echo_status(report: dict) -> None:
    click.echo(f"database:  {report['database']}")
    state = "up to date" if report["up_to_date"] else "OUT OF DATE: run `supportbot db upgrade`"
    click.echo(f"schema:    {report['revision'] or 'empty'} (code: {report['head']}) {state}")
    from supportbot.core.store.status import COUNTED

    for key, _ in COUNTED:
        if key in report:
            click.echo(f"{key + ':':<16}{report[key]}")


@db.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def status(as_json: bool) -> None:
    """Where the database is, its schema revision, and what it holds."""
    report = status_report(_engine())
    if as_json:
        click.echo(json.dumps(report))
    else:
        echo_status(report)


@db.command()
@click.option("--dry-run", is_flag=True, help="Count what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def redact(dry_run: bool, as_json: bool) -> None:
    """Redact PII (cards, CVVs, IBANs, e-mails, phones) in every stored text.

    Migration 0003 does this once when upgrading; run it again with --dry-run to check that
    nothing is left, or after widening SUPPORTBOT_PHONE_REGIONS.
    """
    from supportbot.core import pii
    from supportbot.core.db import ensure_schema_current
    from supportbot.core.settings import load_settings
    from supportbot.core.store.privacy import redact_stored

    pii.configure(load_settings().phone_regions)
    engine = _engine()
    ensure_schema_current(engine)
    with engine.begin() as conn:
        report = redact_stored(conn, apply=not dry_run)
    if as_json:
        click.echo(json.dumps(report))
        return
    verb = "would change" if dry_run else "changed"
    if not report["rows_changed"]:
        click.echo("no PII found in stored texts")
        return
    for name, n in report["rows_changed"].items():
        click.echo(f"{name:<28}{n} row(s) {verb}")
    click.echo("PII found: " + ", ".join(f"{n} {k}" for k, n in report["pii_found"].items()))
    if report["reindex_needed"] and not dry_run:
        click.echo("ticket texts changed: run `supportbot index build`")
