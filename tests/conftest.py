"""Shared fixtures: real databases (SQLite file and PostgreSQL in a schema of its own)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# A running bot (fake Slack, model server, sample index): used by tests/bot and tests/reliability.
pytest_plugins = ["tests.slack_world"]

PG_URL = os.environ.get("SUPPORTBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_server() -> str:
    problem = _pg_available()
    if problem:
        if os.environ.get("SUPPORTBOT_TEST_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL is required but unreachable at {PG_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {problem}")
    return PG_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"sbtest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_server).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """Each test using this runs twice: on SQLite and on the real PostgreSQL (marked ``postgres``)."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def migrated_engine(db_url: str) -> Iterator[Engine]:
    from supportbot.core.db import make_engine, upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(migrated_engine):
    from supportbot.core.db import session_factory

    return session_factory(migrated_engine)


# --- a tiny trained chat model, built once per test session -------------------------------------

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


@pytest.fixture(scope="session")
def sample_slice(tmp_path_factory) -> Callable[[int], Path]:
    """``sample_slice(n)``: a conversations file of ``n`` sample conversations, spread evenly over
    the whole history (so every intent is in it), in a folder of its own."""

    def write(n: int) -> Path:
        lines = (SAMPLE / "conversations.jsonl").read_text(encoding="utf-8").splitlines()
        step = max(1, len(lines) // n)
        path = tmp_path_factory.mktemp("slice") / "conversations.jsonl"
        path.write_text("\n".join(lines[::step][:n]) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory, sample_slice) -> str:
    """A ~200k-parameter Llama with our tokenizer and chat template, trained for a few seconds
    on a slice of the sample logs: real weights, real generation, just small. The one tiny chat
    model of a test run: every test that needs a model to serve, train or convert uses it."""
    from supportbot.training.default_model import DefaultModelConfig, train_default_model

    out = tmp_path_factory.mktemp("tiny-base")
    config = DefaultModelConfig(
        size="tiny",
        vocab_size=1024,
        steps=120,
        batch_size=8,
        lr=3e-3,
        eval_questions=None,
        eras=["base"],
    )
    config.data = [str(sample_slice(600))]
    train_default_model(config, out_dir=out, progress=False)
    return str(out)


@pytest.fixture(scope="session")
def trained_sentiment(tmp_path_factory):
    """The sample's sentiment classifier (the quick candidates), trained once per run in a home
    folder of its own: (its settings, the training run)."""
    from supportbot.core.settings import Settings
    from supportbot.training.sentiment import SentimentConfig, train_sentiment
    from supportbot.training.sentiment_data import sample_turns

    home = tmp_path_factory.mktemp("sentiment-home")
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'x.db'}")
    run = train_sentiment(
        sample_turns(), settings=settings, config=SentimentConfig(candidates=("logreg", "mlp"))
    )
    return settings, run


@pytest.fixture(scope="session")
def mood_scorer(trained_sentiment):
    """That classifier, loaded as the bot loads it."""
    from supportbot.training.sentiment import load_scorer

    scorer = load_scorer(trained_sentiment[0])
    assert scorer is not None
    return scorer


# --- a team whose tickets state a price ---------------------------------------------------------

# Three tickets stating one price alike (the team's), three refunds of one customer each.
PRICED_TICKETS = [
    ("Do you offer a static IP?", "Yes, the Static IP add-on is £5 a month on any fibre plan, and you can cancel it any time."),
    ("How much is a fixed IP address?", "A fixed address is the Static IP add-on: £5 a month on any fibre plan, cancel any time."),
    ("Static IP price for my CCTV?", "For CCTV you need the Static IP add-on, £5 a month on any fibre plan."),
    ("I overpaid, refund the credit please", "You have a credit balance of £42.50; tap Request a refund in the app."),
    ("Refund my credit balance after leaving", "There is a credit balance of £18 left; tap Request a refund in the app."),
    ("I paid my bill twice, money back?", "Your account shows a credit balance of £30; tap Request a refund in the app."),
]  # fmt: skip


@pytest.fixture
def priced_home(tmp_path, embedder) -> Path:
    """A home folder (SQLite database and FAISS index) holding ``PRICED_TICKETS`` as P-0 … P-5."""
    from supportbot.core.db import make_engine, session_factory, upgrade
    from supportbot.retrieval.importer import import_tickets
    from supportbot.retrieval.index_builder import build_index

    home = tmp_path / "priced-home"
    home.mkdir()
    rows = tmp_path / "priced-tickets.jsonl"
    rows.write_text(
        "".join(
            json.dumps({"id": f"P-{n}", "question": q, "resolution": r}) + "\n"
            for n, (q, r) in enumerate(PRICED_TICKETS)
        )
    )
    engine = make_engine(f"sqlite:///{home / 'supportbot.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    assert import_tickets(sessions, rows).failed == 0
    build_index(sessions=sessions, folder=home / "index", embedder=embedder, kind_setting="flat")
    engine.dispose()
    return home
