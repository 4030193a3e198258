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

The spool's file format is bot.spool's.

Exactly once: an entry runs on one thread at a time; the database's unique keys make a replayed
question a no-op and a replayed answer the stored one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from supportbot.bot.spool import Entry, Spool, SpoolError, records_of, transient
from supportbot.usecases.messages import Incoming

log = logging.getLogger(__name__)

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
            self.spool.append(records_of(entry)[0])
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

    def note_relayed(self, entry: Entry) -> None:
        """This entry's hand-over relay is posted: a retry of the entry does not post it again."""
        entry.relayed = True  # before the append, as the placeholder
        try:
            self.spool.append({"op": "relayed", "key": entry.key})
        except SpoolError:
            log.exception("could not note the relay of %s", entry.key)

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
