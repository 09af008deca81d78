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
from api.core.errors import DomainError
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


# Guessed first by anyone trying names: the word before trailing digits/symbols (password2026, admin12345).
COMMON_WORDS = frozenset("""password passw0rd p@ssw0rd p@ssword pass qwerty qwertz azerty admin administrator root
    welcome letmein iloveyou woaini changeme default secret test guest user login abc a aa zxc asd qaz
    zhangsan lisi wangwu qwe""".split())
# Keyboard walks and runs, as typed (lower case); a password lying inside one is a walk too.
SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
             "1q2w3e4r5t6y7u8i9o0p", "zaq12wsxcde34rfvbgt56yhnmju78ik,.lo90p", "qazwsxedcrfvtgbyhnujmikolp")
MIN_PASSWORD = 10


class WeakPassword(DomainError):
    """A password anyone would guess; the message says why."""


def password_problem(password: str, username: str = "") -> Optional[str]:
    """Why this password is too easy to guess, or None. The one policy for every place that
    sets a password."""
    p = password.lower()
    if len(password) < MIN_PASSWORD:
        return f"密码太短：至少{MIN_PASSWORD}个字符"
    if any(p == (p[:k] * len(p))[:len(p)] for k in range(1, 5)):
        return "密码不能是同几个字符的重复（如 aaaaaaaaaa、abcabcabca）"
    if p.isdigit():
        return "密码不能只有数字（生日、电话号码都容易猜到）"
    if any(p in seq or p in seq[::-1] for seq in SEQUENCES):
        return "密码不能是连续的字母或键盘上挨着的键（如 abcdefghij、qwertyuiop）"
    if username and len(username) >= 3 and username.lower() in p:
        return "密码里不能有用户名"
    if p.rstrip("0123456789!@#$%^&*.,_-+=?~ ") in COMMON_WORDS:
        return "这是常见密码，很容易被猜到，请换一个"
    return None


def check_password(password: str, username: str = "") -> None:
    problem = password_problem(password, username)
    if problem:
        raise WeakPassword(problem)


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
    if row is None or row.expires_at <= clock.now() or not row.user.active:
        return None
    return row


def signed_in_at(at: dt.datetime):
    """The condition for sessions live at `at` (signed in before it, not yet expired)."""
    return (StaffSession.created_at <= at) & (StaffSession.expires_at > at)


def end_sessions(session: Session, user: StaffUser) -> int:
    """Sign this person out everywhere now; how many sessions were live. The rows stay (cut
    short), since who was signed in when decides who was on duty."""
    at = clock.now()
    live = session.scalars(select(StaffSession).where(StaffSession.user_id == user.id,
                                                      StaffSession.expires_at > at)).all()
    for row in live:
        row.expires_at = at
    return len(live)
