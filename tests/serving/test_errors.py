"""Every error is OpenAI-shaped with the right status; bad input is never a 5xx."""

from __future__ import annotations

import logging

import httpx
import openai
import pytest

GOOD_CHAT = {"model": "supportbot", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
GOOD_COMPLETION = {"model": "supportbot", "prompt": "hi", "max_tokens": 2}


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/completions"])
@pytest.mark.parametrize(
    "body", [b"{not json", b"", b"\xff\xfe{}", b"[1, 2]", b'"text"', b"null", b"[" * 5000]
)
def test_malformed_json_is_400(http, path, body):
    error = error_of(http.post(path, content=body, headers={"Content-Type": "application/json"}), 400)
    assert error["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"max_tokens": "5"}, "max_tokens"),
        ({"max_tokens": True}, "max_tokens"),
        ({"max_tokens": -1}, "max_tokens"),
        ({"temperature": "hot"}, "temperature"),
        ({"temperature": 2.5}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"n": 0}, "n"),
        ({"n": 129}, "n"),
        ({"seed": 2**70}, "seed"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"stop": 3}, "stop"),
        ({"stream": "yes"}, "stream"),
        ({"messages": "hi"}, "messages"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "messages.0.role"),
        ({"messages": [{"content": "hi"}]}, "messages.0.role"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages.0.content"),
        ({"top_logprobs": 21, "logprobs": True}, "top_logprobs"),
        ({"model": 7}, "model"),
    ],
)
def test_wrong_chat_fields_are_400_naming_the_parameter(http, change, param):
    error = error_of(http.post("/v1/chat/completions", json={**GOOD_CHAT, **change}), 400)
    assert error["param"] == param


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"prompt": 5}, "prompt"),
        ({"prompt": [1, "a"]}, "prompt"),
        ({"logprobs": 6}, "logprobs"),
        ({"logprobs": True}, "logprobs"),
        ({"max_tokens": 1.5}, "max_tokens"),
        ({"best_of": 99}, "best_of"),
    ],
)
def test_wrong_completion_fields_are_400(http, change, param):
    error = error_of(http.post("/v1/completions", json={**GOOD_COMPLETION, **change}), 400)
    assert error["param"] == param


def test_missing_required_fields(http):
    error = error_of(http.post("/v1/chat/completions", json={"model": "supportbot"}), 400)
    assert error["param"] == "messages" and error["code"] == "missing_required_parameter"
    error = error_of(http.post("/v1/completions", json={"prompt": "hi"}), 400)
    assert error["param"] == "model"
    error = error_of(http.post("/v1/completions", json={"model": "supportbot", "prompt": None}), 400)
    assert error["param"] == "prompt"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**GOOD_CHAT, "messages": []}, "empty_array"),
        ({**GOOD_CHAT, "messages": [{"role": "tool", "content": "x"}]}, "missing_tool_call_id"),
        ({**GOOD_CHAT, "messages": [{"role": "function", "name": "f", "content": "x"}]}, "unsupported_role"),
        ({**GOOD_CHAT, "messages": [{"role": "user", "content": None}]}, "missing_content"),
        (
            {
                **GOOD_CHAT,
                "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}],
            },
            "unsupported_content",
        ),
        ({**GOOD_CHAT, "top_logprobs": 2}, None),
    ],
)
def test_unusable_chat_requests(http, body, code):
    error = error_of(http.post("/v1/chat/completions", json=body), 400)
    if code:
        assert error["code"] == code


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"prompt": ""}, "empty_prompt"),
        ({"prompt": []}, "empty_array"),
        ({"prompt": [[]]}, "empty_prompt"),
        ({"prompt": [10**9]}, "invalid_token"),
        ({"prompt": [-1]}, "invalid_token"),
        ({"echo": True, "logprobs": 1}, "unsupported"),
        ({"prompt": ["a"] * 20, "n": 20}, None),
    ],
)
def test_unusable_completion_requests(http, change, code):
    error = error_of(http.post("/v1/completions", json={**GOOD_COMPLETION, **change}), 400)
    if code:
        assert error["code"] == code


def test_prompt_longer_than_the_context_window(client, engine):
    long_text = "refund " * 400
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="supportbot", messages=[{"role": "user", "content": long_text}])
    assert err.value.body["code"] == "context_length_exceeded"
    assert f"maximum context length is {engine.context_window} tokens" in err.value.message
    with pytest.raises(openai.BadRequestError) as err:
        client.completions.create(model="supportbot", prompt=long_text)
    prompt_tokens = len(engine.tokenizer.encode(long_text))
    assert f"the prompt has {prompt_tokens} tokens" in err.value.message


def test_unknown_model_is_404(client):
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "hi"}])
    assert err.value.body["code"] == "model_not_found"
    assert "gpt-9" in err.value.message
    with pytest.raises(openai.NotFoundError):
        client.completions.create(model="gpt-9", prompt="hi")


def test_unknown_fields_are_ignored_and_logged(http, caplog):
    with caplog.at_level(logging.INFO, logger="supportbot.serving.common"):
        r = http.post(
            "/v1/chat/completions", json={**GOOD_CHAT, "frobnicate": {"x": 1}, "presence_penalty": 0.5}
        )
    assert r.status_code == 200
    assert any("frobnicate" in rec.getMessage() for rec in caplog.records)


def test_unknown_routes_and_methods(http):
    error_of(http.get("/v1/nothing"), 404)
    error_of(http.get("/v1/chat/completions"), 405)


def test_too_large_body_is_413(http):
    error_of(http.post("/v1/completions", content=b"x" * (9 * 1024 * 1024)), 413)


def test_the_server_still_answers(client):
    r = client.chat.completions.create(**GOOD_CHAT)
    assert r.choices[0].finish_reason in {"stop", "length"}


def test_api_key(engine):
    from supportbot.serving.embedded import EmbeddedServer

    with EmbeddedServer(engine=engine, api_key="s3cret") as srv:
        for key in ("wrong", None):
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            error = error_of(
                httpx.post(f"{srv.base_url}/chat/completions", json=GOOD_CHAT, headers=headers), 401
            )
            assert error["code"] == "invalid_api_key"
            error_of(httpx.get(f"{srv.base_url}/models", headers=headers), 401)
        with (
            openai.OpenAI(base_url=srv.base_url, api_key="wrong", max_retries=0) as bad,
            pytest.raises(openai.AuthenticationError),
        ):
            bad.completions.create(**GOOD_COMPLETION)
        with openai.OpenAI(base_url=srv.base_url, api_key="s3cret", max_retries=0) as good:
            assert good.completions.create(**GOOD_COMPLETION).choices
        # Operations stay open: probes and scrapers carry no key.
        assert httpx.get(f"{srv.url}/health").status_code == 200
        assert httpx.get(f"{srv.url}/metrics").status_code == 200


def test_every_route_but_health_and_metrics_needs_its_key(engine):
    """The keys are checked by the routers, not by each route: a new route cannot forget them."""
    from fastapi.testclient import TestClient

    from supportbot.serving.app import create_app

    app = create_app(engine, api_key="s3cret", admin_token="admin-s3cret")
    routes = app.openapi()["paths"]  # every route of the app, with its methods
    assert {"/v1/completions", "/admin/adapters/{name}", "/health"} <= set(routes)
    open_paths = set()
    with TestClient(app) as c:
        for path, methods in routes.items():
            for method in methods:
                if c.request(method, path.replace("{name}", "x")).status_code != 401:
                    open_paths.add(path)
    assert open_paths == {"/health", "/metrics"}
