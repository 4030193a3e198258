"""Token ids to text, one token at a time, with stop strings.

Decoding token by token is not the same as decoding each token alone: a character can span
several byte-level tokens, and SentencePiece drops a leading space at the start of a decode.
So (like vLLM) each new token is decoded together with a few tokens before it, starting from
the prompt's tail, and text is only released once it no longer ends in a partial character.
Stop strings are searched in the decoded text; text that could still turn into a stop string
is held back from a stream until it cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

REPLACEMENT = "\ufffd"
CONTEXT_TOKENS = 5


class IncrementalText:
    def __init__(
        self, tokenizer: Any, *, prompt_ids: Sequence[int], stop: Sequence[str] = (), lazy: bool = False
    ) -> None:
        self._tok = tokenizer
        # Lazy: nobody looks at the text before the end (no stream, no stop strings, no
        # log-probs), so it is decoded once, in flush(), instead of token by token.
        self.lazy = lazy and not stop
        self._ids: list[int] = list(prompt_ids[-CONTEXT_TOKENS:])
        self._prefix = 0
        self._read = len(self._ids)
        self.stop = tuple(s for s in stop if s)
        self._longest_stop = max((len(s) for s in self.stop), default=0)
        self.text = ""
        self.stopped = False  # a stop string was found; the text ends before it
        # Per generated token: where its text starts, and where it ended when decoded.
        self.starts: list[int] = []
        self.ends: list[int] = []

    def _decode(self, ids: Sequence[int]) -> str:
        return self._tok.decode(ids, skip_special_tokens=True)

    def append(self, token_id: int) -> None:
        if self.stopped:
            raise RuntimeError("text already ended at a stop string")
        self._ids.append(token_id)
        if self.lazy:
            return
        prefix_text = self._decode(self._ids[self._prefix : self._read])
        new_text = self._decode(self._ids[self._prefix :])
        start = len(self.text)
        if len(new_text) > len(prefix_text) and not new_text.endswith(REPLACEMENT):
            self.text += new_text[len(prefix_text) :]
            self._prefix, self._read = self._read, len(self._ids)
        self.starts.append(start)
        self.ends.append(len(self.text))
        self._check_stop(start)

    def flush(self) -> None:
        """At the end: whatever is left undecoded (a trailing partial character) becomes text."""
        if self.stopped or self._read == len(self._ids):
            return
        prefix_text = self._decode(self._ids[self._prefix : self._read])
        new_text = self._decode(self._ids[self._prefix :])
        if len(new_text) > len(prefix_text):
            start = len(self.text)
            self.text += new_text[len(prefix_text) :]
            if self.ends:
                self.ends[-1] = len(self.text)
            self._check_stop(start)
        self._prefix = self._read = len(self._ids)

    def _check_stop(self, changed_from: int) -> None:
        if not self.stop:
            return
        window = max(0, changed_from - self._longest_stop + 1)
        hits = [i for s in self.stop if (i := self.text.find(s, window)) >= 0]
        if hits:
            self.text = self.text[: min(hits)]
            self.stopped = True

    def releasable(self, *, final: bool) -> int:
        """How much of the text a stream may send now (never a possible start of a stop string)."""
        if final or self.stopped or not self.stop:
            return len(self.text)
        tail = min(self._longest_stop - 1, len(self.text))
        for k in range(tail, 0, -1):
            suffix = self.text[-k:]
            if any(s.startswith(suffix) for s in self.stop):
                return len(self.text) - k
        return len(self.text)

    def kept_tokens(self) -> int:
        """Generated tokens whose text is (at least partly) in the final text."""
        if not self.stopped:
            return len(self.starts)
        end = len(self.text)
        return sum(1 for s in self.starts if s < end)
