"""`supportbot run`'s first start: the base model answers at once, the fine-tune is a queued job
that goes live only when its evaluation passes, run by a worker beside the bot that leaves no job
marked running when it is stopped."""

from __future__ import annotations

import shutil
import time

import pytest

from supportbot.core import store
from supportbot.core.context import AppContext
from supportbot.core.db import make_engine, session_factory, transaction, upgrade
from supportbot.core.enums import JobStatus
from supportbot.core.settings import Settings
from supportbot.training.config import FinetuneConfig


@pytest.fixture
def ctx(tmp_path, tiny_base, sample_world):
    home = tmp_path / "home"
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'supportbot.db'}")
    home.mkdir()
    # The sample tickets and their index, as the steps before the model leave them.
    shutil.copy(sample_world / "template.db", home / "supportbot.db")
    shutil.copytree(sample_world / "index", settings.index_dir)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    # A default base built by an earlier start: registered and made live, not trained again.
    shutil.copytree(tiny_base, settings.default_base_model_dir)
    yield AppContext(settings=settings, engine=engine, sessions=session_factory(engine))
    engine.dispose()


def job_of(ctx, job_id):
    with ctx.sessions() as s:
        return store.get_job(s, job_id=job_id)


# Three steps see six examples: half as many earlier conversations replayed as newer ones (not
# four times as many) keeps what is grounded and tokenized for them small.
TINY_TUNE = FinetuneConfig(
    steps=3, batch_size=2, eval_max_questions=12, calibration_questions=12, replay_ratio=0.5,
    serve_eval=False,
)  # fmt: skip


@pytest.mark.slow
def test_the_fine_tune_is_queued_once_and_a_failing_candidate_leaves_the_base_serving(ctx):
    from supportbot.usecases.setup import ensure_base, queue_default_finetune
    from supportbot.worker import run_worker

    assert ensure_base(ctx) == "base"
    job_id = queue_default_finetune(ctx, TINY_TUNE)
    assert job_id is not None
    assert job_of(ctx, job_id).config["promote"] is True
    assert queue_default_finetune(ctx, TINY_TUNE) is None  # queued already: not twice

    run_worker(ctx, once=True, heartbeat_s=0.2)
    done = job_of(ctx, job_id)
    assert done.status == JobStatus.succeeded, done.error
    # Three steps of a 200k-parameter model name the right procedure far less often than the
    # top ticket (in the same report): not promoted.
    assert done.metrics["promoted"] is False
    assert "refusing to promote v1" in done.metrics["promotion"]
    assert "right_request" in done.metrics["promotion"].split("against the top ticket:")[1]
    # Judged as the bot would send its answers: the checks against the sources applied, at the
    # settings calibrated for it on the validation conversations (not the questions reported on).
    assert done.metrics["as_sent"]["right_request"] >= done.metrics["right_request"]
    calibration = done.metrics["calibration"]
    assert calibration["split"].startswith("the validation conversations")
    assert 0 <= calibration["disagree_below"] <= 1 and calibration["escalate_below_score"] <= 0.5
    with ctx.sessions() as s:
        assert store.active_model_version(s).name == "base"
        assert {v.name for v in store.list_model_versions(s)} == {"base", "v1"}
    assert queue_default_finetune(ctx, TINY_TUNE) is None  # a fine-tuned candidate exists


def test_a_candidate_that_passes_is_made_live_by_its_job(ctx):
    from supportbot.worker import promote_if_passing

    scores = {"answer_f1": 0.6, "keyphrase_accuracy": 0.9, "eval_set": "sample"}
    before = {"answer_f1": 0.4, "keyphrase_accuracy": 0.85}
    with transaction(ctx.sessions) as s:
        store.create_model_version(s, name="base", base_model="b", metrics={**scores, "answer_f1": 0.4})
        store.activate(s, name="base")
        store.create_model_version(
            s,
            name="v1",
            base_model="b",
            adapter_path="a",
            metrics={**scores, "before": before, "baseline": {"answer_f1": 0.3, "keyphrase_accuracy": 0.85}},
        )
        store.create_model_version(
            s,
            name="v2",
            base_model="b",
            adapter_path="a2",
            metrics={
                **scores,
                "answer_f1": 0.7,
                "before": before,
                "baseline": {"answer_f1": 0.3, "keyphrase_accuracy": 0.95},
            },
        )
    refused = promote_if_passing(ctx, "v2", actor="job 2")  # better than v1, worse than the top ticket
    assert refused["promoted"] is False and "against the top ticket" in refused["promotion"]
    passed = promote_if_passing(ctx, "v1", actor="job 1")
    assert passed["promoted"] is True, passed
    with ctx.sessions() as s:
        assert store.active_model_version(s).name == "v1"


def test_stopping_the_background_worker_fails_its_running_job_at_once(ctx):
    from supportbot.processes import BackgroundWorker
    from supportbot.usecases.setup import ensure_base

    ensure_base(ctx)
    long_run = TINY_TUNE.merged(steps=100_000, promote=True)
    with transaction(ctx.sessions) as s:
        job_id = store.request_retrain(
            s, requested_by="supportbot run", via="test", config=long_run.to_dict()
        ).id
    worker = BackgroundWorker(ctx, threads=1).start()
    try:
        deadline = time.monotonic() + 120
        while job_of(ctx, job_id).status == JobStatus.queued:
            assert worker.proc.poll() is None, worker.log_path.read_text()
            assert time.monotonic() < deadline, "the worker never took the job"
            time.sleep(0.5)
        assert job_of(ctx, job_id).status == JobStatus.running
    finally:
        worker.stop()
    stopped = job_of(ctx, job_id)
    assert stopped.status == JobStatus.failed
    assert "stopped with supportbot run" in stopped.error
    with ctx.sessions() as s:
        assert store.active_model_version(s).name == "base"
