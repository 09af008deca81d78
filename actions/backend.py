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


def classify_incident(text: str) -> dict:
    return _call("POST", "/api/incidents/classify", json={"text": text[:5000]})


def locate(text: str) -> dict:
    return _call("POST", "/api/incidents/locate", json={"text": text[:500]})


def file_ticket(**payload) -> dict:
    """POST /api/tickets; a refusal (bad phone, other district ...) comes back as {'error': message}."""
    try:
        r = requests.post(BACKEND_URL + "/api/tickets", json=payload, timeout=TIMEOUT)
    except requests.RequestException as e:
        log.error("backend unreachable: %s", type(e).__name__)
        raise BackendError from e
    if r.status_code == 422:
        detail = r.json().get("detail")
        return {"error": detail if isinstance(detail, str) else "提交的信息有误，请检查后重试。"}
    if r.status_code >= 400:
        raise BackendError(r.status_code)
    return r.json()


def ticket(number: str, sender: str) -> Optional[dict]:
    return _call("GET", f"/api/tickets/{number}", params={"sender": sender})


def my_tickets(sender: str, text: str) -> list:
    return _call("GET", "/api/tickets", params={"sender": sender, "q": text[:200]}) or []


def open_handoff(**payload) -> dict:
    return _call("POST", "/api/handoff", json=payload)


def callback_phone(sender: str, phone: str) -> Optional[dict]:
    """Note the number staff should call back on; None when no call-back is waiting."""
    return _call("POST", "/api/handoff/callback-phone", json={"sender": sender, "phone": phone})


def handoff_reason(text: str) -> Optional[str]:
    return _call("POST", "/api/handoff/assess", json={"text": text[:5000]})["reason"]
