"""Alembic environment: the only place tables are created or changed."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine

from supportbot.core.db import make_engine
from supportbot.core.models import Base

config = context.config
target_metadata = Base.metadata

# Indexes that exist only in migrations (PostgreSQL expression indexes the models cannot state).
MIGRATION_ONLY_INDEXES = {"ix_messages_text_fts"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from supportbot.core.settings import load_settings

        url = load_settings().db_url
    return make_engine(url)


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things: batch mode recreates the table instead.
            render_as_batch=True,
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
