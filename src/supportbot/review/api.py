"""The JSON API: the same data as the pages, for scripts (a session cookie is required)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from supportbot.core import store
from supportbot.review import overview
from supportbot.review.listing import PagingDep, count_data, list_page_data
from supportbot.review.serialize import conversation_dict, row_dict
from supportbot.review.web import Ctx, RowId

router = APIRouter(prefix="/api")


@router.get("/conversations")
def api_conversations(request: Request, ctx: Ctx, paging: PagingDep) -> dict[str, Any]:
    data = list_page_data(ctx, request.query_params, paging)
    return {
        "total": data["total"],  # null when counting is slow: see /api/conversations/count
        "page": data["page"],
        "per_page": data["per_page"],
        "has_next": data["has_next"],
        "conversations": [row_dict(r) for r in data["rows"]],
    }


@router.get("/conversations/count")
def api_count(request: Request, ctx: Ctx) -> dict[str, Any]:
    """How many conversations match the filters (more than 10,000 is reported as 10,001)."""
    return count_data(ctx, request.query_params)


@router.get("/conversations/{conversation_id}")
def api_conversation(ctx: Ctx, conversation_id: RowId) -> dict[str, Any]:
    with ctx.sessions() as s:
        conv = store.get_conversation(s, conversation_id=conversation_id)
        return conversation_dict(conv, store.audit_entries(s, conversation_id=conversation_id))


@router.get("/overview")
def api_overview(ctx: Ctx) -> dict[str, Any]:
    with ctx.sessions() as s:
        return overview.as_json(overview.collect(s))


@router.get("/me")
def api_me(request: Request) -> dict[str, Any]:
    session = request.state.session
    return {"user": session.user, "csrf_token": session.csrf}
