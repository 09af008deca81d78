"""FastAPI dependencies shared by every domain's routes."""
import hmac
from typing import Optional

from fastapi import Header, HTTPException, Request

from api.core.db import SessionLocal, WriteSession
from shared.settings import get_settings


def reading():
    """A session for requests that only read."""
    with SessionLocal() as session:
        yield session


def writing():
    """A session for requests that write. Never hold it across a call to another process:
    on SQLite the write lock is held until commit."""
    with WriteSession() as session:
        yield session


def by_method(request: Request):
    """GETs read; everything else writes."""
    with (SessionLocal if request.method in ("GET", "HEAD") else WriteSession)() as session:
        yield session


SERVICE_HEADER = "X-Service-Token"


def _matches(given: Optional[str], secret: str) -> bool:
    return bool(secret) and bool(given) and hmac.compare_digest(given.encode(), secret.encode())


def require_service_token(x_service_token: Optional[str] = Header(None),
                          x_admin_token: Optional[str] = Header(None)) -> None:
    """Machine-to-machine routes (the action server, staff tools) carry RSA_SERVICE_TOKEN; a
    proxy mistake that exposes them still exposes nothing without it. RSA_ADMIN_TOKEN opens
    them too: staff tools hold that one, while the service token is made afresh at each start."""
    s = get_settings()
    if _matches(x_service_token, s.service_token) or _matches(x_admin_token, s.admin_token):
        return
    if not s.service_token:
        raise HTTPException(503, "内部接口未启用：请设置环境变量 RSA_SERVICE_TOKEN")
    raise HTTPException(401, "内部接口需要服务令牌")


def require_admin_token(x_admin_token: Optional[str] = Header(None)) -> None:
    """Machine-to-machine admin calls (catalogue import, work-order actions) carry RSA_ADMIN_TOKEN."""
    token = get_settings().admin_token
    if not token:
        raise HTTPException(403, "管理接口未启用：请设置环境变量 RSA_ADMIN_TOKEN")
    if not x_admin_token or not hmac.compare_digest(x_admin_token.encode(), token.encode()):
        raise HTTPException(401, "管理令牌无效")
