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

import contextlib
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def say(text: str) -> None:
    click.echo(click.style("supportbot: ", fg="cyan", bold=True) + text, err=True)


def ensure_tickets(ctx: Any, *, path: Path = SAMPLE / "tickets.jsonl") -> int:
    from core import store

    with ctx.sessions() as s:
        count = store.count_tickets(s)
    if count:
        return count
    from retrieval.importer import import_tickets

    say(f"importing the sample tickets from {path.name}")
    report = import_tickets(ctx.sessions, path, progress=True)
    return report.created + report.updated


def ensure_index(ctx: Any) -> Any:
    """The retriever over an index that matches the tickets; built (or rebuilt) when it does not."""
    from core.errors import SupportbotError
    from retrieval.search import Retriever

    try:
        return Retriever.open(settings=ctx.settings, sessions=ctx.sessions)
    except SupportbotError as exc:
        say(
            f"building the ticket index ({exc})"
            if (ctx.settings.index_dir).exists()
            else "building the ticket index"
        )
    from retrieval.embedder import embedder_device, load_embedder
    from retrieval.indexing import build_index

    embedder = load_embedder(ctx.settings.embedder, device=embedder_device(ctx.settings.device))
    build_index(
        sessions=ctx.sessions,
        folder=ctx.settings.index_dir,
        embedder=embedder,
        kind_setting=ctx.settings.index_type,
        threshold=ctx.settings.approx_threshold,
        progress=True,
    )
    return Retriever.open(settings=ctx.settings, sessions=ctx.sessions)


def ensure_base(ctx: Any, *, base_config: Any = None, retriever: Any = None) -> str:
    """The active model version; with none, the base is made live as "base": SUPPORTBOT_BASE_MODEL
    when it is set (``smollm2-135m`` converted on first use), else our own, trained here."""
    from core import store
    from training.base import BaseConfig, train_base

    with ctx.sessions() as s:
        active = store.active_model_version(s)
        if active is not None:
            return active.name
    if ctx.settings.base_model:  # a pretrained base (SUPPORTBOT_BASE_MODEL): nothing to train
        from training.pretrained import provenance_of, resolve

        path = resolve(ctx.settings.base_model, models_dir=ctx.settings.models_dir)
        return _make_base_live(ctx, path, {"base_provenance": provenance_of(path)})
    out = ctx.settings.default_base_model_dir
    if not (out / "config.json").exists():
        say("no model yet: training the default model from scratch on the sample support logs")
        result = train_base(base_config or BaseConfig(), out_dir=out, retriever=retriever)
        base_metrics = result.metrics
    else:
        import json

        base_metrics = json.loads((out / "supportbot.json").read_text()).get("metrics", {})
    return _make_base_live(ctx, str(out.resolve()), base_metrics)


def _make_base_live(ctx: Any, path: str, metrics: dict[str, Any]) -> str:
    from core import store
    from core.db import transaction

    with transaction(ctx.sessions) as s:
        if not any(v.name == "base" for v in store.list_model_versions(s)):
            store.create_model_version(s, name="base", base_model=path, metrics=metrics)
        store.activate(s, name="base")
    return "base"


def ensure_model(
    ctx: Any, *, base_config: Any = None, finetune_config: Any = None, retriever: Any = None
) -> str:
    """The active model version; the default one is built here the first time, fine-tune included
    (in the foreground: `supportbot run --setup-only`)."""
    from core import store
    from training.config import FinetuneConfig
    from training.finetune import run_finetune
    from training.registry import promote

    with ctx.sessions() as s:
        active = store.active_model_version(s)
        if active is not None:
            return active.name
    started = time.monotonic()
    ensure_base(ctx, base_config=base_config, retriever=retriever)
    say("fine-tuning it with LoRA on the newer support logs")
    run = run_finetune(finetune_config or FinetuneConfig(), settings=ctx.settings, sessions=ctx.sessions)
    try:
        promote(ctx.sessions, name=run.version, actor="supportbot run")
        live = run.version
    except Exception as exc:  # a worse fine-tune leaves the base model serving
        say(f"{run.version} was not promoted: {exc}")
        live = "base"
    say(
        f"model {live} is live (built in {time.monotonic() - started:.0f} s; report: {run.report_paths.get('md')})"
    )
    return live


DEFAULT_TUNE_BY = "supportbot run"


def queue_default_finetune(ctx: Any, config: Any = None) -> int | None:
    """The first start's fine-tune, as a queued retraining job that promotes its candidate when the
    evaluation passes, so that the bot answers meanwhile. None when there is nothing to queue: a
    fine-tuned version exists, or this job is queued, running or done already (a failed or
    cancelled one is queued again: a first start stopped half way resumes on the next)."""
    from dataclasses import asdict

    from core import store
    from core.db import transaction
    from core.errors import Conflict
    from core.models import JobStatus
    from training.config import FinetuneConfig

    config = (config or FinetuneConfig()).merged(promote=True)
    with transaction(ctx.sessions) as s:
        if any(v.adapter_path for v in store.list_model_versions(s)):
            return None
        for job in store.list_jobs(s, limit=200):
            if job.requested_by == DEFAULT_TUNE_BY and job.status in (
                JobStatus.queued,
                JobStatus.running,
                JobStatus.succeeded,
            ):
                return None
        try:
            job = store.request_retrain(
                s, requested_by=DEFAULT_TUNE_BY, via="supportbot run", config=asdict(config)
            )
        except Conflict:  # an admin's job is queued already: it is the fine-tune
            return None
        return job.id


def split_threads(cores: int | None = None) -> tuple[int, int]:
    """(serving, training) torch threads while a job trains beside the server: a core each way on
    2 cores. Two processes both spinning 2 OpenMP threads on 2 cores slow generation ~20x."""
    import os

    cores = cores or os.cpu_count() or 1
    serving = max(1, cores // 2)
    return serving, max(1, cores - serving)


class BackgroundWorker:
    """`supportbot worker` as a child process at a lower priority, for the first start's
    fine-tune and any retraining asked for while `supportbot run` runs. Stopping it marks the job
    it was running failed at once (the active model keeps serving; the next start queues the
    default fine-tune again)."""

    def __init__(self, ctx: Any, *, threads: int) -> None:
        self.ctx = ctx
        self.threads = threads
        self.proc: Any = None

    def start(self) -> BackgroundWorker:
        import os
        import subprocess

        env = {
            **os.environ,
            "OMP_NUM_THREADS": str(self.threads),
            "MKL_NUM_THREADS": str(self.threads),
            "TOKENIZERS_PARALLELISM": "false",
            "SUPPORTBOT_HOME": str(self.ctx.settings.home),
            "SUPPORTBOT_DATABASE_URL": self.ctx.settings.db_url,
        }
        log_path = self.ctx.settings.home / "worker.log"
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "supportbot", "worker", "--poll", "5", "--nice", "10"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches it through stop(), not the terminal
        )
        self.log_path = log_path
        return self

    def stop(self) -> None:
        import subprocess

        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
        import socket

        from core import store
        from core.db import transaction
        from core.models import JobStatus

        worker_id = f"{socket.gethostname()}:{self.proc.pid}"
        with transaction(self.ctx.sessions) as s:
            for job in store.list_jobs(s, status="running", limit=50):
                if job.worker_id == worker_id:
                    store.finish_job(
                        s,
                        job_id=job.id,
                        status=JobStatus.failed,
                        error="stopped with supportbot run; the active model kept serving",
                    )


def start_model_server(ctx: Any, *, port: int = 0) -> Any:
    """Our model server for the active version's base, following the registry; started."""
    from serving.embedded import EmbeddedServer
    from training.config import FinetuneConfig
    from training.finetune import resolve_base

    settings = ctx.settings
    base_path = resolve_base(FinetuneConfig(), settings=settings, sessions=ctx.sessions)
    server = EmbeddedServer(
        base_path, device=settings.device, dtype=settings.dtype, sessions=ctx.sessions, port=port
    )
    return server.start()


@contextlib.contextmanager
def model_endpoint(ctx: Any, *, port: int = 0) -> Iterator[Any]:
    """``ctx`` with a model to talk to: SUPPORTBOT_MODEL_BASE_URL when it is set, else our own
    server for the active model version, started here and stopped on leaving."""
    settings = ctx.settings
    if "model_base_url" in settings.model_fields_set:
        yield ctx
        return
    from core import store
    from core.context import AppContext
    from core.errors import ModelUnavailable

    with ctx.sessions() as s:
        if store.active_model_version(s) is None:
            raise ModelUnavailable(
                "no active model version: run `supportbot run --setup-only` (or `supportbot train base`), "
                "or set SUPPORTBOT_MODEL_BASE_URL"
            )
    server = start_model_server(ctx, port=port)
    try:
        settings = settings.model_copy(update={"model_base_url": server.base_url})
        yield AppContext(settings=settings, engine=ctx.engine, sessions=ctx.sessions)
    finally:
        server.stop()


def local_review_accounts(settings: Any) -> tuple[Any, str | None]:
    """Review needs a login: without configured admins, a one-off `admin` account for this run."""
    if settings.review_admins:
        return settings, None
    from review.passwords import hash_password

    password = secrets.token_urlsafe(12)
    updated = settings.model_copy(update={"review_admins": [f"admin:{hash_password(password)}"]})
    return updated, password


@click.command()
@click.option("--review-port", default=8080, show_default=True, help="Port of the review web app (0: any).")
@click.option("--model-port", default=0, help="Port of the model server (default: any free port).")
@click.option("--no-review", is_flag=True, help="Do not start the review web app.")
@click.option("--setup-only", is_flag=True, help="Prepare database, tickets, index and model, then exit.")
def run(review_port: int, model_port: int, no_review: bool, setup_only: bool) -> None:
    """Set everything up and run the bot on this machine (Slack if tokens are set, else a local chat)."""
    from core.cli import status_report
    from core.context import AppContext
    from core.db import make_engine, upgrade
    from core.settings import load_settings

    began = time.monotonic()
    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    report = status_report(engine)
    engine.dispose()
    say(f"database {report['database']} at revision {report['revision']}")

    # An endpoint given in the environment or .env is used as it is; otherwise we serve our own.
    external_model = "model_base_url" in settings.model_fields_set
    settings, password = local_review_accounts(settings)
    ctx = AppContext.open(settings)
    started: list[Any] = []
    try:
        tickets = ensure_tickets(ctx)
        retriever = ensure_index(ctx)
        say(f"{tickets} tickets, index of {retriever.size} ({retriever.manifest.index_type})")
        if setup_only:
            if not external_model:
                say(f"model {ensure_model(ctx, retriever=retriever)} is active")
            say(f"setup done in {time.monotonic() - began:.1f} s")
            return
        if external_model:
            say(f"using the model server at {settings.model_base_url}")
        else:
            version = ensure_base(ctx, retriever=retriever)
            job = queue_default_finetune(ctx)
            with ctx.sessions() as s:
                from core import store
                from core.models import JobStatus

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
            settings = settings.model_copy(update={"model_base_url": server.base_url})
            ctx = AppContext(settings=settings, engine=ctx.engine, sessions=ctx.sessions)
            say(f"model server: {server.base_url} (model {version}, OpenAI-compatible)")
        if not no_review:
            from core.webserver import BackgroundServer
            from review.app import create_app

            review = BackgroundServer(create_app(ctx), host="127.0.0.1", port=review_port, name="review")
            try:
                review.start()
            except OSError:  # the port is taken: any free one will do
                review = BackgroundServer(create_app(ctx), host="127.0.0.1", port=0, name="review")
                review.start()
            started.append(review)
            login = f" (log in as admin / {password})" if password else ""
            say(f"review app: {review.url}/{login}")

        from bot.runtime import build_responder

        responder = build_responder(ctx, retriever=retriever)
        say(f"ready in {time.monotonic() - began:.1f} s")
        if settings.slack_bot_token and settings.slack_app_token:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            from bot.slack_app import create_app as create_slack_app

            say("connected to Slack in Socket Mode (Ctrl-C to stop)")
            SocketModeHandler(
                create_slack_app(settings=settings, responder=responder), settings.secret("slack_app_token")
            ).start()
        else:
            from bot.local_chat import run_local_chat

            interactive = sys.stdin.isatty()
            if interactive:
                say(
                    "no SLACK_BOT_TOKEN/SLACK_APP_TOKEN set: chatting here instead (Ctrl-C or Ctrl-D to stop)"
                )
            run_local_chat(responder, stdin=sys.stdin, stdout=sys.stdout, interactive=interactive)
            say(
                "see the conversation with `supportbot history list`"
                + ("" if no_review else " or in the review app")
            )
    except KeyboardInterrupt:
        say("stopping")
    finally:
        for thing in reversed(started):
            thing.stop()
        ctx.close()
