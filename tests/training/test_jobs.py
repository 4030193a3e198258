from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from supportbot.core import store
from supportbot.core.context import AppContext
from supportbot.core.db import transaction
from supportbot.core.enums import JobStatus
from supportbot.core.errors import Conflict
from supportbot.core.settings import Settings
from supportbot.training.loop import Cancelled
from supportbot.worker import run_one, run_worker


@pytest.fixture
def ctx(migrated_engine, sessions, tmp_path) -> AppContext:
    settings = Settings(
        home=tmp_path / "home", database_url=migrated_engine.url.render_as_string(hide_password=False)
    )
    return AppContext(settings=settings, engine=migrated_engine, sessions=sessions)


def enqueue(ctx, n=1, **config):
    with transaction(ctx.sessions) as s:
        return [store.enqueue_job(s, config=config, requested_by="U-admin").id for _ in range(n)]


def job(ctx, job_id):
    with ctx.sessions() as s:
        return store.get_job(s, job_id=job_id)


def wait_for(condition, *, timeout: float = 30.0) -> bool:
    """True as soon as ``condition()`` holds, False once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_job_runs_queued_running_succeeded(ctx):
    (jid,) = enqueue(ctx)
    seen = []

    def execute(j, progress):
        seen.append(job(ctx, j.id).status)  # as the database sees it while running
        progress(0.5, "half way")
        return {"version": "v9"}

    assert run_one(ctx, worker_id="w", execute=execute, heartbeat_s=0.05) == jid
    done = job(ctx, jid)
    assert seen == [JobStatus.running]
    assert done.status == JobStatus.succeeded and done.progress == 1.0 and done.metrics["version"] == "v9"


def test_failing_job_records_error_and_keeps_active_model(ctx):
    with transaction(ctx.sessions) as s:
        store.create_model_version(s, name="base", base_model="somewhere")
        store.activate(s, name="base")
    # A real fine-tune whose base model does not exist: it fails while loading.
    (jid,) = enqueue(ctx, base=str(Path(ctx.settings.home) / "no-such-model"), serve_eval=False)
    run_worker(ctx, once=True, heartbeat_s=0.05)
    failed = job(ctx, jid)
    assert failed.status == JobStatus.failed
    assert "no-such-model" in failed.error
    with ctx.sessions() as s:
        assert store.active_model_version(s).name == "base"
        assert [v.name for v in store.list_model_versions(s)] == ["base"]
    assert not list((ctx.settings.adapters_dir).glob("*")) if ctx.settings.adapters_dir.exists() else True


def test_cancel_stops_a_running_job(ctx):
    (jid,) = enqueue(ctx)
    started = threading.Event()

    def execute(j, progress):
        started.set()
        # Like a training loop between steps: carry on until the heartbeat passes the cancel on.
        assert wait_for(lambda: not progress(0.1, "working"))
        raise Cancelled("stopped on request")

    worker = threading.Thread(
        target=run_one, kwargs={"ctx": ctx, "worker_id": "w", "execute": execute, "heartbeat_s": 0.05}
    )
    worker.start()
    assert started.wait(30)
    with transaction(ctx.sessions) as s:
        store.request_cancel(s, job_id=jid)
    worker.join(60)
    assert not worker.is_alive()
    assert job(ctx, jid).status == JobStatus.cancelled


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_never_take_the_same_job(ctx):
    ids = enqueue(ctx, 24)
    taken: list[tuple[str, int]] = []
    lock = threading.Lock()
    # Each worker holds its first job until the other one has taken one too: the two claim from
    # the queue at the same time, which is what must not hand out a job twice.
    both_running = threading.Barrier(2, timeout=60)

    def make(worker_id):
        def execute(j, progress):
            with lock:
                first = all(w != worker_id for w, _ in taken)
                taken.append((worker_id, j.id))
            if first:
                both_running.wait()
            return {}

        return execute

    threads = [
        threading.Thread(
            target=run_worker,
            args=(ctx,),
            kwargs={"worker_id": w, "execute": make(w), "once": True, "heartbeat_s": 1},
        )
        for w in ("w1", "w2")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    taken_ids = [jid for _, jid in taken]
    assert sorted(taken_ids) == ids  # every job exactly once
    assert {w for w, _ in taken} == {"w1", "w2"}
    with ctx.sessions() as s:
        jobs = {j.id: j for j in store.list_jobs(s, limit=100)}
    assert all(jobs[i].status == JobStatus.succeeded for i in ids)
    assert all(jobs[jid].worker_id == w for w, jid in taken)


def test_promote_refuses_a_worse_model_and_rollback_returns(ctx):
    from supportbot.usecases.versions import promote, rollback

    before = {"answer_f1": 0.30, "keyphrase_accuracy": 0.40, "invented_identifier_rate": 0.0}
    with transaction(ctx.sessions) as s:
        store.create_model_version(s, name="base", base_model="m")
        store.activate(s, name="base")
        store.create_model_version(
            s,
            name="v1",
            base_model="m",
            adapter_path="/a/v1",
            metrics={
                "answer_f1": 0.60,
                "keyphrase_accuracy": 0.9,
                "invented_identifier_rate": 0.0,
                "eval_set": "E",
                "before": before,
            },
        )
        store.create_model_version(
            s,
            name="v2",
            base_model="m",
            adapter_path="/a/v2",
            metrics={
                "answer_f1": 0.45,
                "keyphrase_accuracy": 0.7,
                "invented_identifier_rate": 0.0,
                "eval_set": "E",
                "before": before,
            },
        )
        store.create_model_version(
            s,
            name="v3",
            base_model="m",
            adapter_path="/a/v3",
            metrics={"answer_f1": 0.9, "keyphrase_accuracy": 1.0, "eval_set": "OTHER", "before": before},
        )
    promote(ctx.sessions, name="v1", actor="lead")  # better than the base's own "before"
    with pytest.raises(Conflict, match=r"answer_f1 0\.450 vs 0\.600"):
        promote(ctx.sessions, name="v2", actor="lead")
    with pytest.raises(Conflict, match="not comparable"):
        promote(ctx.sessions, name="v3", actor="lead")
    with ctx.sessions() as s:
        assert store.active_model_version(s).name == "v1"
    promote(ctx.sessions, name="v2", actor="lead", force=True)
    target, previous = rollback(ctx.sessions, actor="lead")
    assert (target.name, previous) == ("v1", "v2")
    with ctx.sessions() as s:
        actions = [(e.actor, e.action) for e in store.audit_entries(s)]
    assert actions == [("lead", "model.rollback"), ("lead", "model.promote"), ("lead", "model.promote")]


def test_the_end_of_a_job_asked_for_in_slack_is_posted_there(ctx):
    from supportbot.usecases.retrain import request_retrain
    from tests.fake_slack import running_fake_slack

    with running_fake_slack() as (fake, url):
        # The worker builds its Slack client as the bot does: with or without a trailing slash.
        settings = Settings(
            home=ctx.settings.home,
            database_url=ctx.settings.database_url,
            slack_api_url=url.rstrip("/"),
            slack_bot_token="xoxb-test-token",
        )
        worker_ctx = AppContext(settings=settings, engine=ctx.engine, sessions=ctx.sessions)
        job_id = request_retrain(ctx.sessions, requested_by="U-admin", via="slack", slack_channel="COPS").id
        with pytest.raises(Conflict):  # one job at a time, whoever asks
            request_retrain(ctx.sessions, requested_by="U-other", via="cli")
        run_one(worker_ctx, worker_id="w", execute=lambda j, progress: {"version": "v7"}, heartbeat_s=0.05)
        (post,) = fake.calls_to("chat.postMessage")
    assert post.args["channel"] == "COPS"
    assert post.args["text"] == (
        f"✅ Retraining job {job_id} finished: candidate v7 is ready (`/supportbot promote v7`)."
    )
    with ctx.sessions() as s:
        (entry,) = store.audit_entries(s)
    assert (entry.actor, entry.action, entry.detail) == (
        "U-admin",
        "job.enqueue",
        {"job": job_id, "via": "slack"},
    )
