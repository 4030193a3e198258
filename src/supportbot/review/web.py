"""What the route modules share: the app's context and auth, the admin of the request, notices.

Routes take these as parameters (``ctx: Ctx``, ``admin: Admin`` …): each alias below is the value's
type with the FastAPI dependency that reads it from the app (or the request) it serves.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

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


def page_size(request: Request) -> int:
    """The conversation list's rows per page when the query names none (``create_app(page_size=)``)."""
    size: int = request.app.state.page_size
    return size


Ctx = Annotated[AppContext, Depends(app_context)]
AppAuth = Annotated[Auth, Depends(app_auth)]
Admin = Annotated[str, Depends(admin_name)]
Metrics = Annotated[ReviewMetrics, Depends(app_metrics)]
PageSize = Annotated[int, Depends(page_size)]
