"""What of a draft still being generated may be shown: nothing the checks of usecases.decide
could still turn down.

A piece is released only when

1. it ends at a finished sentence, so every identifier in it is whole and the cut of an answer
   that reaches the token cap (core.prompt.end_on_sentence) can never take it back;
2. the retrieval gate passed (with a weak closest ticket the answer is a hand-over, whatever the
   model writes);
3. every identifier in it is backed by the conversation or the tickets (the grounding guard), with
   the customer's own order number put in for an invented one, as the finished text will have it;
4. it cannot still become the model's "no past case fits" answer (a hand-over or the best ticket);
5. it already says enough of what the retrieved tickets agree on: that share only grows as the
   draft does, so once at the floor the finished draft cannot be turned down as "about another
   request".

A letter template's salutation and sign-off are taken off first, as from the finished draft
(core.salutation.model_reply). What fails 2, 3, an unfillable placeholder or a template's blank
left in the text ("[Your Name]") stops the release for good: the finished answer will
be the best ticket or a hand-over, and none of the draft is ever shown. The confidence gate on
token log-probabilities can only be judged at the end; when it hands over after text was shown,
the Slack layer replaces the message.
"""

from __future__ import annotations

from collections.abc import Callable

from supportbot.core.grounding import FixedChecks, TermWeights, check_against_sources, guard
from supportbot.core.identifiers import Masker
from supportbot.core.prompt import CANNOT_HELP, complete_sentences
from supportbot.core.salutation import model_reply, template_blanks
from supportbot.core.settings import Settings
from supportbot.usecases.decide import as_prompted, closest, gate
from supportbot.usecases.floors import Floors
from supportbot.usecases.messages import Source


class Releaser:
    """Fed the model's pieces as they arrive; calls ``show`` with the releasable text so far
    (the whole of it, each time it grows)."""

    def __init__(
        self,
        *,
        sources: Callable[[], list[Source]],
        turns: list[str],
        masker: Masker,
        settings: Settings,
        weights: Callable[[], TermWeights],
        searched: bool,
        show: Callable[[str], None],
        floors: Floors | None = None,
    ) -> None:
        self._sources_of = sources
        # The checks' settings for the active version (the one that answers): usecases.floors.
        self.floors = floors or Floors.configured(settings)
        self._sources: list[Source] | None = None
        self.turns = turns
        self.masker = masker
        self.settings = settings
        self.weights = weights
        self.searched = searched
        self.show = show
        self.raw = ""
        self.shown = ""
        self.stopped = False  # nothing more of this draft will be shown
        self._checked_upto = 0

    def feed(self, piece: str) -> None:
        self.raw += piece
        if self.stopped:
            return
        sentences = complete_sentences(self.raw)
        if len(sentences) <= self._checked_upto:
            return
        self._checked_upto = len(sentences)
        text = self._releasable(sentences)
        if text is None or len(text) <= len(self.shown):
            return
        if not text.startswith(self.shown):  # an earlier release would be contradicted: stop there
            self.stopped = True
            return
        self.shown = text
        self.show(text)

    def _releasable(self, candidate: str) -> str | None:
        if self._sources is None:
            self._sources = self._sources_of()
        sources = self._sources
        top = closest(sources)
        if gate(
            self.settings,
            top=top,
            mean_logprob=None,
            searched=self.searched,
            below=self.floors.escalate_below_score,
        ):
            self.stopped = True
            return None
        text, unfilled = self.masker.unmask(candidate.strip())
        text = model_reply(text)  # as decide.draft_of: the finished answer must begin so
        if template_blanks(text):
            self.stopped = True
            return None
        checked = guard(
            text,
            conversation=self.turns,
            tickets=as_prompted(sources, in_prompt=self.settings.prompt_tickets),
        )
        if unfilled or not checked.ok:
            self.stopped = True
            return None
        said = checked.text.strip()
        if said.startswith(CANNOT_HELP[:40]):
            self.stopped = True
            return None
        if CANNOT_HELP.startswith(said):  # it may still become "no past case fits"
            return None
        verdict = check_against_sources(
            said,
            [s.resolution for s in sources],
            top,
            weights=self.weights,
            disagree_below=self.floors.disagree_below,
            close_match_score=self.floors.close_match_score,
            conversation=self.turns,
            fixed=FixedChecks.of(self.settings),
        )
        return said if verdict.kind == "send" else None
