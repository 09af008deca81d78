"""The staff console's case routes (/console/api/...): the queue, a case, and what staff do
with it. Signed-in staff only; state changes need the CSRF token; staff see their own
centre's cases, supervisors and admins all. Rules live in api.handoff.cases."""
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import object_session

from api.core.deps import by_method
from api.core.labels import label_table
from api.guide import answers
from api.guide.models import ServiceItem
from api.handoff import cases, contact, phrases, queue_views, rasa_client, understood
from api.handoff.models import CannedPhrase, HandoffCase
from api.handoff.states import Author, CaseStatus, Reason
from api.incidents.categories import classifier
from api.incidents.states import TicketStatus
from api.places import directory
from api.staff.audit import AuditAction, Role, audit_view
from api.staff.deps import current_session
from api.staff.models import StaffUser

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


class PhraseIn(BaseModel):
    title: str = Field(..., max_length=phrases.TITLE_CHARS)
    text: str = Field(..., max_length=phrases.TEXT_CHARS)
    centre_id: Optional[int] = None  # none: for every centre of the district


class PhraseEdit(BaseModel):
    title: str = Field(..., max_length=phrases.TITLE_CHARS)
    text: str = Field(..., max_length=phrases.TEXT_CHARS)


@router.get("/labels")
def labels(s=Depends(current_session)):
    """What the console shows for each stored code (states, reasons, authors, audit actions)."""
    return label_table(CaseStatus, Reason, Author, AuditAction, Role, TicketStatus, queue_views.View)


def _summary(c: HandoffCase) -> dict:
    last = next((m for m in reversed(c.messages) if m.author == Author.RESIDENT), None)
    return {"id": c.id, "sender": c.sender, "status": c.status, "reason": c.reason, "priority": c.priority,
            "centre": c.centre.name, "channel": c.channel, "assignee": c.assignee.display_name if c.assignee else None,
            "created_at": c.created_at.isoformat(timespec="seconds"), "last_resident_text": last.text if last else "",
            "message_count": len(c.messages), "timers": cases.timers(c)}


def _view(c: HandoffCase) -> dict:
    db = object_session(c)
    # Who wrote each staff line and note, in one query however long the conversation.
    ids = {m.staff_id for m in c.messages if m.staff_id}
    names = dict(db.execute(select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(ids))).all()) if ids else {}
    return {**_summary(c), "context": c.context, "resolution": c.resolution, "satisfaction": c.satisfaction,
            "understood": understood.rows(db, c.context),  # the context in words staff read
            "assistant": rasa_client.state(db, c.sender),  # calls to the assistant not yet confirmed
            "messages": [{"id": m.id, "author": m.author, "text": m.text, "at": m.at.isoformat(timespec="seconds"),
                          "asr_confidence": m.asr_confidence, "staff": names.get(m.staff_id)} for m in c.messages],
            "tickets": [{"number": t.number, "category": t.category.name if t.category else "待指挥中心分类",
                         "status": t.status, "department": t.department.name,
                         "deadline": t.deadline.isoformat(timespec="minutes"), "media_url": t.media_url} for t in c.tickets]}


# A centre id past 64 bits cannot even be compared in SQLite; the filters run in Python anyway.
CentreQuery = Query(None, ge=1, lt=2 ** 63, description="only this centre's cases")
SearchQuery = Query("", max_length=100, description="case number, resident's words, work order number or centre")


@router.get("/queue")
def queue(view: queue_views.View = queue_views.View.ALL, centre_id: Optional[int] = CentreQuery,
          q: str = SearchQuery, s=Depends(current_session), db=Depends(by_method)):
    """The cases this user may see: all, mine (claimed by me) or unassigned, by centre, by search."""
    return [_summary(c) for c in queue_views.queue(db, s.user, view, centre_id, q)]


@router.get("/queue/counts")
def queue_counts(centre_id: Optional[int] = CentreQuery, q: str = SearchQuery, s=Depends(current_session),
                 db=Depends(by_method)):
    """How many cases each view holds, with the same centre and search."""
    return queue_views.counts(db, s.user, centre_id, q)


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


@router.get("/cases/{case_id}/contact")
def case_contact(case_id: int, s=Depends(current_session), db=Depends(by_method)):
    """The resident's masked phone, earlier work orders and earlier conversations with staff."""
    return contact.panel(db, cases.get_case(db, s.user, case_id))


def _phrase(p: CannedPhrase) -> dict:
    return {"id": p.id, "title": p.title, "text": p.text, "centre": p.centre.name if p.centre else None,
            "centre_id": p.centre_id}


def _may_edit_phrases(s) -> None:
    if s.user.role == Role.STAFF:
        raise HTTPException(403, "只有主管和管理员可以编辑常用语")


@router.get("/phrases")
def phrase_list(centre_id: Optional[int] = CentreQuery, s=Depends(current_session), db=Depends(by_method)):
    """The centre's own phrases and the district-wide ones (centre null). Supervisors and admins
    get all of them, or those of one centre's staff with centre_id."""
    return [_phrase(p) for p in phrases.visible(db, s.user, centre_id)]


@router.post("/phrases")
def phrase_add(body: PhraseIn, s=Depends(current_session), db=Depends(by_method)):
    _may_edit_phrases(s)
    return _phrase(phrases.add(db, s.user, body.title, body.text, body.centre_id))


@router.put("/phrases/{phrase_id}")
def phrase_edit(phrase_id: int, body: PhraseEdit, s=Depends(current_session), db=Depends(by_method)):
    _may_edit_phrases(s)
    return _phrase(phrases.edit(db, s.user, phrases.get(db, s.user, phrase_id), body.title, body.text))


@router.delete("/phrases/{phrase_id}")
def phrase_delete(phrase_id: int, s=Depends(current_session), db=Depends(by_method)):
    _may_edit_phrases(s)
    phrases.delete(db, s.user, phrases.get(db, s.user, phrase_id))
    return {"deleted": phrase_id}


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
    return [{"title": f"{item.name}·{understood.ASPECT_NAMES[aspect]}",
             "text": answers.compose(item, aspect, centre, community)}
            for aspect in ("materials", "process", "time", "fee", "place", "online", "conditions")]


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
                   tell=lambda c: rasa_client.record_staff_reply(db, c.sender, body.text.strip(), s.user.display_name))
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
        rasa_client.record_staff_reply(db, view["sender"], told, s.user.display_name)
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
