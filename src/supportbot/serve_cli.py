"""`supportbot serve`: the OpenAI-compatible model server."""

from __future__ import annotations

import logging
from pathlib import Path

import click

log = logging.getLogger(__name__)

NO_MODEL = "no model yet: run `supportbot train base` (and `supportbot train run` to fine-tune it)"


def _adapter_pairs(values: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise click.BadParameter(f"{value!r}: expected NAME=PATH", param_hint="--adapter")
        pairs[name] = path
    return pairs


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--model", "model", default=None, help="HF model name or path. Default: the active model version."
)
@click.option(
    "--adapter", "adapters", multiple=True, metavar="NAME=PATH", help="A LoRA adapter to serve (repeatable)."
)
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), default=None, help="Default: SUPPORTBOT_DEVICE."
)
@click.option(
    "--dtype",
    type=click.Choice(["auto", "float32", "bfloat16", "float16"]),
    default=None,
    help="Default: SUPPORTBOT_DTYPE (auto: bf16 on CUDA, float32 on CPU).",
)
@click.option(
    "--max-batch-size",
    type=int,
    default=None,
    help="Sequences per batch. Default: SUPPORTBOT_MAX_BATCH_SIZE.",
)
@click.option(
    "--registry-interval",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds between checks of the active model version (without --model).",
)
def serve(
    host: str,
    port: int,
    model: str | None,
    adapters: tuple[str, ...],
    device: str | None,
    dtype: str | None,
    max_batch_size: int | None,
    registry_interval: float,
) -> None:
    """Serve the model over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions).

    Without --model it serves the registry's active model version (base + adapter) and follows
    promotions and rollbacks; request `model` "supportbot" (SUPPORTBOT_MODEL_NAME) for it.
    """
    import uvicorn

    from supportbot.core.errors import DatabaseError, ModelUnavailable
    from supportbot.core.settings import load_settings
    from supportbot.serving.active_version import RegistryWatcher, read_active
    from supportbot.serving.app import create_app
    from supportbot.serving.engine import load_engine

    settings = load_settings()
    extra = _adapter_pairs(adapters)
    context = None
    active = None
    registry_problem = None
    base = model
    if base is None:
        from supportbot.core.context import AppContext

        try:
            context = AppContext.open(settings)
            active = read_active(context.sessions)
        except DatabaseError as exc:
            registry_problem = str(exc)
            context = None
        if active is not None:
            base = active.base_model
        elif settings.base_model:
            base = settings.base_model
        elif (settings.default_base_model_dir / "config.json").exists():
            base = str(settings.default_base_model_dir.resolve())
        else:
            raise ModelUnavailable(NO_MODEL)
        if registry_problem:
            # The registry is optional for serving: say so, and serve what is on disk.
            click.echo(
                f"warning: model registry unavailable ({registry_problem}); serving without it", err=True
            )
    from supportbot.training.pretrained import resolve

    base = resolve(base, models_dir=settings.models_dir)  # a packaged alias (smollm2-135m) or as is
    if Path(base).expanduser().exists():
        base = str(Path(base).expanduser())
    engine = load_engine(
        base,
        adapters=extra,
        device=device or settings.device,
        dtype=dtype or settings.dtype,
        max_batch_size=max_batch_size or settings.max_batch_size,
    )
    engine.start()
    watcher = None
    if context is not None:
        watcher = RegistryWatcher(
            engine, context.sessions, alias=settings.model_name, interval=registry_interval
        )
        watcher.check()
        watcher.start()
    elif settings.model_name not in {engine.base_id, *extra}:
        engine.set_alias(settings.model_name, engine.base_id)
    app = create_app(
        engine,
        api_key=settings.secret("api_key"),
        admin_token=settings.secret("admin_token"),
        watcher=watcher,
    )
    names = ", ".join(m["id"] or "" for m in engine.models())
    click.echo(
        f"serving {names} on http://{host}:{port}/v1 ({engine.device}, batch up to {engine.max_batch_size})",
        err=True,
    )
    try:
        uvicorn.run(
            app, host=host, port=port, log_level="info" if log.isEnabledFor(logging.INFO) else "warning"
        )
    finally:
        if watcher is not None:
            watcher.stop()
        engine.stop()
        if context is not None:
            context.close()
