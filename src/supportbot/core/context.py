"""What every entry point opens first: settings, the database, and the schema check."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from supportbot.core.db import ensure_schema_current, make_engine, session_factory
from supportbot.core.settings import Settings, load_settings


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session] = field(repr=False)

    @classmethod
    def open(cls, settings: Settings | None = None, *, check_schema: bool = True) -> AppContext:
        """Connect and refuse an out-of-date schema (with the command that fixes it)."""
        settings = settings or load_settings()
        from supportbot.core import pii

        pii.configure(settings.phone_regions)
        settings.home.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.db_url)
        if check_schema:
            ensure_schema_current(engine)
        return cls(settings=settings, engine=engine, sessions=session_factory(engine))

    def close(self) -> None:
        self.engine.dispose()
