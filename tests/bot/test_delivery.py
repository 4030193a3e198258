"""The delivery spool under concurrency: what is acked is on disk, whatever else is going on."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from supportbot.bot.delivery import Inbox
from supportbot.bot.spool import Spool
from supportbot.usecases.messages import Incoming


def incoming(i: int) -> Incoming:
    return Incoming(text=f"question {i}", channel="C1", thread_ts=f"{i}.0", ts=f"{i}.0", user="U1")


def test_accepts_finishes_and_compactions_at_once_lose_no_pending_question(tmp_path):
    """Twenty threads accept while others finish entries and the file is compacted every few
    "done" records: read back from disk, the spool holds exactly the accepted, unfinished ones."""
    pool = ThreadPoolExecutor(max_workers=8)
    inbox = Inbox(Spool(tmp_path, compact_after=5), pool=pool)
    inbox.deliver = lambda entry: None  # answering succeeds at once
    finished: set[str] = set()
    lock = threading.Lock()

    def accept_and_maybe_finish(i: int) -> None:
        key = inbox.accept(kind="mention", incoming=incoming(i))
        assert key is not None
        if i % 3:  # two in three are answered; the rest stay pending
            assert inbox.run(key)
            with lock:
                finished.add(key)

    with ThreadPoolExecutor(max_workers=20) as senders:
        list(senders.map(accept_and_maybe_finish, range(600)))
    inbox.spool.close()
    on_disk = {e.key for e in Spool(tmp_path).read()}
    expected = {f"C1:{i}.0" for i in range(600)} - finished
    assert on_disk == expected
    assert len(expected) == 200


def test_a_spool_that_cannot_be_written_refuses_every_waiting_append(tmp_path):
    (tmp_path / "spool.jsonl").symlink_to("/dev/full")
    spool = Spool(tmp_path)
    inbox = Inbox(spool, pool=ThreadPoolExecutor(max_workers=2))
    errors = []

    def accept(i: int) -> None:
        try:
            inbox.accept(kind="mention", incoming=incoming(i))
        except Exception as exc:
            errors.append(type(exc).__name__)

    with ThreadPoolExecutor(max_workers=10) as senders:
        list(senders.map(accept, range(30)))
    assert errors == ["SpoolError"] * 30
    assert inbox.status()["pending"] == 0  # nothing is pending that is not on disk


def test_a_torn_last_line_costs_only_itself(tmp_path):
    spool = Spool(tmp_path)
    inbox = Inbox(spool, pool=ThreadPoolExecutor(max_workers=1))
    inbox.accept(kind="mention", incoming=incoming(1))
    spool.close()
    with open(tmp_path / "spool.jsonl", "ab") as f:
        f.write(b'{"op":"event","key":"C1:2.0","ki')  # the process died mid-write
    reopened = Spool(tmp_path)
    Inbox(reopened, pool=ThreadPoolExecutor(max_workers=1)).accept(kind="mention", incoming=incoming(3))
    reopened.close()
    assert [e.key for e in Spool(tmp_path).read()] == ["C1:1.0", "C1:3.0"]


def test_a_relayed_entry_stays_relayed_across_a_restart_and_a_compaction(tmp_path):
    """What a retry must not post again (a hand-over's relay) is known after a restart, and a
    compaction of the file keeps it."""
    spool = Spool(tmp_path)
    inbox = Inbox(spool, pool=ThreadPoolExecutor(max_workers=1))
    relayed = inbox.accept(kind="im", incoming=incoming(1))
    inbox.accept(kind="im", incoming=incoming(2))
    (entry,) = [e for e in inbox._snapshot() if e.key == relayed]
    inbox.note_relayed(entry)
    spool.close()
    assert {e.key: e.relayed for e in Spool(tmp_path).read()} == {"C1:1.0": True, "C1:2.0": False}
    again = Spool(tmp_path)
    entries = again.read()
    again.compact(lambda: entries)
    again.close()
    assert {e.key: e.relayed for e in Spool(tmp_path).read()} == {"C1:1.0": True, "C1:2.0": False}
