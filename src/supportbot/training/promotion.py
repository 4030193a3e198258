"""The promotion rules: a new version goes live only if it is measured not to be worse.

Pure decisions over the metrics a fine-tune's evaluation recorded; promoting and rolling back
(the database, the audit log) is ``usecases.versions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supportbot.core.models import ModelVersion

PROMOTION_METRICS = (
    # (metric, higher is better, tolerance: equal within noise counts as "not worse")
    ("answer_f1", True, 0.01),
    ("keyphrase_accuracy", True, 0.01),
    ("right_request", True, 0.01),
    ("invented_identifier_rate", False, 0.005),
)


def compare_for_promotion(candidate: dict[str, Any], reference: dict[str, Any]) -> tuple[bool, str]:
    """Is ``candidate`` not worse than ``reference`` on the held-out answer metrics?"""
    ok, reasons = True, []
    for metric, higher_is_better, tolerance in PROMOTION_METRICS:
        c, r = candidate.get(metric), reference.get(metric)
        if c is None or r is None:
            continue
        worse = c < r - tolerance if higher_is_better else c > r + tolerance
        reasons.append(f"{metric} {c:.3f} vs {r:.3f}{' (worse)' if worse else ''}")
        ok = ok and not worse
    return ok, ", ".join(reasons) or "no comparable metrics"


# Against the "answer with the top retrieved ticket" baseline, as the bot sends its answers: the
# right request at least as often (no tolerance: a bot whose answers are less often right than
# its own best source is worse than showing that source), and a better-written answer (token F1).
# The right request is every keyphrase of the intent where the questions carry intents, else the
# agent reply's telling words (training.scores.is_right).
BASELINE_METRICS = (("right_request", 0.0), ("answer_f1", 0.0))


def beats_baseline(candidate: dict[str, Any], baseline: dict[str, Any]) -> tuple[bool, str]:
    ok, reasons = True, []
    for metric, tolerance in BASELINE_METRICS:
        c, b = candidate.get(metric), baseline.get(metric)
        if metric == "right_request" and (c is None or b is None):  # reports before it existed
            metric, c, b = (
                "keyphrase_accuracy",
                candidate.get("keyphrase_accuracy"),
                baseline.get("keyphrase_accuracy"),
            )
        if c is None or b is None:
            continue
        worse = c < b - tolerance - 1e-9
        reasons.append(f"{metric} {c:.3f} vs {b:.3f}{' (worse)' if worse else ''}")
        ok = ok and not worse
    return ok, ", ".join(reasons) or "no comparable metrics"


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


def promotion_verdict(candidate: ModelVersion, active: ModelVersion | None) -> tuple[bool, str]:
    """(may it replace ``active``, why): not worse than what it replaces, and better than
    showing the top ticket."""
    reference, against = reference_metrics(candidate, active)
    if reference is None and candidate.adapter_path is not None:
        ok, verdict = False, f"not comparable with {against} (evaluated on different questions)"
    elif reference is None:
        ok, verdict = True, "base model"
    else:
        ok, verdict = compare_for_promotion(candidate.metrics or {}, reference)
        verdict = f"against {against}: {verdict}"
    # Whatever it replaces: a model whose answers, as the bot sends them (its checks against
    # the sources applied), name the right procedure less often than simply showing the best
    # past ticket does is not an improvement on having no model at all.
    metrics = candidate.metrics or {}
    baseline = metrics.get("baseline")
    if baseline is not None:
        beats, versus = beats_baseline(metrics.get("as_sent") or metrics, baseline)
        ok = ok and beats
        verdict = f"{verdict}; against the top ticket: {versus}"
    return ok, verdict
