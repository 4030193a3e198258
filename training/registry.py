"""Promotion and rollback: a new version goes live only if it is measured not to be worse.

The model server follows the registry (it re-reads the active version every few seconds), so a
promote or rollback takes effect without a restart.
"""

from __future__ import annotations

from typing import Any

from core import store
from core.db import transaction
from core.errors import Conflict
from core.models import ModelVersion
from training.evaluate import beats_baseline, compare_for_promotion


def reference_metrics(
    candidate: ModelVersion, active: ModelVersion | None
) -> tuple[dict[str, Any] | None, str]:
    """What the candidate must not be worse than, measured on the same questions."""
    metrics = candidate.metrics or {}
    if active is None or active.adapter_path is None:
        # The plain base model is active: the candidate's own "before" column measured it.
        return metrics.get("before"), "the base model"
    active_metrics = active.metrics or {}
    if active_metrics.get("eval_set") != metrics.get("eval_set"):
        return None, active.name
    return active_metrics, active.name


def promote(sessions: Any, *, name: str, actor: str, force: bool = False) -> tuple[ModelVersion, str]:
    with transaction(sessions) as s:
        version = store.get_model_version(s, name=name)
        active = store.active_model_version(s)
        if active is not None and active.id == version.id:
            raise Conflict(f"{name} is already the active version")
        reference, against = reference_metrics(version, active)
        if reference is None and version.adapter_path is not None:
            verdict = f"not comparable with {against} (evaluated on different questions)"
            ok = False
        elif reference is None:
            ok, verdict = True, "base model"
        else:
            ok, verdict = compare_for_promotion(version.metrics or {}, reference)
            verdict = f"against {against}: {verdict}"
        # Whatever it replaces: a model whose answers, as the bot sends them (its checks against
        # the sources applied), name the right procedure less often than simply showing the best
        # past ticket does is not an improvement on having no model at all.
        metrics = version.metrics or {}
        baseline = metrics.get("baseline")
        if baseline is not None:
            beats, versus = beats_baseline(metrics.get("as_sent") or metrics, baseline)
            ok = ok and beats
            verdict = f"{verdict}; against the top ticket: {versus}"
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


def rollback(sessions: Any, *, actor: str) -> tuple[ModelVersion, str | None]:
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
