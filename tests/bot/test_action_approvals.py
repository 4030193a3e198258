"""Approvals the right people see, requests that expire, and values that cannot speak Slack: signed
Slack requests to the real bot against the fake Slack, a real order service on 127.0.0.1 (the
admin's allow-private switch on), and the real database.

- An irreversible action, where a support channel is set, is put to the support team there (what
  will be done, the customer, a link to their thread, Approve / Cancel); only its members and the
  admins may decide, only on that message; the result is said there and to the customer.
- A pending call older than SUPPORTBOT_ACTIONS_APPROVAL_TTL_HOURS is cancelled as expired on Approve.
- A service's values, and the customer's in a write's description, are escaped for Slack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from supportbot.bot.blocks import approval_block
from supportbot.bot.support_team import SupportTeam
from supportbot.core.db import transaction
from supportbot.core.enums import ActionState, Outcome
from supportbot.core.models import ActionCall, AuditEntry, utcnow
from supportbot.usecases.action_calls import EXPIRED
from tests.order_service import OrderService, running_order_service
from tests.slack_world import ADMIN, SUPPORT_GROUP, wait_until

SUPPORT, DM, CUSTOMER = "C0SUPPORT", "D0CUSTOMER", "UCUSTOMER"
AGENT, STRANGER = "U0AGENT", "U0STRANGER"

ACTIONS = r"""
[[actions]]
name = "order_status"
description = "Where an order is."
risk = "read"
url = "BASE/orders/{order_id}"
examples = ["where is my order"]
answer = "Order {order_id} is {status}, expected {eta}."
allow_private = true
params.order_id = { pattern = "\\b(\\d{4,8})\\b", type = "integer", ask = "What is your order number?" }

[[actions]]
name = "cancel_order"
description = "Cancel an order."
risk = "write"
method = "POST"
url = "BASE/orders/{order_id}/cancel"
examples = ["cancel my order"]
confirm = "cancel order {order_id}."
answer = "Done: order {order_id} is {status}."
allow_private = true
params.order_id = { pattern = "\\b(\\d{4,8})\\b", type = "integer" }

[[actions]]
name = "gift_note"
description = "Put a gift note in an order."
risk = "write"
method = "POST"
url = "BASE/orders/{order_id}/note"
examples = ["add a gift note"]
confirm = "put the note \"{note}\" in order {order_id}."
answer = "The note is in order {order_id}."
allow_private = true
params.order_id = { pattern = "\\b(\\d{4,8})\\b", type = "integer" }
params.note = { pattern = "(?:note: )?(<.+)$" }  # what follows "note: " (from its first "<")

[[actions]]
name = "delete_account"
description = "Delete the customer's account for good."
risk = "irreversible"
method = "POST"
url = "BASE/orders/0000/close"
examples = ["delete my account", "close my account"]
confirm = "delete your account and everything in it."
answer = "Your account is {status}."
allow_private = true
params.user = { from = "user" }
"""


@pytest.fixture
def orders() -> Iterator[OrderService]:
    with running_order_service() as service:
        yield service


@pytest.fixture
def action_bot(bot_factory, orders, tmp_path):
    def start(**overrides):
        path = tmp_path / "actions.toml"
        path.write_text(ACTIONS.replace("BASE", orders.url))
        return bot_factory(actions_file=path, actions_allow_private=True, **overrides)

    return start


@pytest.fixture
def desk(action_bot):
    """A bot with a support channel, and a support group that has one agent in it."""
    bot = action_bot(support_channel=SUPPORT)
    bot.fake.usergroups[SUPPORT_GROUP] = [AGENT]
    return bot


def dm(bot, text: str):
    event, response = bot.dm(text, channel=DM, user=CUSTOMER)
    assert response.status_code == 200
    return event, bot.wait_reply(DM, event["ts"])


def has_approval(message: dict) -> bool:
    return any(b.get("block_id") == "action_approval" for b in message.get("blocks") or [])


def texts(bot, channel: str, thread_ts: str) -> list[str]:
    return [m.get("text") or "" for m in bot.fake.thread_messages(channel, thread_ts)]


def approval_request(bot, *, after: str = "0") -> dict:
    """The newest approval request posted (top level) in the support channel after ``after``,
    once it is noted on its call (its buttons count from then on)."""

    def found():
        return next(
            (
                m
                for (channel, ts), m in sorted(bot.fake.messages.items(), reverse=True)
                if channel == SUPPORT and ts > after and not m.get("thread_ts") and has_approval(m)
            ),
            None,
        )

    def noted(ts: str) -> bool:
        with bot.sessions() as s:
            return s.scalar(select(ActionCall.id).where(ActionCall.approval_ts == ts)) is not None

    assert bot.fake.wait_for(lambda: found() is not None and noted(found()["ts"]), timeout=10)
    return found()


def the_call(bot, conversation_id: int) -> ActionCall:
    with bot.sessions() as s:
        [call] = s.scalars(select(ActionCall).where(ActionCall.conversation_id == conversation_id))
        s.expunge_all()
        return call


def audit(bot, conversation_id: int) -> list[tuple[str, str]]:
    with bot.sessions() as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.conversation_id == conversation_id).order_by(AuditEntry.id)
        )
        return [(e.actor, e.action) for e in rows]


def refusals(bot) -> list[tuple[str, str]]:
    return [(c.args["user"], c.args["text"]) for c in bot.fake.calls_to("chat.postEphemeral")]


def test_an_irreversible_action_is_approved_by_the_support_team_in_the_support_channel(desk, orders):
    event, reply = dm(desk, "Please delete my account")
    thread = event["ts"]
    assert "a member of our support team has to approve it" in reply.text
    assert not has_approval(desk.slack_message(DM, reply.slack_ts))  # no buttons for the customer

    # The request: what will be done, for whom, and a link to the customer's thread.
    request = approval_request(desk)
    shown = request["text"] + json.dumps(request["blocks"])
    link = f"https://fake.slack/archives/{DM}/p{thread.replace('.', '')}"
    for expected in ("delete your account and everything in it.", f"<@{CUSTOMER}>", link, SUPPORT_GROUP):
        assert expected in shown
    call = the_call(desk, reply.conversation_id)
    assert (call.state, call.approval_channel, call.approval_ts) == (
        ActionState.pending,
        SUPPORT,
        request["ts"],
    )

    # Not the team's: the customer and a stranger are refused, told only them.
    for user in (CUSTOMER, STRANGER):
        desk.click("action_approve", reply_ts=request["ts"], channel=SUPPORT, user=user)
    assert desk.fake.wait_for(lambda: len(refusals(desk)) == 2, timeout=10)
    assert {text for _, text in refusals(desk)} == {"Only the support team (or an admin) can approve this."}
    # Not its message: an admin's click on buttons forged under the customer's reply is refused.
    desk.slack_message(DM, reply.slack_ts)["blocks"].append(approval_block(call.id))
    desk.click("action_approve", reply_ts=reply.slack_ts, channel=DM, user=ADMIN)
    assert orders.seen() == []

    # The support group's member approves: run once, said in the request's thread and to the customer.
    desk.click("action_approve", reply_ts=request["ts"], channel=SUPPORT, user=AGENT)
    done = "Your account is cancelled."
    assert desk.fake.wait_for(lambda: done in texts(desk, DM, thread), timeout=15)
    assert desk.fake.wait_for(lambda: done in texts(desk, SUPPORT, request["ts"]), timeout=10)
    assert orders.seen() == [("POST", "/orders/0000/close")]
    assert orders.requests[0]["body"] == {"user": CUSTOMER}
    updated = desk.slack_message(SUPPORT, request["ts"])
    assert not has_approval(updated) and f"Approved by <@{AGENT}>" in json.dumps(updated["blocks"])
    call = the_call(desk, reply.conversation_id)
    assert (call.state, call.decided_by) == (ActionState.done, AGENT)
    entries = audit(desk, reply.conversation_id)
    assert (CUSTOMER, "action.refused") in entries and (STRANGER, "action.refused") in entries
    assert (AGENT, "action.approved") in entries and (AGENT, "action.run") in entries
    assert not [e for e in entries if e[0] == ADMIN]  # the forged click changed nothing, nor was run
    assert texts(desk, DM, thread).count(done) == 1

    # Cancelled by the team: nothing is called, and both places are told.
    event, reply = dm(desk, "Please close my account")
    second = approval_request(desk, after=request["ts"])
    desk.click("action_cancel", reply_ts=second["ts"], channel=SUPPORT, user=AGENT)
    cancelled = "Cancelled: nothing was done."
    assert desk.fake.wait_for(lambda: cancelled in texts(desk, DM, event["ts"]), timeout=10)
    assert cancelled in texts(desk, SUPPORT, second["ts"])
    assert the_call(desk, reply.conversation_id).state is ActionState.cancelled
    assert orders.seen() == [("POST", "/orders/0000/close")]


def test_without_a_support_channel_the_admin_approves_in_the_thread_as_before(action_bot, orders):
    bot = action_bot()
    event, reply = dm(bot, "Please delete my account")
    assert has_approval(bot.slack_message(DM, reply.slack_ts))
    assert not [m for (channel, _), m in bot.fake.messages.items() if channel == SUPPORT]
    bot.click("action_approve", reply_ts=reply.slack_ts, channel=DM, user=ADMIN)
    assert bot.fake.wait_for(lambda: "Your account is cancelled." in texts(bot, DM, event["ts"]), timeout=10)


def test_no_support_group_means_only_admins_approve_what_cannot_be_undone():
    team = SupportTeam(None, group=None, admins=[ADMIN])
    assert team.may_approve(ADMIN) and not team.may_approve(STRANGER)
    assert team.may_act(STRANGER)  # the hand-over's steps stay open, as they were


def age(bot, conversation_id: int, *, hours: float) -> None:
    with transaction(bot.sessions) as s:
        s.execute(
            update(ActionCall)
            .where(ActionCall.conversation_id == conversation_id)
            .values(created_at=utcnow() - timedelta(hours=hours))
        )


def test_a_request_older_than_the_ttl_expires_on_approve_and_runs_nothing(action_bot, orders):
    bot = action_bot()
    event, reply = dm(bot, "Please cancel my order 4411")
    age(bot, reply.conversation_id, hours=25)  # the default: 24 h
    bot.click("action_approve", reply_ts=reply.slack_ts, channel=DM)
    assert bot.fake.wait_for(lambda: EXPIRED in texts(bot, DM, event["ts"]), timeout=10)
    assert "ask again" in EXPIRED
    assert wait_until(lambda: (CUSTOMER, "action.expired") in audit(bot, reply.conversation_id), timeout=10)
    call = the_call(bot, reply.conversation_id)
    assert (call.state, call.decided_by) == (ActionState.cancelled, None)
    assert call.error == "expired: not approved within 24 h"
    shown = bot.slack_message(DM, reply.slack_ts)
    assert not has_approval(shown) and "Expired" in json.dumps(shown["blocks"])
    assert orders.seen() == []


def test_the_ttl_is_a_setting_and_an_expired_request_is_said_in_both_places(desk_ttl, orders):
    bot = desk_ttl
    event, reply = dm(bot, "Please delete my account")
    request = approval_request(bot)
    age(bot, reply.conversation_id, hours=2)
    bot.click("action_approve", reply_ts=request["ts"], channel=SUPPORT, user=AGENT)
    assert bot.fake.wait_for(lambda: EXPIRED in texts(bot, DM, event["ts"]), timeout=10)
    assert EXPIRED in texts(bot, SUPPORT, request["ts"])
    assert the_call(bot, reply.conversation_id).error == "expired: not approved within 1 h"
    assert orders.seen() == []


@pytest.fixture
def desk_ttl(action_bot):
    bot = action_bot(support_channel=SUPPORT, actions_approval_ttl_hours=1)
    bot.fake.usergroups[SUPPORT_GROUP] = [AGENT]
    return bot


def test_a_services_values_cannot_ping_or_link(action_bot, orders):
    bot = action_bot()
    _event, reply = dm(bot, "where is my order 6666?")
    assert reply.outcome == Outcome.action.value
    assert reply.text == (
        "Order 6666 is &lt;!channel&gt; shipped &amp; &lt;http://evil.example|click here&gt;, "
        "expected &lt;@UADMIN01&gt;."
    )
    shown = bot.slack_message(DM, reply.slack_ts)
    for control in ("<!channel>", "<http://evil.example", "<@UADMIN01>"):
        assert control not in shown["text"] and control not in json.dumps(shown["blocks"])


def test_a_customers_values_in_a_writes_description_are_escaped(action_bot, orders):
    bot = action_bot()
    # Slack sends an @channel typed by the customer as <!channel>, a link as <url|label>.
    _event, reply = dm(
        bot, "add a gift note to order 4411 note: <!channel> see <http://evil.example|this> & more"
    )
    assert (
        'put the note "&lt;!channel&gt; see &lt;http://evil.example|this&gt; &amp; more" in order 4411.'
        in (reply.text)
    )
    shown = bot.slack_message(DM, reply.slack_ts)
    assert "<!channel>" not in shown["text"] and "<!channel>" not in json.dumps(shown["blocks"])
    assert orders.seen() == []
