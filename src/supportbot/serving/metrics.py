"""What /metrics shows, kept with ``prometheus_client`` in a registry of the server's own.

Each :class:`ServerMetrics` has its own ``CollectorRegistry`` rather than the process-wide
default, so several servers in one process (tests, the local run) each count their own requests
and never clash over a metric name. Thread-safe: the generation loop (its own thread) and the
HTTP handlers (the event loop) both record. :meth:`ServerMetrics.exposition` gives the text
format Prometheus scrapes (``generate_latest``).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class _WithoutCreated(Collector):
    """The registry's metrics without the ``*_created`` series prometheus_client adds to every
    counter and histogram: /metrics shows the same series it always has."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        for family in self._registry.collect():  # fresh objects on every collect
            created = family.name + "_created"
            family.samples = [s for s in family.samples if s.name != created]
            yield family


class ServerMetrics:
    """Everything /metrics shows."""

    def __init__(self, prefix: str = "supportbot") -> None:
        p = prefix
        self.registry = CollectorRegistry()
        self._exposed = _WithoutCreated(self.registry)
        by_status = ("endpoint", "status")
        r = self.registry
        self.requests = Counter(
            f"{p}_requests_total",
            "HTTP requests to the API, by endpoint and status code.",
            by_status,
            registry=r,
        )
        self.errors = Counter(
            f"{p}_request_errors_total",
            "Requests answered with an error, by endpoint and status code.",
            by_status,
            registry=r,
        )
        self.prompt_tokens = Counter(
            f"{p}_prompt_tokens_total", "Prompt tokens of finished generations.", registry=r
        )
        self.completion_tokens = Counter(f"{p}_completion_tokens_total", "Tokens generated.", registry=r)
        self.aborted = Counter(
            f"{p}_aborted_sequences_total", "Sequences stopped because the client went away.", registry=r
        )
        self.generation_failures = Counter(
            f"{p}_generation_failures_total", "Requests failed inside the generation loop.", registry=r
        )
        self.ttft = Histogram(
            f"{p}_time_to_first_token_seconds",
            "From the request's arrival to its first token.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.latency = Histogram(
            f"{p}_request_latency_seconds",
            "Whole request, arrival to last byte.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(f"{p}_queue_depth", "Sequences waiting to join the batch.", registry=r)
        self.running = Gauge(f"{p}_running_sequences", "Sequences in the running batch.", registry=r)
        self.batch_size = Histogram(
            f"{p}_batch_size",
            "Sequences per forward pass of the generation loop.",
            buckets=BATCH_BUCKETS,
            registry=r,
        )

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        """One series' current value (0 when it has none yet), e.g. ``supportbot_aborted_sequences_total``."""
        return self.registry.get_sample_value(name, labels) or 0.0

    def exposition(self) -> bytes:
        """The Prometheus text format (served as ``prometheus_client.CONTENT_TYPE_LATEST``)."""
        return generate_latest(self._exposed)
