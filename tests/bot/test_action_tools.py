"""Actions chosen by a model that calls tools (SUPPORTBOT_ACTIONS_TOOLS): the tool call names the
action, but its values still come only from the customer's own words. Through the one pipeline
(as the local chat and `supportbot ask` run it), our model server with a scripted tool-calling
model (tests/serving/tool_model.py), and a real order service on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from supportbot.core.enums import Outcome
from tests.order_service import OrderService, running_order_service


@pytest.fixture
def orders() -> Iterator[OrderService]:
    with running_order_service() as service:
        yield service


@pytest.fixture(scope="module")
def tool_server(tmp_path_factory):
    """Our model server with a model that calls ``get_weather`` (tests/serving/tool_model.py): for
    Paris unprompted, and first for Paris then for Rome when Rome is mentioned."""
    from supportbot.serving.embedded import EmbeddedServer
    from tests.serving.tool_model import build_tool_model

    with EmbeddedServer(str(build_tool_model(tmp_path_factory.mktemp("tool-model"))), device="cpu") as srv:
        yield srv


def test_a_tool_call_picks_the_action_but_its_values_come_from_the_customer(
    tool_server, orders, tmp_path, sqlite_url
):
    from supportbot.core.db import make_engine, session_factory, upgrade
    from supportbot.core.settings import load_settings
    from supportbot.usecases.answer import Responder
    from supportbot.usecases.messages import Incoming
    from supportbot.usecases.model_client import ModelClient
    from supportbot.usecases.respond import Pipeline

    path = tmp_path / "weather.toml"
    path.write_text(
        f"""[[actions]]
name = "get_weather"
description = "The weather in a city."
risk = "read"
url = "{orders.url}/weather/{{city}}"
examples = ["phrases nobody uses"]
answer = "In {{city}} it is {{status}}."
allow_private = true
params.city = {{ pattern = "\\\\b(Paris|Rome|Berlin)\\\\b", ask = "Which city?" }}
"""
    )
    settings = load_settings(
        home=tmp_path / "home", database_url=sqlite_url, model_base_url=tool_server.base_url,
        actions_file=path, actions_tools=True, actions_allow_private=True, model_retries=0,
    )  # fmt: skip
    engine = make_engine(sqlite_url)
    upgrade(engine)
    responder = Responder(
        settings=settings,
        sessions=session_factory(engine),
        retriever=None,
        model=ModelClient.from_settings(settings),
    )
    pipeline = Pipeline(responder, settings)

    def say(text: str, ts: str):
        incoming = Incoming(text=text, source="local", channel="local", thread_ts=ts, user="local:u", ts=ts)
        return pipeline.run(incoming).reply

    # The model calls get_weather for Paris, but the customer named no city: asked, not called.
    assert say("What is the weather?", "1.1").text == "Which city?"
    assert orders.seen() == []
    # The model's first call says Paris; the customer wrote Rome: Rome is looked up, never Paris.
    reply = say("Is it raining in Rome?", "2.1")
    assert reply.text == "In Rome it is unknown." and reply.outcome == Outcome.action.value
    assert orders.seen() == [("GET", "/weather/Rome")]
    engine.dispose()
