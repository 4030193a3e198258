"""Files that ship inside the package: the Alembic migrations and the bundled sample.

Both stay in the repository where a reader looks for them (alembic/, data/sample/) and install
as package data (pyproject.toml maps them), so a plain `pip install .` finds them from any
working directory.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path


def migrations_dir() -> Path:
    """The Alembic script folder (env.py, versions/).

    A namespace package (see pyproject.toml), so it is found through its spec's search locations:
    importlib.resources.files() refuses the placeholder entry an editable install adds there.
    """
    spec = find_spec("supportbot_migrations")
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / "env.py").is_file():
            return Path(location)
    raise FileNotFoundError("the Alembic migrations (package supportbot_migrations) are not installed")


def sample_dir() -> Path:
    """The bundled sample: tickets, conversations and evaluation questions."""
    return Path(str(files("supportbot.sample")))
