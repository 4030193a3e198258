"""What the assistant pane suggests asking: the most common questions in the ticket history."""

from __future__ import annotations

from supportbot.core import store
from supportbot.core.db import Sessions
from supportbot.core.identifiers import find_identifiers, generalise

# Slack shows at most four suggested prompts, each title at most 75 characters.
MAX_PROMPTS = 4
MAX_TITLE = 75


def names_no_one(question: str) -> bool:
    """Shown to every user: no order number, amount, address or redacted placeholder of one
    customer's case may be in it."""
    return generalise(question) == question and not find_identifiers(question) and "[" not in question


def common_questions(sessions: Sessions) -> list[str]:
    """One question per most-asked category: its shortest that names no one's data."""
    with sessions() as s:
        candidates = store.shortest_questions(s, categories=MAX_PROMPTS)
    return [next((q for q in questions if names_no_one(q)), "") for questions in candidates]


def suggested_prompts(sessions: Sessions) -> list[dict[str, str]]:
    """``[{"title", "message"}]`` for ``assistant.threads.setSuggestedPrompts``."""
    questions = [q for q in common_questions(sessions) if q]
    return [
        {"title": q if len(q) <= MAX_TITLE else q[: MAX_TITLE - 1] + "…", "message": q} for q in questions
    ]
