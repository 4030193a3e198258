"""The channel between the HTTP side (the event loop) and the generation loop's thread.

Work goes in through the :class:`Inbox`: a request's sequences, or a call to run between two
steps (adapter loads and unloads). What comes out arrives on the caller's event loop through
its :class:`Job`: each choice's text as it grows (streaming) or once at the end, or a failure.
The event loop only calls :meth:`Job.events` and :meth:`Job.abort`; the other methods are the
generation loop's.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

if TYPE_CHECKING:
    from supportbot.serving.adapters import Target
    from supportbot.serving.sampling import SamplingParams

Batch = TypeVar("Batch")  # what a request becomes in the loop (its sequences)

FinishReason = Literal["stop", "length"]  # an end-of-turn token or stop string; the token budget


@dataclass
class GeneratedToken:
    id: int
    logprob: float | None
    top: list[tuple[int, float]]
    offset: int  # where its text starts in the choice's text


@dataclass
class ChoiceOutput:
    """New text of one choice (the whole text when not streaming), and its end if it ended."""

    index: int
    text: str
    tokens: list[GeneratedToken]
    finish_reason: FinishReason | None
    completion_tokens: int


@dataclass
class JobFailed:
    message: str
    status: int = 500


Event = ChoiceOutput | JobFailed


class Job:
    """One request in the loop: its sequences' events arrive on the caller's event loop."""

    _ids = itertools.count(1)

    def __init__(
        self,
        *,
        prompts: Sequence[Sequence[int]],
        n: int,
        params: SamplingParams,
        target: Target,
        stream: bool,
        arrived: float | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.id = next(self._ids)
        self.prompts = [list(p) for p in prompts]
        self.n = n
        self.params = params
        self.target = target
        # The response's fields (system_fingerprint among them), kept right if the target moves
        # before the job runs (``scheduler.Scheduler.add``).
        self.meta = meta
        self.stream = stream
        self.arrived = arrived if arrived is not None else time.perf_counter()
        self.first_token_at: float | None = None
        self.aborted = False
        self.failed = False
        self.admitted = 0  # order of admission into the batch (the newest is failed first)
        self._open = len(self.prompts) * n
        self._closed = False
        self._loop = asyncio.get_running_loop()
        self._events: asyncio.Queue[Event | None] = asyncio.Queue()

    @property
    def done(self) -> bool:
        return self._open <= 0 or self.failed or self.aborted

    def abort(self) -> None:
        """The client went away: the loop drops this job's sequences at its next step."""
        self.aborted = True

    async def events(self) -> AsyncIterator[Event]:
        while True:
            event = await self._events.get()
            if event is None:
                return
            yield event

    # --- called from the generation loop's thread ---------------------------------------------

    def send(self, event: Event | None) -> None:
        try:
            self._loop.call_soon_threadsafe(self._events.put_nowait, event)
        except RuntimeError:  # the event loop is gone: nobody is listening any more
            self.aborted = True

    def close(self) -> None:
        """No more events (the job was abandoned): end the caller's ``events()``."""
        if not self._closed:
            self._closed = True
            self.send(None)

    def choice_finished(self) -> None:
        self._open -= 1
        if self._open == 0:
            self.close()

    def fail(self, message: str, status: int) -> None:
        if self.failed or self._open <= 0:
            return
        self.failed = True
        self.send(JobFailed(message, status))
        self.close()


class Inbox(Generic[Batch]):
    """What the generation loop has yet to take in; ``receive`` gets each request's sequences
    (in the loop's thread), and calls run there, between two steps."""

    def __init__(self, receive: Callable[[Batch], None]) -> None:
        self._receive = receive
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()

    def put_sequences(self, seqs: Batch) -> None:
        self._queue.put(("seqs", seqs))

    def put_call(self, fn: Callable[[], Any], future: Future[Any]) -> None:
        self._queue.put(("call", fn, future))

    def wake(self) -> None:
        """Let a loop waiting on an empty inbox look at its state (e.g. that it should stop)."""
        self._queue.put(("wake",))

    def drain(self, *, block: bool) -> None:
        """Take in everything queued; with ``block``, wait up to half a second for the first."""
        try:
            item = self._queue.get(timeout=0.5) if block else self._queue.get_nowait()
        except queue.Empty:
            return
        while True:
            kind = item[0]
            if kind == "seqs":
                self._receive(item[1])
            elif kind == "call":
                _, fn, future = item
                try:
                    future.set_result(fn())
                except Exception as exc:
                    future.set_exception(exc)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
