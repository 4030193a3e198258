"""Waiting for something the server does in its own time (a thread, a poll, a client's leaving).

Tests wait on the condition itself, never for a fixed time: the deadline is generous because a
busy machine can be many times slower than an idle one, and a met condition returns at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEADLINE = 120.0


def wait_for(condition: Callable[[], bool], timeout: float = DEADLINE) -> bool:
    """True as soon as ``condition()`` is; False if it still is not after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
