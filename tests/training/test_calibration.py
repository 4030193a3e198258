"""The checks after the model, calibrated per team: on questions apart from the report's, never
worse than the top ticket, stored with the version and used by the bot; promotion refuses a
candidate whose answers are less often right than its own best source."""

from __future__ import annotations

import json
from pathlib import Path

from supportbot.core import store
from supportbot.core.db import transaction
from supportbot.core.grounding import FixedChecks, TermWeights, coverage
from supportbot.core.models import ModelVersion
from supportbot.core.settings import Settings
from supportbot.training.calibration import FLOORS, MIN_F1_GAIN, as_sent_with, calibrate, calibration_split
from supportbot.training.config import FinetuneConfig
from supportbot.training.data import load_chat_jsonl, prepare
from supportbot.training.eval_set import eval_sets
from supportbot.training.promotion import promotion_verdict
from supportbot.training.scores import names_request
from supportbot.usecases.floors import FloorBook

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def test_calibration_and_report_questions_never_overlap(sample_slice):
    conversations, _ = load_chat_jsonl(sample_slice(400))
    val = prepare(conversations, val_fraction=0.3).val
    # A team's own logs, no --eval-questions: the validation conversations are halved.
    own = eval_sets(FinetuneConfig(data=["logs.jsonl"]), val)
    report, cal = {i.question for i in own.report}, {i.question for i in own.calibration}
    assert report and cal and not report & cal
    assert len(report) + len(cal) == len(val)
    # With held-out questions to report on, every validation conversation calibrates.
    given = eval_sets(FinetuneConfig(eval_questions=str(SAMPLE / "eval_questions.jsonl")), val)
    assert len(given.calibration) == len(val)
    assert not {i.question for i in given.report} & {i.question for i in given.calibration}
    # The sample's conversations name their intent: they are judged by its keyphrases.
    assert all(i.keyphrases for i in given.calibration)
    # The halves depend on the conversation alone, not on what else is in the set.
    half, _ = calibration_split([c.id for c in val])
    fewer, _ = calibration_split([c.id for c in val[: len(val) // 2]])
    assert fewer == half & {c.id for c in val[: len(val) // 2]}


def test_the_chosen_settings_keep_the_answers_as_often_right_as_the_top_ticket():
    procedures = {
        "reset": "Use Forgot password on the sign-in page; the reset link works for 60 minutes.",
        "refund": "Refunds reach your bank within 5 working days of the return being scanned.",
        "track": "Open Orders > Track parcel; tracking can take 48 hours to update.",
    }
    weights = TermWeights([*procedures.values()] * 3 + ["Thanks for your message, we are happy to help."] * 6)
    keys = list(procedures)
    references, best, drafts, resolutions = [], [], [], []
    for n in range(30):
        want = keys[n % 3]
        references.append(procedures[want])
        best.append(procedures[want])  # the top ticket is right every time
        # The model gets two in three right, and writes them closer to the agents than the ticket.
        wrong = keys[(n + 1) % 3]
        drafts.append(procedures[want] + " Happy to help." if n % 3 else procedures[wrong])
        resolutions.append([procedures[want], procedures[want]])

    def right(i: int, text: str) -> bool:
        return names_request(text, references[i], weights)

    def calibrated(**checks: FixedChecks):
        return calibrate(
            drafts,
            references=references,
            right=right,
            resolutions=resolutions,
            top_scores=[0.8] * 30,
            best=best,
            weights=weights,
            split="test",
            judged_by="reference words",
            **checks,
        )

    # The first-source check alone already catches drafts naming another procedure than the
    # first ticket's: even with the floor off, every answer as sent is right.
    off = next(r for r in calibrated().table if r["disagree_below"] == 0.0 and r["close_match_score"] == 0.55)
    assert off["right_request"] == 1.0
    # Without it, the floor has to: off, the wrong drafts would be sent (2/3 against 1.0).
    cal = calibrated(fixed=FixedChecks(same_request_below=0.0))
    off = next(r for r in cal.table if r["disagree_below"] == 0.0 and r["close_match_score"] == 0.55)
    assert off["right_request"] < cal.top_ticket["right_request"] == 1.0
    assert cal.holds and cal.right_request >= cal.top_ticket["right_request"]
    assert 0 < cal.disagree_below <= 1.0
    assert 0.3 <= cal.replaced <= 0.4  # the wrong third replaced, the right drafts kept


def test_promotion_refuses_a_candidate_below_the_top_ticket():
    baseline = {"right_request": 0.95, "keyphrase_accuracy": 0.95, "answer_f1": 0.50}
    candidate = ModelVersion(
        name="v1",
        base_model="b",
        adapter_path="a",
        metrics={
            "answer_f1": 0.70,
            "right_request": 0.93,
            "before": {"answer_f1": 0.40, "right_request": 0.90},
            "as_sent": {"answer_f1": 0.62, "right_request": 0.94},
            "baseline": baseline,
        },
    )
    ok, why = promotion_verdict(candidate, None)
    assert not ok
    assert "right_request 0.940 vs 0.950 (worse)" in why
    candidate.metrics = {**candidate.metrics, "as_sent": {"answer_f1": 0.62, "right_request": 0.95}}
    assert promotion_verdict(candidate, None)[0]  # as often right as the ticket, better written


def test_the_bot_uses_the_settings_calibrated_for_the_answering_version(sessions):
    with transaction(sessions) as s:
        store.create_model_version(s, name="base", base_model="b")
        store.create_model_version(
            s,
            name="v1",
            base_model="b",
            adapter_path="a",
            metrics={"calibration": {"disagree_below": 0.65, "close_match_score": 1.0, "split": "x"}},
        )
        store.activate(s, name="v1")
    settings = Settings()
    book = FloorBook(settings=settings, sessions=sessions)
    assert (book.for_version("v1").disagree_below, book.for_version("v1").close_match_score) == (0.65, 1.0)
    assert book.for_version(None).disagree_below == 0.65  # the active version
    assert book.for_version("base").disagree_below == settings.disagree_below  # not calibrated
    # An admin's explicit setting wins over the calibrated one.
    explicit = settings.model_copy(update={"disagree_below": 0.2})
    assert book.for_version("v1", settings=explicit).disagree_below == 0.2
    assert book.for_version("v1", settings=explicit).close_match_score == 1.0
    assert json.loads(json.dumps(book.for_version("v1").__dict__))["source"] == "calibrated for v1"


def test_the_gate_follows_how_high_a_teams_scores_run_but_never_rises_above_the_configured():
    from supportbot.training.calibration import gate_score

    rambling = [0.42 + i * 0.005 for i in range(100)]  # a team whose questions score 0.42-0.92
    gate = gate_score(rambling, configured=0.5)
    assert sum(s < gate for s in rambling) <= 2  # at most 2% of its answerable questions handed over
    assert gate < 0.5
    crisp = [0.7 + i * 0.002 for i in range(100)]  # the sample's kind: all well above 0.5
    assert gate_score(crisp, configured=0.5) == 0.5
    assert gate_score([], configured=0.5) == 0.5


def test_a_model_that_adds_little_to_the_tickets_f1_gets_the_strictest_floor():
    """Where the drafts are as often right as the ticket (here: always) the model is still only
    trusted beyond the strictest floor if it words answers clearly better than the ticket."""
    reference = "Open Orders > Track parcel; tracking can take 48 hours to update. Thanks, Sam"
    ticket = "Tracking can take 48 hours to update: open Orders > Track parcel in your account."
    weights = TermWeights([reference, ticket, "Refunds reach your bank within 5 working days."] * 3)

    def run(draft: str):
        return calibrate(
            [draft] * 20,
            references=[reference] * 20,
            right=lambda i, text: "track parcel" in text.lower(),
            resolutions=[[ticket, reference]] * 20,
            top_scores=[0.8] * 20,
            best=[ticket] * 20,
            weights=weights,
            split="test",
            judged_by="keyphrases",
        )

    much_better = run(reference)  # the agents' own words (unsigned): F1 0.92 against the ticket's 0.83
    assert much_better.earns and much_better.f1 - much_better.top_ticket["f1"] >= MIN_F1_GAIN
    a_little = run(ticket + " Thanks")  # one of the agents' words more: +0.04
    assert 0 < a_little.f1 - a_little.top_ticket["f1"] < MIN_F1_GAIN
    assert not a_little.earns and a_little.disagree_below == max(FLOORS)
    # ... and its "no past case fits" shows the best ticket: the confidence gate alone hands over
    assert much_better.close_match_score > 0 and a_little.close_match_score == 0.0


def test_a_model_that_has_not_earned_its_risk_does_not_hand_over_what_its_ticket_answers():
    """A "no past case fits" from a model kept to the strictest floor becomes the best ticket,
    however low (above the gate) the ticket scores; from a trusted model it hands over below
    the close-match score it was calibrated to."""
    from supportbot.core.prompt import CANNOT_HELP

    reference = "Open Orders > Track parcel; tracking can take 48 hours to update. Thanks, Sam"
    ticket = "Tracking can take 48 hours to update: open Orders > Track parcel. Best, Jo from the team"
    other = "Refunds reach your bank within 5 working days."
    weights = TermWeights([reference, ticket, other] * 3)

    def run(drafts: list[str], last_best: str):
        best = [ticket] * (len(drafts) - 1) + [last_best]
        return calibrate(
            drafts,
            references=[reference] * len(drafts),
            right=lambda i, text: "track parcel" in text.lower(),
            resolutions=[[b, reference] for b in best],
            top_scores=[0.8] * (len(drafts) - 1) + [0.38],
            best=best,
            weights=weights,
            split="test",
            judged_by="keyphrases",
        )

    def sent(cal, shown: str) -> list[str]:
        out, _ = as_sent_with(
            [CANNOT_HELP], resolutions=[[shown, reference]], top_scores=[0.38], best=[shown], weights=weights,
            disagree_below=cal.disagree_below, close_match_score=cal.close_match_score,
        )  # fmt: skip
        return out

    # a model adding little to the ticket's wording, unsure of a question its ticket answers
    little = run([ticket + " Thanks"] * 19 + [CANNOT_HELP], ticket)
    assert not little.earns and little.close_match_score == 0.0
    assert little.right_request == little.top_ticket["right_request"] == 1.0  # shown, not handed over
    assert sent(little, ticket) == [ticket]
    # a model wording answers as the agents do, unsure of a question no ticket answers
    trusted = run([reference] * 19 + [CANNOT_HELP], other)
    assert trusted.earns and trusted.close_match_score > 0.38
    assert sent(trusted, other) != [other]  # handed over (the bot sends its hand-over message)


# Two agreeing tickets of one request, and the agents' own words for it (the last two tests).
TRACK_REPLY = "Open Orders > Track parcel; tracking can take 48 hours to update after dispatch."
TRACK_TICKET = "Sign in first, then Orders > Track parcel shows it. Allow 48 hours. Best, Jo from the team"
TRACK_PARTIAL = "Open Orders > Track parcel to see it."  # F1 0.55 against the ticket's 0.38
TRACK_WEIGHTS = TermWeights(
    [
        TRACK_REPLY,
        TRACK_TICKET,
        *["Refunds reach your bank within 5 working days.", "Use Forgot password on the sign-in page."] * 4,
    ]
)


def track_calibration(drafts: list[str]):
    """The drafts calibrated against the ticket, all of them about the right request."""
    n = len(drafts)
    return calibrate(
        drafts,
        references=[TRACK_REPLY] * n,
        right=lambda i, text: "track parcel" in text.lower(),
        resolutions=[[TRACK_TICKET, TRACK_REPLY]] * n,
        top_scores=[0.8] * n,
        best=[TRACK_TICKET] * n,
        weights=TRACK_WEIGHTS,
        split="test",
        judged_by="keyphrases",
    )


def test_a_model_that_earns_its_risk_gets_the_strictest_floor_at_which_it_does():
    """Not the floor of the best F1: half the drafts say everything their tickets agree on in
    the agents' words (sent at any floor), half only part of it (sent under a middle floor). The
    best F1 is at a low floor; the first half alone earns the model its risk, so the strictest
    floor is chosen, and the partial drafts become the best ticket."""
    cal = track_calibration([TRACK_REPLY] * 10 + [TRACK_PARTIAL] * 10)
    best_f1 = max(cal.table, key=lambda r: r["f1"])
    assert best_f1["disagree_below"] < max(FLOORS)  # the partial drafts add F1 where they are sent
    assert cal.earns and cal.disagree_below == max(FLOORS)
    assert cal.f1 - cal.top_ticket["f1"] >= MIN_F1_GAIN and cal.f1 < best_f1["f1"]
    assert cal.replaced == 0.5  # the partial drafts: the best ticket instead


def test_the_strictest_earning_floor_may_be_below_the_strictest():
    """Drafts missing one of the terms their tickets agree on (sent under 0.85) earn the model
    its risk by themselves; drafts saying less (sent under 0.75) add F1 but are not needed: the
    floor is the one between them, neither the strictest nor the best F1's."""
    nearly = "Open Orders > Track parcel; tracking can take a couple of hours to update after dispatch."
    said = {d: coverage(d, [TRACK_TICKET, TRACK_REPLY], TRACK_WEIGHTS) for d in (nearly, TRACK_PARTIAL)}
    assert said[TRACK_PARTIAL] < said[nearly] < 1.0
    cal = track_calibration([nearly] * 10 + [TRACK_PARTIAL] * 10)
    assert cal.earns
    assert cal.disagree_below == max(f for f in FLOORS if f <= said[nearly]) < max(FLOORS)
    assert cal.replaced == 0.5  # the partial drafts
    best_f1 = max(cal.table, key=lambda r: r["f1"])
    assert best_f1["disagree_below"] <= said[TRACK_PARTIAL] and best_f1["f1"] > cal.f1


def test_as_sent_drafts_are_what_the_bot_would_send_of_a_letter_template():
    """The evaluation's "as sent" is the bot's: a template's sign-off is taken off a draft, and a
    draft leaving a blank to fill in is replaced by the best ticket (usecases.decide)."""
    weights = TermWeights([TRACK_REPLY, TRACK_TICKET, "Refunds reach your bank within 5 working days."])
    said = "Sign in first, then Orders > Track parcel shows it. Allow 48 hours."
    drafts = [f"{said}\n\nBest regards,\n[Your Name]", f"{said} Open [the tracking page] to see it."]
    out, replaced = as_sent_with(
        drafts, resolutions=[[TRACK_TICKET]] * 2, top_scores=[0.9] * 2, best=[TRACK_TICKET] * 2,
        weights=weights, disagree_below=0.0, close_match_score=1.0,
    )  # fmt: skip
    assert out == [said, TRACK_TICKET] and replaced == 1


def test_the_gate_stands_on_the_teams_tickets_too_each_searched_without_its_own(sample_world, embedder):
    """2% of ~200 calibration scores alone is 4 questions; the team's tickets,
    each searched with its customer's words (worded and thinned) and its own ticket left out, add
    a few hundred more. A search that found its own ticket would score 1.0 and say nothing."""
    from supportbot.core.db import make_engine, session_factory
    from supportbot.retrieval.search import Retriever
    from supportbot.training.calibration import gate_pool_note, gate_score, ticket_pool_scores

    engine = make_engine(f"sqlite:///{sample_world / 'template.db'}")
    retriever = Retriever.from_index(
        sample_world / "index", sessions=session_factory(engine), embedder=embedder, k=3
    )
    scores = ticket_pool_scores(retriever, k=3, limit=60)
    # spread over the whole table; the tickets a report is measured on are not searched at all
    with session_factory(engine)() as session:
        every = store.all_questions(session)
        skipped = {external for _, external, _, _ in every[:10]}
        picked = store.spread_questions(session, limit=60, leave_out=skipped)
    engine.dispose()
    assert len(picked) == 60 and not skipped & {external for _, external, _, _ in picked}
    assert picked[0][0] == every[10][0] and picked[-1][0] > every[len(every) * 9 // 10][0]
    assert len(scores) == 120  # 60 tickets spread over the table, as worded and thinned
    assert all(s is not None for s in scores)
    worded = [float(s) for s in scores[:60] if s is not None]
    assert max(worded) < 0.999  # never its own ticket (its text is exactly what was embedded)
    assert 0.0 < gate_score(scores, configured=0.5) <= 0.5

    # calibrate sets the gate on the pool it is given, not on the calibration questions alone
    n = 10
    pool = [0.3 + i * 0.005 for i in range(100)]
    cal = calibrate(
        [TRACK_REPLY] * n, references=[TRACK_REPLY] * n, right=lambda i, text: True,
        resolutions=[[TRACK_TICKET]] * n, top_scores=[0.9] * n, best=[TRACK_TICKET] * n,
        weights=TRACK_WEIGHTS, split="test", judged_by="keyphrases", gate_tickets=pool,
    )  # fmt: skip
    assert cal.escalate_below_score == gate_score([*[0.9] * n, *pool], configured=0.5) < 0.5
    assert cal.gate_tickets == 100
    # what the report and `train` say
    assert (
        gate_pool_note(cal.questions, cal.gate_tickets)
        == ", set on these 10 questions and 100 searches of the team's own tickets"
    )
    assert track_calibration([TRACK_REPLY] * n).escalate_below_score == 0.5  # its own scores alone
