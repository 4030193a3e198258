"""The conversation list: its page (filters, rows, paging) and how many conversations match.

Filters on the conversation row (channel, user, status, rating, dates) are counted exactly from
their indexes in a few milliseconds, and the page shows the count at once. Filters that look
into the messages (text search, model version) make the count touch every matching message:
the page then shows its rows at once and its script fetches the count afterwards, capped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from supportbot.core import store
from supportbot.core.context import AppContext
from supportbot.core.errors import InvalidInput
from supportbot.review.filters import RATINGS, STATUSES, ListFilters
from supportbot.review.rendering import render
from supportbot.review.web import Ctx, PageSize

router = APIRouter()

COUNT_CAP = 10_000


def describe_count(count: int, *, cap: int = COUNT_CAP) -> str:
    if count > cap:
        return f"more than {cap:,} conversations"
    return f"{count:,} conversation{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class Paging:
    """The list's page and rows per page, as the query asked for them.

    ``problem`` is set when ``page`` or ``per_page`` is not a number: ``list_page_data`` raises it
    (after the filters' own errors), so the list page shows it with the form, and the API answers
    it as a 400 with the message.
    """

    page: int
    per_page: int
    problem: str | None = None


def _clamped(raw: str | None, name: str, default: int, *, lo: int, hi: int) -> tuple[int, str | None]:
    """Empty or absent is ``default``, out of range is clamped to ``lo``..``hi``, not a number a problem."""
    if raw in (None, ""):
        return default, None
    try:
        return max(lo, min(hi, int(raw))), None
    except ValueError:
        return default, f"{name} must be a number"


def read_paging(
    default_per_page: PageSize,
    page: Annotated[str | None, Query()] = None,
    per_page: Annotated[str | None, Query()] = None,
) -> Paging:
    """``page`` and ``per_page`` read as text, not as ``int`` with ``ge``/``le``: a value out of range is
    clamped rather than refused, an empty one is the default, and one that is not a number is
    reported by the list (see ``Paging``) rather than by FastAPI's validation."""
    size, size_problem = _clamped(per_page, "per_page", default_per_page, lo=1, hi=200)
    number, page_problem = _clamped(page, "page", 1, lo=1, hi=1_000_000)
    return Paging(page=number, per_page=size, problem=size_problem or page_problem)


PagingDep = Annotated[Paging, Depends(read_paging)]


def list_page_data(ctx: AppContext, query: Mapping[str, object], paging: Paging) -> dict[str, Any]:
    """The list's rows for the query string's filters and ``paging`` (shared by the page and the API).

    ``total`` is None when counting would be slow (see above); ``has_next`` comes from fetching
    one row more than the page shows.
    """
    filters = ListFilters.from_mapping(query)
    if paging.problem is not None:
        raise InvalidInput(paging.problem)
    per_page, page = paging.per_page, paging.page
    matching = filters.conversation_filter()
    total = None
    with ctx.sessions() as s:
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


def count_data(ctx: AppContext, query: Mapping[str, object]) -> dict[str, Any]:
    """The number of matches, capped at ``COUNT_CAP`` (more is reported as ``COUNT_CAP + 1``)."""
    filters = ListFilters.from_mapping(query)
    with ctx.sessions() as s:
        count = store.count_conversations(s, matching=filters.conversation_filter(), cap=COUNT_CAP)
    return {"count": count, "capped": count > COUNT_CAP, "text": describe_count(count) + " match"}


@router.get("/")
def conversations(request: Request, ctx: Ctx, paging: PagingDep, default_per_page: PageSize) -> Response:
    try:
        data = list_page_data(ctx, request.query_params, paging)
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
    with ctx.sessions() as s:
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
            "default_per_page": default_per_page,
        },
        status_code=400 if error else 200,
    )
