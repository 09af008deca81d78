"""What every request passes before any route sees it: pure ASGI middlewares for the size of
the body, the pace of one client address, and the headers every answer carries.

They are plain ASGI (not Starlette's BaseHTTPMiddleware) so the body is counted as it
streams in and never read into memory whole, and so nothing is buffered on the way out."""
import json
from functools import lru_cache
from typing import Callable, Dict

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection

from api.core.net import client_address
from api.core.ratelimit import RateLimiter
from shared.settings import get_settings

KB = 1024
TOO_LARGE = "请求内容太大，没有处理。请缩短内容后再试。"
TOO_FAST = "请求太频繁了，请{wait}秒后再试。"


async def _answer(send, status: int, detail: str, headers: Dict[str, str] = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body without Content-Length (chunked) runs over the cap.
    An HTTPException, so a route that is reading the body answers 413 like any refusal."""

    def __init__(self):
        super().__init__(413, TOO_LARGE)


class BodyLimit:
    """Refuse bodies over the cap with 413: by Content-Length before the route runs, and by
    counting streamed bytes when there is none, so a 500 MB upload is never held in memory.
    `larger`: exact paths that may carry more (catalogue import)."""

    def __init__(self, app, default: int = 64 * KB, larger: Dict[str, int] = None):
        self.app, self.default, self.larger = app, default, dict(larger or {})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.larger.get(scope["path"], self.default)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                return await _answer(send, 400, "请求格式不对")
            if declared > limit:
                return await _answer(send, 413, TOO_LARGE, {"Connection": "close"})
        seen, started = 0, False

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        async def sending(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge:
            if started:
                raise
            await _answer(send, 413, TOO_LARGE, {"Connection": "close"})


@lru_cache(maxsize=4)
def _address_limiter(burst: int, per_second: float) -> RateLimiter:
    return RateLimiter(burst, per_second)


def address_limiter() -> RateLimiter:
    """One bucket per client address for this process (new settings, e.g. in a test, a new limiter)."""
    s = get_settings()
    return _address_limiter(s.address_burst, s.address_per_second)


class AddressLimit:
    """A token bucket per client address on the public routes (`public(path)`), 429 with
    Retry-After beyond it. The address is the peer's, or behind a trusted proxy the
    forwarded one (api.core.net), so a made-up X-Forwarded-For changes nothing."""

    def __init__(self, app, public: Callable[[str], bool]):
        self.app, self.public = app, public

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.public(scope["path"]):
            who = client_address(HTTPConnection(scope))
            limiter = address_limiter()
            if not limiter.allow(who):
                wait = limiter.retry_after(who)
                return await _answer(send, 429, TOO_FAST.format(wait=wait), {"Retry-After": str(wait)})
        await self.app(scope, receive, send)


# The pages load their scripts and styles from /static only, and talk to their own origin.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# FastAPI's /docs and /redoc are built from a CDN with an inline script.
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
               "worker-src blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DOCS = ("/docs", "/redoc")


class SecurityHeaders:
    """Every answer: a Content-Security-Policy, no framing, no type sniffing, no referrer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        policy = DOCS_POLICY if scope["path"].startswith(DOCS) else PAGE_POLICY
        extra = [(b"content-security-policy", policy.encode()), (b"x-frame-options", b"DENY"),
                 (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]

        async def sending(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in extra if h[0] not in names]
            await send(message)

        await self.app(scope, receive, sending)
