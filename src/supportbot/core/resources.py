"""Files that ship inside the package: the Alembic migrations and the bundled sample.

The migrations live in the package (supportbot/migrations/); the sample stays in the repository
where a reader looks for it (data/sample/) and installs as package data (pyproject.toml maps it),
so a plain `pip install .` finds both from any working directory.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def migrations_dir() -> Path:
    """The Alembic script folder (env.py, versions/)."""
    return Path(str(files("supportbot.migrations")))


def sample_dir() -> Path:
    """The bundled sample: tickets, conversations and evaluation questions."""
    return Path(str(files("supportbot.sample")))
