"""The checks after the model, calibrated on a team's own questions.

The bot's checks against its sources (``core.grounding.check_against_sources``) have two
calibrated settings (the others, a loop, a contradicted span, a draft not naming its first
source's request, are fixed and applied under every setting tried): the agreement floor (a draft saying less than this share of what its tickets agree on
becomes the best ticket) and the close-match score (a "no past case fits" beside a ticket this
close shows that ticket). Their best values depend on the team's data: how alike its resolutions
are, how its agents write. So every fine-tune chooses them on questions of its own, held apart
from the ones its report is measured on (``split``), and stores them with the model version.
Each question is asked twice: as it was worded and thinned to half its words (``reworded``), so
the settings also hold for wordings the history never saw.

The rule, in order: the answers as the bot would send them must name the right request at least
as often as the top retrieved ticket does on these questions (the bot is never worse than its
own best source); among the settings that hold, those where the model earns its risk (its token
F1 against the agents' replies beats the top ticket's by ``MIN_F1_GAIN``); among those the
strictest floor, then the best right request, F1, and the lower close-match score. Not the best
F1: on the sample, a base whose calibration rested on 3 gains and 2 losses against the first
source (of 320 questions) was set to the floor of the best F1 (0) and named the right request 5
held-out questions less often than its first source (0.969 against 0.981, F1 0.567); the
strictest floor that earned (0.85), 1 (0.979, F1 0.413). Where no setting earns, the strictest
floor is chosen (a draft that does not say everything its tickets agree on becomes the best
ticket), and its "no past case fits" shows the best ticket rather than handing over
(``SHOW_ON_NO_CASE``): a model not trusted to word answers does not decide hand-overs either,
the confidence gate does. (On another shop's newest questions, run D, the one question the bot
lost to its first source was such a hand-over: a size question the model did not recognise, its
first source right, the calibrated close-match score 0.45 above the ticket's 0.38.) These
questions are worded as the history is, and the questions to come will not be: on another shop's
newest questions (bench/own_data.py, run B), a base model more often right than the first source
on its validation questions — as worded and thinned alike — was right 0.69 against 0.85 on new
wordings, its F1 gain there +0.04. A model that only words answers a little better is not worth
a procedure garbled on a wording it never saw; one that words them much better (the sample's,
+0.2 F1 over tickets holding agents' notes) is.

The confidence gate hands a question to a person when even its closest ticket scores low. How
high a team's scores run depends on how its customers write (long rambling tickets score lower
than short questions): the gate is set where at most ``GATE_SHARE`` of the team's own answerable
questions would fall under it, never above the configured score (which the sample's
out-of-domain questions were calibrated on, bench/calibrate_gate.py). Those questions are the
calibration questions (as worded and thinned) and up to ``GATE_POOL_TICKETS`` of the team's
imported tickets, each searched with its customer's words, worded and thinned, its own ticket
left out (``ticket_pool_scores``): 2% of the ~200 calibration scores alone is 4 questions, and
one odd question moved the gate. Measured side by side (bench/gate_pool.py, three sets): the
calibration questions alone handed over 8 of 1,020 held-out questions and let 24 of 90 questions
no shop answers through; with the tickets, 2 and 16 — on the bundled sample, whose calibration
conversations run low (gate 0.21 alone, 0.29 with the tickets), 9 of 30 off-topic questions were
answered instead of 19. The tickets alone did about as well, but their 2% point moved with which
500 were drawn (0.31 or 0.35 on the second shop), and the calibration questions are the only
chat wordings of a team that trains on chat logs.

"Right request": every keyphrase of the question's intent, where the questions carry intents
(the sample, a set with labels); otherwise ``training.scores.names_request`` — the answer shares
enough of the agent's reply's telling words (IDF-weighted) — which needs no labels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from supportbot.core.grounding import FixedChecks, check_against_sources
from supportbot.core.salutation import model_reply, template_blanks
from supportbot.core.scoring import token_f1

FLOORS = (0.0, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 1.0)
CLOSE_MATCH = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 1.0)  # 1.0: never (always hand over)
SHOW_ON_NO_CASE = 0.0  # the close-match score at which a "no past case fits" always shows the best ticket
GATE_SHARE = 0.02
GATE_POOL_TICKETS = 500  # the team's tickets the gate is set on (each searched twice)
MIN_F1_GAIN = 0.05  # what a model must add to the top ticket's F1 to be sent beyond the strictest floor


def not_earned_note() -> str:
    """What the report and `train` say when a model did not earn its risk (``Calibration.earns``)."""
    return (
        f"the model's best F1 gain over the top ticket was under {MIN_F1_GAIN:g}, so the strictest floor"
        " was kept (the best ticket unless a draft says everything its tickets agree on), and its"
        " 'no past case fits' shows the best ticket instead of handing over (the confidence gate"
        " still hands over)"
    )


def gate_pool_note(questions: int, tickets: int) -> str:
    """What the report and `train` say of what the gate was set on, after its score (nothing for
    a version calibrated before the team's tickets counted: ``tickets`` 0)."""
    if not tickets:
        return ""
    return f", set on these {questions} questions and {tickets} searches of the team's own tickets"


@dataclass
class Calibration:
    disagree_below: float
    close_match_score: float
    escalate_below_score: float  # the confidence gate
    split: str  # which questions it was chosen on
    questions: int
    judged_by: str  # "keyphrases" or "reference words"
    right_request: float  # as sent, at the chosen settings
    f1: float
    top_ticket: dict[str, float] = field(default_factory=dict)  # the same questions, top ticket
    replaced: float = 0.0  # share of drafts turned into the best ticket
    holds: bool = True  # as sent >= the top ticket on right request
    earns: bool = True  # its F1 gain over the top ticket reached MIN_F1_GAIN (else: strictest floor)
    table: list[dict[str, float]] = field(default_factory=list)
    gate_tickets: int = 0  # searches of the team's tickets the gate was set on, beside these questions

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def floors(self) -> dict[str, float]:
        """The two checks of a draft against its sources (the gate is applied before them)."""
        return {"disagree_below": self.disagree_below, "close_match_score": self.close_match_score}


def gate_score(top_scores: Sequence[float | None], *, configured: float, share: float = GATE_SHARE) -> float:
    """The closest-ticket score under which at most ``share`` of these (answerable) questions
    fall, never above ``configured``."""
    scores = sorted(s for s in top_scores if s is not None)
    if not scores:
        return configured
    k = int(len(scores) * share)  # this many may fall under the gate
    return round(min(configured, scores[k] - 1e-6 if k < len(scores) else configured), 4)


def reworded(items: Sequence[Any], *, seed: int = 0) -> list[Any]:
    """The items again, each question thinned to about half its words (training.context.thinned,
    as a share of the training examples are): a stand-in for wordings no conversation in the
    history used. Validation conversations are worded like the training ones (a team's customers
    repeat themselves); the questions to come will not all be, and a model that learned wordings
    rather than tickets fails on those first. Retrieval and the model both get the thinned
    question, so the comparison with the top ticket stays fair."""
    from dataclasses import replace

    thin = thin_questions([item.question for item in items], seed=seed)
    return [replace(item, question=question) for item, question in zip(items, thin, strict=True)]


def thin_questions(questions: Sequence[str], *, seed: int = 0) -> list[str]:
    """Each question thinned to about half its words (training.context.thinned), in order."""
    import random

    from supportbot.training.context import thinned
    from supportbot.training.data import Conversation

    rng = random.Random(seed)
    return [
        thinned(Conversation("item", [{"role": "user", "content": q}], "calibration"), rng).messages[0][
            "content"
        ]
        for q in questions
    ]


def ticket_pool_scores(
    retriever: Any, *, k: int, limit: int = GATE_POOL_TICKETS, seed: int = 0, thinned_too: bool = True,
    leave_out: Iterable[str | None] = (),
) -> list[float | None]:  # fmt: skip
    """The closest-ticket score of up to ``limit`` of the team's imported tickets (spread evenly
    over the table), each searched with its customer's words as worded and once more thinned
    (``thin_questions``), its own ticket left out (training.context.tickets_for): how close the history
    comes to a question the team has answered — the pool the confidence gate is set on.
    ``leave_out``: tickets (external ids) not to search at all, the questions a report is
    measured on when they are imported tickets too."""
    from supportbot.core import store
    from supportbot.retrieval.rows import embed_text
    from supportbot.training.context import tickets_for

    with retriever.sessions() as session:
        rows = store.spread_questions(session, limit=limit, leave_out=frozenset(i for i in leave_out if i))
    if not rows:
        return []
    questions = [embed_text(question, body) for _, _, question, body in rows]
    ids = [external_id for _, external_id, _, _ in rows]
    if thinned_too:
        questions, ids = [*questions, *thin_questions(questions, seed=seed)], ids * 2
    return tickets_for(retriever, questions, k=k, ids=ids).closest


def calibration_split(ids: Sequence[str]) -> tuple[set[str], set[str]]:
    """Validation conversations halved by a hash of their id: (calibration, report). A
    conversation is in one half only, whatever else is in the set."""
    cal: set[str] = set()
    rep: set[str] = set()
    for i in ids:
        (cal if int(hashlib.sha256(f"cal:{i}".encode()).hexdigest()[:8], 16) % 2 == 0 else rep).add(i)
    return cal, rep


def as_sent_with(
    drafts: Sequence[str], *, resolutions: Sequence[Sequence[str]], top_scores: Sequence[float | None],
    best: Sequence[str], weights: Any, disagree_below: float, close_match_score: float,
    questions: Sequence[str] | None = None, fixed: FixedChecks = FixedChecks(),
) -> tuple[list[str], int]:  # fmt: skip
    """The drafts after the checks at these settings (``best``: each question's top ticket as the
    bot shows it; ``fixed``: the bot's checks that are not calibrated, its loop and first-source
    checks; ``questions``: the
    customers' messages, the conversation a span of time may come from); and how many were
    replaced. Each draft is first what the bot would make of it: a letter template's salutation
    and sign-off taken off, and the best ticket where it leaves a blank to fill in."""
    out, replaced = [], 0
    asked = questions if questions is not None else [""] * len(drafts)
    for raw, res, top, shown, question in zip(drafts, resolutions, top_scores, best, asked, strict=True):
        draft = model_reply(raw)  # as usecases.decide.draft_of: no template salutation or sign-off
        if template_blanks(draft) and shown:  # a blank left to fill in: the best ticket instead
            out.append(shown)
            replaced += 1
            continue
        verdict = check_against_sources(
            draft,
            list(res),
            top,
            weights=weights,
            disagree_below=disagree_below,
            close_match_score=close_match_score,
            conversation=[question],
            fixed=fixed,
        )
        if verdict.show_best and shown:
            out.append(shown)
            replaced += 1
        else:
            out.append(draft)
    return out, replaced


def calibrate(
    drafts: Sequence[str], *, references: Sequence[str], right: Callable[[int, str], bool],
    resolutions: Sequence[Sequence[str]], top_scores: Sequence[float | None], best: Sequence[str],
    weights: Any, split: str, judged_by: str, gate_configured: float = 0.5,
    questions: Sequence[str] | None = None, fixed: FixedChecks = FixedChecks(),
    gate_tickets: Sequence[float | None] = (),
) -> Calibration:  # fmt: skip
    """The settings the bot should use with this model (see the module doc). ``right(i, text)``:
    does ``text`` name question i's request; ``questions``: the customers' messages;
    ``gate_tickets``: the team's tickets' closest-ticket scores (``ticket_pool_scores``), on which
    the gate is set beside these questions' own (``top_scores``)."""
    n = len(drafts)
    top_right = sum(right(i, best[i]) for i in range(n)) / max(1, n)
    top_f1 = sum(token_f1(best[i], references[i]) for i in range(n)) / max(1, n)

    def judged(floor: float, close: float) -> dict[str, float]:
        """The answers as sent at these settings, judged: one row of the table."""
        sent, replaced = as_sent_with(
            drafts, resolutions=resolutions, top_scores=top_scores, best=best, weights=weights,
            disagree_below=floor, close_match_score=close, questions=questions, fixed=fixed,
        )  # fmt: skip
        return {
            "disagree_below": floor,
            "close_match_score": close,
            "right_request": sum(right(i, t) for i, t in enumerate(sent)) / max(1, n),
            "f1": sum(token_f1(t, references[i]) for i, t in enumerate(sent)) / max(1, n),
            "replaced": replaced / max(1, n),
        }

    table = [judged(floor, close) for close in CLOSE_MATCH for floor in FLOORS]
    holding = [r for r in table if r["right_request"] >= top_right - 1e-9]
    # Where no setting holds, the model has not earned its risk either.
    earning = [r for r in holding if r["f1"] - top_f1 >= MIN_F1_GAIN - 1e-9]
    earns = bool(earning)
    if earning:
        # The strictest floor at which the model still earns its risk, not the best F1: a floor
        # chosen for F1 rests on the few questions where draft and first source disagree, and
        # where the first source is nearly always right every draft sent beyond it can only lose.
        strictest = max(r["disagree_below"] for r in earning)
        chosen = max(
            (r for r in earning if r["disagree_below"] == strictest),
            key=lambda r: (r["right_request"], round(r["f1"], 4), -r["close_match_score"]),
        )
    if not earns:
        # A model not trusted to word answers is not trusted to judge them either: its "no past
        # case fits" shows the best ticket, and only the confidence gate (on retrieval's score)
        # hands over — the bot is then its first source, but for drafts that say everything
        # their tickets agree on.
        chosen = judged(max(FLOORS), SHOW_ON_NO_CASE)
        table.append(chosen)
    return Calibration(
        disagree_below=chosen["disagree_below"],
        close_match_score=chosen["close_match_score"],
        escalate_below_score=gate_score([*top_scores, *gate_tickets], configured=gate_configured),
        gate_tickets=len(gate_tickets),
        split=split,
        questions=n,
        judged_by=judged_by,
        right_request=round(chosen["right_request"], 4),
        f1=round(chosen["f1"], 4),
        top_ticket={"right_request": round(top_right, 4), "f1": round(top_f1, 4)},
        replaced=round(chosen["replaced"], 4),
        holds=bool(holding),
        earns=earns,
        table=[{k: round(v, 4) for k, v in r.items()} for r in table],
    )
