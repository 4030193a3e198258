"""The delivery spool: a local append-only file of Slack deliveries, fsynced before the ack.

Records are JSON lines: ``event`` (the redacted question and where it came from), ``placeholder``
(the ts of the Slack message that will show the answer, so a retry updates that message instead
of posting a second one), ``held`` and ``done``. The file is compacted when most of it is done.
Nothing in it is raw: the text was redacted before the first write, this one. The work on the
entries is bot.delivery's Inbox.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from supportbot.usecases.messages import Incoming

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
    relayed: bool = False  # its hand-over relay is posted (a retry must not post it twice)
    busy: bool = field(default=False, repr=False)  # a thread is working on it
    queued: bool = field(default=False, repr=False)  # handed to the pool, not yet started


def transient(exc: BaseException) -> bool:
    """Is this a failure that goes away by itself (the database down or restarting)?"""
    from sqlalchemy.exc import DBAPIError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from supportbot.core.errors import DatabaseError

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
                    elif op == "relayed" and key in entries:
                        entries[key].relayed = True
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
            for first, last, failure in self._failed_batches:
                if first < mine <= last:
                    raise SpoolError(f"cannot write the delivery spool {self.path}: {failure}") from failure
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
                    for record in records_of(entry):
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


def records_of(entry: Entry) -> list[dict[str, Any]]:
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
    if entry.relayed:
        out.append({"op": "relayed", "key": entry.key})
    return out
