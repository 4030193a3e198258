"""Audit finding 2, end to end: card numbers, CVVs, IBANs, e-mails and phones typed into Slack
and the review app are found nowhere afterwards: not in any table, the exports, the training
rows, the ticket index's files, the delivery spool, the logs, nor any request sent to the model.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from supportbot.core.webserver import BackgroundServer

CARD = "4111 1111 1111 1111"
CVV = "cvv 737"
IBAN = "de89 3704 0044 0532 0130 00"
EMAIL = "jane.doe@examplemail.com"
PHONES = ["+44 7700 900123", "07700 900456", "+49 30 1234567", "(415) 555-0134"]
# The tell-tale fragments of each, as they could survive in any later text.
RAW = ["4111 1111", "4111111111111111", "cvv 737", "3704 0044", "370400440532", "jane.doe", "examplemail"]
RAW += ["7700 900123", "900123", "900456", "30 1234567", "555-0134"]


class RecordingProxy:
    """Forwards /v1 requests to the model server and keeps every body the bot sent."""

    def __init__(self, target: str) -> None:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        self.bodies: list[bytes] = []
        client = httpx.AsyncClient(base_url=target, timeout=60)

        async def forward(request: Request) -> Response:
            body = await request.body()
            self.bodies.append(body)
            upstream = await client.request(
                request.method, request.url.path, content=body, headers={"content-type": "application/json"}
            )
            return Response(upstream.content, status_code=upstream.status_code, media_type="application/json")

        self.app = Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST"])])


def dump_tables(engine) -> str:
    out = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                out.extend(str(v) for v in row)
    return "\n".join(out)


def files_text(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


def assert_clean(where: str, text: str) -> None:
    found = [raw for raw in RAW if raw in text]
    assert not found, f"raw PII in {where}: {found}"


@pytest.mark.slow
def test_pii_typed_into_slack_and_the_review_app_is_nowhere(
    bot_factory, model_server, embedder, tmp_path, caplog
):
    from fastapi.testclient import TestClient

    from supportbot.core import store
    from supportbot.core.context import AppContext
    from supportbot.core.db import transaction
    from supportbot.core.settings import load_settings
    from supportbot.retrieval.conversations import tickets_from_conversations
    from supportbot.retrieval.index_builder import build_index
    from supportbot.review.app import create_app
    from supportbot.review.export import jsonl_lines
    from supportbot.training.data import clean, from_store_rows
    from tests.review.conftest import PASSWORD, admin_entries, csrf_of, login

    caplog.set_level(logging.DEBUG)
    proxy = RecordingProxy(model_server.url)
    with BackgroundServer(proxy.app, name="proxy") as proxied:
        bot = bot_factory(model_base_url=f"{proxied.url}/v1")
        first, _ = bot.mention(f"My card {CARD} was charged twice, {CVV}. Mail me at {EMAIL}")
        second, _ = bot.dm(f"Please refund to IBAN {IBAN} or call {PHONES[0]} or {PHONES[1]}")
        bot.wait_reply(first["channel"], first["ts"])
        bot.wait_reply(second["channel"], second["ts"])
        follow, _ = bot.in_thread(
            f"Or my office {PHONES[2]}, or {PHONES[3]}", channel=first["channel"], thread_ts=first["ts"]
        )
        reply = bot.wait_reply(follow["channel"], follow["ts"])

    # An admin reviews the thread, pasting PII into a comment and a corrected answer.
    settings = load_settings(
        home=tmp_path / "home",
        database_url=bot.settings.db_url,
        review_admins=admin_entries(),
        session_secret="review-secret-0123456789abcdef",
    )
    ctx = AppContext(settings=settings, engine=bot.engine, sessions=bot.sessions)
    with TestClient(create_app(ctx), follow_redirects=False) as client:
        assert login(client, password=PASSWORD).status_code == 303
        page = client.get(f"/conversations/{reply.conversation_id}")
        token = csrf_of(page.text)
        base = f"/conversations/{reply.conversation_id}/messages/{reply.id}"
        for action, field, text in [
            ("comment", "comment", f"Customer's card is {CARD}, phone {PHONES[0]}"),
            ("correct", "corrected_answer", f"We refunded {CARD} and wrote to {EMAIL}; IBAN {IBAN}."),
        ]:
            assert client.post(f"{base}/{action}", data={field: text, "csrf_token": token}).status_code == 303
        for path, form in [("approve", {"approved": "1"}), ("status", {"status": "resolved"})]:
            response = client.post(
                f"/conversations/{reply.conversation_id}/{path}", data={**form, "csrf_token": token}
            )
            assert response.status_code == 303
        review_export = client.post("/export", data={"scope": "approved", "csrf_token": token}).text

    # What the team then builds from it: tickets, an index, training rows.
    tickets_from_conversations(bot.sessions)
    build_index(sessions=bot.sessions, folder=tmp_path / "index", embedder=embedder, kind_setting="flat")
    with bot.sessions() as s:
        rows = store.training_conversations(s, approved_only=True)
        cli_export = "".join(jsonl_lines(store.training_conversations(s, approved_only=True)))
        assert store.get_ticket(s, external_id=f"conv-{reply.conversation_id}")  # the ticket exists
    training_text = str(
        [clean(c, __import__("collections").Counter()).messages for c in from_store_rows(rows)]
    )
    with transaction(bot.sessions) as s:
        assert store.count_conversations(s) >= 2
    bot.wait_idle()  # the spool's last records (each delivery's "done") are written

    assert rows, "the approved conversation is training data"
    assert_clean("the database", dump_tables(bot.engine))
    assert_clean("the review app's export", review_export)
    assert_clean("history export --approved", cli_export)
    assert_clean("the training rows", training_text)
    assert_clean("the ticket index folder", files_text(tmp_path / "index"))
    assert_clean("the delivery spool", files_text(tmp_path / "home" / "spool"))
    assert_clean("the model requests", "\n".join(b.decode() for b in proxy.bodies))
    assert_clean("the logs", "\n".join(r.getMessage() for r in caplog.records))
    assert len(proxy.bodies) >= 3 and any("[CARD]" in b.decode() for b in proxy.bodies)
    assert "[IBAN]" in review_export and "[EMAIL]" in review_export
