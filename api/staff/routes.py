"""The staff console's own routes (/console/api/...): signing in and out, who is who, the
audit log, and the labels the console shows."""
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.core import clock
from api.core.deps import by_method
from api.core.net import client_address, is_https
from api.core.ratelimit import RateLimiter
from api.places.models import ServiceCentre
from api.staff import auth
from api.staff.audit import AuditAction, Role, audit
from api.staff.deps import current_session
from api.staff.models import AuditEntry, StaffSession, StaffUser

router = APIRouter(prefix="/console/api")

# Password guessing. Failures are counted per name, from any address (rotating addresses gains
# nothing), and per address, whatever the names (one password tried on many names): five per
# name, twenty per address, then one a minute. Over either limit even the right password is
# refused until the wait is over, so guessing and then succeeding is impossible. A success
# clears the name's count, never the address's (signing in to one's own account must not
# reset a spray).
ACCOUNT_FAILURES, ADDRESS_FAILURES = 5, 20
account_failures = RateLimiter(burst=ACCOUNT_FAILURES, per_second=1 / 60)
address_failures = RateLimiter(burst=ADDRESS_FAILURES, per_second=1 / 60)


class LoginIn(BaseModel):
    username: str = Field(..., max_length=50)
    password: str = Field(..., max_length=200)


def _user(s: StaffSession) -> dict:
    u = s.user
    return {"username": u.username, "name": u.display_name, "role": u.role, "centre": u.centre.name if u.centre else None}


@router.post("/login")
def login(body: LoginIn, request: Request, response: Response, db=Depends(by_method)):
    name, address = body.username, client_address(request)
    waits = [limiter.retry_after(key) for limiter, key in ((account_failures, name), (address_failures, address))
             if limiter.blocked(key)]
    if waits:
        wait = max(waits)
        raise HTTPException(429, f"登录失败次数太多，请{wait}秒后再试", headers={"Retry-After": str(wait)})
    got = auth.sign_in(db, name, body.password)
    if got is None:
        account_failures.allow(name)
        address_failures.allow(address)
        raise HTTPException(401, "用户名或密码不对")
    account_failures.forget(name)
    token, csrf, user = got
    response.set_cookie(auth.COOKIE, token, max_age=int(auth.session_length().total_seconds()), httponly=True,
                        samesite="strict", path="/console", secure=is_https(request))
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
    # Police stations are where residents go for 户籍 items; conversations are not transferred there.
    staffed = select(ServiceCentre).where(ServiceCentre.level != "police").order_by(ServiceCentre.id)
    return [{"id": c.id, "name": c.name} for c in db.scalars(staffed)]


@router.get("/staff")
def colleagues(s=Depends(current_session), db=Depends(by_method)):
    """Whom a case can be handed to, and who is signed in right now."""
    live = {x.user_id for x in db.scalars(select(StaffSession).where(auth.signed_in_at(clock.now())))}
    users = db.scalars(select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.centre_id, StaffUser.id))
    return [{"id": u.id, "name": u.display_name, "role": u.role, "centre": u.centre.name if u.centre else None,
             "online": u.id in live} for u in users]


@router.get("/audit")
def audit_log(s=Depends(current_session), db=Depends(by_method),
              before: Optional[int] = Query(None, ge=1, le=2 ** 63 - 1),  # SQLite's integers end there
              limit: int = Query(100, ge=1, le=10 ** 9)):
    """Newest first, a page at a time (`before`: the smallest id of the previous page)."""
    if s.user.role == Role.STAFF:
        raise HTTPException(403, "只有主管和管理员可以查看操作日志")
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 500)))
    if before is not None:
        q = q.where(AuditEntry.id < before)
    return [{"id": a.id, "at": a.at.isoformat(timespec="seconds"), "user": a.user.display_name if a.user else None,
             "username": a.user.username if a.user else None, "action": a.action, "target": a.target,
             "detail": a.detail} for a in db.scalars(q)]
