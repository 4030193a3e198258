"""The Analytics page, the Content gaps page, and the new-ticket form a gap links to (with their
JSON API: ``/api/analytics``, ``/api/analytics/gaps``, ``POST /api/tickets``).

The figures are ``usecases.analytics``'s report; the gaps ``usecases.content_gaps``'s; a new
ticket goes through ``usecases.tickets.add_ticket`` (stored redacted, audited, and embedded into the
index when one matches the table). The form is a plain POST with the CSRF token, redirected to a
GET (POST/redirect/GET) once the ticket is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from supportbot.core.context import AppContext
from supportbot.core.errors import Conflict, InvalidInput
from supportbot.review import analytics_view
from supportbot.review.rendering import render
from supportbot.review.web import MAX_ROW_ID, Admin, Ctx
from supportbot.usecases.analytics import DEFAULT_DAYS, MAX_DAYS, REASONS, analytics_report, report_json
from supportbot.usecases.content_gaps import draft_for_message, embedder_from, find_content_gaps, gaps_json
from supportbot.usecases.tickets import add_ticket

router = APIRouter()
api_router = APIRouter(prefix="/api")

Days = Query(DEFAULT_DAYS, ge=1, le=MAX_DAYS)


@router.get("/analytics")
def analytics_page(request: Request, ctx: Ctx, days: int = Days) -> Response:
    report = analytics_report(ctx.sessions, days=days)
    return render(
        request,
        "analytics.html",
        {
            "report": report,
            "t": report.total,
            "charts": analytics_view.charts(report),
            "reasons": REASONS,
            "reason_labels": analytics_view.REASON_LABELS,
            "periods": analytics_view.PERIODS,
        },
    )


def _gaps(ctx: AppContext, days: int) -> Any:
    return find_content_gaps(ctx.sessions, load_embedder=embedder_from(ctx.settings), days=days)


@router.get("/analytics/gaps")
def gaps_page(request: Request, ctx: Ctx, days: int = Days) -> Response:
    found = _gaps(ctx, days)
    links = {g.message_id: analytics_view.new_ticket_link(g) for g in found.gaps}
    return render(
        request, "content_gaps.html", {"found": found, "links": links, "periods": analytics_view.PERIODS}
    )


def _suggested_id() -> str:
    return f"KB-{datetime.now(UTC):%Y%m%d-%H%M%S}"


def _form(request: Request, values: dict[str, Any], *, problem: str = "", status_code: int = 200) -> Response:
    return render(
        request, "ticket_form.html", {"values": values, "problem": problem}, status_code=status_code
    )


@router.get("/tickets/new")
def new_ticket_form(
    request: Request,
    ctx: Ctx,
    question: str = "",
    resolution: str = "",
    category: str = "",
    message: int | None = Query(None, ge=1, le=MAX_ROW_ID),
    created: str = "",
    index: str = "",
) -> Response:
    """The form, pre-filled from the query (a gap's link), or from a customer question's id."""
    if message is not None and not question:
        draft = draft_for_message(ctx.sessions, message_id=message)
        question, resolution = draft.question, resolution or draft.resolution
    values = {
        "external_id": _suggested_id(),
        "question": question[:20_000],
        "resolution": resolution[:20_000],
        "category": category[:64],
        "message": message or "",
        "created": created[:128],
        "index": index[:300],
    }
    return _form(request, values)


@router.post("/tickets/new")
def create_ticket(
    request: Request,
    ctx: Ctx,
    admin: Admin,
    external_id: str = Form(""),
    question: str = Form(""),
    resolution: str = Form(""),
    category: str = Form(""),
    message: str = Form(""),
) -> Response:
    source = int(message) if message.isdigit() and 0 < int(message) <= MAX_ROW_ID else None
    try:
        added = add_ticket(
            ctx,
            actor=admin,
            external_id=external_id or _suggested_id(),
            question=question,
            resolution=resolution,
            category=category,
            detail={"via": "review", "from_message": source},
        )
    except (InvalidInput, Conflict) as exc:
        values = {
            "external_id": external_id,
            "question": question,
            "resolution": resolution,
            "category": category,
            "message": source or "",
            "created": "",
            "index": "",
        }
        return _form(request, values, problem=str(exc), status_code=409 if isinstance(exc, Conflict) else 400)
    index = added.index.describe() if added.index is not None else "index not updated"
    query = urlencode({"created": added.external_id, "index": index})
    return RedirectResponse(f"/tickets/new?{query}", status_code=303)


# --- JSON API --------------------------------------------------------------------------------------


@api_router.get("/analytics")
def api_analytics(ctx: Ctx, days: int = Days) -> dict[str, Any]:
    return report_json(analytics_report(ctx.sessions, days=days))


@api_router.get("/analytics/gaps")
def api_gaps(ctx: Ctx, days: int = Days) -> dict[str, Any]:
    return gaps_json(_gaps(ctx, days), link=analytics_view.new_ticket_link)


class NewTicket(BaseModel):
    external_id: str | None = Field(None, max_length=128)
    question: str = Field(max_length=20_000)
    resolution: str = Field(max_length=20_000)
    category: str | None = Field(None, max_length=64)
    from_message: int | None = Field(None, ge=1, le=MAX_ROW_ID)


@api_router.post("/tickets", status_code=201)
def api_create_ticket(ctx: Ctx, admin: Admin, body: NewTicket) -> JSONResponse:
    """A new ticket (the CSRF token goes in the X-CSRF-Token header, as for every API write)."""
    added = add_ticket(
        ctx,
        actor=admin,
        external_id=body.external_id or _suggested_id(),
        question=body.question,
        resolution=body.resolution,
        category=body.category,
        detail={"via": "api", "from_message": body.from_message},
    )
    index = added.index.describe() if added.index is not None else None
    return JSONResponse(
        {"ticket_id": added.ticket_id, "external_id": added.external_id, "index": index}, status_code=201
    )
