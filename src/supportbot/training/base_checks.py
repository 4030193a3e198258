"""The checks after the model, calibrated for a base model as `train run` calibrates them for a
fine-tune: the agreement floor, the close-match score and the confidence gate chosen on the
team's own validation conversations (the ones neither the base nor a fine-tune learns;
training.calibration), stored with the base's version and applied by the bot while the base
answers (usecases.floors). Without this, a team's first model answered under settings chosen on
the bundled sample: on a team whose closest tickets score lower, the sample's gate handed over
questions its best ticket would have answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supportbot.core.db import Sessions
    from supportbot.core.settings import Settings
    from supportbot.training.config import FinetuneConfig
    from supportbot.training.eval_set import EvalSets


@dataclass(frozen=True)
class CalibrationPlan:
    """The split `train run` will use with the same data (``config``, ``sets``): the checks are
    chosen on its validation conversations. Gathered once, before the training, so `train base`
    can count the calibration's answers in the time it says up front."""

    config: FinetuneConfig
    sets: EvalSets

    @property
    def answers(self) -> int:
        """Answers the calibration generates: each question as worded and once more thinned
        (training.calibration.reworded)."""
        return 2 * len(self.sets.calibration)


def calibration_plan(data: Sequence[str], *, sessions: Sessions) -> CalibrationPlan:
    """The calibration's split for these data (the bundled sample's when none)."""
    from supportbot.training.config import FinetuneConfig
    from supportbot.training.eval_set import eval_sets
    from supportbot.training.finetune_data import gather_data

    config = FinetuneConfig(data=list(data)) if data else FinetuneConfig()
    new, replay = gather_data(config, sessions=sessions)
    return CalibrationPlan(config, eval_sets(config, new.val + replay.val))


def calibrate_base(
    model_dir: Path, *, plan: CalibrationPlan, settings: Settings, sessions: Sessions, retriever: Any
) -> dict[str, Any] | None:
    """The base model's calibrated checks (as stored in a version's metrics), or None when there
    are no validation conversations to choose them on."""
    from supportbot.core.grounding import TermWeights
    from supportbot.training.base_model import load_base_model
    from supportbot.training.baseline import calibrate_checks

    sets = plan.sets
    if not sets.calibration:
        return None
    model, tokenizer = load_base_model(str(model_dir), device=settings.device)
    model.eval()
    calibration = calibrate_checks(
        model,
        tokenizer,
        sets.calibration,
        retriever=retriever,
        weights=TermWeights.from_store(sessions),
        config=plan.config,
        settings=settings,
        split=sets.calibration_split,
        leave_out=[i.id for i in sets.report],
    )
    return {k: v for k, v in calibration.to_dict().items() if k != "table"}
