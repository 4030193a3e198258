"""How much the database holds: what `supportbot db status` prints."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supportbot.core import models

COUNTED = [
    ("conversations", models.Conversation),
    ("messages", models.Message),
    ("tickets", models.Ticket),
    ("model_versions", models.ModelVersion),
    ("training_jobs", models.TrainingJob),
]


def row_counts(session: Session) -> dict[str, int]:
    """Rows per table, by the name the status report uses."""
    return {name: session.scalar(select(func.count()).select_from(model)) or 0 for name, model in COUNTED}
