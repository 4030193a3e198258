"""Tool calls in a model's text, in the Hermes format (as vLLM's ``hermes`` tool parser reads it).

A Hermes-style model (Qwen, Hermes, …) calls tools by writing one or more blocks::

    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call>

Text before the first block is the message's content (without the whitespace that ends it, and
null when there is none); text after the blocks is dropped. A last
block the generation cut short (no ``</tool_call>``) is read too. If any block is not a JSON
object with a string ``name`` (and an object ``arguments``), the whole text is plain content
with no calls, as vLLM does: a wrong guess must not lose what the model said.

Streaming (:class:`ContentStream`): content before the first block streams as it comes; text
that could be the start of ``<tool_call>`` is held until it is decided, and from the first block
on everything is held until the end, when the whole text is parsed like an answer that was
not streamed. So a stream says exactly
what the same answer says unstreamed, and a broken block still arrives, as text.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass

START, END = "<tool_call>", "</tool_call>"
_BLOCK = re.compile(r"<tool_call>(.*?)</tool_call>|<tool_call>(.*)", re.DOTALL)


@dataclass(frozen=True)
class ParsedCall:
    name: str
    arguments: str  # a JSON object, as a string (what the API sends)


@dataclass(frozen=True)
class Parsed:
    content: str | None
    calls: list[ParsedCall]


def new_call_id() -> str:
    return f"call_{secrets.token_hex(12)}"


def _call(block: str) -> ParsedCall | None:
    try:
        value = json.loads(block)
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        return None
    arguments = value.get("arguments", {})
    if isinstance(arguments, str):  # some models write the arguments as a JSON string
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return None
    if not isinstance(arguments, dict):
        return None
    return ParsedCall(value["name"], json.dumps(arguments, ensure_ascii=False))


def parse_tool_calls(text: str) -> Parsed:
    """The calls in ``text`` and the content before them; no calls: all of it is content."""
    first = text.find(START)
    if first < 0:
        return Parsed(text, [])
    calls = []
    for match in _BLOCK.finditer(text, first):
        call = _call(match.group(1) if match.group(1) is not None else match.group(2))
        if call is None:
            return Parsed(text, [])
        calls.append(call)
    before = text[:first].rstrip()
    return Parsed(before or None, calls)


def _held(text: str) -> int:
    """How many characters at the end of ``text`` could be the start of ``<tool_call>``."""
    for k in range(min(len(START) - 1, len(text)), 0, -1):
        if START.startswith(text[-k:]):
            return k
    return 0


class ContentStream:
    """One streamed choice's text: what may go out as content now, and the rest at the end."""

    def __init__(self) -> None:
        self.text = ""
        self._sent = 0
        self._in_calls = False

    def feed(self, new_text: str) -> str:
        """Add generated text; returns the content that may be sent now."""
        self.text += new_text
        if self._in_calls:
            return ""
        start = self.text.find(START, max(0, self._sent - len(START)))
        if start >= 0:
            self._in_calls = True
            ready = start
        else:
            ready = len(self.text) - _held(self.text)
        # Whitespace is held until text follows it: content before calls ends without it.
        ready = len(self.text[:ready].rstrip())
        if ready <= self._sent:
            return ""
        out = self.text[self._sent : ready]
        self._sent = ready
        return out

    def finish(self, *, calls: bool) -> str:
        """At the end, once the whole text is parsed: the content not sent yet (none when the
        text held calls: then the content is what was sent before them)."""
        rest = "" if calls else self.text[self._sent :]
        self._sent = len(self.text)
        return rest
