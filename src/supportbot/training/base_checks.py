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
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supportbot.core.db import Sessions
    from supportbot.core.settings import Settings


def calibrate_base(
    model_dir: Path, *, data: Sequence[str], settings: Settings, sessions: Sessions, retriever: Any
) -> dict[str, Any] | None:
    """The base model's calibrated checks (as stored in a version's metrics), or None when there
    are no validation conversations to choose them on."""
    from supportbot.core.grounding import TermWeights
    from supportbot.training.base_model import load_base_model
    from supportbot.training.baseline import calibrate_checks

    config, sets = _calibration_sets(data, sessions)
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
        config=config,
        settings=settings,
        split=sets.calibration_split,
    )
    return {k: v for k, v in calibration.to_dict().items() if k != "table"}


def calibration_answers(data: Sequence[str], *, sessions: Sessions) -> int:
    """How many answers ``calibrate_base`` will generate with these data: each calibration
    question as worded and once more thinned (training.calibration.reworded). `train base`
    counts them in the time it says up front."""
    _, sets = _calibration_sets(data, sessions)
    return 2 * len(sets.calibration)


def _calibration_sets(data: Sequence[str], sessions: Sessions) -> tuple[Any, Any]:
    """(the fine-tune's config for these data, its evaluation sets): the split `train run` will
    use with the same data, whose validation conversations the checks are chosen on."""
    from supportbot.training.config import FinetuneConfig
    from supportbot.training.eval_set import eval_sets
    from supportbot.training.finetune_data import gather_data

    config = FinetuneConfig(data=list(data)) if data else FinetuneConfig()
    new, replay = gather_data(config, sessions=sessions)
    return config, eval_sets(config, new.val + replay.val)
