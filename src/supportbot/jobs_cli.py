"""`supportbot jobs|worker`: retraining jobs, queued and run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from supportbot.train_cli import _ctx
from supportbot.training.config import FinetuneConfig


def job_dict(job: Any) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": job.id,
        "status": job.status.value,
        "kind": job.kind,
        "progress": round(job.progress, 3),
        "requested_by": job.requested_by,
        "worker": job.worker_id,
        "config": job.config,
        "metrics": job.metrics,
        "error": job.error,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "heartbeat_at": iso(job.heartbeat_at),
    }


@click.group()
def jobs() -> None:
    """Retraining jobs: enqueue, list, show, cancel."""


@jobs.command("enqueue")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--set", "settings_", multiple=True, metavar="KEY=VALUE", help="Override one setting (JSON value)."
)
@click.option("--requested-by", default="cli", show_default=True)
def jobs_enqueue(config_file: Path | None, settings_: tuple[str, ...], requested_by: str) -> None:
    """Queue a fine-tuning job for a worker (`supportbot worker`)."""
    from supportbot.usecases.retrain import request_retrain

    raw: dict[str, Any] = FinetuneConfig.from_file(config_file).to_dict() if config_file else {}
    for item in settings_:
        key, _, value = item.partition("=")
        try:
            raw[key] = json.loads(value)
        except json.JSONDecodeError:
            raw[key] = value
    FinetuneConfig.from_dict(raw)  # fail now, not in the worker
    ctx = _ctx()
    job = request_retrain(ctx.sessions, config=raw, requested_by=requested_by, via="cli")
    click.echo(f"queued job {job.id}")


@jobs.command("list")
@click.option("--status", type=click.Choice(["queued", "running", "succeeded", "failed", "cancelled"]))
@click.option("--json", "as_json", is_flag=True)
def jobs_list(status: str | None, as_json: bool) -> None:
    """Jobs, newest first."""
    from supportbot.core import store

    ctx = _ctx()
    with ctx.sessions() as s:
        rows = [job_dict(j) for j in store.list_jobs(s, status=status)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no jobs")
    for r in rows:
        extra = r["error"] or (r["metrics"] or {}).get("version") or (r["metrics"] or {}).get("stage") or ""
        click.echo(
            f"{r['id']:>5}  {r['status']:<10} {r['progress'] * 100:5.1f}%  {r['created_at'][:16]}  {r['requested_by'] or ''}  {extra}"
        )


@jobs.command("show")
@click.argument("job_id", type=int)
def jobs_show(job_id: int) -> None:
    """One job as JSON."""
    from supportbot.core import store

    ctx = _ctx()
    with ctx.sessions() as s:
        click.echo(json.dumps(job_dict(store.get_job(s, job_id=job_id)), indent=2))


@jobs.command("cancel")
@click.argument("job_id", type=int)
def jobs_cancel(job_id: int) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    from supportbot.core import store
    from supportbot.core.db import transaction

    ctx = _ctx()
    with transaction(ctx.sessions) as s:
        job = store.request_cancel(s, job_id=job_id)
        state = (
            "cancelled"
            if job.status.value == "cancelled"
            else "asked to stop (the worker stops at its next step)"
        )
        click.echo(f"job {job_id} {state}")


@jobs.command("requeue")
@click.argument("job_id", type=int)
def jobs_requeue(job_id: int) -> None:
    """Put a failed or cancelled job back in the queue."""
    from supportbot.core import store
    from supportbot.core.db import transaction

    ctx = _ctx()
    with transaction(ctx.sessions) as s:
        store.requeue_job(s, job_id=job_id)
    click.echo(f"job {job_id} queued again")


@click.command()
@click.option("--once", is_flag=True, help="Run what is queued, then exit.")
@click.option(
    "--poll", type=float, default=2.0, show_default=True, help="Seconds between looks at the queue."
)
@click.option(
    "--nice", "niceness", type=click.IntRange(0, 19), default=0, help="Lower its CPU priority by this much."
)
def worker(once: bool, poll: float, niceness: int) -> None:
    """Run queued retraining jobs, one at a time (start several for several at once)."""
    import logging
    import os

    if niceness:
        os.nice(niceness)

    from supportbot.worker import run_worker

    logging.getLogger("supportbot.training").setLevel(logging.INFO)
    ctx = _ctx()
    ran = run_worker(ctx, once=once, poll_s=poll)
    click.echo(f"ran {len(ran)} job(s)")
