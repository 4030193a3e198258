"""`supportbot run`'s path end to end, at tiny sizes: sample data → index → model (trained from
scratch, fine-tuned with LoRA, promoted) → model server → responder → local chat → stored
conversation → `supportbot history list` and the review page show it."""

from __future__ import annotations

import io
import json
import re

from click.testing import CliRunner


def test_sample_data_to_an_answer_the_review_page_shows(tmp_path, monkeypatch):
    from supportbot.bot.runtime import build_responder
    from supportbot.core.context import AppContext
    from supportbot.core.db import make_engine, upgrade
    from supportbot.core.settings import load_settings
    from supportbot.review.app import create_app
    from supportbot.run import local_review_accounts
    from supportbot.serving.embedded import EmbeddedServer
    from supportbot.training.base_model import resolve_base_model
    from supportbot.training.config import FinetuneConfig
    from supportbot.training.default_model import DefaultModelConfig
    from supportbot.usecases.setup import ensure_index, ensure_model
    from supportbot.usecases.tickets import import_sample_if_empty

    home = tmp_path / "home"
    monkeypatch.setenv("SUPPORTBOT_HOME", str(home))
    monkeypatch.delenv("SUPPORTBOT_DATABASE_URL", raising=False)
    settings = load_settings(escalate_below_logprob=-50.0, max_answer_tokens=40)
    settings.home.mkdir(parents=True)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    engine.dispose()
    settings, password = local_review_accounts(settings)
    assert password
    ctx = AppContext.open(settings)

    assert import_sample_if_empty(ctx) == (710, True)
    retriever = ensure_index(ctx)
    assert retriever.size == 710 and retriever.search("I forgot my password")[0].score > 0.5
    assert import_sample_if_empty(ctx) == (710, False)  # a second run imports nothing

    tiny_base = DefaultModelConfig(size="tiny", vocab_size=1024, steps=60, batch_size=8, lr=3e-3)
    # Eight steps see 32 examples: the newer logs with half as many earlier ones replayed (not four
    # times as many) and a dozen calibration questions make the same path in half the time.
    tiny_tune = FinetuneConfig(
        steps=8, batch_size=4, eval_max_questions=12, calibration_questions=12, replay_ratio=0.5,
        serve_eval=False,
    )  # fmt: skip
    live = ensure_model(ctx, base_config=tiny_base, finetune_config=tiny_tune)
    assert live in {"v1", "base"}
    assert ensure_model(ctx) == live  # a second run trains nothing
    assert (settings.reports_dir / "v1").is_dir()

    base_path = resolve_base_model(FinetuneConfig(), settings=settings, sessions=ctx.sessions)
    with EmbeddedServer(base_path, device="cpu", sessions=ctx.sessions) as server:
        ctx.settings = settings.model_copy(update={"model_base_url": server.base_url})
        responder = build_responder(ctx, retriever=retriever)
        from supportbot.bot.local_chat import run_local_chat
        from supportbot.usecases.respond import Pipeline

        out = io.StringIO()
        answered = run_local_chat(
            Pipeline(responder, ctx.settings),
            stdin=io.StringIO("How do I reset my password?\n"),
            stdout=out,
            interactive=False,
        )
    assert answered == 1
    printed = out.getvalue()
    assert "bot> " in printed and re.search(r"(sources|similar solved tickets?): T-\d+", printed)

    # The conversation is in the history CLI …
    monkeypatch.setenv("SUPPORTBOT_REVIEW_ADMINS", ",".join(settings.review_admins))
    from supportbot.cli import cli

    listed = CliRunner().invoke(cli, ["history", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    rows = rows["conversations"] if isinstance(rows, dict) else rows
    assert len(rows) == 1
    conversation_id = rows[0]["id"]

    # … and on the review page, after logging in.
    from fastapi.testclient import TestClient

    with TestClient(create_app(ctx), follow_redirects=False) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        r = client.post(
            "/login", data={"name": "admin", "password": password, "csrf_token": token, "next": "/"}
        )
        assert r.status_code == 303
        page = client.get(f"/conversations/{conversation_id}")
        assert page.status_code == 200
        assert "How do I reset my password?" in page.text
    ctx.close()
