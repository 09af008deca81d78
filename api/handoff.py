"""Handing conversations to people at service centres: routing by community and opening
hours, the queue, and what staff may do with a case. Every staff action is audited."""
import datetime as dt
import hashlib
import os
import re
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api import places, tickets
from api.auth import audit
from api.locate import locate
from api.models import CaseMessage, HandoffCase, ServiceCentre, StaffSession, StaffUser, Ticket
from api.workdays import is_workday

OPEN_STATES = ("waiting", "claimed")
QUEUE_STATES = OPEN_STATES + ("callback",)  # call-backs wait in the queue for the next shift
PRIORITY = {"sensitive": 2, "angry": 2, "dispute": 1, "misunderstood": 1, "asked": 0}
DEFAULT_MINUTES_PER_CASE = 3
CLAIM_TIMEOUT = dt.timedelta(minutes=int(os.environ.get("RSA_CLAIM_TIMEOUT_MINUTES", "10")))
NOBODY_CAME = ("抱歉，工作人员暂时都在忙，没能及时接入。您的问题和我们的对话都已登记为回电请求，"
               "工作人员会尽快在这里回复您；着急的话请拨打{phone}或12345。希望工作人员打电话给您的话，请留个手机号。"
               "在这之前，我也可以继续回答办事问题。")


class CaseError(ValueError):
    """Not allowed; the message says why, in Chinese. `status` is the HTTP status to use."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def is_open(centre: ServiceCentre, at: dt.datetime) -> bool:
    """Open on working days within the '工作日 8:30-11:30，13:30-17:00' ranges of its hours."""
    if not is_workday(at.date()):
        return False
    weekday_part = centre.hours.split("；")[0]
    for h1, m1, h2, m2 in re.findall(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", weekday_part):
        if dt.time(int(h1), int(m1)) <= at.time() < dt.time(int(h2), int(m2)):
            return True
    return False


def on_duty(session: Session, centre: ServiceCentre, at: dt.datetime) -> bool:
    """Open hours, or someone of this centre (or a supervisor) signed in right now."""
    if is_open(centre, at):
        return True
    live = session.scalars(select(StaffSession).where(StaffSession.expires_at > at)).all()
    return any(x.user.active and (x.user.centre_id == centre.id or x.user.role != "staff") for x in live)


def open_case(session: Session, *, sender: str, channel: str, reason: str, community: Optional[str],
              context: dict, transcript: List[dict], at: dt.datetime = None) -> HandoffCase:
    """The open case of this conversation, or a new one at the resident's community centre
    (the district centre when the community is unknown). Closed centres get a call-back case."""
    at = at or now()
    existing = session.scalars(select(HandoffCase).where(HandoffCase.sender == sender,
                                                         HandoffCase.status.in_(OPEN_STATES))).first()
    if existing:
        return existing
    c = places.find_community(session, community or "")
    centre = c.centre if c else places.district_centre(session)
    case = HandoffCase(sender=sender, channel=channel, centre=centre, reason=reason, priority=PRIORITY.get(reason, 0),
                       status="waiting" if on_duty(session, centre, at) else "callback", context=context, created_at=at)
    for m in transcript[-50:]:
        case.messages.append(CaseMessage(at=at, author=m["author"], text=str(m["text"])[:2000], delivered=True,
                                         asr_confidence=_confidence(m.get("asr_confidence"))))
    session.add(case)
    session.commit()
    return case


def _confidence(value) -> Optional[float]:
    """A speech recogniser's 0..1 confidence, or None when absent or not a number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if 0.0 <= v <= 1.0 else None


def queue(session: Session, user: StaffUser) -> List[HandoffCase]:
    # Polled every 1.5 s by every desk: load the queue's messages, centres and assignees in
    # three queries rather than three per case.
    q = (select(HandoffCase).where(HandoffCase.status.in_(QUEUE_STATES))
         .options(selectinload(HandoffCase.messages), selectinload(HandoffCase.centre),
                  selectinload(HandoffCase.assignee)))
    if user.role == "staff":
        q = q.where(HandoffCase.centre_id == user.centre_id)
    return session.scalars(q.order_by(HandoffCase.priority.desc(), HandoffCase.created_at, HandoffCase.id)).all()


def position(session: Session, case: HandoffCase) -> int:
    """1 = next to be taken."""
    waiting = session.scalars(select(HandoffCase).where(HandoffCase.centre_id == case.centre_id,
                                                        HandoffCase.status == "waiting")
                              .order_by(HandoffCase.priority.desc(), HandoffCase.created_at, HandoffCase.id)).all()
    ids = [c.id for c in waiting]
    return ids.index(case.id) + 1 if case.id in ids else 0


def expected_wait_minutes(session: Session, case: HandoffCase) -> int:
    """Position times the centre's recent average time to first response."""
    recent = session.scalars(select(HandoffCase).where(HandoffCase.centre_id == case.centre_id,
                                                       HandoffCase.first_response_at.is_not(None))
                             .order_by(HandoffCase.id.desc()).limit(20)).all()
    per_case = DEFAULT_MINUTES_PER_CASE
    if recent:
        per_case = max(1, round(sum((c.first_response_at - c.created_at).total_seconds() for c in recent) / len(recent) / 60))
    return position(session, case) * per_case


def get_case(session: Session, user: StaffUser, case_id: int) -> HandoffCase:
    case = session.get(HandoffCase, case_id)
    # Another centre's case looks exactly like a missing one to staff.
    if case is None or (user.role == "staff" and case.centre_id != user.centre_id):
        raise CaseError("没有这个会话", 404)
    return case


def _must_hold(case: HandoffCase, user: StaffUser) -> None:
    if case.status not in OPEN_STATES:
        raise CaseError("会话已结束，不能再操作")
    if case.status != "claimed" or (case.assignee_id != user.id and user.role == "staff"):
        raise CaseError("请先认领这个会话")


def claim(session: Session, user: StaffUser, case: HandoffCase) -> str:
    """Returns the status it was claimed from."""
    was = case.status
    if was not in ("waiting", "callback"):
        raise CaseError("这个会话已被认领或已结束")
    case.status, case.assignee, case.claimed_at = "claimed", user, now()
    audit(session, user, "claim", case.id)
    session.commit()
    return was


def reply(session: Session, user: StaffUser, case: HandoffCase, text: str) -> CaseMessage:
    _must_hold(case, user)
    text = text.strip()
    if not text:
        raise CaseError("回复不能为空", 422)
    msg = CaseMessage(at=now(), author="staff", staff_id=user.id, text=text[:2000])
    case.messages.append(msg)
    case.first_response_at = case.first_response_at or msg.at
    audit(session, user, "reply", case.id)
    session.commit()
    return msg


def note(session: Session, user: StaffUser, case: HandoffCase, text: str) -> None:
    if not text.strip():
        raise CaseError("备注不能为空", 422)
    case.messages.append(CaseMessage(at=now(), author="note", staff_id=user.id, text=text.strip()[:2000], delivered=True))
    audit(session, user, "note", case.id)
    session.commit()


def transfer(session: Session, user: StaffUser, case: HandoffCase, centre_id: Optional[int] = None,
             staff_id: Optional[int] = None) -> None:
    if case.status not in OPEN_STATES:
        raise CaseError("会话已结束，不能转交")
    if staff_id is not None:
        to = session.get(StaffUser, staff_id)
        if to is None or not to.active:
            raise CaseError("没有这位工作人员", 404)
        case.assignee, case.status, case.centre_id = to, "claimed", to.centre_id or case.centre_id
        case.claimed_at = case.claimed_at or now()
        audit(session, user, "transfer", case.id, f"转给{to.display_name}（{to.username}）")
    elif centre_id is not None:
        centre = session.get(ServiceCentre, centre_id)
        if centre is None:
            raise CaseError("没有这个服务中心", 404)
        case.centre, case.assignee, case.status = centre, None, "waiting"
        audit(session, user, "transfer", case.id, f"转到{centre.name}")
    else:
        raise CaseError("请指定转交的服务中心或工作人员", 422)
    session.commit()


def close(session: Session, user: StaffUser, case: HandoffCase, how: str, reason: str = "") -> None:
    """how: 'resolved' (asks the resident to rate the service) or 'returned' (back to the bot)."""
    _must_hold(case, user)
    if how == "resolved" and not reason.strip():
        raise CaseError("结束会话请填写处理结果", 422)
    case.status, case.closed_at, case.resolution = how, now(), reason.strip()[:1000] or None
    text = ("本次人工服务已结束。请您为这次服务打分：回复1到5（5分最满意）。" if how == "resolved"
            else "工作人员已把对话交回智能助手，您可以继续提问。")
    case.messages.append(CaseMessage(at=now(), author="staff", staff_id=user.id, text=text))
    audit(session, user, "resolve" if how == "resolved" else "hand back", case.id, reason)
    session.commit()


def file_ticket(session: Session, user: StaffUser, case: HandoffCase, classifier, *, description: str, address: str,
                phone: str) -> Optional[str]:
    """File a work order on the resident's behalf, link it to the case and tell the resident its
    number (returns what they were told; None when this was filed already: the same text from
    one case gives the same work order)."""
    _must_hold(case, user)
    key = "case{}:{}".format(case.id, hashlib.sha256(f"{description.strip()}|{address.strip()}".encode()).hexdigest()[:24])
    try:
        t, _ = tickets.file_ticket(session, classifier, description=description, address=address,
                                   located=locate(session, address), phone=phone, channel="console",
                                   idempotency_key=key, sender=case.sender)
    except tickets.TicketError as e:
        raise CaseError(str(e), 422)
    return _attach(session, user, case, t, "file ticket",
                   f"工作人员已为您登记工单{t.number}（{t.category.name if t.category else '待指挥中心分类'}），"
                   f"由{t.department.name}办理，办理时限到{t.deadline:%m月%d日%H:%M}。以后问我“{t.number}进度”就能查到。")


def link_ticket(session: Session, user: StaffUser, case: HandoffCase, number: str) -> Optional[str]:
    """Link an existing work order (e.g. the same problem reported before) to the case."""
    _must_hold(case, user)
    t = session.scalars(select(Ticket).where(Ticket.number == number.strip().upper())).first()
    if t is None:
        raise CaseError("没有这个工单号，请核对（格式如WG202611230001）", 404)
    return _attach(session, user, case, t, "link ticket",
                   f"您反映的问题已有工单{t.number}在办理（当前状态：{t.status}，承办：{t.department.name}），"
                   f"我们会一并跟进。以后问我“{t.number}进度”就能查到。")


def _attach(session: Session, user: StaffUser, case: HandoffCase, t: Ticket, action: str, tell: str) -> Optional[str]:
    if t in case.tickets:
        return None
    case.tickets.append(t)
    case.messages.append(CaseMessage(at=now(), author="staff", staff_id=user.id, text=tell))
    case.first_response_at = case.first_response_at or now()
    audit(session, user, action, case.id, t.number)
    session.commit()
    return tell


def timers(case: HandoffCase, at: dt.datetime = None) -> dict:
    at = at or now()
    first = case.first_response_at
    return {"waiting_seconds": int(((case.claimed_at or at) - case.created_at).total_seconds()),
            "first_response_seconds": int((first - case.created_at).total_seconds()) if first else None,
            "resolution_seconds": int((case.closed_at - case.created_at).total_seconds()) if case.closed_at else None}


# ---- the resident's side --------------------------------------------------------------------

def active_case(session: Session, sender: str) -> Optional[HandoffCase]:
    """The case that currently holds this conversation (the bot is paused for it)."""
    return session.scalars(select(HandoffCase).where(HandoffCase.sender == sender,
                                                     HandoffCase.status.in_(OPEN_STATES))).first()


def listening_case(session: Session, sender: str) -> Optional[HandoffCase]:
    """The case that should see what the resident writes now: the active one, or a call-back
    still waiting for staff (the assistant answers meanwhile, and staff will read it all)."""
    return session.scalars(select(HandoffCase).where(HandoffCase.sender == sender,
                                                     HandoffCase.status.in_(QUEUE_STATES))
                           .order_by(HandoffCase.id.desc())).first()


def has_news(session: Session, sender: str, at: dt.datetime = None) -> bool:
    """Is there a staff message to deliver, or a case to expire, for this conversation?"""
    at = at or now()
    case = active_case(session, sender)
    if case is not None and case.status == "waiting" and at - case.created_at >= CLAIM_TIMEOUT:
        return True
    return session.scalars(_undelivered(sender)).first() is not None


def _undelivered(sender: str):
    return (select(CaseMessage).join(HandoffCase)
            .where(HandoffCase.sender == sender, CaseMessage.author == "staff", CaseMessage.delivered.is_(False))
            .order_by(CaseMessage.id))


def expire_unclaimed(session: Session, sender: str, at: dt.datetime = None) -> Optional[HandoffCase]:
    """A case nobody claimed within CLAIM_TIMEOUT becomes a call-back, and the resident is told;
    returns the case when that just happened (the caller wakes the assistant up again)."""
    at = at or now()
    case = active_case(session, sender)
    if case is None or case.status != "waiting" or at - case.created_at < CLAIM_TIMEOUT:
        return None
    _to_call_back(case, at)
    session.commit()
    return case


def expire_all_unclaimed(session: Session, at: dt.datetime = None) -> List[str]:
    """expire_unclaimed for every conversation, also those whose page is closed; returns
    the senders whose assistant must be woken up."""
    at = at or now()
    late = session.scalars(select(HandoffCase).where(HandoffCase.status == "waiting",
                                                     HandoffCase.created_at <= at - CLAIM_TIMEOUT)).all()
    for case in late:
        _to_call_back(case, at)
    session.commit()
    return [c.sender for c in late]


def _to_call_back(case: HandoffCase, at: dt.datetime) -> None:
    case.status = "callback"
    case.messages.append(CaseMessage(at=at, author="staff", text=NOBODY_CAME.format(phone=case.centre.phone)))


def set_callback_phone(session: Session, sender: str, phone: str) -> Optional[HandoffCase]:
    """The number to call back on, for this conversation's waiting call-back (None: there is none)."""
    case = session.scalars(select(HandoffCase).where(HandoffCase.sender == sender, HandoffCase.status == "callback")
                           .order_by(HandoffCase.id.desc())).first()
    if case is None:
        return None
    try:
        phone = tickets.normalise_phone(phone)
    except tickets.TicketError as e:
        raise CaseError(str(e), 422)
    case.context = {**(case.context or {}), "callback_phone": phone}  # a new dict: JSON columns track assignment
    session.commit()
    return case


def resident_says(session: Session, case: HandoffCase, text: str) -> None:
    case.messages.append(CaseMessage(at=now(), author="resident", text=text[:2000], delivered=True))
    session.commit()


def take_rating(session: Session, sender: str, text: str) -> bool:
    """A 1-5 answer to the satisfaction question of a case resolved in the last hour."""
    if text.strip() not in ("1", "2", "3", "4", "5"):
        return False
    case = session.scalars(select(HandoffCase).where(HandoffCase.sender == sender, HandoffCase.status == "resolved",
                                                     HandoffCase.satisfaction.is_(None),
                                                     HandoffCase.closed_at > now() - dt.timedelta(hours=1))
                           .order_by(HandoffCase.id.desc())).first()
    if case is None:
        return False
    case.satisfaction = int(text.strip())
    session.commit()
    return True


def undelivered(session: Session, sender: str) -> List[str]:
    """Staff messages not yet shown to the resident; marked delivered as they are handed out."""
    rows = session.scalars(_undelivered(sender)).all()
    for m in rows:
        m.delivered = True
    session.commit()
    return [m.text for m in rows]
