"""`supportbot run`: what `make run` does."""

from __future__ import annotations

import click


@click.command()
def run() -> None:
    """Set everything up and run the bot locally."""
    from core.cli import echo_status, status_report
    from core.db import make_engine, upgrade
    from core.settings import load_settings

    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    echo_status(status_report(engine))
