"""Who is calling the console API: the signed-in staff session, CSRF-checked."""
import hmac
from typing import Optional

from fastapi import Cookie, Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session

from api.core.deps import by_method
from api.staff import auth
from api.staff.audit import Role
from api.staff.models import StaffSession


def current_session(request: Request, rsa_staff: Optional[str] = Cookie(None), db: Session = Depends(by_method),
                    x_csrf_token: Optional[str] = Header(None)) -> StaffSession:
    """The signed-in staff session; state-changing methods must also carry its CSRF token."""
    if not rsa_staff:
        raise HTTPException(401, "请先登录")
    row = auth.live_session(db, rsa_staff)
    if row is None:
        raise HTTPException(401, "登录已过期，请重新登录")
    if request.method not in ("GET", "HEAD") and not (x_csrf_token and hmac.compare_digest(x_csrf_token, row.csrf_token)):
        raise HTTPException(403, "请求校验失败（CSRF），请刷新页面后重试")
    return row


def require_admin(s: StaffSession = Depends(current_session)) -> StaffSession:
    """Admins only: the inbox, labels, training, models and the catalogue. Staff and
    supervisors are refused with 403."""
    if s.user.role != Role.ADMIN:
        raise HTTPException(403, "只有管理员可以使用此功能")
    return s
