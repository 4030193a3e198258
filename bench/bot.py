"""The Slack bot under load: N signed events at concurrency C through the HTTP endpoint.

Everything is real but Slack: the Bolt app behind uvicorn, our model server, the FAISS index of
the sample tickets, the database; a local fake Slack Web API receives the bot's calls. Every 10th
event is delivered again as Slack's retry (X-Slack-Retry-Num) to count duplicates.

Printed side by side, same run, same events:
  streamed, 1 / placeholder, 1 — one question at a time (the next once the answer is whole): the answer streamed into Slack as it is
              written, beside the "Looking into it…" placeholder replaced by the whole answer
              (SUPPORTBOT_SLACK_STREAMING=false): from the ack to the first text of the answer a
              customer can read, and to the whole answer;
  ours      — acks at once, answers on a worker pool;
  baseline  — a stock Bolt app with process_before_response=True (answers, then acks), the way
              many bots are written; Slack retries any event not acked within 3 s.

    python -m bench.bot [--events 500] [--concurrency 50] [--baseline-events 100] [--latency-events 40]
                        [--model PATH]

Figures: connect p99 (the sender opening its C keep-alive connections all at once, before the
clock starts, as wrk does), ack latency p50/p99 over those connections, end-to-end reply latency p50/p99 (event sent → answer in Slack),
queue wait p50 (event acked → a worker takes it: load beyond what the model answers per second),
pipeline overhead p50/p99 (worker takes the event → answer in Slack, minus the model's own time:
storing, retrieval, prompt, guard, Slack calls), duplicates and lost questions. The bot
(`supportbot bot --mode http`) and the model server each run in a process of their own, as in
production; this process sends the events and plays Slack's Web API.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SECRET = "bench-signing-secret"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def questions() -> list[str]:
    path = ROOT / "data" / "sample" / "eval_questions.jsonl"
    return [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]


def run_one(
    label: str,
    *,
    events: int,
    concurrency: int,
    model_url: str,
    world: Path,
    before_response: bool,
    max_tokens: int,
    workers: int,
    streaming: bool = True,
    paced: bool = False,
) -> dict[str, Any]:
    import shutil
    import socket
    import subprocess

    import httpx

    from supportbot.core import store
    from supportbot.core.db import make_engine, session_factory
    from supportbot.core.enums import Role
    from supportbot.core.models import Message
    from tests.fake_slack import BOT_USER_ID, TEAM_ID, running_fake_slack, sign

    db = world / f"{label}.db"
    shutil.copy(world / "template.db", db)
    qs = questions()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with running_fake_slack() as (fake, fake_url):
        # The bot in a process of its own, as in production: `supportbot bot --mode http`.
        env = {
            **os.environ,
            "SUPPORTBOT_HOME": str(world / "home"),
            "SUPPORTBOT_DATABASE_URL": f"sqlite:///{db}",
            "SUPPORTBOT_SPOOL_DIR": str(world / f"{label}-spool"),  # each run its own deliveries
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SUPPORTBOT_SLACK_API_URL": fake_url,
            "SUPPORTBOT_MODEL_BASE_URL": model_url,
            "SUPPORTBOT_MAX_ANSWER_TOKENS": str(max_tokens),
            "SUPPORTBOT_MODEL_TIMEOUT_S": "120",
            "SUPPORTBOT_SLACK_STREAMING": "true" if streaming else "false",
            "OMP_NUM_THREADS": "1",
        }
        argv = [sys.executable, "-m", "supportbot", "bot", "--mode", "http", "--host", "127.0.0.1"]
        argv += ["--port", str(port), "--workers", str(workers)]
        argv += ["--process-before-response"] if before_response else []
        bot = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if bot.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the bot did not start")
            time.sleep(0.2)
        engine = make_engine(f"sqlite:///{db}")
        sessions = session_factory(engine)
        sent: dict[str, float] = {}
        acked: dict[str, float] = {}
        acks: list[float] = []
        lock = threading.Lock()
        # The sender must not be the bottleneck it measures: one keep-alive http.client connection
        # per sending thread costs a fraction of an httpx request (httpx's own overhead alone put
        # ~45 ms on the p50 of 50 concurrent acks against a server that does nothing).
        local = threading.local()

        def post(path: str, body: bytes, headers: dict[str, str]) -> int:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                return response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                local.conn = None
                raise

        def send(i: int) -> None:
            ts = f"{1_900_000_000 + i}.{i:06d}"
            channel = f"C{i % 97:04d}"
            event = {
                "type": "app_mention",
                "user": f"U{i:05d}",
                "text": f"<@{BOT_USER_ID}> {qs[i % len(qs)]}",
                "ts": ts,
                "channel": channel,
                "event_ts": ts,
            }
            body = json.dumps(
                {
                    "token": "t",
                    "team_id": TEAM_ID,
                    "api_app_id": "A1",
                    "type": "event_callback",
                    "event_id": f"Ev{uuid.uuid4().hex[:12]}",
                    "event_time": int(time.time()),
                    "event": event,
                }
            ).encode()
            deliveries = 2 if i % 10 == 0 else 1
            for attempt in range(deliveries):
                headers = {"Content-Type": "application/json", **sign(SECRET, body)}
                if attempt:
                    headers["X-Slack-Retry-Num"] = str(attempt)
                started = time.perf_counter()
                if not attempt:
                    with lock:
                        sent[f"{channel}/{ts}"] = time.time()
                status = post("/slack/events", body, headers)
                elapsed = time.perf_counter() - started
                if status == 200 and not attempt:
                    with lock:
                        acks.append(elapsed * 1000)
                        acked[f"{channel}/{ts}"] = time.time()
            if paced:  # one question at a time: the next one once this one's answer is whole
                deadline = time.monotonic() + 60
                while f"{channel}/{ts}" not in shown_in_slack(fake)[1] and time.monotonic() < deadline:
                    time.sleep(0.01)

        # Like wrk, the sender opens its connections (one per sending thread) before the clock
        # starts: a delivery service, or the load balancer in front of the bot replicas, keeps
        # connections alive. Opening all 50 at the same moment is measured on its own.
        pool = ThreadPoolExecutor(concurrency)
        gate = threading.Barrier(concurrency)
        connects: list[float] = []

        def connect(_: int) -> None:
            gate.wait(30)  # every thread exists first: connects start together, like the events
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            started = time.perf_counter()
            local.conn.request("GET", "/health")
            local.conn.getresponse().read()
            with lock:
                connects.append((time.perf_counter() - started) * 1000)

        list(pool.map(connect, range(concurrency)))
        began = time.perf_counter()
        with pool:
            list(pool.map(send, range(events)))
        # Wait until every question has an answer in Slack, or nothing moves for 60 s.
        deadline = time.monotonic() + 600
        last, last_change = -1, time.monotonic()
        while time.monotonic() < deadline:
            done = len(shown_in_slack(fake)[1])
            if done >= events:
                break
            if done != last:
                last, last_change = done, time.monotonic()
            elif time.monotonic() - last_change > 60:
                break
            time.sleep(0.1)
        wall = time.perf_counter() - began
        time.sleep(0.5)

        first_text, answered = shown_in_slack(fake)
        with sessions() as s:
            asked = s.query(Message).filter(Message.role == Role.user).count()
            replies, picked_up = {}, {}
            for m in s.query(Message).filter(Message.role == Role.user):
                reply = store.reply_to(s, message_id=m.id)
                if reply is not None:
                    replies[f"{m.slack_channel}/{m.slack_ts}"] = reply
                    # Stored first thing when a worker takes the event: the end of its queue wait.
                    picked_up[f"{m.slack_channel}/{m.slack_ts}"] = m.created_at.timestamp()
        # End-to-end: event sent → the whole answer (sources and buttons) in its thread; and from
        # the ack to the first text of the answer a customer can read.
        e2e, queued, overhead, to_text, to_full = [], [], [], [], []
        stages: dict[str, list[float]] = {}
        for key, t0 in sent.items():
            reply = replies.get(key)
            at = answered.get(key)
            if reply is None or at is None:
                continue
            e2e.append((at - t0) * 1000)
            if key in acked:
                to_text.append((first_text.get(key, at) - acked[key]) * 1000)
                to_full.append((at - acked[key]) * 1000)
            # Waiting for a free answering thread (load beyond what the model answers per second)
            # is queueing, not pipeline work: overhead counts from the worker taking the event.
            queued.append(max(0.0, (picked_up[key] - t0) * 1000))
            model_ms = (reply.details or {}).get("model_ms") or 0
            overhead.append((at - picked_up[key]) * 1000 - model_ms)
            for stage, ms in ((reply.details or {}).get("timings") or {}).items():
                stages.setdefault(stage, []).append(ms)
            stages.setdefault("model_ms", []).append(model_ms)
        posts_per_thread: dict[str, int] = {}
        for call in fake.posted():
            if any(b.get("block_id") == "handover_actions" for b in call.args.get("blocks") or []):
                continue  # the request to the support team that comes with a hand-over
            key = f"{call.args['channel']}/{call.args.get('thread_ts')}"
            posts_per_thread[key] = posts_per_thread.get(key, 0) + 1
        duplicates = sum(n - 1 for n in posts_per_thread.values() if n > 1)
        lost = events - sum(1 for k in sent if k in replies and k in answered)
        bot.terminate()
        bot.wait(timeout=30)
        engine.dispose()
    return {
        "label": label,
        "events": events,
        "concurrency": concurrency,
        "stored_questions": asked,
        "connect_p99_ms": pct(connects, 99),
        "ack_p50_ms": pct(acks, 50),
        "ack_p99_ms": pct(acks, 99),
        "e2e_p50_ms": pct(e2e, 50),
        "e2e_p99_ms": pct(e2e, 99),
        "queue_p50_ms": pct(queued, 50),
        "first_text_p50_ms": pct(to_text, 50),
        "first_text_p99_ms": pct(to_text, 99),
        "full_answer_p50_ms": pct(to_full, 50),
        "full_answer_p99_ms": pct(to_full, 99),
        "overhead_p50_ms": pct(overhead, 50),
        "overhead_p99_ms": pct(overhead, 99),
        "duplicates": duplicates,
        "lost": lost,
        "wall_s": wall,
        "answers_per_s": len(e2e) / wall if wall else 0.0,
        "stages_p50_ms": {k: pct(v, 50) for k, v in stages.items()},
    }


def shown_in_slack(fake: Any) -> tuple[dict[str, float], dict[str, float]]:
    """Per question ("channel/ts"): when the first text of its answer showed in Slack, and when
    the whole answer did (its buttons with it). Streaming: chat.startStream, then chat.stopStream;
    the placeholder path: its chat.update (the placeholder itself is not the answer); an answer
    posted whole: that chat.postMessage, both at once."""
    from supportbot.bot.blocks import delayed_text, working_text

    with fake.lock:
        calls = list(fake.calls)
        thread_of = {key: m.get("thread_ts") for key, m in fake.messages.items()}
    first: dict[str, float] = {}
    full: dict[str, float] = {}
    for call in calls:
        channel = call.args.get("channel")
        if call.method in ("chat.postMessage", "chat.startStream"):
            thread = call.args.get("thread_ts")
        elif call.method in ("chat.update", "chat.appendStream", "chat.stopStream"):
            thread = thread_of.get((channel, call.args.get("ts")))
        else:
            continue
        key = f"{channel}/{thread}"
        text = call.args.get("text") or call.args.get("markdown_text") or ""
        if call.method != "chat.stopStream" and text in ("", working_text(), delayed_text()):
            continue
        if any(b.get("block_id") == "handover_actions" for b in call.args.get("blocks") or []):
            continue
        first.setdefault(key, call.at)
        blocks = call.args.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if any(b.get("type") == "actions" for b in blocks):
            full.setdefault(key, call.at)
    return first, full


def build_world(folder: Path, embedder: Any) -> None:
    from supportbot.core.db import make_engine, session_factory, upgrade
    from supportbot.retrieval.importer import import_tickets
    from supportbot.retrieval.index_builder import build_index

    engine = make_engine(f"sqlite:///{folder / 'template.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    import_tickets(sessions, ROOT / "data" / "sample" / "tickets.jsonl")
    build_index(sessions=sessions, folder=folder / "home" / "index", embedder=embedder, kind_setting="flat")
    engine.dispose()


def default_model() -> str:
    from supportbot.core.settings import load_settings

    path = load_settings().default_base_model_dir
    if not (path / "config.json").exists():
        sys.exit(f"no model at {path}: run `supportbot train base` (or pass --model)")
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--baseline-events", type=int, default=100, help="0 skips the baseline")
    parser.add_argument("--model", help="Model path (default: the default model)")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--workers", type=int, default=8, help="the bot's answering threads")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    parser.add_argument(
        "--latency-events",
        type=int,
        default=40,
        help="questions one at a time, streamed and through the placeholder, for the time to the first"
        " text of an answer and to the whole of it (0 skips)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import torch

    from bench.serving import start_server
    from supportbot.retrieval.embedder import load_embedder

    torch.set_num_threads(args.threads)
    embedder = load_embedder()
    # The model server in a process of its own, as in production.
    process, stop, model_url, _ = start_server(
        args.model or default_model(), device="auto", threads=args.threads
    )
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp)
        build_world(world, embedder)
        common = dict(
            concurrency=args.concurrency,
            workers=args.workers,
            model_url=model_url,
            world=world,
            max_tokens=args.max_tokens,
        )
        results = []
        if args.latency_events:
            one = {**common, "concurrency": 1, "paced": True}
            results.append(
                run_one(
                    "streamed, 1", events=args.latency_events, before_response=False, streaming=True, **one
                )
            )
            results.append(
                run_one(
                    "placeholder, 1",
                    events=args.latency_events,
                    before_response=False,
                    streaming=False,
                    **one,
                )
            )
        results.append(run_one("ours", events=args.events, before_response=False, **common))
        if args.baseline_events:
            results.append(run_one("baseline", events=args.baseline_events, before_response=True, **common))
    stop.set()
    process.join(timeout=30)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    keys = [
        ("events", "{:.0f}"),
        ("stored_questions", "{:.0f}"),
        ("connect_p99_ms", "{:.1f}"),
        ("ack_p50_ms", "{:.1f}"),
        ("ack_p99_ms", "{:.1f}"),
        ("e2e_p50_ms", "{:.0f}"),
        ("e2e_p99_ms", "{:.0f}"),
        ("queue_p50_ms", "{:.0f}"),
        ("first_text_p50_ms", "{:.0f}"),
        ("first_text_p99_ms", "{:.0f}"),
        ("full_answer_p50_ms", "{:.0f}"),
        ("full_answer_p99_ms", "{:.0f}"),
        ("overhead_p50_ms", "{:.1f}"),
        ("overhead_p99_ms", "{:.1f}"),
        ("duplicates", "{:.0f}"),
        ("lost", "{:.0f}"),
        ("answers_per_s", "{:.1f}"),
    ]
    print(f"{'':<18}" + "".join(f"{r['label']:>16}" for r in results))
    for key, fmt in keys:
        print(f"{key:<18}" + "".join(f"{fmt.format(r[key]):>16}" for r in results))
    print(
        "first_text / full_answer: from the ack to the first text of the answer in Slack / to the whole answer"
    )
    print(f"\nconcurrency {args.concurrency}; every 10th event delivered twice (a Slack retry)")
    for r in results:
        parts = ", ".join(f"{k} {v:.1f}" for k, v in r["stages_p50_ms"].items())
        print(f"{r['label']}: p50 per stage of the answer pipeline (ms): {parts}")


if __name__ == "__main__":
    main()
