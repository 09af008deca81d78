"""Who is asking, and over what: the client's address and whether the request came over HTTPS.

Forwarded headers (X-Forwarded-For, X-Forwarded-Proto) are believed only when the request
comes straight from a reverse proxy listed in RSA_TRUSTED_PROXIES; anyone else could write
them, and rotating a made-up X-Forwarded-For would walk around every per-address limit."""
import ipaddress
from functools import lru_cache
from typing import Tuple

from starlette.requests import HTTPConnection

from shared.settings import get_settings


@lru_cache(maxsize=8)
def _networks(spec: Tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(s, strict=False) for s in spec)


def _trusted(host: str) -> bool:
    spec = tuple(get_settings().trusted_proxy_list)
    if not spec or not host:
        return False
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(addr in net for net in _networks(spec))


def client_address(request: HTTPConnection) -> str:
    """The address of the client: the peer, or, behind a trusted proxy, the nearest address in
    X-Forwarded-For that is not itself a trusted proxy."""
    peer = request.client.host if request.client else ""
    if not _trusted(peer):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop
    return peer


def is_https(request: HTTPConnection) -> bool:
    """Whether the resident's browser is talking HTTPS (directly or to a trusted proxy)."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return _trusted(peer) and proto == "https"
