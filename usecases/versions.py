"""Model versions: register one, promote one, roll back: one implementation of each.

Every trained model becomes a version: the default or a pretrained base model on its own
("base", "base-2", …), each LoRA fine-tune a candidate on top of one ("v1", "v2", …). A candidate
goes live only when the promotion rules (``training.promotion``) say it is not worse than what it
replaces; the model server follows the active version, so a promote or a rollback takes effect
without a restart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core import store
from core.db import transaction
from core.errors import Conflict
from core.models import ModelVersion
from training.promotion import promotion_verdict

Sessions = sessionmaker[Session]


def next_version_name(session: Session, *, adapter: bool) -> str:
    """The first free name: "v1", "v2", … for a fine-tune's adapter; "base", "base-2", … for a
    base model registered on its own."""
    taken = {v.name for v in store.list_model_versions(session)}
    if adapter:
        n = 1
        while f"v{n}" in taken:
            n += 1
        return f"v{n}"
    name, n = "base", 2
    while name in taken:
        name, n = f"base-{n}", n + 1
    return name


def register_version(
    sessions: Sessions,
    *,
    base_model: str,
    name: str | None = None,
    adapter_path: str | None = None,
    metrics: dict[str, Any] | None = None,
    job_id: int | None = None,
    activate: bool | None = False,
) -> ModelVersion:
    """Record a trained model as a version (named by ``next_version_name`` unless ``name`` is given).

    ``activate``: False keeps it a candidate (promotion decides); True makes it the active version
    at once (a base model someone chose); None makes it active only when no version is active yet
    (the first model of an installation).
    """
    with transaction(sessions) as s:
        name = name or next_version_name(s, adapter=adapter_path is not None)
        version = store.create_model_version(
            s, name=name, base_model=base_model, adapter_path=adapter_path, metrics=metrics, job_id=job_id
        )
        if activate or (activate is None and store.active_model_version(s) is None):
            store.activate(s, name=name)
        return version


def promote(sessions: Sessions, *, name: str, actor: str, force: bool = False) -> tuple[ModelVersion, str]:
    """Make ``name`` the active version, if the promotion rules allow it (or ``force``).

    Returns the version and the verdict; a refusal raises Conflict and changes nothing."""
    with transaction(sessions) as s:
        version = store.get_model_version(s, name=name)
        active = store.active_model_version(s)
        if active is not None and active.id == version.id:
            raise Conflict(f"{name} is already the active version")
        ok, verdict = promotion_verdict(version, active)
        if not ok and not force:
            raise Conflict(f"refusing to promote {name}: {verdict}; use --force to promote anyway")
        store.activate(s, name=name)
        store.audit(
            s,
            actor=actor,
            action="model.promote",
            detail={
                "version": name,
                "previous": active.name if active else None,
                "forced": force and not ok,
                "verdict": verdict,
            },
        )
        return version, verdict


def rollback(sessions: Sessions, *, actor: str) -> tuple[ModelVersion, str | None]:
    """Return to the previously active version; returns it and the name of the one it replaced."""
    with transaction(sessions) as s:
        current = store.active_model_version(s)
        target = store.rollback(s)
        store.audit(
            s,
            actor=actor,
            action="model.rollback",
            detail={"from": current.name if current else None, "to": target.name},
        )
        return target, current.name if current else None
