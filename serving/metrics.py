"""Prometheus text exposition, written by hand: counters, gauges and histograms with labels.

Thread-safe: the generation loop (its own thread) and the HTTP handlers (the event loop) both
record. ``render()`` gives the text format version 0.0.4 that Prometheus scrapes.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Sequence

Labels = tuple[tuple[str, str], ...]

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


def _labels(labels: dict[str, str] | None) -> Labels:
    return tuple(sorted((labels or {}).items()))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _fmt_labels(labels: Labels, extra: Labels = ()) -> str:
    items = labels + extra
    if not items:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in items) + "}"


def _fmt_value(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


class _Metric:
    kind = ""

    def __init__(self, name: str, help: str) -> None:
        self.name = name
        self.help = help
        self._lock = threading.Lock()

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help: str) -> None:
        super().__init__(name, help)
        self._values: dict[Labels, float] = {}

    def inc(self, amount: float = 1.0, labels: dict[str, str] | None = None) -> None:
        key = _labels(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, labels: dict[str, str] | None = None) -> float:
        with self._lock:
            return self._values.get(_labels(labels), 0.0)

    def total(self) -> float:
        with self._lock:
            return sum(self._values.values())

    def render(self) -> list[str]:
        with self._lock:
            items = sorted(self._values.items()) or [((), 0.0)]
        return self.header() + [f"{self.name}{_fmt_labels(k)} {_fmt_value(v)}" for k, v in items]


class Gauge(_Metric):
    kind = "gauge"

    def __init__(self, name: str, help: str) -> None:
        super().__init__(name, help)
        self._value = 0.0

    def set(self, value: float) -> None:
        with self._lock:
            self._value = float(value)

    def value(self) -> float:
        with self._lock:
            return self._value

    def render(self) -> list[str]:
        return [*self.header(), f"{self.name} {_fmt_value(self.value())}"]


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, help: str, buckets: Sequence[float]) -> None:
        super().__init__(name, help)
        self.buckets = tuple(sorted(buckets))
        self._counts = [0] * (len(self.buckets) + 1)  # the last one is +Inf
        self._sum = 0.0
        self._count = 0

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self.buckets, value)
        with self._lock:
            self._counts[index] += 1
            self._sum += value
            self._count += 1

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def render(self) -> list[str]:
        with self._lock:
            counts, total, count = list(self._counts), self._sum, self._count
        lines = self.header()
        running = 0
        for bound, n in zip((*self.buckets, math.inf), counts, strict=True):
            running += n
            lines.append(f"{self.name}_bucket{_fmt_labels((), (('le', _fmt_value(bound)),))} {running}")
        lines.append(f"{self.name}_sum {_fmt_value(total)}")
        lines.append(f"{self.name}_count {count}")
        return lines


class ServerMetrics:
    """Everything /metrics shows."""

    def __init__(self, prefix: str = "supportbot") -> None:
        p = prefix
        self.requests = Counter(
            f"{p}_requests_total", "HTTP requests to the API, by endpoint and status code."
        )
        self.errors = Counter(
            f"{p}_request_errors_total", "Requests answered with an error, by endpoint and type."
        )
        self.prompt_tokens = Counter(f"{p}_prompt_tokens_total", "Prompt tokens of finished generations.")
        self.completion_tokens = Counter(f"{p}_completion_tokens_total", "Tokens generated.")
        self.aborted = Counter(
            f"{p}_aborted_sequences_total", "Sequences stopped because the client went away."
        )
        self.generation_failures = Counter(
            f"{p}_generation_failures_total", "Requests failed inside the generation loop."
        )
        self.ttft = Histogram(
            f"{p}_time_to_first_token_seconds",
            "From the request's arrival to its first token.",
            LATENCY_BUCKETS,
        )
        self.latency = Histogram(
            f"{p}_request_latency_seconds", "Whole request, arrival to last byte.", LATENCY_BUCKETS
        )
        self.queue_depth = Gauge(f"{p}_queue_depth", "Sequences waiting to join the batch.")
        self.running = Gauge(f"{p}_running_sequences", "Sequences in the running batch.")
        self.batch_size = Histogram(
            f"{p}_batch_size", "Sequences per forward pass of the generation loop.", BATCH_BUCKETS
        )

    def render(self) -> str:
        metrics = [
            self.requests,
            self.errors,
            self.prompt_tokens,
            self.completion_tokens,
            self.aborted,
            self.generation_failures,
            self.ttft,
            self.latency,
            self.queue_depth,
            self.running,
            self.batch_size,
        ]
        return "\n".join(line for m in metrics for line in m.render()) + "\n"
