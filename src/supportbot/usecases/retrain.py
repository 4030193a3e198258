"""Request a retrain, and tell whoever asked how it ended.

The rule: at most one fine-tuning job queued or running at a time, so a replayed Slack command or
a double click never queues a second one. ``core.store.request_retrain`` applies it and writes the
audit entry in the same transaction (one shape for every entry point: Slack, review page, CLI,
`supportbot run`). Who is told when the job ends is stored with the job: the Slack channel (and
thread) it was asked from; the worker calls ``tell_job_end`` when the job is finished.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import JobStatus
from supportbot.core.models import TrainingJob
from supportbot.usecases.notify import post_to_slack

if TYPE_CHECKING:
    from supportbot.core.settings import Settings

log = logging.getLogger(__name__)


def request_retrain(
    sessions: sessionmaker[Session],
    *,
    requested_by: str,
    via: str,
    config: dict[str, Any] | None = None,
    slack_channel: str | None = None,
    slack_thread_ts: str | None = None,
) -> TrainingJob:
    """Queue a fine-tuning job (Conflict when one is queued or running already).

    ``via`` names the entry point in the audit log; with ``slack_channel`` the end of the job is
    posted there."""
    notify: dict[str, Any] | None = None
    if slack_channel:
        notify = {"slack_channel": slack_channel}
        if slack_thread_ts:
            notify["slack_thread_ts"] = slack_thread_ts
    with transaction(sessions) as s:
        return store.request_retrain(s, requested_by=requested_by, via=via, config=config, notify=notify)


def job_end_text(job: TrainingJob) -> str:
    """How a job ended, in one line for the person who asked for it."""
    metrics = job.metrics or {}
    version = metrics.get("version")
    if job.status == JobStatus.succeeded and metrics.get("promoted"):
        return f"✅ Retraining job {job.id} finished: {version} passed its evaluation and is live."
    if job.status == JobStatus.succeeded:
        return f"✅ Retraining job {job.id} finished: candidate {version} is ready (`/supportbot promote {version}`)."
    if job.status == JobStatus.cancelled:
        return f"⏹️ Retraining job {job.id} was cancelled."
    return f"⚠️ Retraining job {job.id} failed: {job.error}. The active model keeps serving."


def tell_job_end(settings: Settings, job: TrainingJob) -> None:
    """Tell whoever asked for the job (a Slack channel) how it ended. Never fails the job."""
    target = job.notify or {}
    channel = target.get("slack_channel")
    if not channel:
        return
    try:
        post_to_slack(
            settings, channel=channel, thread_ts=target.get("slack_thread_ts"), text=job_end_text(job)
        )
    except Exception:
        log.exception("could not notify the end of job %s", job.id)
