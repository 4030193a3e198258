""" "supportbot" follows the model registry: promote and roll back without a restart; and the
`supportbot serve` command itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import openai
import pytest

from tests.serving.wait import wait_for

QUESTION = [{"role": "user", "content": "Can I get a refund?"}]


@pytest.fixture
def registry(sqlite_url):
    from supportbot.core.db import make_engine, session_factory, upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def add_version(sessions, name: str, *, base: str, adapter: Path | None, activate: bool = True) -> None:
    from supportbot.core import store
    from supportbot.core.db import transaction

    with transaction(sessions) as s:
        store.create_model_version(
            s, name=name, base_model=base, adapter_path=str(adapter) if adapter else None
        )
        if activate:
            store.activate(s, name=name)


def ask(client) -> tuple[str, str]:
    r = client.chat.completions.create(model="supportbot", messages=QUESTION, max_tokens=25, temperature=0)
    return r.system_fingerprint, r.choices[0].message.content


def test_supportbot_follows_promote_and_rollback(registry, model_dir, adapter_dirs, reference):
    from supportbot.core import store
    from supportbot.core.db import transaction
    from supportbot.serving.embedded import EmbeddedServer

    base = str(model_dir.resolve())
    expected = {
        adapter: reference.expected(reference.chat_ids(QUESTION), adapter=adapter, max_new_tokens=25)["text"]
        for adapter in (None, "alpha", "beta")
    }
    assert len(set(expected.values())) == 3
    add_version(registry, "v1", base=base, adapter=adapter_dirs["alpha"])
    with (
        EmbeddedServer(str(model_dir), device="cpu", sessions=registry, registry_interval=0.1) as srv,
        openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0) as client,
    ):
        assert ask(client) == ("v1", expected["alpha"])

        add_version(registry, "v2", base=base, adapter=adapter_dirs["beta"])  # promote
        assert wait_for(lambda: ask(client)[0] == "v2")
        assert ask(client) == ("v2", expected["beta"])
        assert wait_for(lambda: "v1" not in {m.id for m in client.models.list().data})

        add_version(registry, "v3", base=base, adapter=None)  # the plain base as a version
        assert wait_for(lambda: ask(client)[0] == "v3")
        assert ask(client) == ("v3", expected[None])

        with transaction(registry) as s:
            store.rollback(s)
        assert wait_for(lambda: ask(client)[0] == "v2")
        assert ask(client) == ("v2", expected["beta"])

        # A version on another base cannot be served by this process: "supportbot" stays put.
        add_version(registry, "v4", base="some/other-model", adapter=adapter_dirs["alpha"])
        assert wait_for(lambda: srv.watcher.refused == "v4")
        assert ask(client) == ("v2", expected["beta"])


def test_a_request_for_the_active_version_outlives_a_promotion_on_its_way_in(
    model_dir, adapter_dirs, reference
):
    """A promotion swaps the version while a request for "supportbot" is on its way into the loop:
    resolved to the old version, queued only after that version was unloaded, it runs on the new
    one under the new fingerprint (it used to fail: "unloaded before this request ran"). A
    request naming the unloaded adapter itself still fails."""
    import asyncio

    from supportbot.serving.engine import load_engine
    from tests.serving.test_robustness import greedy, run

    adapters = {name: str(adapter_dirs[name]) for name in ("alpha", "beta")}
    engine = load_engine(str(model_dir), adapters=adapters, device="cpu").start()
    try:
        ids = reference.chat_ids(QUESTION)
        engine.set_alias("supportbot", "alpha", fingerprint="v1")
        stale, named = engine.resolve("supportbot"), engine.resolve("alpha")
        engine.set_alias("supportbot", "beta", fingerprint="v2")  # promote ...
        engine.unload_adapter("alpha").result()  # ... and retire the old version
        meta = {"system_fingerprint": stale.fingerprint}

        async def main():
            job = engine.submit(prompts=[ids], params=greedy(25), target=stale, meta=meta)
            gone = engine.submit(prompts=[ids], params=greedy(25), target=named)
            return job, await run(job), await run(gone)

        job, (text, _, error), (_, _, gone_error) = asyncio.run(main())
        assert error is None, error
        assert text == reference.expected(ids, adapter="beta", max_new_tokens=25)["text"]
        assert meta["system_fingerprint"] == job.target.fingerprint == "v2"
        assert gone_error is not None and "unloaded" in gone_error
    finally:
        engine.stop()


def test_empty_registry_serves_the_base(registry, model_dir):
    from supportbot.serving.embedded import EmbeddedServer

    with (
        EmbeddedServer(str(model_dir), device="cpu", sessions=registry, registry_interval=0.1) as srv,
        openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0) as client,
    ):
        assert ask(client)[0] == "base"


def cli_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env.update({"SUPPORTBOT_HOME": str(home), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"})
    return env


def test_serve_without_any_model_says_how_to_make_one(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "supportbot", "serve"],
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "supportbot train base" in lines[0] and lines[0].startswith("error:")


def test_serve_command_serves_a_model_with_adapters(tmp_path, model_dir, adapter_dirs):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = cli_env(tmp_path)
    env["SUPPORTBOT_API_KEY"] = "k"
    command = [sys.executable, "-m", "supportbot", "serve", "--port", str(port), "--model", str(model_dir)]
    command += ["--adapter", f"alpha={adapter_dirs['alpha']}", "--device", "cpu"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the server exited: {process.stderr.read()}")
            try:
                return httpx.get(f"{url}/health").status_code == 200
            except httpx.TransportError:
                return False

        assert wait_for(up)
        with openai.OpenAI(base_url=f"{url}/v1", api_key="k", max_retries=0) as client:
            assert {m.id for m in client.models.list().data} >= {model_dir.name, "alpha", "supportbot"}
            assert ask(client)[0] == "base"
    finally:
        process.terminate()
        process.wait(timeout=30)
