"""The review app in a real uvicorn server on a background thread (tests, benchmarks, local runs)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from supportbot.core.webserver import BackgroundServer


class ReviewServer(BackgroundServer):
    def __init__(self, app: FastAPI, **kwargs: Any) -> None:
        kwargs.setdefault("name", "review")
        super().__init__(app, **kwargs)
