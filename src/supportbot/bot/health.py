"""`/health` of the bot: the database, the ticket index and the delivery backlog.

Not 200 while the database cannot be reached or no ticket index is loaded: the bot would still
ack (and spool) every question, but it could not answer from its history, and an orchestrator or
a load balancer should know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from supportbot.core.db import database_status

if TYPE_CHECKING:
    from supportbot.core.db import Sessions


@dataclass
class HealthCheck:
    sessions: Sessions
    retriever: Any | None
    inbox: Any | None = None
    index_problem: str | None = None  # why no index is loaded, when none is

    def run(self) -> tuple[bool, dict[str, Any]]:
        db_ok, db = database_status(self.sessions)
        if self.retriever is not None:
            index_ok, index = True, f"ok ({self.retriever.size} tickets)"
        else:
            index_ok, index = False, f"not loaded: {self.index_problem or 'no ticket index'}"
        report: dict[str, Any] = {
            "status": "ok" if db_ok and index_ok else "degraded",
            "database": db,
            "index": index,
        }
        if self.inbox is not None:
            report["deliveries"] = self.inbox.status()
        return db_ok and index_ok, report
