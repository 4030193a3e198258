"""One conversation: its page, and the review actions on it (rate, comment, correct a reply;
approve for training; change the status).

Every action is a plain form POST that records an audit entry and redirects back (POST/redirect/
GET), so a reload never repeats it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from core import store
from core.db import transaction
from core.errors import InvalidInput, NotFound
from core.models import Message, Rating, Role
from review.filters import STATUSES
from review.rendering import render
from review.web import NOTICES, RowId, admin_name, app_context

router = APIRouter()
RATING_VALUES = [r.value for r in Rating]


def _back_query(value: str | None) -> str:
    """The list's query string to return to (it only ever goes after '/?')."""
    return (value or "").lstrip("?")[:2000]


@router.get("/conversations/{conversation_id}")
def conversation(request: Request, conversation_id: RowId, done: str = "", back: str = "") -> Response:
    with app_context(request).sessions() as s:
        conv = store.get_conversation(s, conversation_id=conversation_id)
        entries = store.audit_entries(s, conversation_id=conversation_id)
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
            "notice": NOTICES.get(done),
            "back": _back_query(back),
            "latest_correction": latest_correction,
            "statuses": STATUSES,
        },
    )


def _message_of(session: Session, *, conversation_id: int, message_id: int) -> Message:
    message = store.find_message(session, message_id=message_id)
    if message is None or message.conversation_id != conversation_id:
        raise NotFound(f"conversation {conversation_id} has no message {message_id}")
    if message.role == Role.user:
        raise InvalidInput("only replies can be rated or corrected")
    return message


def _back_to(conversation_id: int, *, done: str, back: str, anchor: str = "") -> RedirectResponse:
    query = urlencode({k: v for k, v in {"done": done, "back": _back_query(back)}.items() if v})
    return RedirectResponse(f"/conversations/{conversation_id}?{query}{anchor}", status_code=303)


@router.post("/conversations/{conversation_id}/messages/{message_id}/rate")
def rate(
    request: Request, conversation_id: RowId, message_id: RowId, rating: str = Form(...), back: str = Form("")
) -> Response:
    if rating not in RATING_VALUES:
        raise InvalidInput(f"rating must be {' or '.join(RATING_VALUES)}")
    admin = admin_name(request)
    with transaction(app_context(request).sessions) as s:
        _message_of(s, conversation_id=conversation_id, message_id=message_id)
        store.record_feedback(s, message_id=message_id, user=f"admin:{admin}", rating=Rating(rating).score)
        store.audit(
            s,
            actor=admin,
            action="review.rate",
            conversation_id=conversation_id,
            message_id=message_id,
            detail={"rating": rating},
        )
    return _back_to(conversation_id, done=f"rated-{rating}", back=back, anchor=f"#m{message_id}")


@router.post("/conversations/{conversation_id}/messages/{message_id}/comment")
def comment(
    request: Request, conversation_id: RowId, message_id: RowId, comment: str = Form(""), back: str = Form("")
) -> Response:
    text = comment.strip()
    if not text:
        return _back_to(conversation_id, done="empty", back=back, anchor=f"#m{message_id}")
    admin = admin_name(request)
    with transaction(app_context(request).sessions) as s:
        _message_of(s, conversation_id=conversation_id, message_id=message_id)
        store.record_feedback(s, message_id=message_id, user=f"admin:{admin}", comment=text)
        store.audit(
            s,
            actor=admin,
            action="review.comment",
            conversation_id=conversation_id,
            message_id=message_id,
            detail={"comment": text[:500]},
        )
    return _back_to(conversation_id, done="commented", back=back, anchor=f"#m{message_id}")


@router.post("/conversations/{conversation_id}/messages/{message_id}/correct")
def correct(
    request: Request,
    conversation_id: RowId,
    message_id: RowId,
    corrected_answer: str = Form(""),
    back: str = Form(""),
) -> Response:
    text = corrected_answer.strip()
    if not text:
        return _back_to(conversation_id, done="empty", back=back, anchor=f"#m{message_id}")
    admin = admin_name(request)
    with transaction(app_context(request).sessions) as s:
        message = _message_of(s, conversation_id=conversation_id, message_id=message_id)
        previous = [f.corrected_answer for f in message.feedback if f.corrected_answer]
        if text == (previous[-1] if previous else message.text.strip()):
            return _back_to(conversation_id, done="unchanged", back=back, anchor=f"#m{message_id}")
        store.record_feedback(s, message_id=message_id, user=f"admin:{admin}", corrected_answer=text)
        store.audit(
            s,
            actor=admin,
            action="review.correct",
            conversation_id=conversation_id,
            message_id=message_id,
            detail={"corrected_answer": text[:500]},
        )
    return _back_to(conversation_id, done="corrected", back=back, anchor=f"#m{message_id}")


@router.post("/conversations/{conversation_id}/approve")
def approve(
    request: Request, conversation_id: RowId, approved: str = Form("1"), back: str = Form("")
) -> Response:
    value = approved not in ("0", "false", "no", "")
    admin = admin_name(request)
    with transaction(app_context(request).sessions) as s:
        store.set_approved(s, conversation_id=conversation_id, approved=value)
        store.audit(
            s,
            actor=admin,
            action="review.approve" if value else "review.unapprove",
            conversation_id=conversation_id,
        )
    return _back_to(conversation_id, done="approved" if value else "unapproved", back=back)


@router.post("/conversations/{conversation_id}/status")
def set_status(
    request: Request, conversation_id: RowId, status: str = Form(...), back: str = Form("")
) -> Response:
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
    admin = admin_name(request)
    with transaction(app_context(request).sessions) as s:
        before = store.status_of(s, conversation_id=conversation_id)
        store.set_status(s, conversation_id=conversation_id, status=status)
        store.audit(
            s,
            actor=admin,
            action="review.status",
            conversation_id=conversation_id,
            detail={"status": status, "from": before.value if before is not None else None},
        )
    return _back_to(conversation_id, done="status", back=back)
