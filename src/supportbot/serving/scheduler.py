"""The scheduler: which sequences wait, which join the batch, and who fails when something does.

Between two decode steps the waiting sequences are admitted, oldest first, as many as the batch
has room for and as fit one prefill's token budget; finished and abandoned rows leave the batch
at once. Failures stay with their request: a prefill that fails is retried request by request,
and only the one that still fails gets the error; a decode step that fails (e.g. out of memory)
is undone and the request that joined last is failed, as a preempted one would be, and the rest
go on.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque

from supportbot.serving.adapters import AdapterManager
from supportbot.serving.job import Job
from supportbot.serving.metrics import ServerMetrics
from supportbot.serving.outputs import OutputProcessor
from supportbot.serving.runner import ForwardFailed, ModelRunner
from supportbot.serving.sequence import Seq

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self,
        runner: ModelRunner,
        outputs: OutputProcessor,
        *,
        max_batch_size: int,
        prefill_tokens: int,
        metrics: ServerMetrics,
    ) -> None:
        self.runner = runner
        self.adapters: AdapterManager = runner.adapters
        self.outputs = outputs
        self.max_batch_size = max_batch_size
        self.prefill_tokens = prefill_tokens
        self.metrics = metrics
        self.waiting: deque[Seq] = deque()
        self._admissions = itertools.count(1)

    @property
    def idle(self) -> bool:
        return not self.runner.active and not self.waiting

    def add(self, seqs: list[Seq]) -> None:
        """A request's sequences arrive (in the loop's thread): they wait for room in the batch."""
        for seq in seqs:
            if seq.key is not None and not self.adapters.holds(seq.key):
                self._follow_alias(seq.job)
            if seq.key is not None:
                self.adapters.acquire(seq.key)
            self.waiting.append(seq)

    def _follow_alias(self, job: Job) -> None:
        """A request for an alias ("supportbot": the active version) whose version was unloaded
        between the request's arrival and now runs on what the alias points at now: a promotion
        swaps the version while requests are on their way into the loop, and those asked for the
        active version, not for the one being retired. Only where the prompt reads the same (chat
        template and end tokens); otherwise it fails at admission as a request for an unloaded
        adapter does."""
        old = job.target
        try:
            now = self.adapters.resolve(old.name)
        except KeyError:
            return
        if now.key == old.key or (now.chat_template, now.eos_ids) != (old.chat_template, old.eos_ids):
            return
        job.target = now
        if job.meta is not None:
            job.meta["system_fingerprint"] = now.fingerprint

    def step(self) -> None:
        """One turn of the loop: drop the abandoned, admit who fits, and decode one token."""
        self._drop_abandoned()
        self._admit()
        if self.runner.active:
            self._decode()

    def fail_all(self, message: str, status: int = 500) -> None:
        """Fail every request in the loop and empty it (the loop itself went wrong, or stops)."""
        for seq in [*self.runner.active, *self.waiting]:
            self.outputs.fail(seq.job, message, status)
        for seq in [*self.runner.active, *self.waiting]:
            self._release(seq)
        self.runner.clear()
        self.waiting = deque()

    # --- leaving --------------------------------------------------------------------------------

    def _drop_abandoned(self) -> None:
        if any(s.job.aborted or s.job.failed for s in self.waiting):
            kept: deque[Seq] = deque()
            for seq in self.waiting:
                if seq.job.aborted or seq.job.failed:
                    self._forget(seq)
                else:
                    kept.append(seq)
            self.waiting = kept
        if any(s.job.aborted or s.job.failed for s in self.runner.active):
            self._retire_rows()

    def _forget(self, seq: Seq) -> None:
        """A sequence leaves without finishing (its job failed or its client went away)."""
        if seq.job.aborted and not seq.job.failed and seq.finish is None:
            self.metrics.aborted.inc()
            seq.job.close()
        self._release(seq)

    def _release(self, seq: Seq) -> None:
        if seq.key is not None:
            self.adapters.release(seq.key)

    def _retire_rows(self) -> None:
        """Drop finished and abandoned rows from the batch."""
        active = self.runner.active
        keep = [
            i for i, s in enumerate(active) if s.finish is None and not s.job.failed and not s.job.aborted
        ]
        if len(keep) == len(active):
            return
        kept = set(keep)
        for i, seq in enumerate(active):
            if i not in kept:
                if seq.finish is None:
                    self._forget(seq)
                else:
                    self._release(seq)
        self.runner.keep_rows(keep)

    # --- admission and prefill ------------------------------------------------------------------

    def _admit(self) -> None:
        room = self.max_batch_size - len(self.runner.active)
        group: list[Seq] = []
        longest = 0
        while self.waiting and len(group) < room:
            seq = self.waiting[0]
            if seq.key is not None and not self.adapters.holds(seq.key):
                self.waiting.popleft()
                self._forget(seq)
                self.outputs.fail(
                    seq.job, f"model {seq.job.target.name!r} was unloaded before this request ran", 404
                )
                continue
            new_longest = max(longest, len(seq.prompt))
            if group and new_longest * (len(group) + 1) > self.prefill_tokens:
                break
            longest = new_longest
            group.append(self.waiting.popleft())
        # max_tokens=0 asks for nothing: such a sequence ends before it starts.
        for seq in [s for s in group if s.max_new <= 0]:
            group.remove(seq)
            seq.finish = "length"
            self.outputs.publish(seq)
            self._release(seq)
        if group:
            self._prefill(group)

    def _prefill(self, group: list[Seq]) -> None:
        try:
            logits, cache, mask = self.runner.prefill(group)
        except ForwardFailed as failure:
            jobs = list(dict.fromkeys(s.job for s in group))
            if len(jobs) > 1:  # find the request at fault: each one alone
                for job in jobs:
                    self._prefill([s for s in group if s.job is job])
            else:
                log.warning("prefill failed for request %s: %s", jobs[0].id, failure.error)
                for seq in group:
                    self._release(seq)
                self.outputs.fail(jobs[0], f"generation failed: {failure.describe()}")
            return
        now = time.perf_counter()
        for seq in group:
            seq.job.admitted = next(self._admissions)
        self.outputs.accept(group, logits)
        for seq in group:
            job = seq.job
            if job.first_token_at is None:
                job.first_token_at = now
                self.metrics.ttft.observe(now - job.arrived)
        self.runner.merge(group, cache, mask)
        self._retire_rows()

    # --- decoding -------------------------------------------------------------------------------

    def _decode(self) -> None:
        rows = self.runner.active
        self.metrics.batch_size.observe(len(rows))
        try:
            logits = self.runner.decode()
        except ForwardFailed as failure:
            newest = max((s.job for s in rows), key=lambda j: j.admitted)
            log.warning("decode step failed (%s); failing the newest request %s", failure.error, newest.id)
            self.outputs.fail(newest, f"generation failed: {failure.describe()}")
            self._retire_rows()
            return
        self.outputs.accept(rows, logits)
        self._retire_rows()
