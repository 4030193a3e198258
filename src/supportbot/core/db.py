"""Database engine, sessions and the schema version check (Alembic owns the tables)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from supportbot.core.errors import ConfigError, DatabaseError, SchemaOutOfDate
from supportbot.core.resources import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for a SQLite or PostgreSQL URL, tuned for many short transactions."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"SUPPORTBOT_DATABASE_URL: not a database URL ({exc})") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
            event.listen(engine, "connect", _sqlite_pragmas)
            # pysqlite defers BEGIN until the first write; take it over and take the write lock at once so
            # writers queue on the busy timeout instead of failing with "database is locked".
            event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        else:
            engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigError(f"SUPPORTBOT_DATABASE_URL: no driver for {parsed.drivername} ({exc})") from None
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # see the "begin" listener in make_engine
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def describe(engine: Engine) -> str:
    """The URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot reach the database {describe(engine)}: {reason}") from None


def database_status(sessions: sessionmaker[Session]) -> tuple[bool, str]:
    """(True, "ok") when the database answers a query now, else (False, why): for /health."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        return True, "ok"
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return False, f"unreachable: {reason[0] if reason else type(exc).__name__}"


# What every use case and entry point is handed: a factory of sessions on one engine.
Sessions = sessionmaker[Session]


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session


# --- Alembic -----------------------------------------------------------------------------------


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    check_connection(engine)
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    check_connection(engine)
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    check_connection(engine)
    command.downgrade(alembic_config(engine), revision)


def ensure_schema_current(engine: Engine) -> None:
    """Refuse to run against a schema the code does not match, with the command that fixes it."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        where = "has no tables yet" if current is None else f"is at revision {current}"
        raise SchemaOutOfDate(
            f"the database {describe(engine)} {where}, this code needs {head}: run `supportbot db upgrade`"
        )
