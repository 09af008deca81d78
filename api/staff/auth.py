"""Staff sign-in: scrypt password hashes, expiring server-side sessions in an HttpOnly
cookie, and CSRF protection by a per-session token that every state-changing request must
echo in the X-CSRF-Token header."""
import base64
import datetime as dt
import hashlib
import hmac
import secrets
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core import clock
from api.staff.audit import AuditAction, audit
from api.staff.models import StaffSession, StaffUser
from shared.settings import get_settings

COOKIE = "rsa_staff"
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def session_length():
    return dt.timedelta(hours=get_settings().staff_session_hours)


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


def sign_in(session: Session, username: str, password: str) -> Optional[tuple]:
    """(token, csrf token, user) for good credentials, else None (and the failure is audited)."""
    user = session.scalars(select(StaffUser).where(StaffUser.username == username)).first()
    if user is None or not user.active or not verify_password(password, user.password_hash):
        if user is None:
            hash_password(password)  # same work either way: no timing hint that the name exists
        audit(session, user, AuditAction.SIGN_IN_FAILED, username[:50])
        session.commit()
        return None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    at = clock.now()
    session.add(StaffSession(token_hash=_token_hash(token), csrf_token=csrf, user_id=user.id, created_at=at,
                             expires_at=at + session_length()))
    audit(session, user, AuditAction.SIGN_IN)
    session.commit()
    return token, csrf, user


def live_session(session: Session, token: str) -> Optional[StaffSession]:
    """The unexpired session of an active user that this cookie token belongs to."""
    row = session.scalars(select(StaffSession).where(StaffSession.token_hash == _token_hash(token))).first()
    if row is None or row.expires_at < clock.now() or not row.user.active:
        return None
    return row


def signed_in_at(at: dt.datetime):
    """The condition for sessions live at `at` (signed in before it, not yet expired)."""
    return (StaffSession.created_at <= at) & (StaffSession.expires_at > at)
