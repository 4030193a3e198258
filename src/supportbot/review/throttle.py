"""Login throttling: after a few failures, each further attempt waits twice as long as the last.

Keys are whatever the caller counts by (an account name, a client address). While a key is
locked every attempt is refused without looking at the password, so guessing does not go on in
the background. The clock is injectable: tests step it instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass
class _Failures:
    count: int
    last: float


class Throttle:
    def __init__(
        self,
        *,
        free_attempts: int = 3,
        base_delay_s: float = 1.0,
        max_delay_s: float = 300.0,
        forget_after_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_attempts = free_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.forget_after_s = forget_after_s
        self._clock = clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def _delay(self, failures: int) -> float:
        if failures < self.free_attempts:
            return 0.0
        return min(self.max_delay_s, self.base_delay_s * 2 ** (failures - self.free_attempts))

    def wait_s(self, keys: Iterable[str]) -> float:
        """Seconds until an attempt for these keys is allowed (0: now)."""
        now = self._clock()
        longest = 0.0
        with self._lock:
            for key in keys:
                entry = self._failures.get(key)
                if entry is None:
                    continue
                if now - entry.last > self.forget_after_s:
                    del self._failures[key]
                    continue
                longest = max(longest, entry.last + self._delay(entry.count) - now)
        return max(0.0, longest)

    def failed(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                entry = self._failures.get(key)
                if entry is None or now - entry.last > self.forget_after_s:
                    self._failures[key] = _Failures(1, now)
                else:
                    entry.count += 1
                    entry.last = now
            if len(self._failures) > 10_000:  # an address sweep must not grow this without bound
                self._forget_old(now)

    def succeeded(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _forget_old(self, now: float) -> None:
        for key in [k for k, e in self._failures.items() if now - e.last > self.forget_after_s]:
            del self._failures[key]
