"""Model versions: promote one, roll back: one implementation of each.

Every trained model becomes a version when training records it (training.registry): the default
or a pretrained base model on its own ("base", "base-2", …), each LoRA fine-tune a candidate on
top of one ("v1", "v2", …). A candidate goes live only when the promotion rules (``training.promotion``) say it is not worse than what it
replaces; the model server follows the active version, so a promote or a rollback takes effect
without a restart.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.errors import Conflict
from supportbot.core.models import ModelVersion
from supportbot.training.promotion import promotion_verdict

Sessions = sessionmaker[Session]


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
