"""The registry of trained models: every trained model recorded as a version, named in order.

A default or pretrained base model on its own is "base", "base-2", …; each LoRA fine-tune a
candidate "v1", "v2", …. Recording a model is training's last step; promoting one and rolling
back are the application's (usecases.versions), under the promotion rules.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.models import ModelVersion

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
