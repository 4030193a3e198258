"""`/supportbot channel …` and the App Home tab, over signed HTTP against the fake Slack."""

from __future__ import annotations

import json

from supportbot.core.enums import AnswerMode
from supportbot.usecases.channels import channel_settings
from tests.fake_slack import TEAM_ID
from tests.slack_world import ADMIN, SUPPORT_GROUP


def test_channel_settings_are_for_admins_and_each_one_is_checked(bot):
    refused = bot.command("channel mode all", user="U0ANYONE")
    assert refused.status_code == 200 and "admins only" in refused.text
    assert (
        channel_settings(bot.sessions, team=TEAM_ID, channel="C0GENERAL").answer_mode == AnswerMode.mentions
    )

    shown = bot.command("channel", user=ADMIN).text
    assert "answers only mentions" in shown and "categories: all" in shown
    assert f"default (<!subteam^{SUPPORT_GROUP}>)" in shown and "private: off" in shown
    assert bot.command("channel show", user=ADMIN).text == shown

    assert "answers every new message" in bot.command("channel mode all", user=ADMIN).text
    saved = bot.command("channel categories billing, Refunds", user=ADMIN).text
    assert saved.startswith("Saved.") and "categories: billing, refunds" in saved
    assert "<!subteam^S0BILLING>" in bot.command("channel group S0BILLING", user=ADMIN).text
    assert "private: on" in bot.command("channel private on", user=ADMIN).text

    unknown = bot.command("channel categories billing,teleportation", user=ADMIN).text
    assert unknown.startswith("⚠️ unknown category teleportation; known: product_faults, billing")
    assert "`all` or `mentions`" in bot.command("channel mode sometimes", user=ADMIN).text
    assert "looks like S0123ABCD" in bot.command("channel group @support", user=ADMIN).text
    assert "`on` or `off`" in bot.command("channel private perhaps", user=ADMIN).text
    assert "channel mode all|mentions" in bot.command("channel colour blue", user=ADMIN).text

    config = channel_settings(bot.sessions, team=TEAM_ID, channel="C0GENERAL")
    assert (config.answer_mode, config.categories, config.handover_group, config.private) == (
        AnswerMode.all,
        ("billing", "refunds"),
        "S0BILLING",
        True,
    )
    assert config.updated_by == ADMIN
    # Another channel keeps the defaults.
    other = bot.command("channel", user=ADMIN, channel="C0OTHER").text
    assert "answers only mentions" in other and "private: off" in other


def home_opened(bot, user: str, tab: str = "home"):
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME",
        "tab": tab,
        "event_ts": bot.next_ts(),
    }
    return bot.post(bot.envelope(event))


def published_to(bot, user: str) -> list[dict]:
    views = []
    for call in bot.fake.calls_to("views.publish"):
        view = call.args["view"]
        view = json.loads(view) if isinstance(view, str) else view
        if call.args["user_id"] == user:
            views.append(view)
    return views


def text_of(view: dict) -> str:
    parts = []
    for block in view["blocks"]:
        parts.append((block.get("text") or {}).get("text", ""))
        parts += [f["text"] for f in block.get("fields", [])]
        parts += [e.get("text", "") for e in block.get("elements", [])]
    return "\n".join(parts)


def test_app_home_shows_what_the_bot_helps_with_and_admins_see_today(bot):
    event, _ = bot.mention("How do I reset my password?")
    bot.wait_reply(event["channel"], event["ts"])

    assert home_opened(bot, "U0CUSTOMER").status_code == 200
    assert home_opened(bot, ADMIN).status_code == 200
    assert home_opened(bot, "U0CUSTOMER", tab="messages").status_code == 200
    assert bot.fake.wait_for(lambda: len(bot.fake.calls_to("views.publish")) == 2, timeout=10)
    assert all(c.args.get("view") for c in bot.fake.calls_to("views.publish"))

    [everyone] = published_to(bot, "U0CUSTOMER")
    text = text_of(everyone)
    assert everyone["type"] == "home"
    assert "product_faults, billing" in text and "Talk to a human" in text
    assert f"<!subteam^{SUPPORT_GROUP}>" in text
    assert "For admins" not in text and "Questions today" not in text

    [admin] = published_to(bot, ADMIN)
    text = text_of(admin)
    assert "For admins" in text and "710 tickets indexed" in text
    assert "*Questions today*\n1" in text and "0 queued, 0 running" in text
    assert "*Hand-over rate today*\n0% (0 of 1 conversations)" in text
    assert "*Active model*\n" in text


def test_the_fake_views_publish_checks_its_arguments():
    from tests.fake_slack import FakeSlack

    fake = FakeSlack()
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    assert fake.handle("views.publish", {"user_id": "U1", "view": json.dumps(home)})["ok"]
    for args in (
        {"view": home},
        {"user_id": "C1", "view": home},
        {"user_id": "U1", "view": {"type": "modal", "blocks": home["blocks"]}},
        {"user_id": "U1", "view": {"type": "home", "blocks": []}},
        {"user_id": "U1", "view": "{not json"},
    ):
        assert fake.handle("views.publish", args)["ok"] is False, args
