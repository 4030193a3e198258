"""Processes that die mid-work: the model server during an answer, the worker during a job.

The audit found both handled (a fallback answer; the job marked failed, the model kept); these
tests keep it so, with real processes and SIGKILL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.enums import JobStatus

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env.update({"SUPPORTBOT_HOME": str(tmp_path / "child-home"), "OMP_NUM_THREADS": "1", **extra})
    return env


@pytest.fixture
def model_process(tiny_base, tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "supportbot",
            "serve",
            "--model",
            tiny_base,
            "--port",
            str(port),
            "--device",
            "cpu",
        ],
        cwd=ROOT,
        env=child_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, "the model server exited"
        time.sleep(0.2)
    yield proc, f"{url}/v1"
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


@pytest.mark.slow
def test_the_model_server_killed_mid_answer_still_gets_the_customer_an_answer(
    bot_factory, model_process, monkeypatch
):
    proc, url = model_process
    bot = bot_factory(model_base_url=url, model_timeout_s=30)
    calling = threading.Event()
    complete = bot.responder.model.complete

    def noted_complete(*args, **kwargs):
        calling.set()
        return complete(*args, **kwargs)

    monkeypatch.setattr(bot.responder.model, "complete", noted_complete)
    os.kill(proc.pid, signal.SIGSTOP)  # it accepts the connection, then never answers...
    event, response = bot.mention("Can I return a jacket I bought three weeks ago?", channel="C0KILL")
    assert response.status_code == 200
    # The model call is under way (nothing is shown before the model has written something).
    assert calling.wait(timeout=30), "the bot never called the model"
    os.kill(proc.pid, signal.SIGKILL)  # ...and dies with the request open
    reply = bot.wait_reply("C0KILL", event["ts"], timeout=30)
    assert reply.outcome in ("fallback", "handover")
    assert "unavailable" in reply.text
    assert reply.details["model_error"]
    assert len(bot.fake.posted()) == 1  # one message: the fallback answer


def test_a_worker_killed_mid_job_leaves_the_job_failed_and_the_model_serving(
    tiny_base, sample_slice, tmp_path, sqlite_url
):
    from supportbot.core.context import AppContext
    from supportbot.core.db import make_engine, session_factory, upgrade
    from supportbot.core.settings import load_settings
    from supportbot.worker import run_worker

    engine = make_engine(sqlite_url)
    upgrade(engine)
    sessions = session_factory(engine)
    home = tmp_path / "child-home"
    ctx = AppContext(
        settings=load_settings(home=home, database_url=sqlite_url), engine=engine, sessions=sessions
    )
    data = sample_slice(200)
    with transaction(sessions) as s:
        store.create_model_version(s, name="v1", base_model=tiny_base)
        store.activate(s, name="v1")
        job = store.request_retrain(
            s,
            requested_by="U-admin",
            via="test",
            # Far more steps than the test waits for: it is killed while training.
            config={"base": tiny_base, "data": [str(data)], "steps": 100_000, "conversations": False,
                    "serve_eval": False, "eval_max_questions": 4},
        )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "supportbot", "worker", "--poll", "0.2"],
        cwd=ROOT,
        env=child_env(tmp_path, SUPPORTBOT_DATABASE_URL=sqlite_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with sessions() as s:
                current = store.get_job(s, job_id=job.id)
                if current.status == JobStatus.running and current.heartbeat_at is not None:
                    break
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.2)
        else:
            pytest.fail("the job never ran")
    finally:
        worker.kill()
        worker.wait(timeout=10)

    # A heartbeat goes stale by time passing: this wait is the scenario (a second of silence).
    time.sleep(1.2)
    run_worker(ctx, once=True, stale_after=timedelta(seconds=1))  # the next worker notices
    with sessions() as s:
        failed = store.get_job(s, job_id=job.id)
        assert failed.status == JobStatus.failed
        assert "stopped sending heartbeats" in failed.error
        assert store.active_model_version(s).name == "v1"
        assert [v.name for v in store.list_model_versions(s)] == ["v1"]
    engine.dispose()
