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
    from supportbot.training.base_checks import calibrate_base
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
    cal = calibrate_base(
        tiny_base, data=[str(logs)], settings=settings, sessions=sessions, retriever=retriever
    )
    assert cal is not None and cal["questions"] > 0
    assert "validation" in cal["split"]  # the conversations no model learns
    assert 0 < cal["escalate_below_score"] <= settings.escalate_below_score
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
