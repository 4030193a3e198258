"""What the route modules share: the app's context and auth, the admin of the request, notices."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request

from supportbot.core.context import AppContext
from supportbot.review.auth import Auth
from supportbot.review.metrics import ReviewMetrics

# A row id in a URL: a positive 64-bit integer (PostgreSQL's BIGINT, SQLite's INTEGER). A larger
# number is no row; checked here, it is a 404 rather than a database overflow (a 500).
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

# ``done=`` values of the redirect after an action, and what the page then says.
NOTICES = {
    "rated-up": "Rated 👍.",
    "rated-down": "Rated 👎.",
    "commented": "Comment saved.",
    "corrected": "Corrected answer saved.",
    "approved": "Approved for training.",
    "unapproved": "No longer approved for training.",
    "status": "Status changed.",
    "unchanged": "Nothing saved: the corrected answer is the bot's reply as it was.",
    "empty": "Nothing saved: the text was empty.",
    "retrain": "Retraining job queued.",
}


def app_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.ctx
    return context


def app_auth(request: Request) -> Auth:
    auth: Auth = request.app.state.auth
    return auth


def admin_name(request: Request) -> str:
    """The logged-in admin (the middleware lets no request without a session reach a route)."""
    name: str = request.state.session.user
    return name


def app_metrics(request: Request) -> ReviewMetrics:
    metrics: ReviewMetrics = request.app.state.metrics
    return metrics
