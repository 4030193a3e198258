"""The overview page and its two actions: queue a retraining job, download the training export."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from supportbot.core.errors import Conflict
from supportbot.review import overview
from supportbot.review.export import jsonl_lines
from supportbot.review.rendering import render
from supportbot.review.web import NOTICES, Admin, Ctx
from supportbot.usecases.retrain import request_retrain
from supportbot.usecases.review import export_conversations

router = APIRouter()


@router.get("/overview")
def overview_page(request: Request, ctx: Ctx, done: str = "", problem: str = "") -> Response:
    with ctx.sessions() as s:
        data = overview.collect(s)
    return render(
        request,
        "overview.html",
        {**data, "charts": overview.charts(data), "notice": NOTICES.get(done), "problem": problem[:300]},
    )


@router.post("/jobs/retrain")
def retrain(ctx: Ctx, admin: Admin) -> Response:
    try:
        request_retrain(ctx.sessions, requested_by=admin, via="review")
    except Conflict as exc:
        return RedirectResponse(f"/overview?{urlencode({'problem': str(exc)})}", status_code=303)
    return RedirectResponse("/overview?done=retrain", status_code=303)


@router.post("/export")
def export(ctx: Ctx, admin: Admin, scope: str = Form("approved")) -> Response:
    approved_only = scope != "rated"
    rows = export_conversations(ctx.sessions, admin=admin, approved_only=approved_only)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Response(
        "".join(jsonl_lines(rows)),
        media_type="application/jsonl",
        headers={"Content-Disposition": f'attachment; filename="supportbot-training-{stamp}.jsonl"'},
    )
