"""Audit finding 2: raw card numbers, CVVs, IBANs, e-mails and phones were stored as typed.

Every store function now redacts what it writes, and migration 0003 rewrites what older
versions stored (with a dry run first)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from supportbot.core.db import make_engine, session_factory, transaction, upgrade

RAW = (
    "card 4111 1111 1111 1111 cvv 123, iban de89 3704 0044 0532 0130 00, "
    "jane.doe@example.org, +44 7700 900123, 07700900123, +49 30 1234567"
)
RAW_PIECES = ["4111 1111", "cvv 123", "3704 0044", "jane.doe@", "7700 900123", "07700900123", "1234567"]


def all_text(connection) -> str:
    """Every value of every table, as one string (what an attacker with the database sees)."""
    out = []
    for table in sa.inspect(connection).get_table_names():
        for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
            out.extend(str(v) for v in row)
    return "\n".join(out)


def test_store_functions_never_write_raw_pii(sessions):
    from supportbot.core import store

    with transaction(sessions) as s:
        q = store.record_user_turn(s, text=RAW, channel="C1", thread_ts="1.1", ts="1.1").message
        r = store.record_reply(s, reply_to_id=q.id, text="We will refund " + RAW, details={}, hits=[])
        store.record_feedback(s, message_id=r.id, user="admin:a", comment=RAW)
        store.record_feedback(s, message_id=r.id, user="admin:a", corrected_answer=RAW)
        store.audit(s, actor="a", action="review.comment", detail={"comment": RAW})
        store.upsert_ticket(s, external_id="T-1", question=RAW, resolution=RAW, body=RAW)
    with sessions().get_bind().connect() as conn:
        dump = all_text(conn)
    for piece in RAW_PIECES:
        assert piece not in dump, piece
    assert "[CARD]" in dump and "[CVV]" in dump and "[IBAN]" in dump and "[PHONE]" in dump


def test_migration_0003_redacts_rows_stored_before_it(db_url, tmp_path):
    from supportbot.core.store.privacy import redact_stored

    engine = make_engine(db_url)
    try:
        upgrade(engine, "0002")
        with engine.begin() as conn:  # what an earlier version wrote, as it wrote it
            conn.execute(
                sa.text(
                    "INSERT INTO conversations (id, source, slack_team, slack_channel, slack_thread_ts, "
                    "status, approved_for_training, created_at, updated_at) "
                    "VALUES (1, 'slack', '', 'C1', '1.1', 'open', false, '2026-01-01', '2026-01-01')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO messages (id, conversation_id, role, text, created_at) "
                    "VALUES (1, 1, 'user', :t, '2026-01-01'), (2, 1, 'assistant', 'ok', '2026-01-01')"
                ),
                {"t": RAW},
            )
            conn.execute(
                sa.text(
                    'INSERT INTO feedback (id, message_id, "user", comment, created_at) '
                    "VALUES (1, 2, 'admin:a', :t, '2026-01-01')"
                ),
                {"t": RAW},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (id, actor, action, detail, created_at) "
                    "VALUES (1, 'a', 'review.comment', :d, '2026-01-01'), "
                    "(2, 'a', 'review.logout', 'null', '2026-01-01')"  # JSON null, as a logout stores it
                ),
                {"d": json.dumps({"comment": RAW})},
            )
        with engine.connect() as conn:  # the dry run counts and writes nothing
            report = redact_stored(conn, apply=False)
            assert report["rows_changed"] == {
                "audit_log.detail": 1,
                "feedback.comment": 1,
                "messages.text": 1,
            }
            # two texts (message, comment), each with three phones and one card
            assert report["pii_found"]["phone"] == 6 and report["pii_found"]["card"] == 2
            assert "4111 1111" in all_text(conn)
        upgrade(engine)
        with engine.connect() as conn:
            dump = all_text(conn)
        for piece in RAW_PIECES:
            assert piece not in dump, piece
        with engine.connect() as conn:
            assert redact_stored(conn, apply=False)["rows_changed"] == {}
        with session_factory(engine)() as s:
            from supportbot.core.models import Message

            assert s.get(Message, 1).text.startswith("card [CARD] cvv [CVV], iban [IBAN]")
        # Going back drops the new column only: the rows that hang off messages stay.
        from supportbot.core.db import downgrade

        downgrade(engine, "0002")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM feedback")).scalar() == 1
            assert conn.execute(sa.text("SELECT count(*) FROM messages")).scalar() == 2
    finally:
        engine.dispose()


def test_originals_are_kept_only_encrypted_and_only_when_a_team_opts_in(bot_factory, tmp_path):
    import os
    import subprocess
    import sys

    from cryptography.fernet import Fernet

    from supportbot.core.models import Message

    key = Fernet.generate_key().decode()
    bot = bot_factory(originals_key=key)
    event, _ = bot.mention(f"Refund to {RAW}")
    plain, _ = bot.mention("Where is my parcel?")
    bot.wait_reply(event["channel"], event["ts"])
    bot.wait_reply(plain["channel"], plain["ts"])
    with bot.engine.connect() as conn:
        dump = all_text(conn)
    for piece in RAW_PIECES:
        assert piece not in dump, piece  # the sealed original is unreadable without the key
    with bot.sessions() as s:
        sealed = s.query(Message).filter(Message.slack_ts == event["ts"]).one()
        unsealed = s.query(Message).filter(Message.slack_ts == plain["ts"]).one()
        assert sealed.original_encrypted and "[CARD]" in sealed.text
        assert unsealed.original_encrypted is None  # nothing to keep: it had no PII

    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env |= {"SUPPORTBOT_HOME": str(tmp_path / "cli"), "SUPPORTBOT_DATABASE_URL": bot.settings.db_url}

    def original(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "supportbot", "history", "original", str(sealed.id)],
            env=env | extra, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    assert original(SUPPORTBOT_ORIGINALS_KEY=key).stdout.strip() == f"Refund to {RAW}"
    refused = original()
    assert refused.returncode == 1 and "SUPPORTBOT_ORIGINALS_KEY" in refused.stderr
    wrong = original(SUPPORTBOT_ORIGINALS_KEY=Fernet.generate_key().decode())
    assert wrong.returncode == 1 and "did not encrypt" in wrong.stderr
