"""Staff sign-in: scrypt password hashes, expiring server-side sessions in an HttpOnly
cookie, and CSRF protection by a per-session token that every state-changing request must
echo in the X-CSRF-Token header."""
import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
from typing import Optional

from fastapi import Cookie, Depends, Header, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import SessionLocal, WriteSession
from api.models import AuditEntry, StaffSession, StaffUser

COOKIE = "rsa_staff"
SESSION_HOURS = float(os.environ.get("RSA_STAFF_SESSION_HOURS", "8"))
ROLES = ("staff", "supervisor", "admin")
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    return "scrypt${n}${r}${p}$".format(**SCRYPT) + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def audit(session: Session, user: Optional[StaffUser], action: str, target: str = "", detail: str = "") -> None:
    session.add(AuditEntry(at=dt.datetime.now().replace(microsecond=0), user_id=user.id if user else None,
                           action=action, target=str(target), detail=detail[:1000]))


def sign_in(session: Session, username: str, password: str) -> Optional[tuple]:
    """(token, csrf token, user) for good credentials, else None (and the failure is audited)."""
    user = session.scalars(select(StaffUser).where(StaffUser.username == username)).first()
    if user is None or not user.active or not verify_password(password, user.password_hash):
        if user is None:
            hash_password(password)  # same work either way: no timing hint that the name exists
        audit(session, user, "sign-in failed", username[:50])
        session.commit()
        return None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_token_hash(token), csrf_token=csrf, user_id=user.id,
                             expires_at=dt.datetime.now() + dt.timedelta(hours=SESSION_HOURS)))
    audit(session, user, "sign-in")
    session.commit()
    return token, csrf, user


def require_admin_token(x_admin_token: Optional[str] = Header(None)) -> None:
    """Machine-to-machine admin calls (catalogue import, work-order actions) carry RSA_ADMIN_TOKEN."""
    token = os.environ.get("RSA_ADMIN_TOKEN", "")
    if not token:
        raise HTTPException(403, "管理接口未启用：请设置环境变量 RSA_ADMIN_TOKEN")
    if not x_admin_token or not hmac.compare_digest(x_admin_token, token):
        raise HTTPException(401, "管理令牌无效")


def get_db(request: Request):
    """Console requests: GETs read; everything else writes (see api.db)."""
    with (SessionLocal if request.method in ("GET", "HEAD") else WriteSession)() as session:
        yield session


def current_session(request: Request, rsa_staff: Optional[str] = Cookie(None), db: Session = Depends(get_db),
                    x_csrf_token: Optional[str] = Header(None)) -> StaffSession:
    """The signed-in staff session; state-changing methods must also carry its CSRF token."""
    if not rsa_staff:
        raise HTTPException(401, "请先登录")
    row = db.scalars(select(StaffSession).where(StaffSession.token_hash == _token_hash(rsa_staff))).first()
    if row is None or row.expires_at < dt.datetime.now() or not row.user.active:
        raise HTTPException(401, "登录已过期，请重新登录")
    if request.method not in ("GET", "HEAD") and not (x_csrf_token and hmac.compare_digest(x_csrf_token, row.csrf_token)):
        raise HTTPException(403, "请求校验失败（CSRF），请刷新页面后重试")
    return row
