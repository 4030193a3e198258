"""The retraining worker: takes queued jobs from the database, one at a time, and runs them.

Several workers can share one PostgreSQL database: a job is claimed with SKIP LOCKED, so two
workers never take the same one. While a job runs, a heartbeat thread writes its progress and
picks up a cancel request; a job whose worker died is noticed by its stale heartbeat, marked
failed, and can be re-queued. A failed job changes nothing else: the active model keeps serving.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from supportbot.core import store
from supportbot.core.context import AppContext
from supportbot.core.db import transaction
from supportbot.core.enums import JobStatus
from supportbot.core.errors import Conflict
from supportbot.core.models import TrainingJob
from supportbot.training.config import FinetuneConfig
from supportbot.training.loop import Cancelled
from supportbot.usecases.retrain import tell_job_end
from supportbot.usecases.versions import promote

log = logging.getLogger(__name__)

# (job, progress callback) -> metrics to record; raise to fail, raise Cancelled to cancel.
Executor = Callable[[TrainingJob, Callable[[float, str], bool]], dict[str, Any]]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Heart:
    """Beats for one job in the background; tells the job when it should stop."""

    ctx: AppContext
    job_id: int
    interval_s: float
    fraction: float = 0.0
    stage: str = "starting"
    stop_requested: bool = False

    def __post_init__(self) -> None:
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self.job_id}", daemon=True)

    def __enter__(self) -> Heart:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def beat(self) -> None:
        with transaction(self.ctx.sessions) as s:
            job = store.heartbeat(
                s, job_id=self.job_id, progress=self.fraction, metrics={"stage": self.stage}
            )
            if job.cancel_requested or job.status != JobStatus.running:
                self.stop_requested = True

    def _run(self) -> None:
        while not self._done.wait(self.interval_s):
            try:
                self.beat()
            except Exception:  # a missed beat is not fatal; the next one may get through
                log.exception("heartbeat of job %s failed", self.job_id)

    def progress(self, fraction: float, stage: str) -> bool:
        self.fraction, self.stage = fraction, stage
        return not self.stop_requested


def run_finetune_job(ctx: AppContext) -> Executor:
    def execute(job: TrainingJob, progress: Callable[[float, str], bool]) -> dict[str, Any]:
        from supportbot.training.finetune import run_finetune

        config = FinetuneConfig.from_dict(dict(job.config or {}), where=f"job {job.id} config")
        result = run_finetune(
            config,
            settings=ctx.settings,
            sessions=ctx.sessions,
            job_id=job.id,
            on_progress=progress,
            progress=False,
        )
        metrics = {"version": result.version, **{k: v for k, v in result.metrics.items() if k != "before"}}
        if config.promote:
            metrics.update(promote_if_passing(ctx, result.version, actor=f"job {job.id}"))
        return metrics

    return execute


def promote_if_passing(ctx: AppContext, version: str, *, actor: str) -> dict[str, Any]:
    """Promote a job's candidate by the usual rules; a refusal leaves the active model serving."""
    try:
        _, verdict = promote(ctx.sessions, name=version, actor=actor)
    except Conflict as exc:
        log.warning("%s", exc)
        return {"promoted": False, "promotion": str(exc)}
    log.info("%s promoted: %s", version, verdict)
    return {"promoted": True, "promotion": verdict}


def run_one(ctx: AppContext, *, worker_id: str, execute: Executor, heartbeat_s: float = 5.0) -> int | None:
    """Claim and run one job; returns its id, or None when the queue was empty."""
    with transaction(ctx.sessions) as s:
        job = store.claim_job(s, worker_id=worker_id)
    if job is None:
        return None
    log.info("worker %s took job %s", worker_id, job.id)
    status, metrics, error = JobStatus.succeeded, None, None
    with Heart(ctx, job.id, heartbeat_s) as heart:
        try:
            metrics = execute(job, heart.progress)
        except Cancelled as exc:
            status, error = JobStatus.cancelled, str(exc)
        except Exception as exc:
            status, error = JobStatus.failed, f"{type(exc).__name__}: {exc}"
            log.error("job %s failed:\n%s", job.id, traceback.format_exc())
    with transaction(ctx.sessions) as s:
        current = store.get_job(s, job_id=job.id)
        if current.status == JobStatus.running:  # not reaped meanwhile
            store.finish_job(s, job_id=job.id, status=status, metrics=metrics, error=error)
        finished = store.get_job(s, job_id=job.id)
    tell_job_end(ctx.settings, finished)
    return job.id


def run_worker(
    ctx: AppContext,
    *,
    worker_id: str | None = None,
    execute: Executor | None = None,
    once: bool = False,
    poll_s: float = 2.0,
    heartbeat_s: float = 5.0,
    stale_after: timedelta = timedelta(minutes=5),
    stop: threading.Event | None = None,
) -> list[int]:
    """Run jobs until stopped (or, with ``once``, until the queue is empty). Returns the job ids run."""
    worker_id = worker_id or default_worker_id()
    execute = execute or run_finetune_job(ctx)
    stop = stop or threading.Event()
    ran: list[int] = []
    while not stop.is_set():
        with transaction(ctx.sessions) as s:
            for reaped in store.reap_stale_jobs(s, stale_after=stale_after):
                log.warning("job %s: its worker stopped sending heartbeats; marked failed", reaped)
        job_id = run_one(ctx, worker_id=worker_id, execute=execute, heartbeat_s=heartbeat_s)
        if job_id is not None:
            ran.append(job_id)
            continue
        if once:
            break
        stop.wait(poll_s)
    return ran
