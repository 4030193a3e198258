"""The first start's use cases: a store with tickets, an index over them, a live model, the
customer-mood classifier.

Each step is skipped when its result is there, so a second start takes seconds. ``say`` is how a
step tells the person at the terminal what it is doing (the CLI passes click's echo).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from supportbot.core.context import AppContext

Say = Callable[[str], None]


def _quiet(text: str) -> None:
    pass


def ensure_index(ctx: AppContext, *, say: Say = _quiet) -> Any:
    """The retriever over an index that matches the tickets; built (or rebuilt) when it does not."""
    from supportbot.core.errors import SupportbotError
    from supportbot.retrieval.search import Retriever

    try:
        return Retriever.open(settings=ctx.settings, sessions=ctx.sessions)
    except SupportbotError as exc:
        say(
            f"building the ticket index ({exc})"
            if (ctx.settings.index_dir).exists()
            else "building the ticket index"
        )
    from supportbot.retrieval.embedder import embedder_device, load_embedder
    from supportbot.retrieval.index_builder import build_index

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


def ensure_sentiment(ctx: AppContext, *, config: Any = None, say: Say = _quiet) -> Any:
    """The customer-mood classifier; trained on the bundled sample's labelled turns when there is
    none. The first start measures the two heads on the frozen embedder (94 s on two cores that
    other jobs kept busy, most of it embedding the 1,800 turns); `supportbot train sentiment` also tries tuning
    the embedder's last layers, which did better on the sample but takes several minutes."""
    from supportbot.core.errors import ModelUnavailable
    from supportbot.training.sentiment import SentimentConfig, load_scorer, train_sentiment
    from supportbot.training.sentiment_data import sample_turns

    try:
        scorer = load_scorer(ctx.settings)
    except ModelUnavailable as exc:  # saved by an earlier version, with other features
        say(f"{exc}: training it again")
        scorer = None
    if scorer is not None:
        return scorer
    say("no sentiment classifier yet: training one on the sample's labelled customer turns")
    config = config or SentimentConfig(candidates=("logreg", "mlp"))
    run = train_sentiment(sample_turns(), settings=ctx.settings, config=config, say=say)
    ours, vader = run.report["ours"], run.report["baseline"]
    say(
        f"sentiment classifier ready: macro-F1 {ours['macro_f1']:.3f} on held-out turns (vaderSentiment"
        f" {vader['macro_f1']:.3f}); report: {run.report_paths['md']}"
    )
    return run.classifier


def ensure_base(ctx: AppContext, *, base_config: Any = None, retriever: Any = None, say: Say = _quiet) -> str:
    """The active model version; with none, the base is made live as "base": SUPPORTBOT_BASE_MODEL
    when it is set (``smollm2-135m`` converted on first use), else our own, trained here."""
    from supportbot.core import store
    from supportbot.training.default_model import DefaultModelConfig, train_default_model

    with ctx.sessions() as s:
        active = store.active_model_version(s)
        if active is not None:
            return active.name
    if ctx.settings.base_model:  # a pretrained base (SUPPORTBOT_BASE_MODEL): nothing to train
        from supportbot.training.pretrained import provenance_of, resolve

        path = resolve(ctx.settings.base_model, models_dir=ctx.settings.models_dir)
        return _make_base_live(ctx, path, {"base_provenance": provenance_of(path)})
    out = ctx.settings.default_base_model_dir
    if not (out / "config.json").exists():
        say("no model yet: training the default model from scratch on the sample support logs")
        result = train_default_model(base_config or DefaultModelConfig(), out_dir=out, retriever=retriever)
        base_metrics = result.metrics
    else:
        import json

        base_metrics = json.loads((out / "supportbot.json").read_text()).get("metrics", {})
    return _make_base_live(ctx, str(out.resolve()), base_metrics)


def _make_base_live(ctx: AppContext, path: str, metrics: dict[str, Any]) -> str:
    """The version of the base model at ``path`` made active: registered the first time, made
    active again when it exists (as after a rollback past it)."""
    from supportbot.core import store
    from supportbot.training.registry import register_version
    from supportbot.usecases.versions import promote

    with ctx.sessions() as s:
        known = [v.name for v in store.list_model_versions(s) if v.base_model == path and not v.adapter_path]
    if not known:
        return register_version(ctx.sessions, base_model=path, metrics=metrics, activate=True).name
    promote(ctx.sessions, name=known[0], actor=DEFAULT_TUNE_BY, force=True)
    return known[0]


def ensure_model(
    ctx: AppContext,
    *,
    base_config: Any = None,
    finetune_config: Any = None,
    retriever: Any = None,
    say: Say = _quiet,
) -> str:
    """The active model version; the default one is built here the first time, fine-tune included
    (in the foreground: `supportbot run --setup-only`)."""
    from supportbot.core import store
    from supportbot.training.config import FinetuneConfig
    from supportbot.training.finetune import run_finetune
    from supportbot.usecases.versions import promote

    with ctx.sessions() as s:
        active = store.active_model_version(s)
        if active is not None:
            return active.name
    started = time.monotonic()
    base = ensure_base(ctx, base_config=base_config, retriever=retriever, say=say)
    say("fine-tuning it with LoRA on the newer support logs")
    run = run_finetune(finetune_config or FinetuneConfig(), settings=ctx.settings, sessions=ctx.sessions)
    try:
        promote(ctx.sessions, name=run.version, actor="supportbot run")
        live = run.version
    except Exception as exc:  # a worse fine-tune leaves the base model serving
        say(f"{run.version} was not promoted: {exc}")
        live = base
    say(
        f"model {live} is live (built in {time.monotonic() - started:.0f} s; report: {run.report_paths.get('md')})"
    )
    return live


DEFAULT_TUNE_BY = "supportbot run"


def queue_default_finetune(ctx: AppContext, config: Any = None) -> int | None:
    """The first start's fine-tune, as a queued retraining job that promotes its candidate when the
    evaluation passes, so that the bot answers meanwhile. None when there is nothing to queue: a
    fine-tuned version exists, or this job is queued, running or done already (a failed or
    cancelled one is queued again: a first start stopped half way resumes on the next)."""
    from dataclasses import asdict

    from supportbot.core import store
    from supportbot.core.enums import JobStatus
    from supportbot.core.errors import Conflict
    from supportbot.training.config import FinetuneConfig
    from supportbot.usecases.retrain import request_retrain

    config = (config or FinetuneConfig()).merged(promote=True)
    with ctx.sessions() as s:
        if any(v.adapter_path for v in store.list_model_versions(s)):
            return None
        started = {JobStatus.queued, JobStatus.running, JobStatus.succeeded}
        if any(
            j.requested_by == DEFAULT_TUNE_BY and j.status in started for j in store.list_jobs(s, limit=200)
        ):
            return None
    try:
        job = request_retrain(
            ctx.sessions, requested_by=DEFAULT_TUNE_BY, via="supportbot run", config=asdict(config)
        )
    except Conflict:  # an admin's job is queued already: it is the fine-tune
        return None
    return job.id
