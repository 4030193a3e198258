"""The actions file read and checked, the phrase matcher, parameters from the customer's own words,
and the host rules — the pure parts of the actions (tests/bot/test_actions.py runs them for real)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from supportbot.core.actions_config import load_actions, parse_actions, render, template_fields
from supportbot.core.errors import ConfigError
from supportbot.usecases.action_http import Refused, check_target, request_of
from supportbot.usecases.action_match import find_params, match_action

ROOT = Path(__file__).resolve().parents[2]
ENV = {"ORDERS_API_TOKEN": "s3cret"}


def catalogue():
    return load_actions(ROOT / "actions.example.toml", env=ENV)


def one(**change):
    action = {
        "name": "order_status",
        "description": "Where an order is.",
        "risk": "read",
        "url": "https://orders.example.com/orders/{order_id}",
        "examples": ["where is my order"],
        "answer": "Order {order_id} is {status}.",
        "params": {"order_id": {"pattern": r"\b\d{4,8}\b"}},
    }
    return {"actions": [{k: v for k, v in (action | change).items() if v is not None}]}


def test_the_example_file_declares_a_read_and_a_write():
    actions = catalogue().actions
    assert [(a.name, a.risk.value, a.method) for a in actions] == [
        ("order_status", "read", "GET"),
        ("cancel_order", "write", "POST"),
    ]
    assert actions[0].secret is not None and actions[0].secret.value == "s3cret"
    assert "s3cret" not in repr(actions[0])  # a secret is never printed


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"risk": "dangerous"}, "dangerous"),
        ({"url": "https://{host}.example.com/orders/{order_id}"}, "not in its host"),
        ({"url": "https://orders.example.com/orders/{number}"}, "names no parameter number"),
        ({"url": "ftp://orders.example.com/{order_id}"}, "http(s) URL"),
        ({"answer": "Order {order_id.__class__}"}, "not a plain field name"),
        ({"examples": []}, "examples"),
        ({"params": {"order_id": {}}}, "a `pattern` is needed"),
        ({"params": {"order_id": {"pattern": "("}}}, "missing"),
        ({"timeout_s": 600}, "timeout_s"),
        ({"secret": {"header": "Authorization", "env": "NOT_SET_ANYWHERE"}}, "NOT_SET_ANYWHERE"),
        ({"sercet": {"header": "X"}}, "unknown key(s) sercet"),
    ],
)
def test_a_wrong_file_fails_with_one_line_naming_the_action(change, problem):
    with pytest.raises(ConfigError) as caught:
        parse_actions(one(**change), env=ENV)
    message = str(caught.value)
    assert "order_status" in message and problem in message and "\n" not in message


def test_templates_take_plain_names_and_never_fill_a_missing_field():
    assert template_fields("Order {order_id} is {status}.") == ["order_id", "status"]
    assert render("Order {order_id} is {status}.", {"order_id": 4411, "status": "shipped"}) == (
        "Order 4411 is shipped."
    )
    for result in ({"order_id": 4411}, {"order_id": 4411, "status": None}, {"status": {"a": 1}}):
        with pytest.raises(KeyError):
            render("Order {order_id} is {status}.", result)


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("where is my order 4411?", "order_status"),
        ("Where's my order??", "order_status"),
        ("Hi, can you track my packages please", "order_status"),
        ("I'd like to cancel my order 4411", "cancel_order"),
        ("Where is my refund?", None),
        ("How do I reset my password?", None),
        ("my order arrived damaged", None),
    ],
)
def test_the_matcher_needs_every_word_of_an_example(text, action):
    found = match_action(catalogue(), text)
    assert (found.name if found else None) == action


def test_parameters_come_from_the_customers_own_turns_newest_first():
    action = catalogue().get("cancel_order")
    assert action is not None
    found = find_params(action, turns=["it is 4412 actually", "cancel order 4411"], user="U0CUST")
    assert found.values == {"order_id": 4412, "requested_by": "U0CUST"} and not found.missing
    missing = find_params(action, turns=["cancel my order please"], user="U0CUST")
    assert [p.name for p in missing.missing] == ["order_id"] and "order_id" not in missing.values
    # A model's proposal counts only where the customer wrote it.
    both = ["cancel 4411 or 4412"]
    assert find_params(action, turns=both, user="U", suggested={"order_id": 4412}).values["order_id"] == 4412
    assert find_params(action, turns=both, user="U", suggested={"order_id": 5522}).values["order_id"] == 4411
    # A redacted value is no value.
    email = parse_actions(
        one(params={"email": {"pattern": r"\S+@\S+|\[EMAIL\]"}}, url="https://x.example.com/o"), env=ENV
    ).actions[0]
    assert find_params(email, turns=["mail it to [EMAIL]"], user=None).missing


def addresses(*found):
    return lambda host, port: list(found)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "shared or special-purpose"),
        ("0.0.0.0", "unspecified"),
    ],
)
def test_hosts_that_resolve_to_a_non_public_address_are_refused(address, kind):
    with pytest.raises(Refused, match=re.escape(f"resolves to {address}, not a public address ({kind})")):
        check_target("https://orders.example.com/x", allow_private=False, resolver=addresses(address))
    # One bad address among good ones is enough to refuse.
    with pytest.raises(Refused):
        check_target(
            "https://x.example.com/", allow_private=False, resolver=addresses("93.184.216.34", address)
        )
    check_target("https://orders.example.com/x", allow_private=True, resolver=addresses(address))


def test_https_only_unless_allowed_and_public_hosts_pass():
    check_target("https://orders.example.com/x", allow_private=False, resolver=addresses("93.184.216.34"))
    with pytest.raises(Refused, match="http:// is not HTTPS"):
        check_target("http://orders.example.com/x", allow_private=False, resolver=addresses("93.184.216.34"))
    check_target("http://127.0.0.1:8080/x", allow_private=True, resolver=addresses())


def test_parameters_go_quoted_into_the_url_and_the_rest_into_the_query_or_body():
    actions = catalogue()
    status, cancel = actions.get("order_status"), actions.get("cancel_order")
    assert status is not None and cancel is not None
    url, options = request_of(status, {"order_id": "44/11?x"})
    assert url == "https://orders.example.com/api/orders/44%2F11%3Fx" and "params" not in options
    assert options["headers"]["Authorization"] == "Bearer s3cret"
    url, options = request_of(cancel, {"order_id": 4411, "requested_by": "U0CUST"})
    assert url.endswith("/orders/4411/cancel") and options["json"] == {"requested_by": "U0CUST"}
