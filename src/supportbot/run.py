"""`supportbot run`: what `make run` does — a working support bot on this machine.

1. the database, migrated;  2. the sample tickets, imported, and their index, built;
3. the default base model, made live unless a model version is active already; its LoRA
   fine-tune is queued as a retraining job, run by a worker beside the bot (a core each on 2
   cores) and made live when its evaluation passes, so the bot answers from the first minutes;
4. the model server;  5. the review app;  6. the Slack bot in Socket Mode when SLACK_BOT_TOKEN and
   SLACK_APP_TOKEN are set, else a local chat on the terminal.
Each step is skipped when its result is there, so a second run starts in seconds. Ctrl-C stops
everything this command started. ``--setup-only`` builds everything in the foreground instead.
"""

from __future__ import annotations

import secrets
import sys
import time
from typing import Any

import click

from supportbot.core.context import AppContext
from supportbot.core.settings import Settings


def say(text: str) -> None:
    click.echo(click.style("supportbot: ", fg="cyan", bold=True) + text, err=True)


def local_review_accounts(settings: Settings) -> tuple[Settings, str | None]:
    """Review needs a login: without configured admins, a one-off `admin` account for this run."""
    if settings.review_admins:
        return settings, None
    from supportbot.review.passwords import hash_password

    password = secrets.token_urlsafe(12)
    updated = settings.model_copy(update={"review_admins": [f"admin:{hash_password(password)}"]})
    return updated, password


def migrate(settings: Settings) -> None:
    from supportbot.core.db import make_engine, upgrade
    from supportbot.db_cli import status_report

    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    report = status_report(engine)
    engine.dispose()
    say(f"database {report['database']} at revision {report['revision']}")


def prepare(ctx: AppContext) -> Any:
    """Tickets and their index; the retriever over it."""
    from supportbot.usecases.setup import ensure_index, ensure_sentiment
    from supportbot.usecases.tickets import import_sample_if_empty

    count, imported = import_sample_if_empty(ctx)
    if imported:
        say("imported the bundled sample tickets")
    retriever = ensure_index(ctx, say=say)
    say(f"{count} tickets, index of {retriever.size} ({retriever.manifest.index_type})")
    ensure_sentiment(ctx, say=say)
    return retriever


def serve_model(ctx: AppContext, *, retriever: Any, model_port: int, started: list[Any]) -> AppContext:
    """The base model live at once, the default fine-tune queued and trained beside it (at a lower
    priority, a core each), our model server started; the context that talks to it."""
    from supportbot.core import store
    from supportbot.core.enums import JobStatus
    from supportbot.processes import BackgroundWorker, split_threads, start_model_server
    from supportbot.usecases.setup import ensure_base, queue_default_finetune

    version = ensure_base(ctx, retriever=retriever, say=say)
    job = queue_default_finetune(ctx)
    with ctx.sessions() as s:
        pending = store.count_jobs(s, status=JobStatus.queued)
    if pending:
        import torch

        serving_threads, training_threads = split_threads()
        torch.set_num_threads(serving_threads)
        worker = BackgroundWorker(ctx, threads=training_threads).start()
        started.append(worker)
        what = f"the first fine-tune (job {job})" if job else f"{pending} queued retraining job(s)"
        say(
            f"running {what} in the background: model {version} answers meanwhile, and the"
            f" fine-tuned one goes live when its evaluation passes (progress: `supportbot jobs"
            f" list`, log: {worker.log_path})"
        )
    server = start_model_server(ctx, port=model_port)
    started.append(server)
    say(f"model server: {server.base_url} (model {version}, OpenAI-compatible)")
    settings = ctx.settings.model_copy(update={"model_base_url": server.base_url})
    return AppContext(settings=settings, engine=ctx.engine, sessions=ctx.sessions)


def serve_review(ctx: AppContext, *, port: int, password: str | None, started: list[Any]) -> None:
    from supportbot.core.webserver import BackgroundServer
    from supportbot.review.app import create_app

    review = BackgroundServer(create_app(ctx), host="127.0.0.1", port=port, name="review")
    try:
        review.start()
    except OSError:  # the port is taken: any free one will do
        review = BackgroundServer(create_app(ctx), host="127.0.0.1", port=0, name="review")
        review.start()
    started.append(review)
    login = f" (log in as admin / {password})" if password else ""
    say(f"review app: {review.url}/{login}")


def talk(ctx: AppContext, *, retriever: Any, began: float, review: bool) -> None:
    """Slack in Socket Mode when its tokens are set, else a chat on this terminal."""
    from supportbot.bot.runtime import build_responder

    settings = ctx.settings
    responder = build_responder(ctx, retriever=retriever)
    say(f"ready in {time.monotonic() - began:.1f} s")
    if settings.slack_bot_token and settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from supportbot.bot.slack_app import create_app as create_slack_app

        say("connected to Slack in Socket Mode (Ctrl-C to stop)")
        SocketModeHandler(
            create_slack_app(settings=settings, responder=responder).app, settings.secret("slack_app_token")
        ).start()
        return
    from supportbot.bot.local_chat import run_local_chat
    from supportbot.usecases.respond import Pipeline

    interactive = sys.stdin.isatty()
    if interactive:
        say("no SLACK_BOT_TOKEN/SLACK_APP_TOKEN set: chatting here instead (Ctrl-C or Ctrl-D to stop)")
    run_local_chat(Pipeline(responder, settings), stdin=sys.stdin, stdout=sys.stdout, interactive=interactive)
    say("see the conversation with `supportbot history list`" + (" or in the review app" if review else ""))


@click.command()
@click.option("--review-port", default=8080, show_default=True, help="Port of the review web app (0: any).")
@click.option("--model-port", default=0, help="Port of the model server (default: any free port).")
@click.option("--no-review", is_flag=True, help="Do not start the review web app.")
@click.option("--setup-only", is_flag=True, help="Prepare database, tickets, index and model, then exit.")
def run(review_port: int, model_port: int, no_review: bool, setup_only: bool) -> None:
    """Set everything up and run the bot on this machine (Slack if tokens are set, else a local chat)."""
    from supportbot.core.settings import load_settings

    began = time.monotonic()
    settings = load_settings()
    migrate(settings)
    # An endpoint given in the environment or .env is used as it is; otherwise we serve our own.
    external_model = "model_base_url" in settings.model_fields_set
    settings, password = local_review_accounts(settings)
    ctx = AppContext.open(settings)
    started: list[Any] = []
    try:
        retriever = prepare(ctx)
        if setup_only:
            if not external_model:
                from supportbot.usecases.setup import ensure_model

                say(f"model {ensure_model(ctx, retriever=retriever, say=say)} is active")
            say(f"setup done in {time.monotonic() - began:.1f} s")
            return
        if external_model:
            say(f"using the model server at {settings.model_base_url}")
            serving = ctx
        else:
            serving = serve_model(ctx, retriever=retriever, model_port=model_port, started=started)
        if not no_review:
            serve_review(serving, port=review_port, password=password, started=started)
        talk(serving, retriever=retriever, began=began, review=not no_review)
    except KeyboardInterrupt:
        say("stopping")
    finally:
        for thing in reversed(started):
            thing.stop()
        ctx.close()
