"""The `supportbot` command: one entry point, a subcommand group per package.

Groups are imported only when used, so `supportbot --help` stays fast (no torch, no faiss).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any

import click

# name -> (module:attribute, one-line help). The help is here so --help imports nothing.
GROUPS: dict[str, tuple[str, str]] = {
    "db": ("supportbot.db_cli:db", "Database: migrate, inspect the schema version."),
    "tickets": (
        "supportbot.tickets_cli:tickets",
        "Import past tickets; make tickets from resolved conversations.",
    ),
    "index": ("supportbot.index_cli:index", "Build, search and evaluate the FAISS ticket index."),
    "serve": ("supportbot.serve_cli:serve", "Serve the model over an OpenAI-compatible HTTP API."),
    "train": ("supportbot.train_cli:train", "Build the default model, fine-tune with LoRA, evaluate."),
    "model": ("supportbot.train_cli:model", "Model versions: list, promote, roll back."),
    "jobs": ("supportbot.jobs_cli:jobs", "Retraining jobs: enqueue, list, show, cancel."),
    "worker": ("supportbot.jobs_cli:worker", "Run queued retraining jobs."),
    "bot": ("supportbot.bot.cli:bot", "Run the Slack bot (Socket Mode or HTTP)."),
    "chat": ("supportbot.bot.cli:chat", "Talk to the bot in the terminal (no Slack needed)."),
    "ask": ("supportbot.ask:ask", "Answer a question, or a JSONL file of them, as the bot would."),
    "sentiment": (
        "supportbot.sentiment_cli:sentiment",
        "How a customer's message reads: label and frustration.",
    ),
    "history": ("supportbot.review.cli:history", "Conversation history: list, show, export."),
    "review": ("supportbot.review.cli:review", "The review web app for admins."),
    "stats": ("supportbot.stats:stats", "Analytics: resolution, deflection, hand-overs, CSAT, sentiment."),
    "run": ("supportbot.run:run", "Set everything up and run the bot locally (what `make run` does)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(GROUPS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in GROUPS:
            return None
        module_name, attr = GROUPS[name][0].split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The listing uses the help text above instead of importing every package.
        with formatter.section("Commands"):
            formatter.write_dl([(name, GROUPS[name][1]) for name in self.list_commands(ctx)])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="supportbot", prog_name="supportbot")
@click.option("-v", "--verbose", is_flag=True, help="Log more (INFO; twice for DEBUG).")
def cli(verbose: bool) -> None:
    """supportbot: past support tickets and chat logs become a bot that answers customers.

    Settings come from SUPPORTBOT_* environment variables or a .env file (see README).
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; a domain error is one line on stderr and exit status 1, never a traceback."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from supportbot.core.errors import SupportbotError

    try:
        return cli.main(args=argv, prog_name="supportbot", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SupportbotError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # last line of defence: one line, the details only when asked for
        if os.environ.get("SUPPORTBOT_DEBUG"):
            raise
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            click.echo(f"error: database: {reason}", err=True)
        else:
            click.echo(
                f"error: {type(exc).__name__}: {exc} (set SUPPORTBOT_DEBUG=1 for the traceback)", err=True
            )
        sys.exit(1)


if __name__ == "__main__":
    main()
