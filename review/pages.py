"""The pages: login, the conversation list, one conversation with its review actions, the overview.

Every action is a plain form POST that records an audit entry and redirects back (POST/redirect/
GET), so a reload never repeats it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from core import store
from core.db import transaction
from core.errors import Conflict, InvalidInput, NotFound
from core.models import Conversation, Message, Role
from review import overview
from review.auth import DEVICE_COOKIE, DEVICE_MAX_AGE_S, LOGIN_COOKIE, SESSION_COOKIE, Auth
from review.counting import COUNT_CAP, count_capped, count_is_expensive, describe_count
from review.export import export_rows, jsonl_lines
from review.filters import RATINGS, STATUSES, ListFilters, RowId
from review.rendering import render

log = logging.getLogger(__name__)
router = APIRouter()

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


def _admin(request: Request) -> str:
    return request.state.session.user


def _ctx(request: Request):
    return request.app.state.ctx


def _auth(request: Request) -> Auth:
    return request.app.state.auth


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https"


# --- login / logout -------------------------------------------------------------------------------


def _login_page(
    request: Request, *, error: str | None, status_code: int, next_url: str, name: str = "", headers=None
):
    cookie, token = _auth(request).new_login_token()
    response = render(
        request,
        "login.html",
        {"error": error, "login_token": token, "next_url": next_url, "name": name},
        status_code=status_code,
        headers=headers,
    )
    response.set_cookie(
        LOGIN_COOKIE, cookie, max_age=3600, httponly=True, samesite="strict", secure=_cookie_secure(request)
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if request.state.session is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, error=None, status_code=200, next_url=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    name: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    auth = _auth(request)
    next_url = _safe_next(next)
    if not auth.check_login_token(request.cookies.get(LOGIN_COOKIE), csrf_token):
        return _login_page(
            request,
            error="The login form expired or was not sent from this site. Please try again.",
            status_code=403,
            next_url=next_url,
            name=name,
        )
    # The client's address; behind a trusted proxy (SUPPORTBOT_TRUSTED_PROXIES) the one it saw.
    address = request.client.host if request.client else "unknown"
    name = name.strip()
    ok, wait = auth.attempt_login(
        user=name, password=password, address=address, device_cookie=request.cookies.get(DEVICE_COOKIE)
    )
    if wait > 0:
        seconds = int(wait) + 1
        log.warning("review: login for %r from %s refused, locked for %d s", name, address, seconds)
        return _login_page(
            request,
            error=f"Too many failed attempts. Try again in {seconds} s.",
            status_code=429,
            next_url=next_url,
            name=name,
            headers={"Retry-After": str(seconds)},
        )
    if not ok:
        log.warning("review: failed login for %r from %s", name, address)
        return _login_page(
            request, error="Wrong name or password.", status_code=401, next_url=next_url, name=name
        )
    cookie, _session = auth.new_session(name)
    with transaction(_ctx(request).sessions) as s:
        store.audit(s, actor=name, action="review.login", detail={"address": address})
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=auth.max_age_s,
        httponly=True,
        samesite="lax",
        secure=_cookie_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE)
    response.set_cookie(
        DEVICE_COOKIE,
        auth.new_device_cookie(name),
        max_age=DEVICE_MAX_AGE_S,
        httponly=True,
        samesite="strict",
        secure=_cookie_secure(request),
        path="/login",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    session = request.state.session
    _auth(request).revoke(session)
    with transaction(_ctx(request).sessions) as s:
        store.audit(s, actor=session.user, action="review.logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_cookie_secure(request)
    )
    return response


# --- the list -------------------------------------------------------------------------------------


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

    ``total`` is None when counting would be slow (see ``review.counting``); ``has_next`` comes
    from fetching one row more than the page shows.
    """
    filters = ListFilters.from_mapping(request.query_params)
    per_page = _int_param(request, "per_page", request.app.state.page_size, lo=1, hi=200)
    page = _int_param(request, "page", 1, lo=1, hi=1_000_000)
    kwargs = filters.store_kwargs()
    total = None
    with _ctx(request).sessions() as s:
        rows = store.list_conversations(s, **kwargs, limit=per_page + 1, offset=(page - 1) * per_page)
        if not count_is_expensive(kwargs):
            total = store.count_conversations(s, **kwargs)
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
    filters = ListFilters.from_mapping(request.query_params)
    with _ctx(request).sessions() as s:
        count = count_capped(s, **filters.store_kwargs())
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
    with _ctx(request).sessions() as s:
        versions = [v.name for v in store.list_model_versions(s)]
    return render(
        request,
        "list.html",
        {
            **data,
            "error": error,
            "statuses": STATUSES,
            "ratings": list(RATINGS),
            "versions": versions,
            "list_query": request.url.query,
            "default_per_page": request.app.state.page_size,
        },
        status_code=400 if error else 200,
    )


# --- one conversation -----------------------------------------------------------------------------


def _back_query(value: str | None) -> str:
    """The list's query string to return to (it only ever goes after '/?')."""
    return (value or "").lstrip("?")[:2000]


@router.get("/conversations/{conversation_id}")
def conversation(request: Request, conversation_id: RowId, done: str = "", back: str = "") -> Response:
    with _ctx(request).sessions() as s:
        conv = store.get_conversation(s, conversation_id=conversation_id)
        entries = store.audit_entries(s, conversation_id=conversation_id)
    latest_correction = {}
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


def _message_of(session, *, conversation_id: int, message_id: int) -> Message:
    message = session.get(Message, message_id)
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
    if rating not in ("up", "down"):
        raise InvalidInput("rating must be up or down")
    admin = _admin(request)
    with transaction(_ctx(request).sessions) as s:
        _message_of(s, conversation_id=conversation_id, message_id=message_id)
        store.record_feedback(s, message_id=message_id, user=f"admin:{admin}", rating=RATINGS[rating])
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
    admin = _admin(request)
    with transaction(_ctx(request).sessions) as s:
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
    admin = _admin(request)
    with transaction(_ctx(request).sessions) as s:
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
    admin = _admin(request)
    with transaction(_ctx(request).sessions) as s:
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
    admin = _admin(request)
    with transaction(_ctx(request).sessions) as s:
        current = s.get(Conversation, conversation_id)
        before = current.status.value if current is not None else None
        store.set_status(s, conversation_id=conversation_id, status=status)
        store.audit(
            s,
            actor=admin,
            action="review.status",
            conversation_id=conversation_id,
            detail={"status": status, "from": before},
        )
    return _back_to(conversation_id, done="status", back=back)


# --- overview, retraining, export -----------------------------------------------------------------


@router.get("/overview")
def overview_page(request: Request, done: str = "", problem: str = "") -> Response:
    with _ctx(request).sessions() as s:
        data = overview.collect(s)
    return render(
        request,
        "overview.html",
        {**data, "charts": overview.charts(data), "notice": NOTICES.get(done), "problem": problem[:300]},
    )


@router.post("/jobs/retrain")
def retrain(request: Request) -> Response:
    admin = _admin(request)
    try:
        with transaction(_ctx(request).sessions) as s:
            store.request_retrain(s, requested_by=admin, via="review")
    except Conflict as exc:
        return RedirectResponse(f"/overview?{urlencode({'problem': str(exc)})}", status_code=303)
    return RedirectResponse("/overview?done=retrain", status_code=303)


@router.post("/export")
def export(request: Request, scope: str = Form("approved")) -> Response:
    approved_only = scope != "rated"
    admin = _admin(request)
    with transaction(_ctx(request).sessions) as s:
        rows = export_rows(s, approved_only=approved_only)
        store.audit(
            s,
            actor=admin,
            action="review.export",
            detail={"conversations": len(rows), "approved_only": approved_only},
        )
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Response(
        "".join(jsonl_lines(rows)),
        media_type="application/jsonl",
        headers={"Content-Disposition": f'attachment; filename="supportbot-training-{stamp}.jsonl"'},
    )
