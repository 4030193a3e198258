"""`train base` calibrates the checks after the model for the base, as `train run` does for a
fine-tune, and the bot applies them while the base answers."""

from __future__ import annotations

import shutil

import pytest

from supportbot.core.db import make_engine, session_factory, upgrade
from supportbot.core.settings import Settings


@pytest.mark.slow
def test_the_base_gets_checks_calibrated_on_the_teams_validation_questions(
    tmp_path, tiny_base, sample_world, sample_slice
):
    from supportbot.retrieval.search import Retriever
    from supportbot.training.base_checks import calibrate_base, calibration_plan
    from supportbot.training.registry import register_version
    from supportbot.usecases.floors import FloorBook

    home = tmp_path / "home"
    home.mkdir()
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'supportbot.db'}")
    shutil.copy(sample_world / "template.db", home / "supportbot.db")
    shutil.copytree(sample_world / "index", settings.index_dir)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    sessions = session_factory(engine)
    retriever = Retriever.open(settings=settings, sessions=sessions)

    logs = sample_slice(300)
    plan = calibration_plan([str(logs)], sessions=sessions)
    cal = calibrate_base(tiny_base, plan=plan, settings=settings, sessions=sessions, retriever=retriever)
    assert cal is not None and cal["questions"] > 0
    # what `train base` counts up front is what the calibration answered
    assert plan.answers == cal["questions"]
    assert "validation" in cal["split"]  # the conversations no model learns
    assert 0 < cal["escalate_below_score"] <= settings.escalate_below_score
    # the gate stands on the team's tickets as well as the calibration questions
    assert cal["gate_tickets"] > 0
    assert "table" not in cal  # the table of every setting tried stays in the report
    # The bot's checks for the base's version are these, not the configured ones.
    register_version(sessions, base_model=str(tiny_base), metrics={"calibration": cal}, activate=True)
    floors = FloorBook(settings=settings, sessions=sessions).for_version("base")
    assert floors.source == "calibrated for base"
    assert (floors.disagree_below, floors.close_match_score, floors.escalate_below_score) == (
        cal["disagree_below"],
        cal["close_match_score"],
        cal["escalate_below_score"],
    )
    engine.dispose()


def test_the_time_said_up_front_counts_what_was_spent_and_the_calibration_after_the_steps():
    """`train base` says its time once the steps can be timed: the data and tokenizer already
    spent and the calibration's answers after the steps are in it, not the steps alone."""
    from supportbot.training.eta import Estimate

    estimate = Estimate(120.0, 60.0, 0.6, 200, spent_s=30.0, answering="40 calibration questions")
    assert estimate.total_s == 210.0
    said = estimate.describe("training and calibration")
    assert said.startswith(
        "training and calibration: expect about 3.5 min (0.5 min spent preparing + 200 steps"
    )
    assert "200 steps at 0.60 s each + about 1.0 min answering 40 calibration questions" in said
    assert "preparing" not in Estimate(120.0, 0.0, 0.6, 200).describe("training")
    with_validation = Estimate(120.0, 0.0, 0.6, 200, validation_s=42.0, validations=7)
    assert with_validation.total_s == 162.0
    assert "200 steps at 0.60 s each + 7 validation passes, 0.7 min" in with_validation.describe("training")


def test_the_validation_passes_counted_are_the_ones_the_loop_makes(tiny_base):
    """``validation_passes`` is what ``training.loop.train`` does: every ``eval_every`` steps
    before the last, then once after it (7 for `train base`'s 800 steps)."""
    from supportbot.training.loop import make_accelerator, train, validation_passes

    model, tokenizer, example = _tiny_model_and_example(tiny_base)
    for steps, every in ((7, 3), (6, 3), (5, 1)):
        result = train(
            model, accelerator=make_accelerator(seed=0), examples=[example] * 4, val_examples=[example],
            steps=steps, batch_size=2, lr=1e-4, packing=True, max_length=64,
            pad_id=tokenizer.pad_token_id, eval_every=every, progress=False,
        )  # fmt: skip
        assert len(result.val_losses) == validation_passes(steps, every)
        assert result.final_val is not None and result.final_val["loss"] == result.val_losses[-1][1]
    assert validation_passes(800, 800 // 6) == 7


def test_an_estimate_is_measured_on_the_runs_own_model_and_examples(tiny_base):
    """``eta.measure`` times a real step, a validation pass and an answering batch of this model
    and counts the passes the loop will make."""
    from supportbot.training.eta import measure, prompt_ids

    model, tokenizer, example = _tiny_model_and_example(tiny_base)
    estimate = measure(
        model, tokenizer, [example] * 8, [example] * 3, steps=12, eval_every=5, batch_size=4,
        max_length=64, packing=True, answers=10, max_new_tokens=8, prompts=prompt_ids([example]),
        spent_s=2.0, answering="10 calibration questions",
    )  # fmt: skip
    assert estimate.steps == 12 and estimate.validations == 3  # after steps 5 and 10, and the end
    assert estimate.step_s > 0 and estimate.validation_s > 0 and estimate.answer_s > 0
    assert estimate.total_s > estimate.spent_s + estimate.train_s
    assert measure(
        model, tokenizer, [example] * 8, [], steps=12, eval_every=5, batch_size=4, max_length=64,
        packing=True, answers=0, max_new_tokens=8, prompts=[],
    ).validations == 0  # fmt: skip


def _tiny_model_and_example(tiny_base):
    """The tiny chat model and one short supervised example for it."""
    from supportbot.training.base_model import load_base_model
    from supportbot.training.sft import encode

    model, tokenizer = load_base_model(tiny_base, device="cpu")
    chat = [
        {"role": "user", "content": "My router blinks red."},
        {"role": "assistant", "content": "Restart it."},
    ]
    example = encode(tokenizer, chat, max_length=64)
    assert example is not None
    return model, tokenizer, example
