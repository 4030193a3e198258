"""Which declared action a customer's message asks for, and its parameters from their own words.

The matcher is deterministic: an action matches when every content word of one of its example
phrases ("where is my order" → where, order) is in the message (plurals folded); of several, the
one whose example says the most wins, then the one declared first. The default small model does
not call tools, so this is what chooses an action (usecases.actions may ask a model that does).

Parameters come only from the conversation's customer: their own turns of this conversation
(newest first; the originals where a team keeps them, as the service needs the real value) or
their Slack user id — never the retrieved tickets, the bot's words or another conversation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from supportbot.core.actions_config import ActionSpec, Catalogue, Param
from supportbot.core.pii import PLACEHOLDERS

WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about what is asked for.
STOP = frozenset(
    WORD.findall(
        "a an the i me my mine we our you your it its is are was be been am to of for in on at by "
        "and or please can could would will do does did s t hi hello hey there this that with"
    )
)


def _fold(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def content_words(text: str) -> frozenset[str]:
    return frozenset(_fold(w) for w in WORD.findall(text.lower()) if w not in STOP)


def match_action(catalogue: Catalogue, text: str) -> ActionSpec | None:
    """The action the message asks for, by its example phrases; None when none matches."""
    said = content_words(text)
    best: tuple[int, ActionSpec] | None = None
    for action in catalogue.actions:
        for example in action.examples:
            needed = content_words(example)
            if needed and needed <= said and (best is None or len(needed) > best[0]):
                best = (len(needed), action)
    return best[1] if best else None


@dataclass(frozen=True)
class Found:
    """The parameters found (name → checked value) and the required ones missing, in order."""

    values: dict[str, str | int]
    missing: tuple[Param, ...]


def candidates(param: Param, turns: Sequence[str]) -> list[str | int]:
    """Every value ``param`` takes in the customer's turns (newest first), in that order."""
    if param.pattern is None:
        return []
    out: list[str | int] = []
    for text in turns:
        for hit in param.pattern.finditer(text):
            raw = hit.group(1) if param.pattern.groups else hit.group(0)
            if raw is None or any(p in raw for p in PLACEHOLDERS.values()):
                continue  # a redacted value is no value
            try:
                value = param.check(raw)
            except ValueError:
                continue
            if value not in out:
                out.append(value)
    return out


def find_params(
    action: ActionSpec,
    *,
    turns: Sequence[str],
    user: str | None,
    suggested: dict[str, object] | None = None,
) -> Found:
    """The action's parameters from the customer's own ``turns`` (newest first) and Slack ``user``.
    ``suggested``: values a model proposed (tool calls), taken only where the customer wrote them."""
    values: dict[str, str | int] = {}
    missing: list[Param] = []
    for param in action.params:
        if param.source == "user":
            found: list[str | int] = []
            if user:
                try:
                    found = [param.check(user)]
                except ValueError:
                    found = []
        else:
            found = candidates(param, turns)
        proposed = (suggested or {}).get(param.name)
        pick = next((v for v in found if str(v) == str(proposed)), found[0] if found else None)
        if pick is not None:
            values[param.name] = pick
        elif param.required:
            missing.append(param)
    return Found(values, tuple(missing))


def tool_of(action: ActionSpec) -> dict[str, Any]:
    """An action as an OpenAI tool (its parameters the customer gives: not their user id)."""
    asked = [p for p in action.params if p.source == "message"]
    return {
        "type": "function",
        "function": {
            "name": action.name,
            "description": action.description,
            "parameters": {
                "type": "object",
                "properties": {p.name: {"type": p.type} for p in asked},
                "required": [p.name for p in asked if p.required],
            },
        },
    }
