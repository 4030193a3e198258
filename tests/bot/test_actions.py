"""The team's declared actions, end to end: signed Slack requests to the real bot (the one
pipeline, the real database), a real order service over HTTP on 127.0.0.1 that records every
request it gets, and Approve / Cancel clicked as Slack sends them. The service is on loopback, so
these bots turn the admin's allow-private switch on — except where the test is that it is off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from supportbot.core.enums import ActionState, HandoverState, Outcome
from supportbot.core.models import ActionCall, AuditEntry, Conversation, Message
from supportbot.usecases.action_calls import FAILED
from tests.order_service import OrderService, running_order_service
from tests.slack_world import ADMIN, wait_until

TOKEN = "orders-token-0123"


@pytest.fixture
def orders() -> Iterator[OrderService]:
    with running_order_service() as service:
        yield service


def actions_file(tmp_path: Path, base: str, *, allow_private: bool = True) -> Path:
    """The actions of these tests, calling ``base``; ``allow_private``: each action's own flag."""
    private = "true" if allow_private else "false"
    path = tmp_path / "actions.toml"
    path.write_text(
        f"""
[[actions]]
name = "order_status"
description = "Where an order is."
risk = "read"
url = "{base}/orders/{{order_id}}"
examples = ["where is my order", "track my package"]
answer = "Order {{order_id}} is {{status}}, expected {{eta}}."
timeout_s = 0.5
allow_private = {private}
secret = {{ header = "Authorization", env = "ORDERS_TOKEN", prefix = "Bearer " }}
params.order_id = {{ pattern = "\\\\b(\\\\d{{4,8}})\\\\b", type = "integer", ask = "What is your order number?" }}

[[actions]]
name = "cancel_order"
description = "Cancel an order."
risk = "write"
method = "POST"
url = "{base}/orders/{{order_id}}/cancel"
examples = ["cancel my order"]
confirm = "cancel order {{order_id}}."
answer = "Done: order {{order_id}} is {{status}}."
allow_private = {private}
params.order_id = {{ pattern = "\\\\b(\\\\d{{4,8}})\\\\b", type = "integer" }}

[[actions]]
name = "resend_receipt"
description = "Send an order's receipt to an address."
risk = "write"
method = "POST"
url = "{base}/orders/{{order_id}}/receipt"
examples = ["resend receipt", "send receipt"]
confirm = "send the receipt of order {{order_id}} to {{email}}."
answer = "Sent: the receipt of order {{order_id}} is on its way."
allow_private = {private}
params.order_id = {{ pattern = "\\\\b(\\\\d{{4,8}})\\\\b", type = "integer" }}
params.email = {{ pattern = "[\\\\w.+-]+@[\\\\w-]+(?:\\\\.[\\\\w-]+)+" }}

[[actions]]
name = "delete_account"
description = "Delete the customer's account for good."
risk = "irreversible"
method = "POST"
url = "{base}/orders/0000/close"
examples = ["delete my account", "close my account"]
confirm = "delete your account and everything in it."
answer = "Your account is {{status}}."
allow_private = {private}
params.user = {{ from = "user" }}
"""
    )
    return path


@pytest.fixture
def action_bot(bot_factory, orders, tmp_path, monkeypatch):
    """A bot with the actions above: ``allow_private`` is the admin's switch, ``flag`` each
    action's own allow_private, ``scheme`` the one their URLs use."""
    monkeypatch.setenv("ORDERS_TOKEN", TOKEN)

    def start(*, allow_private: bool = True, flag: bool = True, scheme: str = "http", **overrides: Any):
        path = actions_file(tmp_path, orders.url.replace("http", scheme, 1), allow_private=flag)
        return bot_factory(actions_file=path, actions_allow_private=allow_private, **overrides)

    return start


def dm(bot, text: str, channel: str = "D0CUSTOMER", user: str = "UCUSTOMER"):
    event, response = bot.dm(text, channel=channel, user=user)
    assert response.status_code == 200
    return event, bot.wait_reply(channel, event["ts"])


def audit(bot, conversation_id: int) -> list[AuditEntry]:
    with bot.sessions() as s:
        return list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.conversation_id == conversation_id)
                .order_by(AuditEntry.id)
            )
        )


def calls(bot, conversation_id: int) -> list[ActionCall]:
    with bot.sessions() as s:
        return list(s.scalars(select(ActionCall).where(ActionCall.conversation_id == conversation_id)))


def test_where_is_my_order_answers_from_the_service_with_one_lookup(action_bot, orders):
    bot = action_bot()
    _event, reply = dm(bot, "Hi, where is my order 4411?")
    assert reply.text == "Order 4411 is shipped, expected Friday."
    assert reply.outcome == Outcome.action.value
    assert orders.seen() == [("GET", "/orders/4411")]
    assert orders.requests[0]["auth"] == f"Bearer {TOKEN}"  # the secret, from the environment
    [entry] = [e for e in audit(bot, reply.conversation_id) if e.action == "action.run"]
    assert entry.actor == "UCUSTOMER"
    assert entry.detail["params"] == {"order_id": 4411} and entry.detail["result"] == "done"
    assert entry.detail["http_status"] == 200
    assert TOKEN not in json.dumps(entry.detail)


def test_an_order_number_the_customer_did_not_give_is_never_looked_up(action_bot, orders):
    bot = action_bot()
    # 5522 is in another customer's conversation and in an earlier thread of this customer's.
    dm(bot, "My order 5522 arrived damaged", channel="D0OTHER", user="UOTHER")
    dm(bot, "I have a question about order 5522, it arrived damaged")
    assert orders.seen() == []

    event, reply = dm(bot, "where is my order?")
    assert reply.text == "What is your order number?" and "5522" not in reply.text
    bot.wait_idle()
    assert orders.seen() == []  # asked, not guessed

    # The customer's answer in the thread continues the action: their number is looked up.
    follow, _ = bot.in_thread("It's 4411", channel="D0CUSTOMER", thread_ts=event["ts"])
    answer = bot.wait_reply("D0CUSTOMER", follow["ts"])
    assert answer.text == "Order 4411 is shipped, expected Friday."
    assert orders.seen() == [("GET", "/orders/4411")]


def approval_message(bot, channel: str, reply) -> dict:
    message = bot.slack_message(channel, reply.slack_ts)
    assert any(b.get("block_id") == "action_approval" for b in message["blocks"])
    return message


def thread_texts(bot, channel: str, thread_ts: str) -> list[str]:
    return [m.get("text") or "" for m in bot.fake.thread_messages(channel, thread_ts)]


def test_a_write_runs_only_after_approve_and_once_and_cancel_runs_nothing(action_bot, orders):
    bot = action_bot()
    event, reply = dm(bot, "Please cancel my order 4411")
    assert "cancel order 4411" in reply.text and reply.outcome == Outcome.action.value
    approval_message(bot, "D0CUSTOMER", reply)
    bot.wait_idle()
    assert orders.seen() == []  # nothing until it is approved

    # Somebody else's click is refused (told to them alone): still nothing.
    bot.click("action_approve", reply_ts=reply.slack_ts, channel="D0CUSTOMER", user="USTRANGER")
    assert bot.fake.wait_for(lambda: bool(bot.fake.calls_to("chat.postEphemeral")), timeout=10)
    assert orders.seen() == []

    # Approve, and a retried click right behind it: one POST.
    bot.click("action_approve", reply_ts=reply.slack_ts, channel="D0CUSTOMER")
    bot.click("action_approve", reply_ts=reply.slack_ts, channel="D0CUSTOMER")
    done = "Done: order 4411 is cancelled."
    assert bot.fake.wait_for(lambda: done in thread_texts(bot, "D0CUSTOMER", event["ts"]), timeout=15)
    actions = lambda: [e.action for e in audit(bot, reply.conversation_id)]  # noqa: E731
    assert wait_until(lambda: actions().count("action.click_ignored") == 1, timeout=10), actions()
    assert orders.seen() == [("POST", "/orders/4411/cancel")]
    assert sorted(actions()) == sorted(
        ["action.requested", "action.refused", "action.approved", "action.run", "action.click_ignored"]
    )
    [call] = calls(bot, reply.conversation_id)
    assert (call.state, call.decided_by, call.http_status) == (ActionState.done, "UCUSTOMER", 200)
    assert thread_texts(bot, "D0CUSTOMER", event["ts"]).count(done) == 1

    # Cancel: never called.
    event, reply = dm(bot, "cancel my order 4412 please")
    stale = list(approval_message(bot, "D0CUSTOMER", reply)["blocks"])
    bot.click("action_cancel", reply_ts=reply.slack_ts, channel="D0CUSTOMER")
    assert bot.fake.wait_for(
        lambda: "Cancelled: nothing was done." in thread_texts(bot, "D0CUSTOMER", event["ts"]), timeout=10
    )
    assert not any(
        b.get("block_id") == "action_approval"
        for b in bot.slack_message("D0CUSTOMER", reply.slack_ts)["blocks"]
    )
    # A client still showing the buttons: Approve after Cancel runs nothing.
    bot.slack_message("D0CUSTOMER", reply.slack_ts)["blocks"] = stale
    bot.click("action_approve", reply_ts=reply.slack_ts, channel="D0CUSTOMER")
    assert wait_until(lambda: "action.click_ignored" in [e.action for e in audit(bot, reply.conversation_id)])
    assert [c.state for c in calls(bot, reply.conversation_id)] == [ActionState.cancelled]
    assert orders.seen("POST") == [("POST", "/orders/4411/cancel")]


def test_an_irreversible_action_is_approved_by_an_admin_never_the_customer(action_bot, orders):
    bot = action_bot()
    event, reply = dm(bot, "Please delete my account")
    assert "support team has to approve" in reply.text
    bot.click("action_approve", reply_ts=reply.slack_ts, channel="D0CUSTOMER")  # the customer
    assert bot.fake.wait_for(
        lambda: any(
            "cannot be undone" in (c.args.get("text") or "") for c in bot.fake.calls_to("chat.postEphemeral")
        ),
        timeout=10,
    )
    assert orders.seen() == []
    bot.click("action_approve", reply_ts=reply.slack_ts, channel="D0CUSTOMER", user=ADMIN)
    assert bot.fake.wait_for(
        lambda: "Your account is cancelled." in thread_texts(bot, "D0CUSTOMER", event["ts"]), timeout=10
    )
    assert orders.seen() == [("POST", "/orders/0000/close")]
    assert orders.requests[0]["body"] == {"user": "UCUSTOMER"}  # the Slack user's identity
    [call] = calls(bot, reply.conversation_id)
    assert call.decided_by == ADMIN


def handed_over(bot, reply) -> Conversation:
    """The conversation, once the hand-over the reply ended in is recorded."""

    def state():
        with bot.sessions() as s:
            conversation = s.get(Conversation, reply.conversation_id)
            return conversation if conversation.handover is not None else None

    assert wait_until(state, timeout=10)
    return state()


def test_loopback_is_refused_unless_the_admin_allows_it_and_the_refusal_hands_over(action_bot, orders):
    bot = action_bot(allow_private=False, scheme="https")
    _event, reply = dm(bot, "where is my order 4411?")
    assert reply.outcome == Outcome.handover.value and reply.text == FAILED
    assert orders.seen() == []  # refused before any request
    conversation = handed_over(bot, reply)
    assert conversation.handover == HandoverState.waiting
    why = "Handed over: action order_status failed: refused: 127.0.0.1 is not a public address (loopback)"
    assert why in conversation.handover_summary
    [call] = calls(bot, reply.conversation_id)
    assert call.state == ActionState.failed and "loopback" in call.error


@pytest.mark.parametrize(("allow_private", "flag"), [(False, True), (True, False)])
def test_plain_http_and_private_hosts_need_both_the_switch_and_the_flag(
    action_bot, orders, allow_private, flag
):
    bot = action_bot(allow_private=allow_private, flag=flag)
    _event, reply = dm(bot, "where is my order 4411?")
    assert reply.text == FAILED and orders.seen() == []
    assert "refused: http:// is not HTTPS" in handed_over(bot, reply).handover_summary


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("5500", "the service answered HTTP 500"),
        ("7777", "the service did not answer within 0.5 s"),
        ("6600", "the service's answer is not JSON"),
        ("8800", "the service's answer has no 'eta'"),
    ],
)
def test_a_failing_service_hands_over_and_never_makes_up_a_status(action_bot, orders, number, why):
    bot = action_bot()
    _event, reply = dm(bot, f"where is my order {number}?")
    assert reply.outcome == Outcome.handover.value and reply.text == FAILED
    for status in ("shipped", "lost in transit", "unknown", "delivered"):
        assert status not in reply.text
    assert orders.seen() == [("GET", f"/orders/{number}")]
    assert f"action order_status failed: {why}" in handed_over(bot, reply).handover_summary
    [entry] = [e for e in audit(bot, reply.conversation_id) if e.action == "action.run"]
    assert entry.detail["result"] == "failed" and why in entry.detail["error"]


def test_parameters_are_redacted_in_the_audit_and_the_service_gets_the_real_value(action_bot, orders):
    from cryptography.fernet import Fernet

    bot = action_bot(originals_key=Fernet.generate_key().decode())
    email = "jane.doe@example.com"
    event, reply = dm(bot, f"Could you resend the receipt for order 4411 to {email}?")
    assert email not in reply.text and "[EMAIL]" in reply.text
    bot.click("action_approve", reply_ts=reply.slack_ts, channel="D0CUSTOMER")
    assert bot.fake.wait_for(
        lambda: any(t.startswith("Sent:") for t in thread_texts(bot, "D0CUSTOMER", event["ts"])), timeout=10
    )
    [request] = orders.requests
    assert request["path"] == "/orders/4411/receipt" and request["body"] == {"email": email}
    entries = audit(bot, reply.conversation_id)
    assert {e.action for e in entries} >= {"action.requested", "action.approved", "action.run"}
    for entry in entries:
        assert email not in json.dumps(entry.detail)
    run = next(e for e in entries if e.action == "action.run")
    assert run.detail["params"] == {"order_id": 4411, "email": "[EMAIL]"}
    [call] = calls(bot, reply.conversation_id)
    assert call.params == {"order_id": 4411, "email": "[EMAIL]"} and email not in (call.params_sealed or "")
    with bot.sessions() as s:
        texts = [
            m.text for m in s.scalars(select(Message).where(Message.conversation_id == reply.conversation_id))
        ]
    assert not any(email in text for text in texts)
