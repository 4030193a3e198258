"""`tickets import --slack-channel`: a support channel's history fetched from the (fake) Slack Web
API over real HTTP, page by page, and imported into a real database (SQLite and PostgreSQL).

The reference is the file path: the same messages saved as a file and read by the export reader
make the same tickets (the live fetch reuses its reading, only the transport differs)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from supportbot.cli import cli, main
from supportbot.core.errors import ConfigError, InvalidInput, SupportbotError
from supportbot.core.models import Ticket
from supportbot.core.settings import load_settings
from supportbot.retrieval.dates import parse_when
from supportbot.retrieval.formats import slack_export
from supportbot.retrieval.formats.slack_live import read_channels
from supportbot.retrieval.importer import import_records
from supportbot.retrieval.sources import FieldMap, Record
from supportbot.usecases.notify import slack_client
from tests.fake_slack import running_fake_slack

CHANNEL = "C0SUPPORT"
TOKEN = "xoxb-test-token"
AGENTS = FieldMap(agents=("UAGENT1",))
VAT, QUIET, EXPORT, PLAN = "1709251300.000200", "1709251600.000600", "1709251800.000800", "1709337600.000000"


def history(
    resolution: str = "Fixed: Settings &gt; Billing &gt; Tax ID. Call +44 20 7946 0958 if not",
) -> list:
    """A support channel: 7 top-level messages (4 pages of 2), one thread of 4 (2 pages)."""

    def msg(ts: str, user: str, text: str, thread: str | None = None, **extra) -> dict:
        return {"type": "message", "user": user, "text": text, "ts": ts, **extra} | (
            {"thread_ts": thread} if thread else {}
        )

    return [
        msg("1709251200.000100", "UCUST1", "<@UCUST1> has joined the channel", subtype="channel_join"),
        msg(VAT, "UCUST1", "My invoice shows the wrong VAT number, write to bob@example.com"),
        msg("1709251310.000210", "UCUST1", "It should be DE123456789", VAT),
        {"bot_id": "B1", "subtype": "bot_message", "text": "We got it", "ts": "1709251320.000220", "thread_ts": VAT},
        msg("1709251330.000230", "UAGENT1", f"<@UCUST1> {resolution}", VAT),
        {"type": "message", "subtype": "bot_message", "bot_id": "B1", "text": "Office hours", "ts": "1709251500.000400"},
        msg(QUIET, "UCUST2", "Is the API down?"),
        msg("1709251610.000610", "UCUST3", "same here", QUIET),  # not an agent: no answer
        msg("1709251700.000700", "UCUST3", "hello?"),  # no reply at all
        msg(EXPORT, "UCUST3", "How do I export my data?"),
        msg("1709251810.000810", "UAGENT1", "Settings > Export.", EXPORT),
        msg("1709251820.000820", "UCUST3", "As CSV?", EXPORT),
        msg("1709251830.000830", "UAGENT1", "CSV or JSON, your pick.", EXPORT),
        msg(PLAN, "UCUST1", "Can I change my plan mid-month?"),
        msg("1709337700.000100", "UAGENT1", "Yes, the difference is prorated.", PLAN),
    ]  # fmt: skip


@pytest.fixture
def slack():
    with running_fake_slack() as (fake, url):
        fake.add_history(CHANNEL, history())
        fake.max_page = 2  # Slack may return fewer than `limit`: every fetch goes over pages
        yield fake, url


def client_for(url: str):
    return slack_client(load_settings(slack_bot_token=TOKEN, slack_api_url=url), rate_limit_retries=3)


def tickets(sessions) -> dict[str, Ticket]:
    with sessions() as s:
        found = {t.external_id: t for t in s.scalars(select(Ticket))}
        s.expunge_all()
        return found


def test_a_channel_fetched_over_pages_is_read_as_its_export(sessions, slack, tmp_path):
    fake, url = slack
    found = read_channels(client_for(url), [CHANNEL], fields=AGENTS)

    # reference: the same messages saved as a file (named as the channel), read by the export reader
    saved = tmp_path / f"{CHANNEL}.json"
    saved.write_text(json.dumps(history()))
    reference = list(slack_export.read(saved, fields=AGENTS))

    def content(items):
        return sorted(
            (r.external_id, r.question, r.body, r.resolution, r.created)
            for r in items
            if isinstance(r, Record)
        )

    assert content(found) == content(reference) and len(content(found)) == 3
    skips = sorted((s.file, s.reason) for s in found if not isinstance(s, Record))
    assert skips == [
        (f"#{CHANNEL} ts {QUIET}", slack_export.NO_REPLY),
        (f"#{CHANNEL} ts 1709251700.000700", slack_export.NO_REPLY),
    ]

    # Slack's paging followed: history newest first by cursor, replies only of threads
    pages = fake.calls_to("conversations.history")
    assert len(pages) == 4 and "cursor" not in pages[0].args and all(p.args.get("cursor") for p in pages[1:])
    threads = [c.args["ts"] for c in fake.calls_to("conversations.replies")]
    assert sorted(set(threads)) == sorted([VAT, QUIET, EXPORT, PLAN])
    assert threads.count(EXPORT) == 2  # parent + 3 replies: two pages

    report = import_records(sessions, found, label=f"Slack #{CHANNEL}", source="slack")
    assert (report.created, report.failed, len(report.skipped)) == (3, 0, 2)
    stored = tickets(sessions)
    vat = stored[f"slack-{CHANNEL}-{VAT}"]
    assert vat.question == "My invoice shows the wrong VAT number, write to [EMAIL]"
    assert vat.body == "It should be DE123456789"
    assert vat.resolution == "Fixed: Settings > Billing > Tax ID. Call [PHONE] if not"
    assert vat.source == "slack"
    created = parse_when(VAT)  # the thread's ts, as the file path reads it
    assert created is not None and created.replace(microsecond=0) == datetime(
        2024, 3, 1, 0, 1, 40, tzinfo=UTC
    )
    assert vat.created_at.replace(tzinfo=None) == created.replace(tzinfo=None)
    everything = " ".join(f"{t.question} {t.body} {t.resolution}" for t in stored.values())
    for dropped in ("We got it", "Office hours", "has joined", "bob@example.com", "7946"):
        assert dropped not in everything

    # re-fetched after an agent edited a reply: that ticket updated, nothing duplicated
    fake.messages[(CHANNEL, "1709251330.000230")]["text"] = "Fixed under Settings &gt; Billing."
    again = import_records(sessions, read_channels(client_for(url), [CHANNEL], fields=AGENTS), label="x")
    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
    assert len(tickets(sessions)) == 3
    assert tickets(sessions)[f"slack-{CHANNEL}-{VAT}"].resolution == "Fixed under Settings > Billing."


def test_oldest_rate_limits_and_refusals(slack):
    fake, url = slack
    client = client_for(url)
    # --oldest: threads started that day or later (inclusive, as a date means)
    recent = read_channels(client, [CHANNEL], fields=AGENTS, oldest="2024-03-02")
    assert [r.external_id for r in recent if isinstance(r, Record)] == [f"slack-{CHANNEL}-{PLAN}"]

    fake.retry_after_s, fake.rate_limited["conversations.history"] = 1, 1
    started = time.monotonic()
    again = read_channels(client, [CHANNEL], fields=AGENTS, oldest="2024-03-02")
    assert time.monotonic() - started >= 1.0  # Retry-After honoured
    assert fake.calls_to("conversations.history")[-2].args == {"ratelimited": True}
    assert again == recent

    with pytest.raises(InvalidInput, match="Slack channel C0NOPE: channel_not_found"):
        read_channels(client, [CHANNEL, "C0NOPE"], fields=AGENTS)
    with pytest.raises(InvalidInput, match="'#support': no channel of that name"):
        read_channels(client, ["#support"], fields=AGENTS)
    with pytest.raises(InvalidInput, match="by their Slack user ids"):
        read_channels(client, [CHANNEL], fields=FieldMap(agents=("alice",)))
    with pytest.raises(InvalidInput, match="--oldest"):
        read_channels(client, [CHANNEL], oldest="last tuesday")
    fake.retry_after_s, fake.rate_limited["conversations.history"] = 0, 2  # more than the retries
    patient_once = slack_client(load_settings(slack_bot_token=TOKEN, slack_api_url=url), rate_limit_retries=1)
    with pytest.raises(SupportbotError, match=f"Slack channel {CHANNEL}: ratelimited") as refused:
        read_channels(patient_once, [CHANNEL])
    assert type(refused.value) is SupportbotError  # Slack's to lift, not a setting or an input


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    for name in ("SLACK_BOT_TOKEN", "SUPPORTBOT_SLACK_BOT_TOKEN", "SUPPORTBOT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUPPORTBOT_HOME", str(tmp_path / "home"))
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    return tmp_path / "home"


def test_the_command_imports_and_reimports(home, slack):
    _, url = slack
    env = {"SLACK_BOT_TOKEN": TOKEN, "SUPPORTBOT_SLACK_API_URL": url}
    args = ["tickets", "import", "--slack-channel", CHANNEL.lower(), "--agent", "uagent1", "--no-index"]
    first = CliRunner().invoke(cli, [*args, "--json"], env=env)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert (report["file"], report["created"], report["failed"]) == (f"Slack #{CHANNEL}", 3, 0)
    assert report["skipped_reasons"] == {slack_export.NO_REPLY: 2}
    # the 8th message fetched (newest first: a thread's replies right after it), named by channel and ts
    assert {"file": f"#{CHANNEL} ts {QUIET}", "line": 8, "reason": slack_export.NO_REPLY} in report["skips"]
    assert report["redacted"] == {"email": 1, "phone": 1}

    again = CliRunner().invoke(cli, [*args, "--oldest", "2024-03-01"], env=env)
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(
        f"Slack #{CHANNEL}: 0 created, 0 updated, 3 unchanged, 0 failed, 2 skipped"
    )


def test_the_command_fails_in_one_line(home, slack, monkeypatch, capsys):
    """What the console script prints: the reason, no traceback, exit status 1."""
    fake, url = slack
    monkeypatch.setenv("SUPPORTBOT_SLACK_API_URL", url)

    def run(*args: str) -> str:
        with pytest.raises(SystemExit) as exited:
            main(["tickets", "import", *args, "--no-index"])
        assert exited.value.code == 1
        out = capsys.readouterr()
        assert "Traceback" not in out.err and out.out == ""
        return out.err.strip()

    assert run("--slack-channel", CHANNEL).startswith("error: SLACK_BOT_TOKEN is not set")
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    assert run("--slack-channel", CHANNEL, "--slack-channel", "C0GONE") == (
        "error: Slack channel C0GONE: channel_not_found (a channel id such as C0123ABCD, of a "
        "channel the bot can see)"
    )
    assert fake.calls_to("conversations.history")  # it did ask
    assert run("--slack-channel", CHANNEL, "--oldest", "soon").startswith("error: --oldest 'soon'")
    assert run("--slack-channel", CHANNEL, "--format", "zendesk").startswith("error: --slack-channel reads")
    assert run("--oldest", "2024-01-01", "--sample").startswith("error: --oldest is for --slack-channel")
    main(["tickets", "import", "--slack-channel", CHANNEL, "--agent", "UAGENT1", "--no-index", "--json"])
    assert json.loads(capsys.readouterr().out)["created"] == 3  # the refused run wrote nothing before


def test_a_channel_is_found_by_its_name(slack):
    """`--slack-channel #support` (or `support`): looked up among the channels the bot can see,
    over pages; an archived channel of that name does not count, a missing scope says which."""
    fake, url = slack
    fake.channel_names = {
        "C0OTHER": "random",
        "C0BILL": "billing",
        CHANNEL: "support",
        "C0OLD": "support-old",
    }
    fake.archived = {"C0OLD"}
    client = client_for(url)
    by_id = read_channels(client, [CHANNEL], fields=AGENTS)
    assert not fake.calls_to("conversations.list")  # ids need no look-up
    for name in ("#support", "support", "#Support"):
        assert read_channels(client, [name], fields=AGENTS) == by_id
    assert {c.args["channel"] for c in fake.calls_to("conversations.history")} == {CHANNEL}
    assert len(fake.calls_to("conversations.list")) == 3 * 2  # 3 unarchived channels listed 2 a page
    assert all(
        c.args["exclude_archived"] in ("1", "true", "True") for c in fake.calls_to("conversations.list")
    )
    # a channel named twice (by id and by name) is read once
    assert read_channels(client, [CHANNEL, "#support"], fields=AGENTS) == by_id
    with pytest.raises(InvalidInput, match="'#support-old': no channel of that name"):
        read_channels(client, ["#support-old"], fields=AGENTS)
    fake.list_error = "missing_scope"
    with pytest.raises(ConfigError, match="needs the bot scope channels:read"):
        read_channels(client, ["#support"], fields=AGENTS)
    assert read_channels(client, [CHANNEL.lower()], fields=AGENTS) == by_id  # an id, even in lower case
