"""What the assistant pane suggests asking: the most common questions in the ticket history."""

from __future__ import annotations

from core import store
from core.db import Sessions

# Slack shows at most four suggested prompts, each title at most 75 characters.
MAX_PROMPTS = 4
MAX_TITLE = 75


def suggested_prompts(sessions: Sessions) -> list[dict[str, str]]:
    """``[{"title", "message"}]`` for ``assistant.threads.setSuggestedPrompts``."""
    with sessions() as s:
        questions = store.common_questions(s, limit=MAX_PROMPTS)
    return [
        {"title": q if len(q) <= MAX_TITLE else q[: MAX_TITLE - 1] + "…", "message": q} for q in questions
    ]
