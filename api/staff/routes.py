"""The staff console's own routes (/console/api/...): signing in and out, who is who, the
audit log, and the labels the console shows."""
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.core import clock
from api.core.deps import by_method
from api.core.ratelimit import RateLimiter
from api.places.models import ServiceCentre
from api.staff import auth
from api.staff.audit import AuditAction, Role, audit
from api.staff.deps import current_session
from api.staff.models import AuditEntry, StaffSession, StaffUser

router = APIRouter(prefix="/console/api")

# Password guessing: five tries per name and address, then one a minute; success starts afresh.
sign_in_limiter = RateLimiter(burst=5, per_second=1 / 60)


class LoginIn(BaseModel):
    username: str = Field(..., max_length=50)
    password: str = Field(..., max_length=200)


def _user(s: StaffSession) -> dict:
    u = s.user
    return {"username": u.username, "name": u.display_name, "role": u.role, "centre": u.centre.name if u.centre else None}


@router.post("/login")
def login(body: LoginIn, request: Request, response: Response, db=Depends(by_method)):
    key = f"{body.username}|{request.client.host if request.client else ''}"
    if not sign_in_limiter.allow(key):
        raise HTTPException(429, f"登录失败次数太多，请{sign_in_limiter.retry_after(key)}秒后再试")
    got = auth.sign_in(db, body.username, body.password)
    if got is None:
        raise HTTPException(401, "用户名或密码不对")
    sign_in_limiter.forget(key)
    token, csrf, user = got
    response.set_cookie(auth.COOKIE, token, max_age=int(auth.session_length().total_seconds()), httponly=True,
                        samesite="strict", path="/console")
    return {"csrf": csrf, "user": {"username": user.username, "name": user.display_name, "role": user.role}}


@router.post("/logout")
def logout(response: Response, s=Depends(current_session), db=Depends(by_method)):
    db.delete(s)
    audit(db, s.user, AuditAction.SIGN_OUT)
    db.commit()
    response.delete_cookie(auth.COOKIE, path="/console")
    return {"ok": True}


@router.get("/me")
def me(s=Depends(current_session)):
    return {"user": _user(s), "csrf": s.csrf_token}


@router.get("/centres")
def centres(s=Depends(current_session), db=Depends(by_method)):
    return [{"id": c.id, "name": c.name} for c in db.scalars(select(ServiceCentre).order_by(ServiceCentre.id))]


@router.get("/staff")
def colleagues(s=Depends(current_session), db=Depends(by_method)):
    """Whom a case can be handed to, and who is signed in right now."""
    live = {x.user_id for x in db.scalars(select(StaffSession).where(auth.signed_in_at(clock.now())))}
    users = db.scalars(select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.centre_id, StaffUser.id))
    return [{"id": u.id, "name": u.display_name, "role": u.role, "centre": u.centre.name if u.centre else None,
             "online": u.id in live} for u in users]


@router.get("/audit")
def audit_log(s=Depends(current_session), db=Depends(by_method), before: Optional[int] = None, limit: int = 100):
    """Newest first, a page at a time (`before`: the smallest id of the previous page)."""
    if s.user.role == Role.STAFF:
        raise HTTPException(403, "只有主管和管理员可以查看操作日志")
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 500)))
    if before is not None:
        q = q.where(AuditEntry.id < before)
    return [{"id": a.id, "at": a.at.isoformat(timespec="seconds"), "user": a.user.display_name if a.user else None,
             "username": a.user.username if a.user else None, "action": a.action, "target": a.target,
             "detail": a.detail} for a in db.scalars(q)]
