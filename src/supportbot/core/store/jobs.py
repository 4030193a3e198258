"""Retraining jobs: a queue in the database that several workers share safely."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from supportbot.core.enums import JobStatus
from supportbot.core.errors import Conflict, NotFound
from supportbot.core.models import TrainingJob, utcnow

FINISHED = (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled)


def enqueue_job(
    session: Session,
    *,
    config: dict[str, Any] | None = None,
    kind: str = "finetune",
    requested_by: str | None = None,
    notify: dict[str, Any] | None = None,
) -> TrainingJob:
    job = TrainingJob(kind=kind, config=config or {}, requested_by=requested_by, notify=notify)
    session.add(job)
    session.flush()
    return job


def request_retrain(
    session: Session,
    *,
    requested_by: str,
    via: str,
    config: dict[str, Any] | None = None,
    notify: dict[str, Any] | None = None,
) -> TrainingJob:
    """Queue a fine-tuning job, unless one is queued or running already (Conflict).

    The one way every entry point (Slack command, review page, CLI) asks for a retrain: a
    replayed or double-clicked request never queues a second job, and the audit entry has one
    shape. On PostgreSQL a transaction-scoped advisory lock makes the check and the insert one
    step for concurrent requests; SQLite's writers are serialised already (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(RETRAIN_LOCK)))
    pending = session.scalars(
        select(TrainingJob)
        .where(TrainingJob.status.in_([JobStatus.queued, JobStatus.running]))
        .order_by(TrainingJob.id)
        .limit(1)
    ).first()
    if pending is not None:
        raise Conflict(f"job {pending.id} is already {pending.status.value}; not queuing another")
    job = enqueue_job(session, config=config, requested_by=requested_by, notify=notify)
    from supportbot.core.store.audit import audit

    audit(session, actor=requested_by, action="job.enqueue", detail={"job": job.id, "via": via})
    return job


RETRAIN_LOCK = 0x5B07_0001  # any constant of this app's own


def get_job(session: Session, *, job_id: int) -> TrainingJob:
    job = session.get(TrainingJob, job_id)
    if job is None:
        raise NotFound(f"job {job_id} does not exist")
    return job


def list_jobs(session: Session, *, status: str | None = None, limit: int = 50) -> list[TrainingJob]:
    stmt = select(TrainingJob)
    if status:
        stmt = stmt.where(TrainingJob.status == JobStatus(status))
    return list(session.scalars(stmt.order_by(TrainingJob.id.desc()).limit(limit)))


def count_jobs(session: Session, *, status: JobStatus) -> int:
    return session.scalar(select(func.count(TrainingJob.id)).where(TrainingJob.status == status)) or 0


def claim_job(session: Session, *, worker_id: str) -> TrainingJob | None:
    """Take the oldest queued job for this worker, or None.

    On PostgreSQL the row is locked with SKIP LOCKED, so concurrent workers pass over each other's
    picks instead of waiting; the conditional UPDATE makes the claim safe on SQLite too.
    Commit right after, so other workers see the job as taken.
    """
    stmt = (
        select(TrainingJob.id).where(TrainingJob.status == JobStatus.queued).order_by(TrainingJob.id).limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    job_id = session.scalar(stmt)
    if job_id is None:
        return None
    now = utcnow()
    # An UPDATE's result is a cursor result: it knows how many rows it changed.
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(TrainingJob)
            .where(TrainingJob.id == job_id, TrainingJob.status == JobStatus.queued)
            .values(
                status=JobStatus.running, worker_id=worker_id, started_at=now, heartbeat_at=now, progress=0.0
            )
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return None
    job = session.get(TrainingJob, job_id, populate_existing=True)
    return job


def heartbeat(
    session: Session, *, job_id: int, progress: float | None = None, metrics: dict[str, Any] | None = None
) -> TrainingJob:
    """Record that the job is alive (and how far); the caller checks ``cancel_requested``."""
    job = get_job(session, job_id=job_id)
    session.flush()
    session.refresh(job)  # see a cancel requested from another process
    job.heartbeat_at = utcnow()
    if progress is not None:
        job.progress = max(0.0, min(1.0, float(progress)))
    if metrics is not None:
        job.metrics = {**(job.metrics or {}), **metrics}
    return job


def finish_job(
    session: Session,
    *,
    job_id: int,
    status: JobStatus,
    metrics: dict[str, Any] | None = None,
    error: str | None = None,
) -> TrainingJob:
    if status not in FINISHED:
        raise ValueError(f"{status} is not a final status")
    job = get_job(session, job_id=job_id)
    job.status = status
    job.finished_at = utcnow()
    job.error = error
    if status == JobStatus.succeeded:
        job.progress = 1.0
    if metrics is not None:
        job.metrics = {**(job.metrics or {}), **metrics}
    return job


def request_cancel(session: Session, *, job_id: int) -> TrainingJob:
    """A queued job is cancelled at once; a running one when its worker next looks."""
    job = get_job(session, job_id=job_id)
    if job.status in FINISHED:
        raise Conflict(f"job {job_id} already ended ({job.status.value})")
    if job.status == JobStatus.queued:
        job.status = JobStatus.cancelled
        job.finished_at = utcnow()
    else:
        job.cancel_requested = True
    return job


def reap_stale_jobs(session: Session, *, stale_after: timedelta) -> list[int]:
    """Mark running jobs whose worker stopped sending heartbeats as failed; returns their ids."""
    cutoff = utcnow() - stale_after
    stale = session.scalars(
        select(TrainingJob).where(TrainingJob.status == JobStatus.running, TrainingJob.heartbeat_at < cutoff)
    ).all()
    for job in stale:
        job.status = JobStatus.failed
        job.finished_at = utcnow()
        job.error = f"worker {job.worker_id} stopped sending heartbeats (last at {job.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC)"
    return [job.id for job in stale]


def requeue_job(session: Session, *, job_id: int) -> TrainingJob:
    job = get_job(session, job_id=job_id)
    if job.status not in (JobStatus.failed, JobStatus.cancelled):
        raise Conflict(f"job {job_id} is {job.status.value}; only failed or cancelled jobs can be re-queued")
    job.status = JobStatus.queued
    job.error = None
    job.worker_id = None
    job.cancel_requested = False
    job.progress = 0.0
    job.started_at = job.finished_at = job.heartbeat_at = None
    return job
