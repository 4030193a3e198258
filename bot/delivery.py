"""Nothing acked is lost: every Slack delivery is on local disk before Slack gets its ack.

The bot acks an event within milliseconds and answers afterwards; so if the database is down
when the answer starts, acking first would lose the question (Slack never redelivers an acked
event). Instead each question is appended to a spool, a local append-only file, and fsynced
before the ack goes out; a spool that cannot be written means no ack (HTTP 503, which Slack
retries). The spool is then worked off:

- at once, on the listener's thread (the normal case: the entry is done within the answer);
- when the database (or anything else transient) fails, the entry stays pending; the customer is
  told once that the answer will come (the placeholder becomes a holding message), and a drainer
  thread retries every pending entry, oldest first, with a backoff while the failures go on;
- after a restart, whatever the file still holds as pending is picked up again.

Records are JSON lines: ``event`` (the redacted question and where it came from), ``placeholder``
(the ts of the Slack message that will show the answer, so a retry updates that message instead
of posting a second one) and ``done``. The file is compacted when most of it is done. Nothing in
it is raw: the text was redacted before the first write, this one.

Exactly once: an entry runs on one thread at a time; the database's unique keys make a replayed
question a no-op and a replayed answer the stored one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.responder import Incoming

log = logging.getLogger(__name__)

SPOOL_FILE = "spool.jsonl"


class SpoolError(Exception):
    """The spool could not be written: the delivery must not be acked."""


@dataclass
class Entry:
    key: str  # "channel:ts": one Slack message, whichever event (app_mention, message) brought it
    kind: str  # mention | im | thread
    incoming: Incoming
    received_at: float
    placeholder_ts: str | None = None
    # Runs so far; an entry read back from disk counts as tried (it may have been half done).
    attempts: int = 0
    held: bool = False  # the customer has been told the answer is delayed
    busy: bool = field(default=False, repr=False)  # a thread is working on it
    queued: bool = field(default=False, repr=False)  # handed to the pool, not yet started


def transient(exc: BaseException) -> bool:
    """Is this a failure that goes away by itself (the database down or restarting)?"""
    from sqlalchemy.exc import DBAPIError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from core.errors import DatabaseError

    if isinstance(exc, OperationalError | PoolTimeout | DatabaseError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class Spool:
    """The append-only file; ``append`` returns once the record is on disk (fsync)."""

    def __init__(self, folder: Path, *, compact_after: int = 2000) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / SPOOL_FILE
        self.compact_after = compact_after
        self._cond = threading.Condition()
        self._queue: list[bytes] = []
        self._queued = 0  # records handed to append, ever
        self._flushed = 0  # of those, how many a flush has dealt with
        self._flushing = False
        self._waiters: list[tuple[int, threading.Event]] = []
        self._failed_batches: list[tuple[int, int, OSError]] = []
        self._handle = open(self.path, "ab")  # noqa: SIM115 (held for the process's life)
        self._end_torn_line()
        self._done_since_compaction = 0
        self._lock_handle: Any = None

    def _end_torn_line(self) -> None:
        """A write cut short (a crash mid-line) leaves no newline at the end: end that line, so
        the next record starts on one of its own (the torn one is skipped when read)."""
        try:
            if not self.path.is_file() or self.path.stat().st_size == 0:
                return
            with open(self.path, "rb") as handle:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) == b"\n":
                    return
            self._handle.write(b"\n")
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            raise SpoolError(f"cannot repair the delivery spool {self.path}: {exc}") from exc

    @classmethod
    def claim(cls, folder: Path, *, slots: int = 64, **kwargs: Any) -> Spool:
        """A spool of this process's own under ``folder``: the first slot no other process holds.

        Replicas sharing one volume each take a slot (an exclusive ``flock`` held for the
        process's life); a replica that restarts, or any other, takes over a slot left behind and
        replays what it holds.
        """
        import fcntl

        folder = Path(folder)
        for slot in range(slots):
            path = folder / str(slot)
            path.mkdir(parents=True, exist_ok=True)
            handle = open(path / ".lock", "a+")  # noqa: SIM115 (kept open: it holds the lock)
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            spool = cls(path, **kwargs)
            spool._lock_handle = handle
            return spool
        raise SpoolError(f"all {slots} delivery spools under {folder} are held by other processes")

    def read(self) -> list[Entry]:
        """The entries not yet done, in arrival order (a torn last line is skipped)."""
        entries: OrderedDict[str, Entry] = OrderedDict()
        if not self.path.is_file():  # e.g. a device in its place: nothing to replay from it
            return []
        with open(self.path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    record = json.loads(raw)
                    op, key = record["op"], record["key"]
                    if op == "event" and key not in entries:
                        entries[key] = Entry(
                            key=key,
                            kind=str(record["kind"]),
                            incoming=Incoming(**record["incoming"]),
                            received_at=float(record["at"]),
                            attempts=1,
                        )
                    elif op == "placeholder" and key in entries:
                        entries[key].placeholder_ts = str(record["ts"])
                    elif op == "held" and key in entries:
                        entries[key].held = True
                    elif op == "done":
                        entries.pop(key, None)
                except (ValueError, KeyError, TypeError) as exc:
                    # A torn write, or a record this version does not know: the others still count.
                    log.warning("spool line %d skipped (%s: %s)", number, type(exc).__name__, exc)
        return list(entries.values())

    def append(self, record: dict[str, Any]) -> None:
        """Write ``record`` and return once it is on disk; raises SpoolError if it is not.

        Group commit: appends that arrive while a flush is under way wait, each on an event of
        its own, and the next flush writes and fsyncs them all at once (a burst of fifty acks
        costs a few fsyncs, not fifty). Only the thread that flushes is woken to lead the next
        flush; the others sleep until their record is on disk. No lock is held while the disk
        works.
        """
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        with self._cond:
            self._queue.append(line)
            self._queued += 1
            mine = self._queued
            if record["op"] == "done":
                self._done_since_compaction += 1
            lead = not self._flushing
            if lead:
                self._flushing = True
            else:
                woken = threading.Event()
                self._waiters.append((mine, woken))
        if not lead:
            woken.wait()
            with self._cond:
                lead = self._flushed < mine  # handed the lead: our record is not written yet
        while lead:
            with self._cond:
                batch, upto = self._queue, self._queued
                self._queue = []
            error: OSError | None = None
            try:
                self._handle.write(b"".join(batch))
                self._handle.flush()
                os.fsync(self._handle.fileno())
            except OSError as exc:
                error = exc
            with self._cond:
                self._flushed = upto
                if error is not None:
                    self._failed_batches.append((upto - len(batch), upto, error))
                done = [w for w in self._waiters if w[0] <= upto]
                self._waiters = [w for w in self._waiters if w[0] > upto]
                if self._waiters:
                    self._waiters.pop(0)[1].set()  # the next flush is theirs to lead
                else:
                    self._flushing = False
                    self._cond.notify_all()  # a compaction may be waiting for the flushes to stop
            for _, event in done:
                event.set()
            lead = False
        with self._cond:
            for first, last, exc in self._failed_batches:
                if first < mine <= last:
                    raise SpoolError(f"cannot write the delivery spool {self.path}: {exc}") from exc
            if len(self._failed_batches) > 100:
                self._failed_batches = self._failed_batches[-100:]

    def compact(self, pending: Callable[[], list[Entry]]) -> None:
        """Rewrite the file with the pending entries only (atomically: a new file, then rename).

        Waits for the flush under way and holds new ones off, and only then asks ``pending()``
        for the entries to keep: every record written before that moment belongs to an entry it
        returns or to a finished one. Records queued meanwhile are flushed into the new file
        afterwards (at worst a record is there twice; reading takes the first)."""
        tmp = self.path.with_suffix(".tmp")
        with self._cond:
            while self._flushing:
                self._cond.wait()
            self._flushing = True
        try:
            keep = pending()
            with open(tmp, "wb") as out:
                for entry in keep:
                    for record in _records(entry):
                        out.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
            dir_fd = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
            old, self._handle = self._handle, open(self.path, "ab")  # noqa: SIM115
            old.close()
        finally:
            with self._cond:
                self._done_since_compaction = 0
                if self._waiters:
                    self._waiters.pop(0)[1].set()  # appends that queued meanwhile: one leads them
                else:
                    self._flushing = False
                    self._cond.notify_all()

    @property
    def wants_compaction(self) -> bool:
        return self._done_since_compaction >= self.compact_after

    def close(self) -> None:
        with self._cond, contextlib.suppress(OSError):
            self._handle.close()
            if self._lock_handle is not None:
                self._lock_handle.close()  # releases the slot


def _records(entry: Entry) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "op": "event",
            "key": entry.key,
            "kind": entry.kind,
            "incoming": asdict(entry.incoming),
            "at": entry.received_at,
        }
    ]
    if entry.placeholder_ts:
        out.append({"op": "placeholder", "key": entry.key, "ts": entry.placeholder_ts})
    if entry.held:
        out.append({"op": "held", "key": entry.key})
    return out


Deliver = Callable[[Entry], None]


class Inbox:
    """The spool plus the work on it: accept before the ack, run, retry, replay after a restart.

    ``deliver(entry)`` answers one entry; it returns when the entry is done, and raises a
    transient error (see ``transient``) when it should be tried again later. ``on_delay(entry)``
    is called once per entry on its first transient failure (tell the customer to wait).

    ``_lock`` guards the in-memory state only; the spool's own group commit serialises the file.
    An entry is in ``_pending`` before its "event" record is written and out of it before its
    "done" record is, so a compaction (which rewrites the file from ``_pending``) never drops a
    question and never revives a finished one. Entries of one Slack thread run in arrival order:
    a follow-up waits while an older question of its thread is pending (it may be what makes the
    thread the bot's).
    """

    def __init__(
        self,
        spool: Spool,
        *,
        pool: Executor,
        first_retry_s: float = 1.0,
        max_retry_s: float = 5.0,
        give_up_after_s: float = 7 * 24 * 3600,
        remember: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spool = spool
        self.pool = pool
        self.deliver: Deliver | None = None
        self.on_delay: Callable[[Entry], None] | None = None
        self.first_retry_s = first_retry_s
        self.max_retry_s = max_retry_s
        self.give_up_after_s = give_up_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: OrderedDict[str, Entry] = OrderedDict((e.key, e) for e in spool.read())
        self._done: OrderedDict[str, None] = OrderedDict()  # recently done keys: retried deliveries
        self._remember = remember
        self._backoff = 0.0
        self._retry_at = 0.0
        self._last_error: str | None = None
        self._compacting = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self._pending:
            log.warning(
                "delivery spool: %d question(s) from before the restart to answer", len(self._pending)
            )

    # --- before the ack ----------------------------------------------------------------------

    def seen(self, key: str) -> bool:
        """Already spooled or recently done: a retried delivery, or a second event of a message."""
        with self._lock:
            return key in self._pending or key in self._done

    def accept(self, *, kind: str, incoming: Incoming) -> str | None:
        """Spool a delivery; returns its key, or None when it was seen already (a retry, or the
        same message as a second event). Raises SpoolError when it could not be made durable."""
        key = entry_key(incoming.channel, incoming.ts)
        with self._lock:
            if key in self._pending or key in self._done:
                return None
            # Pending (and busy: nobody runs it before it is on disk) before the append, so a
            # compaction meanwhile writes it into the new file.
            entry = Entry(key=key, kind=kind, incoming=incoming, received_at=time.time(), busy=True)
            self._pending[key] = entry
        try:
            self.spool.append(_records(entry)[0])
        except SpoolError:
            with self._lock:
                self._pending.pop(key, None)
            raise
        with self._lock:
            entry.busy = False
        return key

    # --- the work ----------------------------------------------------------------------------

    def _older_in_thread(self, entry: Entry) -> bool:
        thread = (entry.incoming.channel, entry.incoming.thread_ts)
        for other in self._pending.values():
            if other is entry:
                return False  # _pending is in arrival order: nothing older is left
            if (other.incoming.channel, other.incoming.thread_ts) == thread:
                return True
        return False

    def run(self, key: str) -> bool:
        """Work on one entry on this thread; False when it was not run (another thread has it,
        it is done, or it waits for an older question of its thread) or failed transiently."""
        with self._lock:
            entry = self._pending.get(key)
            if entry is not None:
                entry.queued = False
            if entry is None or entry.busy:
                return False
            if self._older_in_thread(entry):
                entry.attempts = max(entry.attempts, 1)  # the drainer runs it after the older one
                self._wake.set()
                return False
            entry.busy = True
        assert self.deliver is not None, "Inbox.deliver is not set"
        try:
            self.deliver(entry)
        except Exception as exc:
            if transient(exc) and time.time() - entry.received_at < self.give_up_after_s:
                self._failed(entry, exc)
                return False
            # A defect, not an outage: retrying would fail the same way forever. deliver() has
            # told the customer (it catches what it can); the entry is closed and logged.
            log.exception("delivery %s failed for good", key)
        self._finish(entry)
        return True

    def note_placeholder(self, entry: Entry, ts: str) -> None:
        """The Slack message that will show this entry's answer (a retry updates it)."""
        entry.placeholder_ts = ts  # before the append: a compaction meanwhile keeps it too
        try:
            self.spool.append({"op": "placeholder", "key": entry.key, "ts": ts})
        except SpoolError:
            log.exception("could not note the placeholder of %s", entry.key)

    def _finish(self, entry: Entry) -> None:
        with self._lock:
            # Out of pending before "done" is written: a compaction in between leaves it out.
            self._pending.pop(entry.key, None)
        try:
            self.spool.append({"op": "done", "key": entry.key})
        except SpoolError:
            log.exception("could not mark %s done; a restart will replay it (idempotently)", entry.key)
        compact = False
        with self._lock:
            entry.busy = False
            self._done[entry.key] = None
            while len(self._done) > self._remember:
                self._done.popitem(last=False)
            self._backoff = 0.0
            self._retry_at = 0.0
            self._last_error = None
            if self.spool.wants_compaction and not self._compacting:
                self._compacting = compact = True
            backlog = any(e.attempts > 0 for e in self._pending.values())
        if compact:
            try:
                self.spool.compact(self._snapshot)
            except OSError:
                log.exception("spool compaction failed; the file keeps growing until the next one")
            finally:
                with self._lock:
                    self._compacting = False
        if backlog:
            self._wake.set()  # things work again: work off the backlog now

    def _snapshot(self) -> list[Entry]:
        with self._lock:
            return list(self._pending.values())

    def _failed(self, entry: Entry, exc: BaseException) -> None:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        with self._lock:
            entry.attempts += 1
            self._backoff = min(self.max_retry_s, max(self.first_retry_s, self._backoff * 2))
            self._retry_at = self._clock() + self._backoff
            self._last_error = reason
            tell = not entry.held and self.on_delay is not None
        self._wake.set()  # the drainer now waits for the retry time
        log.warning("delivery %s delayed (%s); retrying in %.0f s", entry.key, reason, self._backoff)
        # Still busy while the customer is told: no retry may answer in between (and then have
        # its answer overwritten by the holding message).
        if tell:
            try:
                assert self.on_delay is not None
                self.on_delay(entry)
                entry.held = True
                self.spool.append({"op": "held", "key": entry.key})
            except Exception:
                log.exception("could not tell the customer of %s about the delay", entry.key)
        with self._lock:
            entry.busy = False

    # --- the drainer -------------------------------------------------------------------------

    def start(self) -> Inbox:
        """Replay what the spool holds and keep retrying what fails, on a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._drain, name="spool-drainer", daemon=True)
            self._thread.start()
        self._wake.set()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _due(self) -> list[list[str]]:
        """The entries to (re)try now, grouped by Slack thread, each group in arrival order."""
        now = time.time()
        with self._lock:
            if self._clock() < self._retry_at:
                return []
            groups: OrderedDict[tuple[str | None, str | None], list[str]] = OrderedDict()
            for key, e in self._pending.items():
                # Fresh entries are the listener's (it runs them right after the ack), unless it
                # never did: a minute is far longer than any ack-to-run delay.
                if e.busy or e.queued or (e.attempts == 0 and now - e.received_at < 60):
                    continue
                groups.setdefault((e.incoming.channel, e.incoming.thread_ts), []).append(key)
            return list(groups.values())

    def _run_in_order(self, keys: list[str]) -> None:
        for key in keys:
            if not self.run(key):
                with self._lock:  # the rest of the thread waits for this one
                    for later in keys:
                        entry = self._pending.get(later)
                        if entry is not None:
                            entry.queued = False
                return

    def _drain(self) -> None:
        while not self._stop.is_set():
            groups = self._due()
            if groups and self._backoff > 0:
                # One probe first while failing: twenty questions need not all wait on a dead
                # database's connect timeout.
                probe = groups[0]
                self._run_in_order(probe[:1])
                groups = self._due()
            for keys in groups:
                with self._lock:
                    for key in keys:
                        if key in self._pending:
                            self._pending[key].queued = True
                self.pool.submit(self._run_in_order, keys)
            with self._lock:
                # Woken by a failure (to wait for its retry time), by a success with a backlog
                # behind it, or by a deferred follow-up; otherwise a look every 5 s.
                wait = self._retry_at - self._clock() if self._backoff > 0 else 5.0
            self._wake.wait(timeout=min(max(wait, 0.05), 5.0))
            self._wake.clear()

    # --- health ------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        with self._lock:
            oldest = min((e.received_at for e in self._pending.values()), default=None)
            return {
                "pending": len(self._pending),
                "oldest_s": round(time.time() - oldest, 1) if oldest is not None else None,
                "last_error": self._last_error,
            }


def entry_key(channel: str | None, ts: str | None) -> str:
    """One Slack message, whichever event (app_mention, message) brought it."""
    return f"{channel}:{ts}"
