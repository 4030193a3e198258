"""Model versions: every training run is a candidate; one version at a time is active."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from supportbot.core.enums import ModelStatus
from supportbot.core.errors import Conflict, NotFound
from supportbot.core.models import ModelVersion, utcnow


def create_model_version(
    session: Session,
    *,
    name: str,
    base_model: str,
    adapter_path: str | None = None,
    metrics: dict[str, Any] | None = None,
    job_id: int | None = None,
) -> ModelVersion:
    if session.scalars(select(ModelVersion).where(ModelVersion.name == name)).first() is not None:
        raise Conflict(f"model version {name!r} already exists")
    version = ModelVersion(
        name=name, base_model=base_model, adapter_path=adapter_path, metrics=metrics, job_id=job_id
    )
    session.add(version)
    session.flush()
    return version


def get_model_version(session: Session, *, name: str) -> ModelVersion:
    version = session.scalars(select(ModelVersion).where(ModelVersion.name == name)).first()
    if version is None:
        raise NotFound(f"model version {name!r} does not exist (see `supportbot model list`)")
    return version


def find_model_version(session: Session, *, name: str) -> ModelVersion | None:
    return session.scalars(select(ModelVersion).where(ModelVersion.name == name)).first()


def list_model_versions(session: Session) -> list[ModelVersion]:
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))


def active_model_version(session: Session) -> ModelVersion | None:
    return session.scalars(select(ModelVersion).where(ModelVersion.status == ModelStatus.active)).first()


def activate(session: Session, *, name: str) -> ModelVersion:
    """Make ``name`` the active version; the one active before is retired."""
    version = get_model_version(session, name=name)
    current = active_model_version(session)
    if current is not None and current.id != version.id:
        current.status = ModelStatus.retired
        session.flush()  # one active row at a time, also for readers mid-transaction
    version.status = ModelStatus.active
    version.promoted_at = utcnow()
    session.flush()
    return version


def previous_version(session: Session) -> ModelVersion | None:
    """The version that was active before the current one (the target of a rollback)."""
    current = active_model_version(session)
    stmt = select(ModelVersion).where(
        ModelVersion.status == ModelStatus.retired, ModelVersion.promoted_at.is_not(None)
    )
    if current is not None and current.promoted_at is not None:
        stmt = stmt.where(ModelVersion.promoted_at < current.promoted_at)
    return session.scalars(stmt.order_by(ModelVersion.promoted_at.desc(), ModelVersion.id.desc())).first()


def rollback(session: Session) -> ModelVersion:
    """Return to the previously active version; the current one goes back to candidate."""
    current = active_model_version(session)
    target = previous_version(session)
    if target is None:
        raise Conflict("there is no earlier active version to roll back to")
    if current is not None:
        current.status = ModelStatus.candidate
        current.promoted_at = None
        session.flush()
    target.status = ModelStatus.active
    session.flush()
    return target
