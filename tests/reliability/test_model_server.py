"""Audit findings 3 and 7 on the model server: an 8 MB prompt, and server paths in /v1/models."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest


def test_an_8_mb_prompt_is_refused_without_being_tokenized_and_health_stays_up(model_server):
    """Audit: a text prompt just under 8 MB was tokenized on the event loop for ~19 s (every
    request and /health waited), then refused. Now its length in characters alone refuses it."""
    prompt = "my parcel has not arrived " * (8 * 1024 * 1024 // 27)
    chat = {"messages": [{"role": "user", "content": prompt}]}
    with httpx.Client(base_url=model_server.base_url, timeout=120) as http, ThreadPoolExecutor(6) as pool:
        big = [pool.submit(http.post, "/completions", json={"model": "supportbot", "prompt": prompt})]
        big += [pool.submit(http.post, "/chat/completions", json={"model": "supportbot", **chat})]
        health = [pool.submit(httpx.get, f"{model_server.url}/health", timeout=120) for _ in range(3)]
        for future in big:
            response = future.result()
            assert response.status_code == 400, response.text[:200]
            error = response.json()["error"]
            # Refused on its characters: the tokenizer never ran (it would report tokens).
            assert error["code"] == "context_length_exceeded" and "characters" in error["message"]
        assert [f.result().status_code for f in health] == [200, 200, 200]
    # A prompt over the window but under the character bound is still tokenized and refused
    # with its token count, as before.
    client = openai.OpenAI(base_url=model_server.base_url, api_key="unused")
    with pytest.raises(openai.BadRequestError, match="tokens"):
        client.completions.create(model="supportbot", prompt="parcel " * 2000, max_tokens=4)


def test_models_list_shows_no_server_paths(model_server):
    """Audit: /v1/models showed absolute paths of the server's files."""
    cards = httpx.get(f"{model_server.base_url}/models").json()["data"]
    assert cards
    for card in cards:
        for value in (card.get("id"), card.get("root"), card.get("parent")):
            assert value is None or "/" not in value, card
