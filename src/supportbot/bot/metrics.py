"""The bot's Prometheus metrics (prometheus_client), served on /metrics beside /health.

One registry per app, not the process-wide default: tests run several apps in one process.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Seconds from the question's turn on the worker pool to its stored answer: the model dominates.
ANSWER_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)


class BotMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "supportbot_slack_deliveries",
            "Slack event deliveries at the door, by what became of them",
            ["result"],  # spooled | dropped | refused (the spool failed: not acked)
            registry=self.registry,
        )
        self.answers = Counter(
            "supportbot_answers",
            "Answers posted, by how they were made",
            ["outcome"],  # model | fallback | handover | error
            registry=self.registry,
        )
        self.answer_seconds = Histogram(
            "supportbot_answer_seconds",
            "Time to answer a question, from its turn on the worker pool to the stored reply",
            buckets=ANSWER_BUCKETS,
            registry=self.registry,
        )
        self.first_text_seconds = Histogram(
            "supportbot_first_text_seconds",
            "Time from a question's turn on the worker pool to the first text of its streamed answer",
            buckets=ANSWER_BUCKETS,
            registry=self.registry,
        )
        self.pending = Gauge(
            "supportbot_spool_pending", "Questions spooled and not yet answered", registry=self.registry
        )

    def watch_pending(self, count: Callable[[], int]) -> None:
        self.pending.set_function(count)

    def exposition(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
