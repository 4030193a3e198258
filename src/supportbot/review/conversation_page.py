"""One conversation: its page, and the review actions on it (rate, comment, correct a reply;
approve for training; change the status), each one call of usecases.review.

Every action is a plain form POST that records an audit entry and redirects back (POST/redirect/
GET), so a reload never repeats it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from supportbot.core import store
from supportbot.review.filters import STATUSES
from supportbot.review.rendering import render
from supportbot.review.web import NOTICES, Admin, Ctx, RowId
from supportbot.usecases import review

router = APIRouter()


def _back_query(value: str | None) -> str:
    """The list's query string to return to (it only ever goes after '/?')."""
    return (value or "").lstrip("?")[:2000]


@router.get("/conversations/{conversation_id}")
def conversation(
    request: Request, ctx: Ctx, conversation_id: RowId, done: str = "", back: str = ""
) -> Response:
    with ctx.sessions() as s:
        conv = store.get_conversation(s, conversation_id=conversation_id)
        entries = store.audit_entries(s, conversation_id=conversation_id)
        calls = store.action_calls(s, conversation_id=conversation_id)
    latest_correction: dict[int, str | None] = {}
    for m in conv.messages:
        corrected = [f.corrected_answer for f in m.feedback if f.corrected_answer]
        latest_correction[m.id] = corrected[-1] if corrected else None
    return render(
        request,
        "conversation.html",
        {
            "conv": conv,
            "audit": entries,
            "action_calls": calls,
            "notice": NOTICES.get(done),
            "back": _back_query(back),
            "latest_correction": latest_correction,
            "statuses": STATUSES,
        },
    )


def _back_to(conversation_id: int, *, done: str, back: str, anchor: str = "") -> RedirectResponse:
    query = urlencode({k: v for k, v in {"done": done, "back": _back_query(back)}.items() if v})
    return RedirectResponse(f"/conversations/{conversation_id}?{query}{anchor}", status_code=303)


@router.post("/conversations/{conversation_id}/messages/{message_id}/rate")
def rate(
    ctx: Ctx,
    admin: Admin,
    conversation_id: RowId,
    message_id: RowId,
    rating: str = Form(...),
    back: str = Form(""),
) -> Response:
    review.rate_reply(
        ctx.sessions,
        admin=admin,
        conversation_id=conversation_id,
        message_id=message_id,
        rating=rating,
    )
    return _back_to(conversation_id, done=f"rated-{rating}", back=back, anchor=f"#m{message_id}")


@router.post("/conversations/{conversation_id}/messages/{message_id}/comment")
def comment(
    ctx: Ctx,
    admin: Admin,
    conversation_id: RowId,
    message_id: RowId,
    comment: str = Form(""),
    back: str = Form(""),
) -> Response:
    stored = review.comment_on_reply(
        ctx.sessions,
        admin=admin,
        conversation_id=conversation_id,
        message_id=message_id,
        text=comment,
    )
    return _back_to(
        conversation_id, done="commented" if stored else "empty", back=back, anchor=f"#m{message_id}"
    )


@router.post("/conversations/{conversation_id}/messages/{message_id}/correct")
def correct(
    ctx: Ctx,
    admin: Admin,
    conversation_id: RowId,
    message_id: RowId,
    corrected_answer: str = Form(""),
    back: str = Form(""),
) -> Response:
    done = review.correct_reply(
        ctx.sessions,
        admin=admin,
        conversation_id=conversation_id,
        message_id=message_id,
        text=corrected_answer,
    )
    return _back_to(conversation_id, done=done, back=back, anchor=f"#m{message_id}")


@router.post("/conversations/{conversation_id}/approve")
def approve(
    ctx: Ctx, admin: Admin, conversation_id: RowId, approved: str = Form("1"), back: str = Form("")
) -> Response:
    value = approved not in ("0", "false", "no", "")
    review.approve_conversation(
        ctx.sessions,
        admin=admin,
        conversation_id=conversation_id,
        approved=value,
    )
    return _back_to(conversation_id, done="approved" if value else "unapproved", back=back)


@router.post("/conversations/{conversation_id}/status")
def set_status(
    ctx: Ctx, admin: Admin, conversation_id: RowId, status: str = Form(...), back: str = Form("")
) -> Response:
    review.set_conversation_status(
        ctx.sessions,
        admin=admin,
        conversation_id=conversation_id,
        status=status,
    )
    return _back_to(conversation_id, done="status", back=back)
