"""Faults, made for real: a PostgreSQL database that refuses connections, processes killed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url


@dataclass
class Outage:
    """A PostgreSQL database of its own that can be taken away and given back.

    ``start()`` is what a failover or a crashed primary looks like from the client: every open
    connection is cut (``pg_terminate_backend``) and new ones are refused
    (``ALLOW_CONNECTIONS false``) until ``end()``.
    """

    url: str
    name: str
    admin: Engine

    def start(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self.name},
            )

    def end(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true'))


@pytest.fixture
def outage(pg_server: str) -> Iterator[Outage]:
    name = f"sbtest_outage_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(pg_server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    fault = Outage(url=url, name=name, admin=admin)
    try:
        yield fault
    finally:
        fault.end()
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
