"""Shared fixtures: real databases (SQLite file and PostgreSQL in a schema of its own)."""

from __future__ import annotations

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
