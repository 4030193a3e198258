"""Output processing: from each row's logits to what its caller receives.

Every row's next token is sampled with its own parameters; the token extends the sequence's
text (stop strings and end-of-turn tokens end it, so does its budget), and what the client may
see now is sent to its job: new text while streaming, the whole text at the end. Failures are
sent the same way, one job at a time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from supportbot.serving.job import ChoiceOutput, GeneratedToken, Job
from supportbot.serving.metrics import ServerMetrics
from supportbot.serving.sampling import choose
from supportbot.serving.sequence import Seq

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


class OutputProcessor:
    def __init__(self, metrics: ServerMetrics) -> None:
        self.metrics = metrics

    def fail(self, job: Job, message: str, status: int = 500) -> None:
        if not job.failed and not job.done:
            self.metrics.generation_failures.inc()
        job.fail(message, status)

    def accept(self, seqs: list[Seq], logits: torch.Tensor) -> None:
        """Sample every row's next token, extend its text, and decide whether it ended."""
        choices = choose(logits, [s.params for s in seqs], [s.generator for s in seqs])
        for seq, choice in zip(seqs, choices, strict=True):
            if seq.job.failed:
                continue
            try:
                self._extend(seq, choice.token, choice.logprob, choice.top)
                self.publish(seq)
            except Exception as exc:  # e.g. a tokenizer error on this sequence's text
                log.exception("request %s: cannot process its output", seq.job.id)
                self.fail(seq.job, f"generation failed: {type(exc).__name__}: {exc}")

    def _extend(
        self, seq: Seq, token: int, logprob: float | None, top: list[tuple[int, float]] | None
    ) -> None:
        seq.generated += 1
        seq.pending = token
        if token in seq.eos:
            seq.finish = "stop"
        else:
            if seq.params.logprobs is not None:
                seq.tokens.append(GeneratedToken(token, logprob, top or [], len(seq.text.text)))
            seq.text.append(token)
            if seq.text.stopped:
                seq.finish = "stop"
            elif seq.generated >= seq.max_new:
                seq.finish = "length"
        if seq.finish is not None:
            seq.text.flush()
            self.metrics.completion_tokens.inc(seq.generated)

    def publish(self, seq: Seq) -> None:
        """Send what the client may see now: new text while streaming, everything at the end."""
        job = seq.job
        final = seq.finish is not None
        if not job.stream and not final:
            return
        text = seq.text
        if final:
            # Tokens that made up a stop string are not part of the answer.
            tokens = seq.tokens[: text.kept_tokens()] if text.stopped else seq.tokens
            release = len(text.text)
        else:
            release = text.releasable(final=False)
            tokens = []
            for t_index in range(seq.sent_tokens, len(seq.tokens)):
                end = text.ends[t_index] if t_index < len(text.ends) else len(text.text)
                if end > release:
                    break
                tokens.append(seq.tokens[t_index])
        if job.stream:
            new_text = text.text[seq.sent_text : release]
            new_tokens = tokens[seq.sent_tokens :] if final else tokens
            if not new_text and not new_tokens and not final:
                return
            seq.sent_text = release
            seq.sent_tokens += len(new_tokens)
            job.send(ChoiceOutput(seq.index, new_text, new_tokens, seq.finish, seq.generated))
        else:
            job.send(ChoiceOutput(seq.index, text.text, tokens, seq.finish, seq.generated))
        if final:
            self.metrics.prompt_tokens.inc(len(seq.prompt) if seq.index % job.n == 0 else 0)
            job.choice_finished()
