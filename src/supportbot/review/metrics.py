"""The review app's Prometheus metrics: requests and their latency by route, failed logins.

Each app has a registry of its own (several apps in one process, as in the tests, never mix
their numbers). Routes are labelled by their template (``/conversations/{conversation_id}``),
never by the path asked for, so a scan of made-up URLs cannot grow the label set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

UNMATCHED = "unmatched"  # the route label of a path no route serves
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ReviewMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "review_requests",
            "Requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "review_request_duration_seconds",
            "Time to the last byte of the response, by method, route template and status.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.failed_logins = Counter(
            "review_login_failures",
            "Login attempts refused: wrong name or password, throttled, or an expired login form.",
            ["reason"],
            registry=self.registry,
        )
        self._templates: list[tuple[re.Pattern[str], str]] = []

    def know_routes(self, routes: Iterable[BaseRoute]) -> None:
        """The app's routes, to name requests that a middleware answered before routing."""
        self._templates = [(route.path_regex, route.path) for route in _routes(routes)]

    def route_of(self, scope: Scope) -> str:
        route = scope.get("route")
        if isinstance(route, Route):
            return route.path
        path = scope.get("path", "")
        if path.startswith("/static/"):
            return "/static"
        return next((template for regex, template in self._templates if regex.match(path)), UNMATCHED)

    def exposition(self) -> tuple[bytes, str]:
        """The text format and its content type, for ``/metrics``."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _routes(routes: Iterable[Any]) -> Iterable[Route]:
    for route in routes:
        if isinstance(route, Route):
            yield route
        elif hasattr(route, "original_router"):  # newer FastAPI keeps included routers nested
            yield from _routes(route.original_router.routes)


def record_request(metrics: ReviewMetrics) -> Callable[[Scope, int, float], None]:
    """What the review app counts of a request (for core.asgi_metrics.MeasureRequests)."""

    def record(scope: Scope, status: int, seconds: float) -> None:
        labels = (scope["method"], metrics.route_of(scope), str(status))
        metrics.requests.labels(*labels).inc()
        metrics.latency.labels(*labels).observe(seconds)

    return record
