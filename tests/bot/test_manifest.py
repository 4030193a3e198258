"""slack/manifest.yml declares everything the Bolt app listens to, and every scope that needs.

What is registered is read from the app ``bot.slack_app.create_app`` builds, not from a list kept
here: each listener's Bolt matcher (its kind from the function that built it, its event type,
callback id, command or action id from the values it closes over) and the ``Assistant``
middleware. A listener added without its manifest entry fails here, not in a workspace.
"""

from __future__ import annotations

import copy
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_PATH = ROOT / "slack" / "manifest.yml"

# Bolt's "message" event is one subscription per kind of conversation: the bot answers direct
# messages and threads in public and private channels.
MESSAGE_SUBSCRIPTIONS = {"message.im", "message.channels", "message.groups"}
# The events Bolt's Assistant middleware handles (its default saves a thread's context).
ASSISTANT_EVENTS = {"assistant_thread_started", "assistant_thread_context_changed", "message.im"}
# Under Slack's newer agent_view (the Agent messaging experience, which replaces assistant_view)
# Slack sends neither thread event: a conversation is a DM (message.im), its opening an
# app_home_opened of the "messages" tab (docs.slack.dev/ai/migrating-to-agent-messaging).
ASSISTANT_THREAD_EVENTS = {"assistant_thread_started", "assistant_thread_context_changed"}

# The bot scopes each subscription needs (Slack's event reference); None: none.
EVENT_SCOPES: dict[str, set[str]] = {
    "app_mention": {"app_mentions:read"},
    "app_home_opened": set(),
    "assistant_thread_started": {"assistant:write"},
    "assistant_thread_context_changed": {"assistant:write"},
    "message.im": {"im:history"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.mpim": {"mpim:history"},
}
# The bot scopes each Web API method the code calls needs (Slack's method reference).
METHOD_SCOPES: dict[str, set[str]] = {
    "auth_test": set(),
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_delete": {"chat:write"},
    "chat_startStream": {"chat:write"},
    "chat_appendStream": {"chat:write"},
    "chat_stopStream": {"chat:write"},
    "chat_stream": {"chat:write"},
    "chat_getPermalink": set(),
    "views_publish": set(),
    "views_open": set(),
    "views_update": set(),
    "reactions_add": {"reactions:write"},
    "reactions_remove": {"reactions:write"},
    "usergroups_list": {"usergroups:read"},
    "usergroups_users_list": {"usergroups:read"},
    "users_info": {"users:read"},
    # `tickets import --slack-channel`: a channel's past threads, public and private channels alike.
    "conversations_history": {"channels:history", "groups:history"},
    "conversations_list": {"channels:read", "groups:read"},
    "conversations_replies": {"channels:history", "groups:history"},
    "assistant_threads_setStatus": {"assistant:write"},
    "assistant_threads_setSuggestedPrompts": {"assistant:write"},
    "assistant_threads_setTitle": {"assistant:write"},
}
# Bolt's listener utilities, by the name a listener calls them with.
UTILITY_SCOPES: dict[str, set[str]] = {
    "say": {"chat:write"},
    "say_stream": {"chat:write"},
    "set_status": {"assistant:write"},
    "set_suggested_prompts": {"assistant:write"},
    "set_title": {"assistant:write"},
}
# Where the Slack calls are made.
CALLERS = ["bot", "usecases", "retrieval"]


@dataclass
class Registered:
    events: set[str] = field(default_factory=set)
    commands: set[str] = field(default_factory=set)
    message_shortcuts: set[str] = field(default_factory=set)
    global_shortcuts: set[str] = field(default_factory=set)
    shortcuts: set[str] = field(default_factory=set)  # either kind (app.shortcut("id"))
    actions: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    assistant: bool = False
    unknown: list[str] = field(default_factory=list)


def _literal(value: Any, what: str, found: Registered) -> str | None:
    if isinstance(value, str):
        return value
    found.unknown.append(f"{what} {value!r} is not a plain string: the manifest cannot be checked")
    return None


def _read_matcher(func: Any, found: Registered) -> None:
    """Add what one of Bolt's built-in matchers matches (``event.<locals>.func`` closing over
    ``event_type``, and so on) to ``found``."""
    kind = func.__qualname__.split(".<locals>", 1)[0]
    values = inspect.getclosurevars(func).nonlocals
    constraints = values.get("constraints")
    if kind == "event":
        event = values.get("event_type", constraints)
        if isinstance(event, dict):
            event = event.get("type")
        if (name := _literal(event, "event type", found)) is not None:
            found.events.add(name)
    elif kind == "message_event":
        found.events.add("message")
    elif kind == "command":
        if (name := _literal(values.get("command"), "command", found)) is not None:
            found.commands.add(name)
    elif kind in ("shortcut", "message_shortcut", "global_shortcut"):
        if (name := _literal(values.get("callback_id"), "callback id", found)) is not None:
            {"shortcut": found.shortcuts, "message_shortcut": found.message_shortcuts}.get(
                kind, found.global_shortcuts
            ).add(name)
    elif kind in ("action", "block_action"):
        action_id = constraints.get("action_id") if isinstance(constraints, dict) else constraints
        if (name := _literal(action_id, "action id", found)) is not None:
            found.actions.add(name)
    elif kind in ("view", "view_submission", "view_closed"):
        found.views.add(str(values.get("callback_id", constraints)))  # needs interactivity only
    else:
        found.unknown.append(f"a listener matcher of kind {kind!r}: teach {Path(__file__).name} about it")


def registered(app: Any) -> Registered:
    """What the Bolt ``app`` listens to: its listeners' built-in matchers and its Assistant."""
    from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher
    from slack_bolt.middleware.assistant import Assistant

    found = Registered()
    for listener in app._listeners:
        # Built-in matchers say what a listener is for; custom ones (``matchers=[...]``) only
        # narrow it down further, and Bolt's own internal listeners carry none of ours.
        for matcher in listener.matchers:
            if isinstance(matcher, BuiltinListenerMatcher):
                _read_matcher(matcher.func, found)
    found.assistant = any(isinstance(m, Assistant) for m in app._middleware_list)
    return found


def subscriptions(found: Registered) -> set[str]:
    """The manifest's event subscriptions what is registered needs."""
    events = set()
    for event in found.events:
        events |= MESSAGE_SUBSCRIPTIONS if event == "message" else {event}
    if found.assistant:
        events |= ASSISTANT_EVENTS
    return events


def pane(manifest: dict[str, Any]) -> tuple[str, str | None]:
    """(which AI surface the manifest declares, its description): the agent_view or the
    assistant_view it replaces (("", None): neither)."""
    features = manifest["features"]
    if "agent_view" in features:
        return "agent_view", features["agent_view"].get("agent_description")
    if "assistant_view" in features:
        return "assistant_view", features["assistant_view"].get("assistant_description")
    return "", None


def needed_subscriptions(found: Registered, manifest: dict[str, Any]) -> set[str]:
    """The subscriptions what is registered needs, under the manifest's AI surface."""
    events = subscriptions(found)
    return events - ASSISTANT_THREAD_EVENTS if pane(manifest)[0] == "agent_view" else events


def web_api_calls() -> tuple[set[str], set[str]]:
    """(Web API methods, Bolt utilities) the application's code calls, found in its source."""
    from slack_sdk import WebClient

    methods = {n for n in dir(WebClient) if not n.startswith("_") and callable(getattr(WebClient, n))}
    method_call = re.compile(r"\.(\w+)\(")
    utility_call = re.compile(r"(?<![\w.])(" + "|".join(UTILITY_SCOPES) + r")\(")
    called, utilities = set(), set()
    for top in CALLERS:
        for path in (ROOT / "src" / "supportbot" / top).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            called |= {m for m in method_call.findall(source) if m in methods and "_" in m}
            utilities |= set(utility_call.findall(source))
    return called, utilities


@pytest.fixture
def app(tmp_path, fake_slack):
    from supportbot.bot.slack_app import create_app
    from supportbot.core.db import make_engine, session_factory
    from supportbot.core.settings import load_settings
    from supportbot.usecases.answer import Responder

    _, fake_url = fake_slack
    settings = load_settings(
        home=tmp_path / "home",
        database_url=f"sqlite:///{tmp_path / 'manifest.db'}",
        slack_bot_token="xoxb-test-token",
        slack_signing_secret="test-signing-secret-0123456789",
        slack_api_url=fake_url,
    )
    engine = make_engine(settings.db_url)
    responder = Responder(settings=settings, sessions=session_factory(engine), retriever=None, model=None)
    slack_bot = create_app(settings=settings, responder=responder)
    yield slack_bot.app
    slack_bot.stop()
    engine.dispose()


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))


def declared_action_ids() -> set[str]:
    ids = set()
    for line in MANIFEST_PATH.read_text(encoding="utf-8").splitlines():
        _, marker, listed = line.partition("# action ids:")
        if marker:
            ids |= {a.strip() for a in listed.split(",") if a.strip()}
    return ids


def test_every_listener_is_understood(app):
    found = registered(app)
    assert found.unknown == []
    # What the app is known to register today, so a reading that finds nothing cannot pass.
    assert {"app_mention", "message", "app_home_opened"} <= found.events
    assert "/supportbot" in found.commands
    assert {"feedback_up", "feedback_down", "handover"} <= found.actions


def test_the_manifest_subscribes_to_every_event_the_app_listens_to(app, manifest):
    found = registered(app)
    declared = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert needed_subscriptions(found, manifest) - declared == set()
    if "app_home_opened" in found.events:
        assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    if found.assistant or found.events & ASSISTANT_THREAD_EVENTS:
        assert pane(manifest)[1]


def test_an_agent_view_manifest_serves_the_app_too(app, manifest):
    """Slack's agent_view in place of assistant_view (renamed, its description agent_description,
    the thread events dropped): the app needs nothing else. Its DMs are answered as any DM; the
    Assistant's greeting and prompts are not sent (Slack starts no assistant threads there)."""
    variant = copy.deepcopy(manifest)
    features = variant["features"]
    old = features.pop("assistant_view")
    features["agent_view"] = {"agent_description": old["assistant_description"], "suggested_prompts": []}
    events = variant["settings"]["event_subscriptions"]["bot_events"]
    events[:] = [e for e in events if e not in ASSISTANT_THREAD_EVENTS]
    found = registered(app)
    assert needed_subscriptions(found, variant) - set(events) == set()
    assert {"message.im", "app_home_opened"} <= set(events)
    assert pane(variant) == ("agent_view", old["assistant_description"])


def test_every_command_shortcut_and_action_is_declared(app, manifest):
    found = registered(app)
    features = manifest["features"]
    assert found.commands - {c["command"] for c in features.get("slash_commands", [])} == set()
    shortcuts = features.get("shortcuts", [])
    by_type = {
        kind: {s["callback_id"] for s in shortcuts if s["type"] == kind} for kind in ("message", "global")
    }
    assert found.message_shortcuts - by_type["message"] == set()
    assert found.global_shortcuts - by_type["global"] == set()
    assert found.shortcuts - (by_type["message"] | by_type["global"]) == set()
    assert found.actions - declared_action_ids() == set()
    if found.actions or found.views or found.shortcuts | found.message_shortcuts | found.global_shortcuts:
        assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_the_manifest_has_every_scope_the_app_needs(app, manifest):
    found = registered(app)
    needed: dict[str, set[str]] = {}

    def need(scopes: set[str], why: str) -> None:
        for scope in scopes:
            needed.setdefault(scope, set()).add(why)

    unmapped = sorted(e for e in needed_subscriptions(found, manifest) if e not in EVENT_SCOPES)
    for event in needed_subscriptions(found, manifest) - set(unmapped):
        need(EVENT_SCOPES[event], f"event {event}")
    if found.commands or found.shortcuts | found.message_shortcuts | found.global_shortcuts:
        need({"commands"}, "slash commands and shortcuts")
    methods, utilities = web_api_calls()
    unmapped += sorted(m for m in methods if m not in METHOD_SCOPES)
    for method in methods & set(METHOD_SCOPES):
        need(METHOD_SCOPES[method], f"calls {method}")
    for utility in utilities:
        need(UTILITY_SCOPES[utility], f"calls {utility}()")
    assert unmapped == [], f"add the scopes these need to {Path(__file__).name}: {unmapped}"
    assert {"chat_postMessage", "chat_update", "views_publish"} <= methods  # the scan finds calls
    declared = set(manifest["oauth_config"]["scopes"]["bot"])
    missing = {scope: sorted(why) for scope, why in needed.items() if scope not in declared}
    assert missing == {}


def test_the_manifest_already_declares_what_the_rest_of_the_issue_uses(manifest):
    """The assistant pane, the message shortcut and their scopes are declared before their
    listeners exist: installing the app once is enough."""
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert ASSISTANT_EVENTS | MESSAGE_SUBSCRIPTIONS | {"app_mention", "app_home_opened"} <= events
    kind, _ = pane(manifest)
    assert manifest["features"][kind]["suggested_prompts"] == []
    [shortcut] = manifest["features"]["shortcuts"]
    assert (shortcut["callback_id"], shortcut["type"], shortcut["name"]) == (
        "ask_supportbot",
        "message",
        "Ask supportbot about this message",
    )
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"assistant:write", "chat:write", "usergroups:read", "users:read", "reactions:write"} <= scopes


def test_the_reader_sees_assistants_shortcuts_and_actions(tmp_path):
    """The reading of listeners itself, on an app registering what the rest of the issue adds."""
    from slack_bolt import App, Assistant

    bolt_app = App(token="xoxb-test", signing_secret="x" * 20, token_verification_enabled=False)
    assistant = Assistant()
    assistant.thread_started(lambda say: None)
    bolt_app.assistant(assistant)
    bolt_app.message_shortcut("ask_supportbot")(lambda ack: ack())
    bolt_app.shortcut("either_kind")(lambda ack: ack())
    bolt_app.action({"action_id": "share_answer"})(lambda ack: ack())
    bolt_app.event({"type": "message", "subtype": None})(lambda: None)
    found = registered(bolt_app)
    assert found.unknown == []
    assert found.assistant and subscriptions(found) >= ASSISTANT_EVENTS | MESSAGE_SUBSCRIPTIONS
    assert (found.message_shortcuts, found.shortcuts, found.actions) == (
        {"ask_supportbot"},
        {"either_kind"},
        {"share_answer"},
    )
