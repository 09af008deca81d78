"""The backend's HTTP API as seen from the actions."""
import logging
import os
from typing import Optional

import requests

BACKEND_URL = os.environ.get("RSA_BACKEND_URL", "http://127.0.0.1:8000")
TIMEOUT = float(os.environ.get("RSA_BACKEND_TIMEOUT", "10"))
UNAVAILABLE = "抱歉，办事指南系统暂时连接不上，请稍后再试，或拨打政务服务热线12345。"
log = logging.getLogger(__name__)


class BackendError(Exception):
    pass


def _call(method: str, path: str, **kw) -> Optional[dict]:
    try:
        r = requests.request(method, BACKEND_URL + path, timeout=TIMEOUT, **kw)
    except requests.RequestException as e:
        log.error("backend unreachable: %s", type(e).__name__)
        raise BackendError from e
    if r.status_code == 404:
        return None
    if r.status_code >= 400:
        log.error("backend %s %s → %s", method, path, r.status_code)
        raise BackendError(r.status_code)
    return r.json()


def service_answer(**payload) -> dict:
    return _call("POST", "/api/assist/service-answer", json=payload)


def community(text: str) -> Optional[dict]:
    return _call("GET", "/api/communities/lookup", params={"text": text})
