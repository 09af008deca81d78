"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the work orders, so
existing civic-tech clients can list categories, file and follow requests.

The richer lifecycle maps onto open/closed; the latest event's note is the status_notes.
Requests never carry the reporter's phone or name.
"""
import datetime as dt
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from typing import List, Optional

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import case, select
from sqlalchemy.orm import aliased
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.core import clock
from api.core.db import WriteSession
from api.core.deps import reading
from api.core.net import is_https
from api.core.ratelimit import RateLimiter
from api.incidents import tickets
from api.incidents.categories import classifier
from api.incidents.models import IncidentCategory, Ticket
from api.places.locate import Located, locate
from api.places.models import Grid
from shared.settings import get_settings

router = APIRouter(prefix="/open311")
FORMATS = ("json", "xml")
CHANGESET = "2026-12-01T18:30:00+08:00"  # when this endpoint's behaviour last changed (discovery)
MAX_MEDIA_URL = 500


class Json(JSONResponse):
    media_type = "application/json; charset=utf-8"  # clients decoding by header get the Chinese right


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        self.code, self.description = code, description


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(v) -> str:
    # Characters XML 1.0 cannot carry would make the whole document unreadable.
    return _NOT_XML.sub("", str(v))


def _xml(root: str, item: str, rows: List[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, item)
        for k, v in row.items():
            child = ET.SubElement(el, k)
            if isinstance(v, list):
                for x in v:
                    ET.SubElement(child, "value").text = _xml_text(x)
            elif v is not None:
                child.text = str(v).lower() if isinstance(v, bool) else _xml_text(v)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def _reply(fmt: str, root: str, item: str, rows: List[dict], status: int = 200) -> Response:
    if fmt == "xml":
        return Response(_xml(root, item, rows), status_code=status, media_type="text/xml; charset=utf-8")
    return Json(rows, status_code=status)


def error(fmt: str, code: int, description: str) -> Response:
    return _reply(fmt if fmt in FORMATS else "json", "errors", "error", [{"code": code, "description": description}], code)


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(400, f"unsupported format '{fmt}': use .json or .xml")
    return fmt


def _iso(t: Optional[dt.datetime]) -> Optional[str]:
    """A stored district time in W3C form with the district's offset (2026-12-02T17:30:00+08:00)."""
    return clock.aware(t).isoformat() if t else None


def _service(c: IncidentCategory) -> dict:
    return {"service_code": c.open311_code, "service_name": c.name, "description": c.description,
            "metadata": False, "type": "realtime", "keywords": ",".join(c.keywords[:8]), "group": c.group}


def _progress(t: Ticket) -> tuple:
    """(open or closed, status_notes). A duplicate (并单) follows the work order it joined: a client
    that just filed it must not see it closed while the problem is still being handled."""
    target = t.merged_into if t.status == tickets.TicketStatus.MERGED.value and t.merged_into else t
    # Of the joined work order, its own progress, not the lines other duplicates left on it
    steps = [e for e in target.events if target is t or e.action != "并单"]
    last = steps[-1] if steps else None
    notes = f"{target.status}：{last.note}" if last else target.status
    if target is not t:
        notes = f"与工单{target.number}为同一问题，一并处理。该工单{notes}"
    return ("open" if target.status in tickets.OPEN else "closed"), notes


def _request(t: Ticket) -> dict:
    status, notes = _progress(t)
    return {
        "service_request_id": t.number,
        "status": status,
        "status_notes": notes,
        "service_name": t.category.name if t.category else "待分类",
        "service_code": t.category.open311_code if t.category else None,
        "description": t.public_description,  # never the words as typed: no phones, names, flats
        "agency_responsible": t.department.name,
        "service_notice": f"办理时限至{t.deadline:%Y-%m-%d %H:%M}",
        "requested_datetime": _iso(t.created_at),
        "updated_datetime": _iso(t.updated_at),
        "expected_datetime": _iso(t.deadline),
        "address": tickets.public_place(t),  # the located place, not the typed address
        "address_id": t.grid.name if t.grid else None,
        "zipcode": None,
        "lat": t.lat if t.lat is not None else (t.grid.lat if t.grid else None),
        "long": t.lon if t.lon is not None else (t.grid.lon if t.grid else None),
        "media_url": t.media_url,
    }


def _asked(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


def error_handler(request: Request, exc: Open311Error) -> Response:
    """Installed on the app: every Open311 error in the GeoReport format, in the asked format."""
    return error(_asked(request), exc.code, exc.description)


def _in_tree(request: Request) -> bool:
    return request.url.path == "/open311" or request.url.path.startswith("/open311/")


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    # Unknown paths and wrong methods under /open311/ answer as GeoReport errors; elsewhere FastAPI's.
    if not _in_tree(request):
        return await http_exception_handler(request, exc)
    reply = error(_asked(request), exc.status_code, str(exc.detail))
    for k, v in (exc.headers or {}).items():  # e.g. Allow on a 405
        reply.headers[k] = v
    return reply


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    if not _in_tree(request):
        return await request_validation_exception_handler(request, exc)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("query", "body", "path"))
    return error(_asked(request), 400, f"{where}: {first.get('msg', 'invalid request')}".strip(": "))


def install_errors(app: FastAPI) -> None:
    """The GeoReport error format for the whole /open311/ tree; other paths keep FastAPI's."""
    app.add_exception_handler(Open311Error, error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request):
    """The GeoReport service discovery document, pointing at this server as the client reached it."""
    fmt = _fmt(fmt)
    base = f"{'https' if is_https(request) else 'http'}://{request.url.netloc}/open311/v2"
    formats = ["text/xml", "application/json"]
    endpoint = {"specification": "http://wiki.open311.org/GeoReport_v2", "url": base, "changeset": CHANGESET,
                "type": "production", "formats": formats}
    doc = {"changeset": CHANGESET, "contact": f"热线{get_settings().hotline}（区社会治理综合指挥中心）",
           "key_service": "api_key由区社会治理综合指挥中心发放，请致电热线申请", "endpoints": [endpoint]}
    if fmt == "json":
        return Json(doc)
    top = ET.Element("discovery")
    for k in ("changeset", "contact", "key_service"):
        ET.SubElement(top, k).text = doc[k]
    ep = ET.SubElement(ET.SubElement(top, "endpoints"), "endpoint")
    for k in ("specification", "url", "changeset", "type"):
        ET.SubElement(ep, k).text = endpoint[k]
    fs = ET.SubElement(ep, "formats")
    for f in formats:
        ET.SubElement(fs, "format").text = f
    return Response(b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8"),
                    media_type="text/xml; charset=utf-8")


@router.get("/v2/services.{fmt}")
def services(fmt: str, session=Depends(reading)):
    fmt = _fmt(fmt)
    rows = session.scalars(select(IncidentCategory).order_by(IncidentCategory.code)).all()
    return _reply(fmt, "services", "service", [_service(c) for c in rows])


@router.get("/v2/services/{code}.{fmt}")
@router.get("/v2/service/{code}.{fmt}")  # the singular form the old open311 1.1 wrapper asks for
def service_definition(code: str, fmt: str, session=Depends(reading)):
    fmt = _fmt(fmt)
    c = session.scalars(select(IncidentCategory).where(IncidentCategory.open311_code == code)).first()
    if c is None:
        raise Open311Error(404, f"service_code '{code}' not found")
    body = {"service_code": c.open311_code, "attributes": []}
    if fmt == "xml":  # the spec puts service_code and attributes straight under service_definition
        top = ET.Element("service_definition")
        ET.SubElement(top, "service_code").text = _xml_text(c.open311_code)
        ET.SubElement(top, "attributes")
        return Response(b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8"),
                        media_type="text/xml; charset=utf-8")
    return Json(body)


@lru_cache(maxsize=4)
def _key_limiter(per_minute: int) -> RateLimiter:
    return RateLimiter(burst=per_minute, per_second=per_minute / 60)


def key_limiter() -> RateLimiter:
    """POSTs per API key (RSA_OPEN311_PER_MINUTE): one client's script cannot flood the work orders."""
    return _key_limiter(get_settings().open311_per_minute)


@router.post("/v2/requests.{fmt}")
async def post_request(fmt: str, request: Request):
    form = dict(await request.form()) if "form" in request.headers.get("content-type", "") else {}
    form = {k: v for k, v in form.items() if isinstance(v, str)}  # an uploaded file is no field of GeoReport
    form.update(request.query_params)
    key = form.get("api_key")
    if isinstance(key, str) and key in get_settings().open311_key_list and not key_limiter().allow(key):
        wait = key_limiter().retry_after(key)
        reply = error(fmt, 429, f"提交太频繁，请{wait}秒后再试 (too many requests for this api_key; retry in {wait} s)")
        reply.headers["Retry-After"] = str(wait)
        return reply
    # Filing may queue for the database's write lock: in a worker thread, not the event loop.
    return await run_in_threadpool(_file_request, _fmt(fmt), form)


def _file_request(fmt: str, form: dict):
    with WriteSession() as session:
        return _file(session, fmt, form)


def _file(session, fmt: str, form: dict):
    if not form.get("api_key") or form["api_key"] not in get_settings().open311_key_list:
        raise Open311Error(403, "invalid or missing api_key")
    code = form.get("service_code")
    if not code:
        raise Open311Error(400, "service_code is required")
    cat = session.scalars(select(IncidentCategory).where(IncidentCategory.open311_code == code)).first()
    if cat is None:
        raise Open311Error(404, f"service_code '{code}' not found")
    lat, lon = _coord(form.get("lat"), "lat", 90), _coord(form.get("long"), "long", 180)
    address = (form.get("address_string") or "").strip()
    address_id = (form.get("address_id") or "").strip()
    if (lat is None or lon is None) and not address and not address_id:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    if (lat is None or lon is None) and not address:
        # address_id is a grid's name, as every GET returns it
        grid = session.scalars(select(Grid).where(Grid.name == address_id)).first()
        if grid is None:
            raise Open311Error(400, f"address_id '{address_id[:50]}' not found: use an address_id from a request of ours")
        located, address = Located("found", grid), grid.name
    else:
        located = locate(session, address, lat, lon)
    if located.status != "found":
        raise Open311Error(400, f"location not resolved to a grid ({located.status}): give lat/long or a full address")
    description = (form.get("description") or "").strip() or cat.name
    media_url = (form.get("media_url") or "").strip() or None
    if media_url and (len(media_url) > MAX_MEDIA_URL or not re.match(r"https?://[^\s]+$", media_url)):
        raise Open311Error(400, f"media_url must be an http(s) URL of at most {MAX_MEDIA_URL} characters")
    phone = form.get("phone") or ""
    try:
        # The chosen service steers the classification; the description is kept as the client sent it.
        t, _ = tickets.file_ticket(session, classifier(session), description=description, address=address,
                                   classify_as=f"【{cat.name}】{description}", media_url=media_url,
                                   located=located, phone=phone, channel="open311",
                                   idempotency_key=("open311:" + form["device_id"] + ":" + form.get("account_id", "")
                                                    if form.get("device_id") else None),
                                   lat=lat, lon=lon)
    except tickets.TicketError as e:
        raise Open311Error(400, str(e)) from None
    return _reply(fmt, "service_requests", "request",
                  [{"service_request_id": t.number, "service_notice": f"办理时限至{t.deadline:%Y-%m-%d %H:%M}",
                    "account_id": None}])


def _coord(v, name: str, limit: float) -> Optional[float]:
    if v in (None, ""):
        return None
    try:
        x = float(v)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number, got '{str(v)[:30]}'") from None
    if not -limit <= x <= limit:  # also inf, 1e309 and nan, which no distance can use
        raise Open311Error(400, f"{name} must be a number between -{limit:g} and {limit:g}")
    return x


def _date(v: Optional[str], name: str) -> Optional[dt.datetime]:
    if not v:
        return None
    try:
        d = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return clock.local(d)  # without an offset, a time is the district's own
    except (ValueError, OverflowError):  # OverflowError: 9999-12-31T23:59:59-12:00 is past year 9999 here
        raise Open311Error(400, f"{name} must be a w3 datetime, e.g. 2026-11-01T00:00:00+08:00") from None


@router.get("/v2/requests.{fmt}")
def get_requests(fmt: str, service_request_id: str = "", service_code: str = "", start_date: str = "",
                 end_date: str = "", status: str = "", session=Depends(reading)):
    fmt = _fmt(fmt)
    q = select(Ticket).order_by(Ticket.id.desc())
    if service_request_id.strip():  # the spec: given ids override every other filter
        q = q.where(Ticket.number.in_([x.strip() for x in service_request_id.split(",")][:50]))
        return _reply(fmt, "service_requests", "request", [_request(t) for t in session.scalars(q).all()])
    if service_code:
        q = q.join(IncidentCategory).where(IncidentCategory.open311_code.in_(service_code.split(",")))
    start, end = _date(start_date, "start_date"), _date(end_date, "end_date")
    if start:
        q = q.where(Ticket.created_at >= start)
    if end:
        q = q.where(Ticket.created_at <= end)
    if status:
        wanted = set(status.split(","))
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        states = (tickets.OPEN if "open" in wanted else ()) + (tickets.CLOSED if "closed" in wanted else ())
        # The status each request shows: a duplicate (并单) shows that of the work order it joined.
        joined = aliased(Ticket)
        shown = case((Ticket.status == tickets.TicketStatus.MERGED.value, joined.status), else_=Ticket.status)
        q = q.outerjoin(joined, Ticket.merged_into_id == joined.id).where(shown.in_(states))
    if not (start or end):
        q = q.where(Ticket.created_at >= clock.now() - dt.timedelta(days=90))  # spec default window
    rows = session.scalars(q.limit(1000)).all()
    return _reply(fmt, "service_requests", "request", [_request(t) for t in rows])


@router.get("/v2/requests/{number}.{fmt}")
def get_request(number: str, fmt: str, session=Depends(reading)):
    fmt = _fmt(fmt)
    t = session.scalars(select(Ticket).where(Ticket.number == number)).first()
    if t is None:
        raise Open311Error(404, f"service_request_id '{number}' not found")
    return _reply(fmt, "service_requests", "request", [_request(t)])
