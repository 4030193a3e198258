"""Related questions: up to three other solved questions, shown under an answer, that are about
another request than the one the answer covers — so a customer whose case is really one of those
can pick it instead of rephrasing.

They come from the answer's own search: it asks the index for ``SPARE`` more hits than the
sources (``Retrieved``), so no second embedding or search is made. Of those hits, in rank order,
a question is shown when:

- it is similar enough to be related at all (score at least ``MIN_SCORE``), but not a copy of the
  customer's own question (cosine below ``SAME_QUESTION``; the score is that cosine);
- its resolution is about another request than every source's and every question picked before
  it: the IDF-weighted overlap of the two resolutions' words is below ``SAME_REQUEST``. Two
  tickets of one request are resolved with the same procedure whatever their wording, which their
  questions' vectors tell far less reliably (measured on the sample tickets, whose intents are
  labelled: with the question vectors alone, 39% of the questions shown were of the answer's own
  request at a cosine of 0.6; with the resolutions' words, 1%, and a cosine check between the
  candidates added nothing measurable on top of it);
- it names no one (usecases.suggestions.names_no_one: no order number, amount or redacted
  placeholder of another customer's case) and fits a Slack button's value.

Greetings and sign-offs ("Hi team,", "Kind regards.") are taken off: the question is shown on a
button and, when picked, asked as the customer's own. A hand-over shows none. Tickets made from
the bot's own resolved conversations (retrieval.conversations: a 👍-rated or agent-written answer)
are in the index like any other, so their questions are candidates too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from supportbot.core import store
from supportbot.core.db import Sessions
from supportbot.core.enums import Role
from supportbot.core.errors import Conflict, NotFound
from supportbot.core.grounding import TermWeights
from supportbot.core.identifiers import generalise
from supportbot.core.scoring import words
from supportbot.usecases.messages import Source
from supportbot.usecases.suggestions import names_no_one

SPARE = 20  # further hits the answer's search fetches: candidates for related questions
MAX_RELATED = 3
MIN_SCORE = 0.40  # below: not related enough to offer (on the sample: 1.8 questions per answer)
SAME_QUESTION = 0.70  # cosine with the customer's question at or above: their own question again
SAME_REQUEST = 0.15  # resolutions overlapping this much (IDF-weighted words): the same request
MAX_QUESTION = 2000  # Slack's limit on a button's value

_GREETING = re.compile(
    r"^(?:dear\s[^,.!?\n]{1,60}|hi|hello|hey|hi\s(?:team|there|all)|hello\s(?:team|there)"
    r"|good\s(?:morning|afternoon|evening))\s*[,!.:]\s*",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"(?:\s*(?:thanks|thank\syou|many\sthanks|thanks\s(?:a\slot|in\sadvance|for\s(?:your|the)\shelp)"
    r"|thank\syou\s(?:in\sadvance|for\s(?:your|the)\shelp)|kind\sregards|best\sregards|regards|best"
    r"|cheers|looking\sforward\sto\s(?:your|a)\s(?:reply|response|answer))\s*[.!]*)+\s*$",
    re.IGNORECASE,
)


class Retrieved(list[Source]):
    """An answer's sources (to everything downstream, a plain list of them) and ``more``: the
    further hits of the same search, the related questions' candidates."""

    def __init__(self, sources: Iterable[Source], more: Iterable[Source] = ()) -> None:
        super().__init__(sources)
        self.more = list(more)

    @classmethod
    def split(cls, found: Sequence[Source], k: int) -> Retrieved:
        return cls(found[:k], found[k:])


def tidy(question: str) -> str:
    """The question without a greeting in front or a sign-off behind (when something is left)."""
    text = " ".join(question.split())
    stripped = _SIGN_OFF.sub("", _GREETING.sub("", text)).strip()
    if len(words(stripped)) < 2:
        return text
    return stripped[0].upper() + stripped[1:]


def _terms(text: str) -> frozenset[str]:
    return frozenset(w for w in words(generalise(text)) if not w.startswith("<"))


def _overlap(a: frozenset[str], b: frozenset[str], weights: TermWeights) -> float:
    """The IDF-weighted Jaccard overlap of two resolutions' words (0: nothing telling in common)."""
    union = sum(weights.idf(t) for t in a | b)
    return sum(weights.idf(t) for t in a & b) / union if union > 0 else 0.0


def related_questions(
    question: str,
    sources: Sequence[Source],
    *,
    escalates: bool,
    weights: Callable[[], TermWeights],
    limit: int = MAX_RELATED,
) -> list[str]:
    """Up to ``limit`` questions to offer under the answer to ``question`` (see the module's
    docstring); ``sources``: the answer's (a ``Retrieved``, else there are no candidates)."""
    candidates = getattr(sources, "more", [])
    if escalates or not candidates or limit <= 0:
        return []
    term_weights = weights()
    seen = {" ".join(words(question))} | {" ".join(words(s.question)) for s in sources}
    covered = [_terms(s.resolution) for s in sources]
    shown_ids = {s.ticket_id for s in sources}
    picked: list[str] = []
    for hit in candidates:
        if not MIN_SCORE <= hit.score < SAME_QUESTION or hit.ticket_id in shown_ids:
            continue
        text = tidy(hit.question)
        key = " ".join(words(text))
        if not key or key in seen or len(text) > MAX_QUESTION or not names_no_one(text):
            continue
        terms = _terms(hit.resolution)
        if any(_overlap(terms, other, term_weights) >= SAME_REQUEST for other in covered):
            continue  # the request an answer or an earlier related question covers already
        picked.append(text)
        seen.add(key)
        covered.append(terms)
        if len(picked) == limit:
            break
    return picked


@dataclass(frozen=True)
class Picked:
    """A related question a customer picked, to be asked as their next turn in the thread."""

    question: str
    team: str | None
    channel: str
    thread_ts: str
    # The turn's key in place of a Slack message's ts: the reply's ts and the button's place
    # (a seventh digit, which no Slack ts has), so a second click of it is the same question.
    ts: str
    asked: bool = False  # picked before: stored (and answered) already


def picked_question(sessions: Sessions, *, channel: str, ts: str, question: str, user: str) -> Picked:
    """The related question clicked on the Slack message (``channel``, ``ts``): only one that
    reply offered (a button's value is any text a signed payload names), only by the customer of
    that thread (anyone else is refused with Conflict)."""
    with sessions() as s:
        reply = store.message_by_slack_ts(s, channel=channel, ts=ts)
        if reply is None or reply.role != Role.assistant:
            raise NotFound(f"no reply is shown in {channel}/{ts}")
        offered = [str(q) for q in (reply.details or {}).get("related") or ()]
        if question not in offered:
            raise NotFound(f"the reply in {channel}/{ts} offered no such question")
        conversation = reply.conversation
        if conversation.slack_user != user or not conversation.slack_channel:
            raise Conflict("only the customer of this thread may pick its related questions")
        key = f"{ts}{offered.index(question) + 1}"
        return Picked(
            question=question,
            team=conversation.slack_team,
            channel=conversation.slack_channel,
            thread_ts=conversation.slack_thread_ts or ts,
            ts=key,
            asked=store.message_by_slack_ts(s, channel=conversation.slack_channel, ts=key) is not None,
        )
