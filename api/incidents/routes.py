"""HTTP routes for incidents and work orders, used by the action server and by staff tools.
Reads never write: overdue supervision (督办) runs on the backend's background loop."""
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.core.deps import reading, require_admin_token, require_service_token, writing
from api.incidents import tickets, vault
from api.incidents.categories import MEDIATOR, classifier, danger_words
from api.incidents.models import Ticket
from api.incidents.states import DEFAULT_KIND, TicketKind
from api.places.locate import locate
from api.places.models import Department
from shared.patterns import TICKET_EXAMPLE, mask

# For the action server and staff tools only: the service token (or the admin token).
router = APIRouter(prefix="/api", dependencies=[Depends(require_service_token)])


class TextIn(BaseModel):
    text: str = Field(..., max_length=5000)


class LocateIn(BaseModel):
    text: str = Field("", max_length=5000)  # a whole report: the place may be anywhere in it
    lat: Optional[float] = Field(None, ge=-90, le=90)
    lon: Optional[float] = Field(None, ge=-180, le=180)


class TicketIn(BaseModel):
    description: str = Field(..., max_length=20000)
    address: str = Field("", max_length=500)
    phone: str = Field("", max_length=40)  # required, except for a suggestion (建议) …
    anonymous: bool = False  # … or a resident who would not leave one (nobody can call back)
    channel: str = Field("h5", regex="^[a-z0-9_]{1,20}$")
    kind: str = Field(DEFAULT_KIND.value, max_length=4)  # states.TicketKind
    sender: Optional[str] = Field(None, max_length=100)
    idempotency_key: Optional[str] = Field(None, max_length=100)
    lat: Optional[float] = Field(None, ge=-90, le=90)
    lon: Optional[float] = Field(None, ge=-180, le=180)


class ActionIn(BaseModel):
    action: str = Field(..., max_length=10)
    actor: str = Field(..., min_length=1, max_length=50)
    note: str = Field("", max_length=1000)
    department: Optional[str] = Field(None, max_length=16)
    days: Optional[int] = None
    rating: Optional[int] = None


@router.post("/incidents/classify")
def classify(body: TextIn, session=Depends(reading)):
    c = classifier(session).classify(body.text)
    return {"category": c.category.name if c.category else None,
            "category_code": c.category.code if c.category else None,
            "grade": c.grade, "confidence": c.confidence, "emergency": c.emergency,
            "mediation": c.mediation,
            "danger_words": danger_words(body.text),
            "lead_department": c.category.lead_department_name if c.category else session.scalars(
                select(Department.name).where(Department.code == c.department_code)).first(),
            "first_handler": c.department_code,
            # a dispute a department of its own deals with (wages owed: 人社), to tell the resident
            "also_ask": _department(session, c.category.lead_department_code)
            if c.mediation and c.category and c.category.lead_department_code != MEDIATOR else None,
            # who the work order goes to when filed (a small matter: the community's grid station)
            "first_handler_name": session.scalars(select(Department.name).where(Department.code == c.department_code)).first()}


def _department(session, code: str) -> Optional[dict]:
    d = session.scalars(select(Department).where(Department.code == code)).first()
    return {"name": d.name, "phone": d.phone} if d and d.phone else None


@router.post("/incidents/locate")
def locate_(body: LocateIn, session=Depends(reading)):
    r = locate(session, body.text, body.lat, body.lon)
    g = r.grid
    return {"status": r.status, "question": r.question, "problem": r.problem,
            "grid": g.name if g else None,
            "community": g.community.name if g else None,
            "street": g.community.street.name if g else None,
            "candidates": [c.name for c in r.candidates], "place": r.place}


@router.post("/tickets")
def file(body: TicketIn, session=Depends(writing)):
    located = locate(session, body.address, body.lat, body.lon)
    t, created = tickets.file_ticket(
        session, classifier(session), description=body.description, address=body.address, located=located,
        phone=vault.resolve(session, body.sender, body.phone), channel=body.channel,
        idempotency_key=body.idempotency_key, sender=body.sender,
        lat=body.lat, lon=body.lon, kind=body.kind, anonymous=body.anonymous)
    return {"created": created, **tickets.view(t, reporter=True)}


class DetailsIn(BaseModel):
    sender: str = Field(..., min_length=1, max_length=100)
    text: str = Field(..., min_length=1, max_length=2000)
    phone: Optional[str] = Field(None, max_length=40)


@router.post("/tickets/recent/details")
def add_details(body: DetailsIn, session=Depends(writing)):
    """More the resident said right after filing (the stop and the time, a phone): onto that work order."""
    t = tickets.add_details(session, body.sender, body.text, vault.resolve(session, body.sender, body.phone)
                            if body.phone else None)
    if t is None:
        raise HTTPException(404, "这个对话最近没有提交过工单。")
    session.commit()
    return {"number": t.number, "phone": mask(t.reporter_phone) if t.reporter_phone else None}


@router.get("/tickets/kinds")
def ticket_kinds():
    """The 12345 types of a work order, code → label, for pages and tools that show them."""
    return TicketKind.labels()


@router.get("/tickets/by-key")
def ticket_by_key(key: str = Query(..., min_length=1, max_length=100), session=Depends(reading)):
    """The ticket filed under an idempotency key: after a timed-out filing the action server asks
    here before telling the resident it failed (the backend may have committed it meanwhile)."""
    t = session.scalars(select(Ticket).where(Ticket.idempotency_key == key)).first()
    if t is None:
        raise HTTPException(404, "没有按这个编号提交的工单。")
    return {"created": False, **tickets.view(t, reporter=True)}


@router.get("/tickets/{number}")
def get_ticket(number: str, phone: Optional[str] = None, sender: Optional[str] = None, session=Depends(reading)):
    t = tickets.find(session, number)
    if t is None:
        raise HTTPException(404, f"没有找到这个工单号，请核对一下（格式如{TICKET_EXAMPLE}）。")
    return tickets.view(t, reporter=tickets.is_reporter(t, phone, sender))


@router.get("/tickets")
def my_tickets(sender: str, q: str = "", session=Depends(reading)):
    """The sender's own recent work orders, best match for `q` (我上周报的那个井盖) first."""
    rows = session.scalars(select(Ticket).where(Ticket.reporter_ref == tickets.reporter_ref(sender))
                           .order_by(Ticket.id.desc()).limit(20)).all()
    if q:
        code = classifier(session).classify(q)
        wanted = code.category.id if code.category else None
        rows.sort(key=lambda t: t.category_id != wanted)  # stable: same category first, newest first
    return [tickets.view(t, reporter=True) for t in rows]


@router.post("/tickets/{number}/actions", dependencies=[Depends(require_admin_token)])
def act(number: str, body: ActionIn, session=Depends(writing)):
    t = tickets.advance(session, number, body.action, body.actor, body.note, body.department, body.days, body.rating)
    return tickets.view(t, reporter=True)


@router.post("/tickets/supervise", dependencies=[Depends(require_admin_token)])
def supervise(session=Depends(writing)):
    return {"flagged": tickets.supervise_overdue(session)}
