"""Handing conversations to people at service centres: routing by community and opening
hours, the queue, and what staff may do with a case. Every staff action is audited."""
import datetime as dt
import hashlib
import re
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.core import clock
from api.core.errors import DomainError, Kind
from api.core.workdays import is_workday
from api.handoff import rasa_client
from api.handoff.models import CaseMessage, HandoffCase
from api.handoff.states import OPEN_STATES, PRIORITY, QUEUE_STATES, Author, CaseStatus, Reason
from api.incidents import tickets, vault
from api.incidents.models import Ticket
from api.places import directory as places
from api.places.locate import locate
from api.places.models import ServiceCentre
from api.staff.audit import AuditAction, Role, audit
from api.staff.auth import signed_in_at
from api.staff.models import StaffSession, StaffUser
from shared.patterns import TICKET_EXAMPLE
from shared.textnorm import clean, clean_stored

DEFAULT_MINUTES_PER_CASE = 3
# What the resident's page shows as notices (Author.SYSTEM), never as a staff member's words.
CLAIMED = "工作人员{name}已接入，您可以直接在这里和TA说。"
TRANSFERRED_TO = "您的对话已转给工作人员{name}，TA会接着在这里回复您。"
TRANSFERRED_CENTRE = "您的对话已转到{centre}，请稍候，工作人员接入后会在这里回复您。"
RESOLVED = "本次人工服务已结束。请您为这次服务打分：回复1到5（5分最满意）。"
RETURNED = "工作人员已把对话交回智能助手，您可以继续提问。"


class CaseError(DomainError):
    """Not allowed with this case; the message says why, in Chinese."""

    def __init__(self, message: str, kind: Kind = Kind.CONFLICT):
        super().__init__(message, kind)


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
    """Open hours, or someone of this centre (or a supervisor) signed in at that time."""
    if is_open(centre, at):
        return True
    live = session.scalars(select(StaffSession).where(signed_in_at(at))).all()
    return any(x.user.active and (x.user.centre_id == centre.id or x.user.role != Role.STAFF) for x in live)


def open_case(session: Session, *, sender: str, channel: str, reason: str, community: Optional[str],
              context: dict, transcript: List[dict], at: dt.datetime = None) -> HandoffCase:
    """The open case of this conversation, or a new one at the resident's community centre
    (the district centre when the community is unknown). Closed centres get a call-back case."""
    at = at or clock.now()
    existing = session.scalars(select(HandoffCase).where(HandoffCase.sender == sender,
                                                         HandoffCase.status.in_(OPEN_STATES))).first()
    if existing:
        return existing
    c = places.find_community(session, community or "")
    centre = c.centre if c else places.district_centre(session)
    reason = Reason(reason)
    case = HandoffCase(sender=sender, channel=channel, centre=centre, reason=reason.value, priority=PRIORITY[reason],
                       status=CaseStatus.WAITING if on_duty(session, centre, at) else CaseStatus.CALLBACK,
                       context=clean_stored(context), created_at=at)
    for m in transcript[-50:]:
        case.messages.append(CaseMessage(at=at, author=m["author"], text=clean(str(m["text"]))[:2000], delivered=True,
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
    if user.role == Role.STAFF:
        q = q.where(HandoffCase.centre_id == user.centre_id)
    return session.scalars(q.order_by(HandoffCase.priority.desc(), HandoffCase.created_at, HandoffCase.id)).all()


def position(session: Session, case: HandoffCase) -> int:
    """1 = next to be taken."""
    waiting = session.scalars(select(HandoffCase).where(HandoffCase.centre_id == case.centre_id,
                                                        HandoffCase.status == CaseStatus.WAITING)
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
    # SQLite cannot even compare an id past 64 bits (OverflowError): no such case either.
    case = session.get(HandoffCase, case_id) if 0 < case_id < 2 ** 63 else None
    # Another centre's case looks exactly like a missing one to staff.
    if case is None or (user.role == Role.STAFF and case.centre_id != user.centre_id):
        raise CaseError("没有这个会话", Kind.NOT_FOUND)
    return case


def _must_hold(case: HandoffCase, user: StaffUser) -> None:
    if case.status not in OPEN_STATES:
        raise CaseError("会话已结束，不能再操作")
    if case.status != CaseStatus.CLAIMED or (case.assignee_id != user.id and user.role == Role.STAFF):
        raise CaseError("请先认领这个会话")


def claim(session: Session, user: StaffUser, case: HandoffCase) -> str:
    """Returns the status it was claimed from."""
    was = case.status
    if was not in (CaseStatus.WAITING, CaseStatus.CALLBACK):
        raise CaseError("这个会话已被认领或已结束")
    case.status, case.assignee, case.claimed_at = CaseStatus.CLAIMED.value, user, clock.now()
    _notify(session, case, CLAIMED.format(name=user.display_name), user)
    audit(session, user, AuditAction.CLAIM, case.id)
    session.commit()
    return was


def _notify(session: Session, case: HandoffCase, text: str, user: Optional[StaffUser] = None) -> None:
    """Tell the resident about the handoff itself: on their page (picked up with staff replies)
    and in the assistant's transcript (so a reloaded page redraws it in its place)."""
    case.messages.append(CaseMessage(at=clock.now(), author=Author.SYSTEM, staff_id=user.id if user else None, text=text))
    rasa_client.record_notice(session, case.sender, text)


def reply(session: Session, user: StaffUser, case: HandoffCase, text: str) -> CaseMessage:
    _must_hold(case, user)
    text = clean(text)
    if not text:
        raise CaseError("回复不能为空", Kind.INVALID)
    msg = CaseMessage(at=clock.now(), author=Author.STAFF, staff_id=user.id, text=text[:2000])
    case.messages.append(msg)
    case.first_response_at = case.first_response_at or msg.at
    audit(session, user, AuditAction.REPLY, case.id)
    session.commit()
    return msg


def note(session: Session, user: StaffUser, case: HandoffCase, text: str) -> None:
    text = clean(text)
    if not text:
        raise CaseError("备注不能为空", Kind.INVALID)
    case.messages.append(CaseMessage(at=clock.now(), author=Author.NOTE, staff_id=user.id, text=text.strip()[:2000],
                                     delivered=True))
    audit(session, user, AuditAction.NOTE, case.id)
    session.commit()


def transfer(session: Session, user: StaffUser, case: HandoffCase, centre_id: Optional[int] = None,
             staff_id: Optional[int] = None) -> None:
    if case.status not in OPEN_STATES:
        raise CaseError("会话已结束，不能转交")
    # A claimed case is its holder's work: a colleague may not take it over or move it away.
    if case.status == CaseStatus.CLAIMED and case.assignee_id != user.id and user.role == Role.STAFF:
        holder = case.assignee.display_name if case.assignee else "其他同事"
        raise CaseError(f"这个会话已由{holder}认领，只有认领人或主管可以转交")
    if staff_id is not None:
        to = session.get(StaffUser, staff_id)
        if to is None or not to.active:
            raise CaseError("没有这位工作人员", Kind.NOT_FOUND)
        case.assignee, case.status, case.centre_id = to, CaseStatus.CLAIMED.value, to.centre_id or case.centre_id
        case.claimed_at = case.claimed_at or clock.now()
        _notify(session, case, TRANSFERRED_TO.format(name=to.display_name), user)
        audit(session, user, AuditAction.TRANSFER, case.id, f"转给{to.display_name}（{to.username}）")
    elif centre_id is not None:
        centre = session.get(ServiceCentre, centre_id)
        if centre is None:
            raise CaseError("没有这个服务中心", Kind.NOT_FOUND)
        case.centre, case.assignee, case.status = centre, None, CaseStatus.WAITING.value
        _notify(session, case, TRANSFERRED_CENTRE.format(centre=centre.name), user)
        audit(session, user, AuditAction.TRANSFER, case.id, f"转到{centre.name}")
    else:
        raise CaseError("请指定转交的服务中心或工作人员", Kind.INVALID)
    session.commit()


def close(session: Session, user: StaffUser, case: HandoffCase, how: CaseStatus, reason: str = "") -> None:
    """how: RESOLVED (asks the resident to rate the service) or RETURNED (back to the bot)."""
    _must_hold(case, user)
    how = CaseStatus(how)
    if how not in (CaseStatus.RESOLVED, CaseStatus.RETURNED):
        raise CaseError("只能结束会话或交回助手", Kind.INVALID)
    if how == CaseStatus.RESOLVED and not reason.strip():
        raise CaseError("结束会话请填写处理结果", Kind.INVALID)
    at = clock.now()
    case.status, case.closed_at, case.resolution = how.value, at, clean(reason)[:1000] or None
    _notify(session, case, RESOLVED if how == CaseStatus.RESOLVED else RETURNED, user)
    audit(session, user, AuditAction.RESOLVE if how == CaseStatus.RESOLVED else AuditAction.HAND_BACK, case.id, reason)
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
                                   located=locate(session, address), phone=vault.resolve(session, case.sender, phone),
                                   channel="console",
                                   idempotency_key=key, sender=case.sender)
    except tickets.TicketError as e:
        raise CaseError(str(e), Kind.INVALID) from None
    return _attach(session, user, case, t, AuditAction.FILE_TICKET,
                   f"工作人员已为您登记工单{t.number}（{t.category.name if t.category else '待指挥中心分类'}），"
                   f"由{t.department.name}办理，办理时限到{t.deadline:%m月%d日%H:%M}。以后问我“{t.number}进度”就能查到。")


def link_ticket(session: Session, user: StaffUser, case: HandoffCase, number: str) -> Optional[str]:
    """Link an existing work order (e.g. the same problem reported before) to the case."""
    _must_hold(case, user)
    t = session.scalars(select(Ticket).where(Ticket.number == number.strip().upper())).first()
    if t is None:
        raise CaseError(f"没有这个工单号，请核对（格式如{TICKET_EXAMPLE}）", Kind.NOT_FOUND)
    return _attach(session, user, case, t, AuditAction.LINK_TICKET,
                   f"您反映的问题已有工单{t.number}在办理（当前状态：{t.status}，承办：{t.department.name}），"
                   f"我们会一并跟进。以后问我“{t.number}进度”就能查到。")


def _attach(session: Session, user: StaffUser, case: HandoffCase, t: Ticket, action: AuditAction,
            tell: str) -> Optional[str]:
    if t in case.tickets:
        return None
    at = clock.now()
    case.tickets.append(t)
    case.messages.append(CaseMessage(at=at, author=Author.STAFF, staff_id=user.id, text=tell))
    case.first_response_at = case.first_response_at or at
    audit(session, user, action, case.id, t.number)
    session.commit()
    return tell


def timers(case: HandoffCase, at: dt.datetime = None) -> dict:
    at = at or clock.now()
    first = case.first_response_at
    return {"waiting_seconds": int(((case.claimed_at or at) - case.created_at).total_seconds()),
            "first_response_seconds": int((first - case.created_at).total_seconds()) if first else None,
            "resolution_seconds": int((case.closed_at - case.created_at).total_seconds()) if case.closed_at else None}
