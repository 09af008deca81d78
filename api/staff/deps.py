"""Who is calling the console API: the signed-in staff session, CSRF-checked."""
import hmac
from typing import Optional

from fastapi import Cookie, Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session

from api.core.deps import by_method
from api.staff import auth
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
