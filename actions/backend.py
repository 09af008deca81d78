"""The backend's HTTP API as seen from the actions."""
import logging
import time
from typing import Optional

import requests

from shared.settings import get_settings

UNAVAILABLE = "抱歉，办事指南系统暂时连接不上，请稍后再试，或拨打政务服务热线{hotline}。"
DISTRICT_TTL_SECONDS = 300
log = logging.getLogger(__name__)
_district = {"at": None, "value": None}


class BackendError(Exception):
    pass


def _url(path: str) -> str:
    return get_settings().backend_url + path


def _request(method: str, path: str, **kw) -> requests.Response:
    """Every call carries the service token: the backend's internal routes refuse calls without it."""
    s = get_settings()
    return requests.request(method, _url(path), timeout=s.backend_timeout,
                            headers={"X-Service-Token": s.service_token}, **kw)


def _call(method: str, path: str, **kw) -> Optional[dict]:
    try:
        r = _request(method, path, **kw)
    except requests.RequestException as e:
        log.error("backend unreachable: %s", type(e).__name__)
        raise BackendError from e
    if r.status_code == 404:
        return None
    if r.status_code >= 400:
        log.error("backend %s %s → %s", method, path, r.status_code)
        raise BackendError(r.status_code)
    return r.json()


def district() -> dict:
    """The district's name and hotline, as the backend has them (kept for a few minutes). When
    the backend cannot be reached, the hotline this process was configured with."""
    now = time.monotonic()
    if _district["value"] is None or now - _district["at"] > DISTRICT_TTL_SECONDS:
        try:
            _district["value"], _district["at"] = _call("GET", "/api/district"), now
        except BackendError:
            return _district["value"] or {"name": "本区", "hotline": get_settings().hotline}
    return _district["value"]


def hotline() -> str:
    return district()["hotline"]


def unavailable() -> str:
    """What to say when the backend cannot be reached."""
    return UNAVAILABLE.format(hotline=hotline())


def service_answer(**payload) -> dict:
    return _call("POST", "/api/assist/service-answer", json=payload)


def community(text: str) -> Optional[dict]:
    return _call("GET", "/api/communities/lookup", params={"text": text})


def classify_incident(text: str) -> dict:
    return _call("POST", "/api/incidents/classify", json={"text": text[:5000]})


def locate(text: str) -> dict:
    return _call("POST", "/api/incidents/locate", json={"text": text[:5000]})


def file_ticket(**payload) -> dict:
    """POST /api/tickets; a refusal (bad phone, other district ...) comes back as {'error': message}."""
    try:
        r = _request("POST", "/api/tickets", json=payload)
    except requests.RequestException as e:
        log.error("backend unreachable: %s", type(e).__name__)
        raise BackendError from e
    if r.status_code == 422:
        detail = r.json().get("detail")
        return {"error": detail if isinstance(detail, str) else "提交的信息有误，请检查后重试。"}
    if r.status_code >= 400:
        raise BackendError(r.status_code)
    return r.json()


def ticket_by_key(key: str) -> Optional[dict]:
    """The ticket filed under this idempotency key (the reporter's view), or None."""
    return _call("GET", "/api/tickets/by-key", params={"key": key})


def ticket(number: str, sender: str) -> Optional[dict]:
    return _call("GET", f"/api/tickets/{number}", params={"sender": sender})


def my_tickets(sender: str, text: str) -> list:
    return _call("GET", "/api/tickets", params={"sender": sender, "q": text[:200]}) or []


def open_handoff(**payload) -> dict:
    return _call("POST", "/api/handoff", json=payload)


def add_details(sender: str, text: str, phone: Optional[str]) -> Optional[dict]:
    """More said about the work order this conversation just filed; None when there is none."""
    return _call("POST", "/api/tickets/recent/details", json={"sender": sender, "text": text[:2000], "phone": phone})


def callback_phone(sender: str, phone: str) -> Optional[dict]:
    """Note the number staff should call back on; None when no call-back is waiting."""
    return _call("POST", "/api/handoff/callback-phone", json={"sender": sender, "phone": phone})


def assess(text: str, context_code: Optional[str] = None) -> dict:
    """Should people take this message: {'reason': 'sensitive' | 'angry' | None, 'risk': the kind of
    risk told, if any}. context_code: the service item under discussion."""
    return _call("POST", "/api/handoff/assess", json={"text": text[:5000], "context_code": context_code}) or {}


def hardship(text: str, community: Optional[str] = None, with_risk: bool = False) -> Optional[dict]:
    """Hardship without risk to life (or with one, `with_risk`): {'hardship': True, 'text', 'benefits'};
    else {'hardship': False}."""
    return _call("POST", "/api/handoff/hardship", json={"text": text[:2000], "community": community,
                                                        "with_risk": with_risk})


def file_suggestion(**payload) -> dict:
    """A suggestion (建议) filed as a work order of that kind; the backend picks the department."""
    return file_ticket(kind="建议", **payload)


def route(text: str, intents: dict, sender: str, context_code: Optional[str] = None,
          earlier: Optional[str] = None, choices: Optional[list] = None) -> dict:
    """What the message is, decided by the backend on all the evidence (api/routing/router.py):
    {'route': service|incident|suggestion|progress|person|hardship|clarify|other, 'between', ...}.
    context_code: the service item under discussion, if any; earlier: the message a clarifying
    question asked about, when this one answers it in words; choices: the items just offered."""
    return _call("POST", "/api/route", json={"text": text[:5000], "intents": intents, "sender": sender,
                                             "context_code": context_code, "earlier": earlier and earlier[:5000],
                                             "choices": (choices or [])[:10]})
