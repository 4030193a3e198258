"""The processes `supportbot run` starts beside the bot: the retraining worker, at a lower
priority, and our model server for the active version."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

from supportbot.core.context import AppContext


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

    def __init__(self, ctx: AppContext, *, threads: int) -> None:
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

        from supportbot.core import store
        from supportbot.core.db import transaction
        from supportbot.core.enums import JobStatus

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


def start_model_server(ctx: AppContext, *, port: int = 0) -> Any:
    """Our model server for the active version's base, following the registry; started."""
    from supportbot.serving.embedded import EmbeddedServer
    from supportbot.training.base_model import resolve_base_model
    from supportbot.training.config import FinetuneConfig

    settings = ctx.settings
    base_path = resolve_base_model(FinetuneConfig(), settings=settings, sessions=ctx.sessions)
    server = EmbeddedServer(
        base_path, device=settings.device, dtype=settings.dtype, sessions=ctx.sessions, port=port
    )
    return server.start()


@contextlib.contextmanager
def model_endpoint(ctx: AppContext, *, port: int = 0) -> Iterator[AppContext]:
    """``ctx`` with a model to talk to: SUPPORTBOT_MODEL_BASE_URL when it is set, else our own
    server for the active model version, started here and stopped on leaving."""
    settings = ctx.settings
    if "model_base_url" in settings.model_fields_set:
        yield ctx
        return
    from supportbot.core import store
    from supportbot.core.context import AppContext
    from supportbot.core.errors import ModelUnavailable

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
