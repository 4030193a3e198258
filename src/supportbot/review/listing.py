"""The conversation list: its page (filters, rows, paging) and how many conversations match.

Filters on the conversation row (channel, user, status, rating, dates) are counted exactly from
their indexes in a few milliseconds, and the page shows the count at once. Filters that look
into the messages (text search, model version) make the count touch every matching message:
the page then shows its rows at once and its script fetches the count afterwards, capped.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from supportbot.core import store
from supportbot.core.errors import InvalidInput
from supportbot.review.filters import RATINGS, STATUSES, ListFilters
from supportbot.review.rendering import render
from supportbot.review.web import app_context

router = APIRouter()

COUNT_CAP = 10_000


def describe_count(count: int, *, cap: int = COUNT_CAP) -> str:
    if count > cap:
        return f"more than {cap:,} conversations"
    return f"{count:,} conversation{'' if count == 1 else 's'}"


def _int_param(request: Request, name: str, default: int, *, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return max(lo, min(hi, int(raw)))
    except ValueError:
        raise InvalidInput(f"{name} must be a number") from None


def list_page_data(request: Request) -> dict[str, Any]:
    """The list's rows for the query string (shared by the page and the API).

    ``total`` is None when counting would be slow (see above); ``has_next`` comes from fetching
    one row more than the page shows.
    """
    filters = ListFilters.from_mapping(request.query_params)
    per_page = _int_param(request, "per_page", request.app.state.page_size, lo=1, hi=200)
    page = _int_param(request, "page", 1, lo=1, hi=1_000_000)
    matching = filters.conversation_filter()
    total = None
    with app_context(request).sessions() as s:
        rows = store.list_conversations(
            s, matching=matching, limit=per_page + 1, offset=(page - 1) * per_page
        )
        if not matching.looks_into_messages:
            total = store.count_conversations(s, matching=matching)
    return {
        "filters": filters,
        "rows": rows[:per_page],
        "has_next": len(rows) > per_page,
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": max(1, -(-total // per_page)) if total is not None else None,
    }


def count_data(request: Request) -> dict[str, Any]:
    """The number of matches, capped at ``COUNT_CAP`` (more is reported as ``COUNT_CAP + 1``)."""
    filters = ListFilters.from_mapping(request.query_params)
    with app_context(request).sessions() as s:
        count = store.count_conversations(s, matching=filters.conversation_filter(), cap=COUNT_CAP)
    return {"count": count, "capped": count > COUNT_CAP, "text": describe_count(count) + " match"}


@router.get("/")
def conversations(request: Request) -> Response:
    try:
        data = list_page_data(request)
        error = None
    except InvalidInput as exc:
        data = {
            "filters": ListFilters(),
            "rows": [],
            "has_next": False,
            "total": 0,
            "page": 1,
            "per_page": 50,
            "pages": 1,
        }
        error = str(exc)
    with app_context(request).sessions() as s:
        versions = [v.name for v in store.list_model_versions(s)]
    return render(
        request,
        "list.html",
        {
            **data,
            "error": error,
            "statuses": STATUSES,
            "ratings": RATINGS,
            "versions": versions,
            "list_query": request.url.query,
            "default_per_page": request.app.state.page_size,
        },
        status_code=400 if error else 200,
    )
