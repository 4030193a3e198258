"""The customer-mood classifier: trained on the sample's labelled turns (once per test session),
it beats the lexicon baseline on the held-out families, scores frustration as a reader would, is
saved without pickle and reloads to the same numbers, and its two commands handle files and
broken lines."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from supportbot.cli import cli
from supportbot.core.enums import Sentiment
from supportbot.core.errors import InvalidInput
from supportbot.core.settings import Settings
from supportbot.training.sentiment import load_scorer
from supportbot.training.sentiment_data import read_turns, sample_turns
from supportbot.training.sentiment_model import META_FILE, WEIGHTS_FILE


@pytest.fixture(scope="session")
def trained(trained_sentiment):
    """The sample's classifier with the quick candidates (tests/conftest.py: trained once a run)."""
    return trained_sentiment


@pytest.mark.slow
def test_it_beats_vader_on_the_held_out_families(trained):
    settings, run = trained
    ours, vader = run.report["ours"], run.report["baseline"]
    assert ours["n"] == sum(1 for t in sample_turns() if t.split == "test") >= 300
    # The "done": clearly better than the lexicon on turns whose phrasing it never saw.
    assert ours["macro_f1"] > vader["macro_f1"] + 0.1, (ours["macro_f1"], vader["macro_f1"])
    assert ours["accuracy"] > vader["accuracy"]
    # Where a lexicon cannot work: thanks-laden sarcasm and polite customers who are stuck.
    styles = run.report["by_style"]
    for style in ("sarcastic", "polite-but-stuck"):
        assert styles[style]["ours"] > styles[style]["vader"] + 0.3, (style, styles[style])
    assert set(run.report["candidates"]) == {"logreg", "mlp"}
    assert run.report["chosen"] in run.report["candidates"]
    for stem in ("eval.md", "eval.json", "eval.png"):
        assert (settings.reports_dir / "sentiment" / stem).stat().st_size > 0
    assert "vaderSentiment" in (settings.reports_dir / "sentiment" / "eval.md").read_text()


@pytest.mark.slow
def test_frustration_reads_like_a_person_would(trained):
    settings, _ = trained
    scorer = load_scorer(settings)
    calm, angry, caps, grateful = scorer.score(
        [
            "Hello, could you tell me how long a refund normally takes to reach my card?",
            "This is a disgrace. Nobody has answered me about my broken blender in a week, I want a manager now!",
            "WHERE IS MY REFUND?? I HAVE BEEN WAITING FOR THREE WEEKS",
            "That sorted it, thank you so much for the quick help!",
        ]
    )
    assert angry.label == caps.label == Sentiment.negative
    assert angry.frustration > settings.frustration_offer_at
    assert caps.frustration > settings.frustration_offer_at
    assert calm.frustration < 0.3 and grateful.frustration < 0.2
    assert grateful.label == Sentiment.positive


@pytest.mark.slow
def test_saved_without_pickle_and_reloaded_to_the_same_numbers(trained):
    settings, run = trained
    folder = settings.sentiment_model_dir
    assert sorted(p.name for p in folder.iterdir()) == sorted([META_FILE, WEIGHTS_FILE])
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["embedder"] == "all-MiniLM-L6-v2" and meta["candidate"] == run.report["chosen"]
    texts = [t.text for t in sample_turns() if t.split == "test"][:40]
    again = load_scorer(settings).predict(texts)
    before = run.classifier.predict(texts)
    np.testing.assert_allclose(again.probabilities, before.probabilities, atol=1e-6)
    np.testing.assert_allclose(again.frustration, before.frustration, atol=1e-6)
    assert load_scorer(Settings(home=settings.home / "elsewhere")) is None


@pytest.mark.slow
def test_the_samples_share_of_complaints_is_not_the_classifiers_prior(trained):
    """The sample's turns are half complaints; the classifier weighs the three labels alike
    (``class_prior`` balanced): its tempered logits are moved by log(1/3) - log(share), saved
    with it, and every turn's negative probability is lower than under the rows' own shares."""
    from supportbot.core.enums import Sentiment as S
    from supportbot.training.sentiment import prior_shift
    from supportbot.training.sentiment_model import LABELS

    settings, run = trained
    train = [t for t in sample_turns() if t.split == "train"]
    shares = [sum(t.label == label for t in train) / len(train) for label in LABELS]
    assert shares[LABELS.index(S.negative)] > 0.45  # the generator's, not a team's traffic
    shift = load_scorer(settings).prior_shift
    np.testing.assert_allclose(shift, [np.log(1 / 3) - np.log(x) for x in shares], atol=1e-6)
    assert json.loads((settings.sentiment_model_dir / META_FILE).read_text())["class_prior"] == "balanced"
    assert "(class prior balanced)" in (settings.reports_dir / "sentiment" / "eval.md").read_text()

    texts = [t.text for t in sample_turns() if t.split == "test"][:60]
    balanced = run.classifier.predict(texts).probabilities
    run.classifier.prior_shift = np.zeros(3)
    try:
        labelled = run.classifier.predict(texts).probabilities
    finally:
        run.classifier.prior_shift = shift
    negative = LABELS.index(S.negative)
    assert (balanced[:, negative] < labelled[:, negative]).all()
    assert prior_shift(np.array([0, 0, 1, 2]), "labelled") == [0.0, 0.0, 0.0]
    with pytest.raises(InvalidInput, match="class_prior"):
        from supportbot.training.sentiment import SentimentConfig

        SentimentConfig(class_prior="uniform")


@pytest.mark.slow
def test_the_first_start_keeps_a_trained_classifier(trained):
    from types import SimpleNamespace

    from supportbot.usecases.setup import ensure_sentiment

    settings, _ = trained
    report = settings.reports_dir / "sentiment" / "eval.json"
    before = report.stat().st_mtime_ns
    said: list[str] = []
    scorer = ensure_sentiment(SimpleNamespace(settings=settings), say=said.append)
    assert scorer.score(["Thanks, all sorted!"])[0].label == Sentiment.positive
    assert said == [] and report.stat().st_mtime_ns == before  # nothing trained again


@pytest.mark.slow
def test_the_commands_score_a_text_and_a_file(trained, tmp_path):
    settings, _ = trained
    env = {"SUPPORTBOT_HOME": str(settings.home), "SUPPORTBOT_DATABASE_URL": ""}
    runner = CliRunner()
    one = runner.invoke(cli, ["sentiment", "THIS IS THE THIRD TIME I'M ASKING, FIX MY ORDER NOW!!"], env=env)
    assert one.exit_code == 0, one.output
    label, frustration = one.output.strip().split("\t")
    assert label == "negative" and float(frustration.split()[1]) > 0.6

    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        '{"id": "a", "text": "Thanks, that worked perfectly!"}\n'
        "\n"
        '{"id": 7, "query": "How do I change the email address on my account?"}\n'
    )
    out = runner.invoke(cli, ["sentiment", "--file", str(rows), "--json"], env=env)
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out.output.splitlines()]
    assert [line["id"] for line in lines] == ["a", 7]
    assert all(set(line) == {"id", "label", "frustration"} for line in lines)
    assert lines[0]["label"] == "positive" and 0.0 <= lines[1]["frustration"] <= 1.0

    rows.write_text('{"id": 1, "text": "fine"}\n{"id": 2, "txt": "no text field"}\n')
    bad = runner.invoke(cli, ["sentiment", "--file", str(rows), "--json"], env=env)
    assert bad.exit_code != 0 and f"{rows}:2" in str(bad.exception)
    assert "'text' or 'query'" in str(bad.exception)


def test_a_broken_training_row_is_named_by_file_and_line(tmp_path):
    rows = tmp_path / "team.csv"
    rows.write_text(
        "text,label,frustration\n"
        "Where is my parcel?,neutral,0.1\n"
        "I love it,happy,0.0\n"
        "It broke again,negative,1.7\n"
    )
    with pytest.raises(InvalidInput) as err:
        read_turns([rows])
    assert f"{rows}:3: label must be one of negative, neutral, positive, not 'happy'" in str(err.value)
    assert f"{rows}:4: frustration must be in [0, 1]" in str(err.value)
    jsonl = tmp_path / "team.jsonl"
    jsonl.write_text('{"text": "ok", "label": "neutral"}\n{"text": "broken\n')
    with pytest.raises(InvalidInput, match=r"team\.jsonl:2: invalid JSON"):
        read_turns([jsonl])


@pytest.mark.slow
def test_a_teams_own_csv_rows_train_redacted(tmp_path):
    """A team's labelled rows (no families, no frustration on some) train a classifier through
    the command; what it was given holds no PII once read."""
    sample = sample_turns()
    picked = [t for t in sample if t.split == "train"][::9] + [t for t in sample if t.split == "test"][::9]
    rows = tmp_path / "team.csv"
    with rows.open("w", newline="") as f:
        import csv

        writer = csv.writer(f)
        writer.writerow(["text", "label", "frustration", "split"])
        for i, t in enumerate(picked):
            frustration = "" if i % 4 == 0 else f"{t.frustration:.3f}"
            writer.writerow([t.text, t.label.value, frustration, t.split])
        writer.writerow(
            [
                "My card 4111 1111 1111 1111 was charged twice, mail me at jo@example.com",
                "negative",
                "0.7",
                "train",
            ]
        )
    turns = read_turns([rows])
    assert "[CARD]" in turns[-1].text and "[EMAIL]" in turns[-1].text and "jo@" not in turns[-1].text

    home = tmp_path / "home"
    env = {"SUPPORTBOT_HOME": str(home), "SUPPORTBOT_DATABASE_URL": ""}
    result = CliRunner().invoke(
        cli,
        ["train", "sentiment", "--data", str(rows), "--candidates", "logreg"],
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "vader" in result.output
    report = json.loads((home / "reports" / "sentiment" / "eval.json").read_text())
    assert report["trained_on"] == "team.csv" and report["train_rows"] == len(turns) - report["ours"]["n"]
    assert "jo@example.com" not in (home / "reports" / "sentiment" / "eval.json").read_text()
    assert load_scorer(Settings(home=home)) is not None


def test_the_tuned_encoder_matches_the_embedder_and_round_trips(tmp_path):
    """The tuned candidate's cached-layers forward pass equals the model's own, and its saved
    layers reload to the same scores (a tiny fit: 48 rows, one epoch)."""
    import torch

    from supportbot.retrieval.embedder import load_embedder
    from supportbot.training.sentiment_heads import _frozen_part, _tail_forward, fit_candidate
    from supportbot.training.sentiment_model import (
        SentimentClassifier,
        TunedEncoder,
        load_classifier,
        mean_pool,
        save_classifier,
    )

    texts = [t.text for t in sample_turns()[:48]]
    encoder = TunedEncoder.packaged()
    bucket = _frozen_part(encoder, texts[:6], 4, 8)[0]
    with torch.no_grad():
        pooled = mean_pool(_tail_forward(encoder.model, bucket.hidden, bucket.mask, 4), bucket.mask).numpy()
    reference = load_embedder().encode(texts[:6])
    np.testing.assert_allclose(pooled, reference[bucket.rows.numpy()], atol=1e-5)

    turns = sample_turns()[:48]
    y = np.asarray([["negative", "neutral", "positive"].index(t.label.value) for t in turns])
    f = np.asarray([t.frustration for t in turns], dtype=np.float32)
    fitted = fit_candidate(
        "tuned", texts=texts, features=np.zeros((48, 1)), y=y, f=f, seed=0, tune_layers=1, tune_epochs=1
    )
    assert fitted.tuned_state and all(k.startswith("encoder.layer.5.") for k in fitted.tuned_state)
    untuned = TunedEncoder.packaged().model.state_dict()
    moved = max(float((v - untuned[k]).abs().max()) for k, v in fitted.tuned_state.items())
    assert moved > 1e-4  # the fit changed the layer, so reloading it is tested
    classifier = SentimentClassifier(
        encoder=fitted.tuned,
        head=fitted.head,
        temperature=1.3,
        frustration_from="mixture",
        class_frustration=[0.7, 0.15, 0.05],
        meta={"embedder": "all-MiniLM-L6-v2"},
    )
    save_classifier(tmp_path / "tuned", classifier, encoder_state=fitted.tuned_state)
    again = load_classifier(tmp_path / "tuned")
    np.testing.assert_allclose(
        again.predict(texts[:8]).probabilities, classifier.predict(texts[:8]).probabilities, atol=1e-5
    )
