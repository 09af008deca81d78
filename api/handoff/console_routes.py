"""The staff console's case routes (/console/api/...): the queue, a case, and what staff do
with it. Signed-in staff only; state changes need the CSRF token; staff see their own
centre's cases, supervisors and admins all. Rules live in api.handoff.cases."""
from typing import Optional

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import object_session

from api.core.deps import by_method
from api.core.labels import label_table
from api.guide import answers
from api.guide.models import ServiceItem
from api.handoff import cases, rasa_client
from api.handoff.models import HandoffCase
from api.handoff.states import Author, CaseStatus, Reason
from api.incidents.categories import classifier
from api.incidents.states import TicketStatus
from api.places import directory
from api.staff.audit import AuditAction, Role, audit_view
from api.staff.deps import current_session

router = APIRouter(prefix="/console/api")


class TextIn(BaseModel):
    text: str = Field(..., max_length=2000)


class TransferIn(BaseModel):
    centre_id: Optional[int] = None
    staff_id: Optional[int] = None


class TicketIn(BaseModel):
    description: str = Field("", max_length=2000)
    address: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    link: Optional[str] = Field(None, max_length=30)  # an existing work order's number, instead of filing


class CloseIn(BaseModel):
    reason: str = Field("", max_length=1000)


@router.get("/labels")
def labels(s=Depends(current_session)):
    """What the console shows for each stored code (states, reasons, authors, audit actions)."""
    return label_table(CaseStatus, Reason, Author, AuditAction, Role, TicketStatus)


def _summary(c: HandoffCase) -> dict:
    last = next((m for m in reversed(c.messages) if m.author == Author.RESIDENT), None)
    return {"id": c.id, "sender": c.sender, "status": c.status, "reason": c.reason, "priority": c.priority,
            "centre": c.centre.name, "channel": c.channel, "assignee": c.assignee.display_name if c.assignee else None,
            "created_at": c.created_at.isoformat(timespec="seconds"), "last_resident_text": last.text if last else "",
            "message_count": len(c.messages), "timers": cases.timers(c)}


def _view(c: HandoffCase) -> dict:
    return {**_summary(c), "context": c.context, "resolution": c.resolution, "satisfaction": c.satisfaction,
            "assistant": rasa_client.state(object_session(c), c.sender),  # calls to the assistant not yet confirmed
            "messages": [{"id": m.id, "author": m.author, "text": m.text, "at": m.at.isoformat(timespec="seconds"),
                          "asr_confidence": m.asr_confidence} for m in c.messages],
            "tickets": [{"number": t.number, "category": t.category.name if t.category else "待指挥中心分类",
                         "status": t.status, "department": t.department.name,
                         "deadline": t.deadline.isoformat(timespec="minutes")} for t in c.tickets]}


@router.get("/queue")
def queue(s=Depends(current_session), db=Depends(by_method)):
    return [_summary(c) for c in cases.queue(db, s.user)]


@router.get("/cases/{case_id}")
def case_view(case_id: int, s=Depends(current_session), db=Depends(by_method)):
    """The case as it is now (the console refreshes it every few seconds; opening is POST /open)."""
    return _view(cases.get_case(db, s.user, case_id))


@router.post("/cases/{case_id}/open")
def open_case(case_id: int, s=Depends(current_session), db=Depends(by_method)):
    """A staff member opens a resident's conversation: that is on record, once per sitting."""
    c = cases.get_case(db, s.user, case_id)
    audit_view(db, s, c.id)
    db.commit()
    return _view(c)


def _run(db, s, case_id, fn, *args, tell=None) -> tuple:
    """(the case view after fn(db, user, case, *args), what fn returned). `tell(case)` queues the
    call the assistant must get, before fn commits: the step and the call are one transaction."""
    c = cases.get_case(db, s.user, case_id)
    if tell:
        tell(c)
    result = fn(db, s.user, c, *args)
    view = _view(c)
    db.commit()  # let go of the write lock before the caller talks to the assistant
    return view, result


@router.get("/cases/{case_id}/canned")
def canned(case_id: int, s=Depends(current_session), db=Depends(by_method)):
    """Ready-made replies from the service guide of the item the resident was asking about."""
    c = cases.get_case(db, s.user, case_id)
    slots = (c.context or {}).get("slots") or {}
    code = slots.get("service_code")
    item = db.scalars(select(ServiceItem).where(ServiceItem.code == code)).first() if code else None
    if item is None:
        return []
    community = directory.find_community(db, slots.get("community") or "")
    centre = directory.centre_for(db, item.handled_at, community)
    titles = {"materials": "所需材料", "process": "办理流程", "time": "办理时限", "fee": "收费", "place": "办理地点",
              "online": "网上办理", "conditions": "申请条件"}
    return [{"title": f"{item.name}·{t}", "text": answers.compose(item, aspect, centre, community)}
            for aspect, t in titles.items()]


@router.post("/cases/{case_id}/claim")
def claim(case_id: int, s=Depends(current_session), db=Depends(by_method)):
    # A call-back: the assistant was answering meanwhile; now the person is.
    view, _ = _run(db, s, case_id, cases.claim,
                   tell=lambda c: c.status == CaseStatus.CALLBACK and rasa_client.pause(db, c.sender))
    return _delivered(view)


@router.post("/cases/{case_id}/reply")
def reply(case_id: int, body: TextIn, s=Depends(current_session), db=Depends(by_method)):
    # The assistant's transcript stays whole.
    view, _ = _run(db, s, case_id, cases.reply, body.text,
                   tell=lambda c: rasa_client.record_staff_reply(db, c.sender, body.text.strip()))
    return _delivered(view)


@router.post("/cases/{case_id}/note")
def note(case_id: int, body: TextIn, s=Depends(current_session), db=Depends(by_method)):
    return _run(db, s, case_id, cases.note, body.text)[0]


@router.post("/cases/{case_id}/tickets")
def case_ticket(case_id: int, body: TicketIn, s=Depends(current_session), db=Depends(by_method)):
    """File a work order on the resident's behalf, or link an existing one; the resident is told."""
    if body.link:
        view, told = _run(db, s, case_id, cases.link_ticket, body.link)
    else:
        view, told = _run(db, s, case_id, lambda db_, user, c: cases.file_ticket(
            db_, user, c, classifier(db_), description=body.description, address=body.address, phone=body.phone))
    if told:  # known only once filed: queued in a transaction of its own
        rasa_client.record_staff_reply(db, view["sender"], told)
        db.commit()
    return _delivered(view)


@router.post("/cases/{case_id}/transfer")
def transfer(case_id: int, body: TransferIn, s=Depends(current_session), db=Depends(by_method)):
    c = cases.get_case(db, s.user, case_id)
    cases.transfer(db, s.user, c, body.centre_id, body.staff_id)
    return _summary(c)  # the case may now belong to a centre this user cannot open


@router.post("/cases/{case_id}/resolve")
def resolve(case_id: int, body: CloseIn, s=Depends(current_session), db=Depends(by_method)):
    # The assistant answers again after the rating question.
    view, _ = _run(db, s, case_id, cases.close, CaseStatus.RESOLVED, body.reason,
                   tell=lambda c: rasa_client.resume(db, c.sender))
    return _delivered(view)


@router.post("/cases/{case_id}/handback")
def handback(case_id: int, s=Depends(current_session), db=Depends(by_method)):
    view, _ = _run(db, s, case_id, cases.close, CaseStatus.RETURNED, "", tell=lambda c: rasa_client.resume(db, c.sender))
    return _delivered(view)


def _delivered(view: dict) -> dict:
    """Send what the assistant is owed now; the view says whether it is still pending (then the
    console tells staff it will be delivered when the assistant is back, not that all is done)."""
    view["assistant"] = rasa_client.deliver(view["sender"])
    return view
