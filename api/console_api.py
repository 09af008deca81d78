"""The staff console's HTTP API (/console/api/...). Signed-in staff only; state changes need
the CSRF token; staff see their own centre's cases, supervisors and admins all."""
import datetime as dt
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from api import answers, auth, handoff, places, rasa_client, sensitivity
from api.auth import COOKIE, SESSION_HOURS, current_session, get_db
from api.db import WriteSession
from api.incident_api import classifier
from api.models import AuditEntry, HandoffCase, ServiceCentre, ServiceItem, StaffSession, StaffUser
from api.ratelimit import RateLimiter

router = APIRouter(prefix="/console/api")


class LoginIn(BaseModel):
    username: str = Field(..., max_length=50)
    password: str = Field(..., max_length=200)


class TextIn(BaseModel):
    text: str = Field(..., max_length=2000)


class TransferIn(BaseModel):
    centre_id: Optional[int] = None
    staff_id: Optional[int] = None


class TicketIn(BaseModel):
    description: str = Field("", max_length=2000)
    address: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    link: Optional[str] = Field(None, max_length=30)  # an existing work order's number, instead of filing


class CloseIn(BaseModel):
    reason: str = Field("", max_length=1000)


def _user(s):
    u = s.user
    return {"username": u.username, "name": u.display_name, "role": u.role, "centre": u.centre.name if u.centre else None}


def _case_summary(c: HandoffCase) -> dict:
    last = next((m for m in reversed(c.messages) if m.author == "resident"), None)
    return {"id": c.id, "sender": c.sender, "status": c.status, "reason": c.reason, "priority": c.priority, "centre": c.centre.name,
            "channel": c.channel, "assignee": c.assignee.display_name if c.assignee else None,
            "created_at": c.created_at.isoformat(timespec="seconds"), "last_resident_text": last.text if last else "",
            "message_count": len(c.messages), "timers": handoff.timers(c)}


# Password guessing: five tries per name and address, then one a minute; success starts afresh.
sign_in_limiter = RateLimiter(burst=5, per_second=1 / 60)


@router.post("/login")
def login(body: LoginIn, request: Request, response: Response, db=Depends(get_db)):
    key = f"{body.username}|{request.client.host if request.client else ''}"
    if not sign_in_limiter.allow(key):
        raise HTTPException(429, f"登录失败次数太多，请{sign_in_limiter.retry_after(key)}秒后再试")
    got = auth.sign_in(db, body.username, body.password)
    if got is None:
        raise HTTPException(401, "用户名或密码不对")
    sign_in_limiter.forget(key)
    token, csrf, user = got
    response.set_cookie(COOKIE, token, max_age=int(SESSION_HOURS * 3600), httponly=True, samesite="strict",
                        path="/console")
    return {"csrf": csrf, "user": {"username": user.username, "name": user.display_name, "role": user.role}}


@router.post("/logout")
def logout(response: Response, s=Depends(current_session), db=Depends(get_db)):
    db.delete(s)
    auth.audit(db, s.user, "sign-out")
    db.commit()
    response.delete_cookie(COOKIE, path="/console")
    return {"ok": True}


@router.get("/me")
def me(s=Depends(current_session)):
    return {"user": _user(s), "csrf": s.csrf_token}


@router.get("/queue")
def queue(s=Depends(current_session), db=Depends(get_db)):
    return [_case_summary(c) for c in handoff.queue(db, s.user)]


def _case(db, s, case_id):
    try:
        return handoff.get_case(db, s.user, case_id)
    except handoff.CaseError as e:
        raise HTTPException(e.status, str(e))


@router.get("/cases/{case_id}")
def case_view(case_id: int, s=Depends(current_session), db=Depends(get_db)):
    c = _case(db, s, case_id)
    with WriteSession() as w:  # who read a resident's conversation is on record; GETs read with `db`
        auth.audit(w, s.user, "view", c.id)
        w.commit()
    return _view(c)


def _view(c: HandoffCase) -> dict:
    return {**_case_summary(c), "context": c.context, "resolution": c.resolution, "satisfaction": c.satisfaction,
            "messages": [{"id": m.id, "author": m.author, "text": m.text, "at": m.at.isoformat(timespec="seconds"),
                          "asr_confidence": m.asr_confidence} for m in c.messages],
            "tickets": [{"number": t.number, "category": t.category.name if t.category else "待指挥中心分类",
                         "status": t.status, "department": t.department.name,
                         "deadline": t.deadline.isoformat(timespec="minutes")} for t in c.tickets]}


def _do(db, s, case_id, fn, *args) -> dict:
    return _run(db, s, case_id, fn, *args)[0]


def _run(db, s, case_id, fn, *args) -> tuple:
    """(the case view after fn(db, user, case, *args), what fn returned)."""
    c = _case(db, s, case_id)
    try:
        result = fn(db, s.user, c, *args)
    except handoff.CaseError as e:
        raise HTTPException(e.status, str(e))
    view = _view(c)
    db.commit()  # let go of the write lock before the caller talks to the assistant
    return view, result


@router.get("/cases/{case_id}/canned")
def canned(case_id: int, s=Depends(current_session), db=Depends(get_db)):
    """Ready-made replies from the service guide of the item the resident was asking about."""
    c = _case(db, s, case_id)
    code = ((c.context or {}).get("slots") or {}).get("service_code")
    item = db.scalars(select(ServiceItem).where(ServiceItem.code == code)).first() if code else None
    if item is None:
        return []
    community = places.find_community(db, ((c.context or {}).get("slots") or {}).get("community") or "")
    centre = places.centre_for(db, item.handled_at, community)
    titles = {"materials": "所需材料", "process": "办理流程", "time": "办理时限", "fee": "收费", "place": "办理地点",
              "online": "网上办理", "conditions": "申请条件"}
    return [{"title": f"{item.name}·{t}", "text": answers.compose(item, aspect, centre, community)}
            for aspect, t in titles.items()]


@router.post("/cases/{case_id}/claim")
def claim(case_id: int, s=Depends(current_session), db=Depends(get_db)):
    view, was = _run(db, s, case_id, handoff.claim)
    if was == "callback":  # the assistant was answering meanwhile; now the person is
        rasa_client.pause(view["sender"])
    return view


@router.post("/cases/{case_id}/reply")
def reply(case_id: int, body: TextIn, s=Depends(current_session), db=Depends(get_db)):
    view = _do(db, s, case_id, handoff.reply, body.text)
    rasa_client.record_staff_reply(view["sender"], body.text.strip())  # the transcript stays whole
    return view


@router.post("/cases/{case_id}/note")
def note(case_id: int, body: TextIn, s=Depends(current_session), db=Depends(get_db)):
    return _do(db, s, case_id, handoff.note, body.text)


@router.post("/cases/{case_id}/tickets")
def case_ticket(case_id: int, body: TicketIn, s=Depends(current_session), db=Depends(get_db)):
    """File a work order on the resident's behalf, or link an existing one; the resident is told."""
    if body.link:
        view, told = _run(db, s, case_id, handoff.link_ticket, body.link)
    else:
        view, told = _run(db, s, case_id, lambda db_, user, c: handoff.file_ticket(
            db_, user, c, classifier(db_), description=body.description, address=body.address, phone=body.phone))
    if told:
        rasa_client.record_staff_reply(view["sender"], told)
    return view


@router.post("/cases/{case_id}/transfer")
def transfer(case_id: int, body: TransferIn, s=Depends(current_session), db=Depends(get_db)):
    c = _case(db, s, case_id)
    try:
        handoff.transfer(db, s.user, c, body.centre_id, body.staff_id)
    except handoff.CaseError as e:
        raise HTTPException(e.status, str(e))
    return _case_summary(c)  # the case may now belong to a centre this user cannot open


@router.post("/cases/{case_id}/resolve")
def resolve(case_id: int, body: CloseIn, s=Depends(current_session), db=Depends(get_db)):
    view = _do(db, s, case_id, handoff.close, "resolved", body.reason)
    rasa_client.resume(view["sender"])  # the assistant answers again after the rating question
    return view


@router.post("/cases/{case_id}/handback")
def handback(case_id: int, s=Depends(current_session), db=Depends(get_db)):
    view = _do(db, s, case_id, handoff.close, "returned", "")
    rasa_client.resume(view["sender"])
    return view


@router.get("/centres")
def centres(s=Depends(current_session), db=Depends(get_db)):
    return [{"id": c.id, "name": c.name} for c in db.scalars(select(ServiceCentre).order_by(ServiceCentre.id))]


@router.get("/staff")
def colleagues(s=Depends(current_session), db=Depends(get_db)):
    """Whom a case can be handed to, and who is signed in right now."""
    live = {x.user_id for x in db.scalars(select(StaffSession).where(StaffSession.expires_at > dt.datetime.now()))}
    users = db.scalars(select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.centre_id, StaffUser.id))
    return [{"id": u.id, "name": u.display_name, "role": u.role, "centre": u.centre.name if u.centre else None,
             "online": u.id in live} for u in users]


@router.get("/audit")
def audit_log(s=Depends(current_session), db=Depends(get_db), before: Optional[int] = None, limit: int = 100):
    """Newest first, a page at a time (`before`: the smallest id of the previous page)."""
    if s.user.role == "staff":
        raise HTTPException(403, "只有主管和管理员可以查看操作日志")
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 500)))
    if before is not None:
        q = q.where(AuditEntry.id < before)
    return [{"id": a.id, "at": a.at.isoformat(timespec="seconds"), "user": a.user.display_name if a.user else None,
             "username": a.user.username if a.user else None, "action": a.action, "target": a.target,
             "detail": a.detail} for a in db.scalars(q)]


# ---- the assistant hands a conversation over (called by the action server) -----------------

handoff_router = APIRouter(prefix="/api")


class HandoffIn(BaseModel):
    sender: str = Field(..., min_length=1, max_length=100)
    channel: str = Field("h5", regex="^[a-z0-9_]{1,20}$")
    reason: str = Field("asked", regex="^(asked|misunderstood|sensitive|angry|dispute)$")
    community: Optional[str] = Field(None, max_length=50)
    context: dict = {}
    transcript: list = []


class AssessIn(BaseModel):
    text: str = Field("", max_length=5000)


@handoff_router.post("/handoff/assess")
def assess(body: AssessIn):
    """Should people take this message? {'reason': 'sensitive' | 'angry' | None}"""
    return {"reason": sensitivity.assess(body.text)}


class CallbackPhoneIn(BaseModel):
    sender: str = Field(..., min_length=1, max_length=100)
    phone: str = Field(..., max_length=40)


@handoff_router.post("/handoff/callback-phone")
def callback_phone(body: CallbackPhoneIn, db=Depends(get_db)):
    try:
        case = handoff.set_callback_phone(db, body.sender, body.phone)
    except handoff.CaseError as e:
        raise HTTPException(e.status, str(e))
    if case is None:
        raise HTTPException(404, "这个会话没有等待回电的请求")
    return {"case_id": case.id}


@handoff_router.post("/handoff")
def open_handoff(body: HandoffIn, db=Depends(get_db)):
    transcript = [m for m in body.transcript if isinstance(m, dict) and m.get("author") in ("resident", "bot")]
    c = handoff.open_case(db, sender=body.sender, channel=body.channel, reason=body.reason, community=body.community,
                          context=body.context, transcript=transcript)
    return {"case_id": c.id, "status": c.status, "centre": c.centre.name, "centre_phone": c.centre.phone,
            "centre_hours": c.centre.hours, "position": handoff.position(db, c),
            "expected_wait_minutes": handoff.expected_wait_minutes(db, c)}
