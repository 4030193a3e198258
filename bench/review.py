"""Review app benchmark: the conversation list page on 100k conversations, through the real app.

    python -m bench.review                                  # SQLite file, 100k conversations
    python -m bench.review --database-url postgresql://postgres@127.0.0.1:5432/test
    python -m bench.review --conversations 20000 --repeat 10

It seeds a database with bulk inserts (several messages per conversation, retrieval hits,
ratings, statuses, channels, model versions over 90 days; the SQLite file is kept under
bench/results/ and reused), logs in like a browser does, and times GET requests of the list page
with one filter at a time (and a few combined), the conversation page, the overview and the JSON
API: p50/p95 of ``--repeat`` requests each, target < 300 ms for the filtered list page.

Side by side, for the same filters: our one-query page of rows (``store.list_conversations``)
against the naive ORM way (fetch the page of conversations, then lazily load each one's
messages: one query per row, N+1).

On PostgreSQL the tables live in a schema of their own, dropped at the end (``--keep`` keeps it).
Figures are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

RESULTS = ROOT / "bench" / "results"
GENERATOR_VERSION = 1
CHUNK = 20_000
PASSWORD = "bench password"
TARGET_MS = 300.0

CHANNELS = [f"C{n:04d}" for n in range(1, 13)]
VERSIONS = ["v1", "v2", "v3", "v4"]  # by era: older conversations were answered by older versions
PRODUCTS = ["router", "camera", "thermostat", "soundbar", "fitness band", "e-reader", "vacuum", "doorbell"]
QUESTIONS = [
    "My order {n} has not arrived yet",
    "How do I reset the password of my {p}?",
    "The {p} does not connect to wifi",
    "I was charged twice for order {n}",
    "Can I get a refund for my {p}?",
    "How do I change my shipping address?",
    "The app crashes when I open the {p} settings",
    "Where do I find the invoice for order {n}?",
    "My {p} shows error E{e}",
    "Do you ship the {p} abroad?",
]
ANSWERS = [
    "Sorry for the wait. Your order is on its way; the tracking link is in your confirmation email.",
    "Open Settings, choose Security and click Reset password. We email you a link.",
    "Restart the {p} and hold the pairing button for five seconds, then pick your network again.",
    "Sorry about that. We refund the second charge within five days.",
    "Yes, within 30 days: open Orders, pick the order and choose Request refund.",
    "Go to Account, then Addresses, and edit the default address.",
    "Please update the app and clear its cache. If it still crashes, reinstall it.",
    "Invoices are under Billing, then History. You can download each one as a PDF.",
    "Error E{e} means the firmware is out of date: update it from the app.",
    "We ship to most countries in Europe. Shipping takes five to ten days.",
]
FOLLOW_UPS = ["Thanks, that worked", "It still does not work", "Can I talk to a human?", "What about my {p}?"]
# Appears in about 1 conversation in 400: a selective full-text search.
RARE_WORD = "kaleidoscope"

STATUS_WEIGHTS = {"answered": 60, "escalated": 15, "resolved": 20, "open": 5}


# --- seeding --------------------------------------------------------------------------------------


def _pick_weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def generate(n: int, *, seed: int = 7, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Rows for every table, made in memory (fast), ids assigned here."""
    rng = random.Random(seed)
    conversations, messages, hits, feedback = [], [], [], []
    message_id = hit_id = feedback_id = 0
    span = timedelta(days=90).total_seconds()
    for cid in range(1, n + 1):
        created = now - timedelta(seconds=span * (1 - cid / n) + rng.random() * 60)
        era = min(len(VERSIONS) - 1, int(len(VERSIONS) * cid / (n + 1)))
        version = VERSIONS[era] if rng.random() > 0.1 else VERSIONS[max(0, era - 1)]
        channel = rng.choice(CHANNELS)
        user = f"U{rng.randrange(2000):05d}"
        status = _pick_weighted(rng, STATUS_WEIGHTS)
        roll = rng.random()
        rating = -1 if roll < 0.2 else 1 if roll < 0.5 else None
        exchanges = rng.choice([1, 1, 2, 2, 3])
        when = created
        first_reply = None
        last_reply = None
        for j in range(exchanges):
            p, num, err = rng.choice(PRODUCTS), rng.randrange(10000, 99999), rng.randrange(100, 999)
            q = rng.randrange(len(QUESTIONS))
            text = (QUESTIONS[q] if j == 0 else rng.choice(FOLLOW_UPS)).format(n=num, p=p, e=err)
            if rng.random() < 0.0025:
                text += f" (the {RARE_WORD} pattern on the screen)"
            message_id += 1
            question_id = message_id
            messages.append(
                {
                    "id": question_id,
                    "conversation_id": cid,
                    "role": "user",
                    "text": text,
                    "slack_user": user,
                    "slack_channel": channel,
                    "slack_ts": f"{1_700_000_000 + cid}.{j * 2:06d}",
                    "created_at": when,
                }
            )
            when += timedelta(seconds=rng.randrange(2, 40))
            message_id += 1
            last_reply = message_id
            first_reply = first_reply or message_id
            handover = status == "escalated" and j == exchanges - 1
            messages.append(
                {
                    "id": message_id,
                    "conversation_id": cid,
                    "role": "assistant",
                    "text": ANSWERS[q].format(p=p, e=err)
                    if not handover
                    else "I am handing this to a colleague who will reply here.",
                    "reply_to_id": question_id,
                    "model": "supportbot",
                    "model_version": version,
                    "prompt_mode": "chat" if rng.random() < 0.7 else "completion",
                    "latency_ms": rng.randrange(150, 2500),
                    "prompt_tokens": rng.randrange(60, 400),
                    "completion_tokens": rng.randrange(10, 120),
                    "confidence": round(-rng.random() * 2, 3),
                    "outcome": "handover" if handover else "model",
                    "slack_channel": channel,
                    "slack_ts": f"{1_700_000_000 + cid}.{j * 2 + 1:06d}",
                    "created_at": when,
                }
            )
            for rank in (1, 2):
                hit_id += 1
                hits.append(
                    {
                        "id": hit_id,
                        "message_id": message_id,
                        "ticket_external_id": f"T-{rng.randrange(1, 5000)}",
                        "rank": rank,
                        "score": round(0.9 - 0.1 * rank - rng.random() * 0.3, 4),
                    }
                )
            when += timedelta(minutes=rng.randrange(1, 30))
        if rating is not None:
            feedback_id += 1
            feedback.append(
                {
                    "id": feedback_id,
                    "message_id": last_reply,
                    "user": user,
                    "rating": rating,
                    "created_at": when,
                }
            )
        conversations.append(
            {
                "id": cid,
                "source": "slack",
                "slack_team": "T0001",
                "slack_channel": channel,
                "slack_thread_ts": f"{1_700_000_000 + cid}.000000",
                "slack_user": user,
                "status": status,
                "rating": rating,
                "approved_for_training": rng.random() < 0.03,
                "created_at": created,
                "updated_at": when,
            }
        )
    return {
        "conversations": conversations,
        "messages": messages,
        "retrieval_hits": hits,
        "feedback": feedback,
    }


def seed(engine, n: int) -> dict[str, int]:
    from sqlalchemy import text
    from tqdm import tqdm

    from supportbot.core.models import Base

    rows = generate(n, now=datetime.now(UTC))
    counts = {}
    with engine.begin() as conn:
        for name in ("conversations", "messages", "retrieval_hits", "feedback"):
            table = Base.metadata.tables[name]
            keys = sorted({k for row in rows[name][:1000] for k in row})
            # executemany needs the same keys in every row
            data = [{k: row.get(k) for k in keys} for row in rows[name]]
            counts[name] = len(data)
            for start in tqdm(
                range(0, len(data), CHUNK), desc=f"insert {name}", unit="chunk", file=sys.stderr
            ):
                conn.execute(table.insert(), data[start : start + CHUNK])
        if engine.dialect.name == "postgresql":
            for name in ("conversations", "messages", "retrieval_hits", "feedback"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                    )
                )
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return counts


# --- timing ---------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def time_calls(fn, repeat: int, warmup: int = 2) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50": statistics.median(samples), "p95": percentile(samples, 0.95), "min": min(samples)}


def naive_rows(session, matching, *, limit: int = 50) -> list[tuple]:
    """The baseline: a page of conversations, then each one's messages lazily (N+1 queries)."""
    from sqlalchemy import select

    from supportbot.core.models import Conversation

    where = matching.conditions(session.get_bind().dialect.name)
    page = session.scalars(
        select(Conversation)
        .where(*where)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(limit)
    ).all()
    out = []
    for c in page:
        msgs = c.messages  # one query per conversation
        first = next((m.text for m in msgs if m.role.value == "user"), None)
        version = next((m.model_version for m in reversed(msgs) if m.model_version), None)
        out.append((c.id, len(msgs), first, version))
        session.expire(c)  # keep the next repetition honest
    return out


def bench_case(client, ctx, params: dict[str, str], repeat: int) -> dict[str, Any]:
    """The page (and, where it is fetched separately, the count), then the store query vs N+1."""
    from supportbot.core import store
    from supportbot.review.filters import ListFilters

    response = client.get("/", params=params)
    assert response.status_code == 200, response.text[:500]
    rows = response.text.count("<tr data-id=")
    page = time_calls(lambda: client.get("/", params=params), repeat)
    count = None
    found = re.search(r'data-count="(\d+)"', response.text)
    if found:
        total = int(found.group(1))
    else:  # counted after the page, by the script of the page
        total = client.get("/api/conversations/count", params=params).json()["count"]
        count = time_calls(lambda: client.get("/api/conversations/count", params=params), max(3, repeat // 2))
    matching = ListFilters.from_mapping(params).conversation_filter()
    offset = (int(params.get("page", 1)) - 1) * 50
    with ctx.sessions() as s:
        ours = time_calls(
            lambda: store.list_conversations(s, matching=matching, limit=50, offset=offset), repeat
        )
        naive = time_calls(lambda: naive_rows(s, matching), max(3, repeat // 3)) if offset == 0 else None
    return {"rows": rows, "total": total, "page": page, "count": count, "ours": ours, "naive": naive}


LIST_CASES: list[tuple[str, dict[str, str]]] = [
    ("no filter", {}),
    ("rating=down", {"rating": "down"}),
    ("status=escalated", {"status": "escalated"}),
    ("channel=C0003", {"channel": "C0003"}),
    ("user=U00042", {"user": "U00042"}),
    ("model_version=v2", {"model_version": "v2"}),
    ("since=7d", {"since": "7d"}),
    ("q=refund", {"q": "refund"}),
    (f"q={RARE_WORD} (rare)", {"q": RARE_WORD}),
    ("rating=down+channel+since=30d", {"rating": "down", "channel": "C0003", "since": "30d"}),
    ("status=escalated, page 20", {"status": "escalated", "page": "20"}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="Default: a SQLite file under bench/results/.")
    parser.add_argument("--repeat", type=int, default=15, help="Timed requests per case.")
    parser.add_argument("--fresh", action="store_true", help="Re-seed the SQLite file even if it exists.")
    parser.add_argument("--keep", action="store_true", help="Keep the PostgreSQL schema.")
    parser.add_argument("--explain", action="store_true", help="Print the query plans of the list queries.")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.results.mkdir(parents=True, exist_ok=True)

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from supportbot.core.settings import load_settings

    schema = None
    db_file = None
    if args.database_url:
        url = load_settings(database_url=args.database_url).db_url
        schema = f"bench_review_{uuid.uuid4().hex[:8]}"
        admin_engine = create_engine(url)
        with admin_engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = (
            make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    else:
        db_file = args.results / f"review-{args.conversations}-gen{GENERATOR_VERSION}.db"
        url = f"sqlite:///{db_file}"
    engine = _seeded_engine(url, db_file, conversations=args.conversations, fresh=args.fresh)
    try:
        report = _run(engine, url, args)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        out = args.results / f"review-{engine.dialect.name}-{stamp}.json"
        out.write_text(json.dumps(report, indent=2))
        print(f"\nresults: {out}")
    finally:
        engine.dispose()
        if schema and not args.keep:
            with admin_engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin_engine.dispose()


def _remove_sqlite(db_file: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_file) + suffix).unlink(missing_ok=True)


def _seeded_engine(url: str, db_file: Path | None, *, conversations: int, fresh: bool):
    """The migrated database with ``conversations`` seeded; a kept SQLite file is reused when whole."""
    from sqlalchemy import text

    from supportbot.core.db import make_engine, upgrade

    fresh = fresh or db_file is None or not db_file.exists()
    if fresh and db_file is not None:
        _remove_sqlite(db_file)
    engine = make_engine(url)
    upgrade(engine)
    if not fresh and db_file is not None:  # a file left by an interrupted run is seeded again
        with engine.connect() as conn:
            fresh = conn.scalar(text("SELECT count(*) FROM conversations")) != conversations
        if fresh:
            engine.dispose()
            _remove_sqlite(db_file)
            engine = make_engine(url)
            upgrade(engine)
    if fresh:
        started = time.perf_counter()
        counts = seed(engine, conversations)
        print(f"seeded {counts} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return engine


def _run(engine, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every case through the real app, logged in like a browser; the report of the run."""
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from supportbot.core.context import AppContext
    from supportbot.core.db import session_factory
    from supportbot.core.settings import load_settings
    from supportbot.review.app import create_app
    from supportbot.review.passwords import hash_password

    settings = load_settings(
        database_url=url,
        home=args.results / "review-home",
        review_admins=[f"bench:{hash_password(PASSWORD, iterations=1000)}"],
        session_secret="b" * 40,
    )
    ctx = AppContext(settings=settings, engine=engine, sessions=session_factory(engine))
    report: dict[str, Any] = {
        "database": engine.dialect.name,
        "conversations": args.conversations,
        "repeat": args.repeat,
        "target_ms": TARGET_MS,
        "list_page": {},
        "store": {},
        "other_pages": {},
    }
    with ctx.sessions() as s:
        report["messages"] = s.scalar(text("SELECT count(*) FROM messages"))
    with TestClient(create_app(ctx)) as client:
        form = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        logged_in = client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf_token": token})
        assert logged_in.status_code == 200
        print(
            f"\n{engine.dialect.name}: {args.conversations:,} conversations, {report['messages']:,} messages; "
            f"{args.repeat} requests per case (ms)\n"
        )
        _list_cases(client, ctx, args, report)
        _other_pages(client, ctx, args, report)
    return report


def _list_cases(client, ctx, args: argparse.Namespace, report: dict[str, Any]) -> None:
    from supportbot.review.filters import ListFilters

    print(
        f"{'list page (GET /)':<32} {'rows':>5} {'total':>7} {'p50':>7} {'p95':>7}  "
        f"{'count p50':>9}  {'store p50':>9} {'N+1 p50':>8}"
    )
    for name, params in LIST_CASES:
        result = bench_case(client, ctx, params, args.repeat)
        report["list_page"][name] = result
        page, count, ours, naive = result["page"], result["count"], result["ours"], result["naive"]
        flag = "" if page["p95"] < TARGET_MS else "  > target"
        print(
            f"{name:<32} {result['rows']:>5} {result['total']:>7} {page['p50']:7.1f} {page['p95']:7.1f}  "
            + (f"{count['p50']:9.1f}" if count else f"{'inline':>9}")
            + f"  {ours['p50']:9.1f} "
            + (f"{naive['p50']:8.1f}" if naive else f"{'-':>8}")
            + flag
        )
        if args.explain:
            explain(ctx, ListFilters.from_mapping(params).conversation_filter())


def _other_pages(client, ctx, args: argparse.Namespace, report: dict[str, Any]) -> None:
    from sqlalchemy import text

    with ctx.sessions() as s:
        some = s.scalar(text("SELECT id FROM conversations ORDER BY id DESC LIMIT 1"))
    print()
    for name, path in [
        ("conversation page", f"/conversations/{some}"),
        ("overview page", "/overview"),
        ("API list, rating=down", "/api/conversations?rating=down"),
        ("API conversation", f"/api/conversations/{some}"),
    ]:
        assert client.get(path).status_code == 200
        timing = time_calls(lambda p=path: client.get(p), max(5, args.repeat // 2))
        report["other_pages"][name] = timing
        print(f"{name:<34} {'':>5} {'':>7} {timing['p50']:8.1f} {timing['p95']:8.1f}")


def explain(ctx, matching) -> None:
    """The plan of the page query and of the count, as the database runs them."""
    from sqlalchemy import func, select, text

    from supportbot.core.models import Conversation

    with ctx.sessions() as s:
        dialect = s.get_bind().dialect.name
        where = matching.conditions(dialect)
        for stmt in (
            select(Conversation.id)
            .where(*where)
            .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
            .limit(50),
            select(func.count(Conversation.id)).where(*where),
        ):
            compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
            prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN ANALYZE "
            for row in s.execute(text(prefix + str(compiled))):
                print("      ", " | ".join(str(v) for v in row))


if __name__ == "__main__":
    main()
