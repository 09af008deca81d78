"""Grid incident work orders: filing, numbering, dispatch, the lifecycle of a 12345-style
work order, duplicates (并单), overdue supervision (督办), and what each viewer may see.

    受理 → 派单 → 签收 → 办理 → 办结 → 回访 → 评价
              ↘ 退单 → (改派) 派单            办理 ⟲ 延期 (once)
"""
import datetime as dt
import hashlib
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.core import clock
from api.core.errors import DomainError, Kind
from api.core.workdays import add_working_days, deadline
from api.incidents import subjects
from api.incidents.categories import COMMAND_CENTRE, IncidentClassifier
from api.incidents.models import Ticket, TicketCounter, TicketEvent
from api.incidents.states import (  # noqa: F401  (CLOSED: part of this module's vocabulary)
    CLOSED,
    DEFAULT_KIND,
    IN_PLAIN_WORDS,
    OPEN,
    STEP_WORDS,
    SUGGESTION_GRADE,
    SUGGESTION_TIME_LIMIT,
    TicketKind,
    TicketStatus,
)
from api.places.locate import Located, locate
from api.places.models import Department
from shared.patterns import PHONE_FORMAT_HELP, mask
from shared.patterns import normalise_phone as canonical_phone
from shared.redact import public_text
from shared.textnorm import clean, normalise

# action (as staff name it) → (the states it is allowed from, the state it leads to)
TRANSITIONS = {
    "派单": ((TicketStatus.ACCEPTED, TicketStatus.RETURNED), TicketStatus.DISPATCHED),
    "签收": ((TicketStatus.DISPATCHED,), TicketStatus.SIGNED),
    "退单": ((TicketStatus.DISPATCHED,), TicketStatus.RETURNED),
    "办理": ((TicketStatus.SIGNED,), TicketStatus.IN_HAND),
    "延期": ((TicketStatus.IN_HAND,), TicketStatus.IN_HAND),
    "办结": ((TicketStatus.IN_HAND,), TicketStatus.DONE),
    "回访": ((TicketStatus.DONE,), TicketStatus.VISITED),
    "评价": ((TicketStatus.VISITED,), TicketStatus.RATED),
}
DUPLICATE_WINDOW = dt.timedelta(days=7)
# Residents write long (a chat message may be RSA_MAX_MESSAGE_CHARS, at most 2000) and Open311
# clients may send more; the column is Text, classification reads up to 5000.
MAX_DESCRIPTION = 5000


class TicketError(DomainError):
    """A request the work-order rules do not allow; the message says why, in Chinese."""


def normalise_phone(phone: str) -> str:
    p = canonical_phone(phone)
    if p is None:
        raise TicketError("联系电话格式不对：" + PHONE_FORMAT_HELP)
    return p


def reporter_ref(sender: str) -> str:
    """A conversation's sender id, hashed: enough to recognise the reporter, useless elsewhere."""
    return hashlib.sha256(("rsa-reporter:" + sender).encode()).hexdigest()[:32]


def _next_number(session: Session, when: dt.datetime) -> str:
    """WG + yyyymmdd + 4 digits, unique under concurrency: the counter row is updated in the
    filing transaction (the database serialises writers on it)."""
    day = when.strftime("%Y%m%d")
    for _ in range(3):
        res = session.execute(update(TicketCounter).where(TicketCounter.day == day).values(last=TicketCounter.last + 1))
        if res.rowcount == 0:
            try:
                with session.begin_nested():
                    session.add(TicketCounter(day=day, last=1))
            except IntegrityError:
                continue
        last = session.scalar(select(TicketCounter.last).where(TicketCounter.day == day))
        return f"WG{day}{last:04d}"
    raise TicketError("系统繁忙，请稍后再试。", Kind.UNAVAILABLE)


def _event(t: Ticket, actor: str, action: str, to: str, note: str = "", at: dt.datetime = None) -> None:
    at = at or clock.now()
    t.events.append(TicketEvent(at=at, actor=actor, action=action, from_status=t.status, to_status=to, note=note))
    t.status = to
    t.updated_at = at


def find_duplicate(session: Session, category_id, grid_id, at: dt.datetime) -> Optional[Ticket]:
    if category_id is None or grid_id is None:
        return None
    return session.scalars(
        select(Ticket).where(Ticket.category_id == category_id, Ticket.grid_id == grid_id,
                             Ticket.kind != TicketKind.SUGGESTION.value,
                             Ticket.status.in_(OPEN), Ticket.created_at >= at - DUPLICATE_WINDOW)
        .order_by(Ticket.id)).first()


def file_ticket(session: Session, classifier: IncidentClassifier, *, description: str, address: str,
                located: Located, phone: str, channel: str, idempotency_key: Optional[str] = None,
                sender: Optional[str] = None, lat: float = None, lon: float = None,
                classify_as: Optional[str] = None, media_url: Optional[str] = None,
                kind: str = DEFAULT_KIND.value, anonymous: bool = False) -> tuple:
    """File a report; returns (ticket, created). Committed before it returns. classify_as: the
    text to classify when the caller knows more than the description (Open311's chosen service).
    kind 建议: a suggestion, answered by the department its subject belongs to (the command
    centre when unclear) within the suggestions' time limit; not graded, never merged, and the
    phone is optional (the answer can be read in the conversation). anonymous: the resident would
    not leave a phone; the report is filed without one (its progress is read by its number)."""
    description, address = clean(description), clean(address)
    if not description:
        raise TicketError("请说明发生了什么问题。")
    if len(description) > MAX_DESCRIPTION:
        raise TicketError(f"问题描述太长了（{len(description)}字）：请控制在{MAX_DESCRIPTION}字以内，说清时间、地点和情况即可。")
    if kind not in TicketKind.codes():
        raise TicketError(f"工单类型应为{'、'.join(TicketKind.codes())}之一。")
    suggestion = kind == TicketKind.SUGGESTION
    if located.status == "outside" and not suggestion:
        raise TicketError(located.question)
    phone = normalise_phone(phone) if phone or not (suggestion or anonymous) else None
    if idempotency_key:
        existing = session.scalars(select(Ticket).where(Ticket.idempotency_key == idempotency_key)).first()
        if existing:
            return existing, False
    c = classifier.classify(classify_as or description)
    at = clock.now()
    grid_id = located.grid.id if located.grid else None
    if suggestion:
        return _file_suggestion(session, c, description=description, address=address, grid_id=grid_id, phone=phone,
                                channel=channel, idempotency_key=idempotency_key, sender=sender, at=at)
    # End the reads so far: the filing transaction starts with its write (the day's counter),
    # so concurrent filings queue for the lock instead of failing on a stale snapshot.
    session.commit()
    with session.begin():
        number = _next_number(session, at)
        dept = session.scalars(select(Department).where(Department.code == c.department_code)).one()
        limit = c.category.time_limits[c.grade] if c.category else {"value": 1, "unit": "working_days"}
        category_id = c.category.id if c.category else None
        dup = find_duplicate(session, category_id, grid_id, at) if c.grade != "重大" else None
        t = Ticket(number=number, idempotency_key=idempotency_key, channel=channel,
                   category_id=category_id, grade=c.grade, status=TicketStatus.ACCEPTED.value, description=description,
                   public_description=public_text(description),
                   address=address.strip()[:200], grid_id=grid_id, lat=lat, lon=lon, reporter_phone=phone,
                   reporter_ref=reporter_ref(sender) if sender else None, department=dept, media_url=media_url,
                   deadline=deadline(at, limit), created_at=at, updated_at=at)
        session.add(t)
        _event(t, channel, "受理", TicketStatus.ACCEPTED, "群众反映，系统受理", at)
        if dup is not None:
            t.merged_into_id = dup.id
            _event(t, "系统", "并单", TicketStatus.MERGED, f"与{dup.number}为同一问题，并入该工单一并处理", at)
            dup.events.append(TicketEvent(at=at, actor="系统", action="并单", from_status=dup.status,
                                          to_status=dup.status, note=f"{t.number}反映同一问题，已并入"))
        else:
            note = ("未匹配到事项清单，按首问负责制由区社会治理综合指挥中心分拨" if c.department_code == COMMAND_CENTRE
                    else f"派至{dept.name}" + ("（小微事件，网格员现场处置）" if c.department_code == "WG" else "")
                    + ("（未匹配到事项清单，按来信内容分拨）" if c.category is None else ""))
            _event(t, "分拨中心", "派单", TicketStatus.DISPATCHED, note, at)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        if idempotency_key:  # the same confirmation raced us: hand back the one that won
            existing = session.scalars(select(Ticket).where(Ticket.idempotency_key == idempotency_key)).first()
            if existing:
                return existing, False
        raise
    return t, True


def _file_suggestion(session: Session, c, *, description: str, address: str, grid_id, phone, channel: str,
                     idempotency_key, sender, at: dt.datetime) -> tuple:
    """A 建议 goes to the department of what it proposes (subjects.py), else of its category (the
    lead department even where the grid station would handle an incident: a grid worker cannot
    answer a proposal)."""
    session.commit()
    with session.begin():
        number = _next_number(session, at)
        code = subjects.department_of(description) or (c.category.lead_department_code if c.category else c.department_code)
        dept = session.scalars(select(Department).where(Department.code == code)).one()
        t = Ticket(number=number, idempotency_key=idempotency_key, channel=channel, kind=TicketKind.SUGGESTION.value,
                   category_id=None, grade=SUGGESTION_GRADE, status=TicketStatus.ACCEPTED.value,
                   description=description, public_description=public_text(description),
                   address=address.strip()[:200], grid_id=grid_id, reporter_phone=phone,
                   reporter_ref=reporter_ref(sender) if sender else None, department=dept,
                   deadline=deadline(at, SUGGESTION_TIME_LIMIT), created_at=at, updated_at=at)
        session.add(t)
        _event(t, channel, "受理", TicketStatus.ACCEPTED, "群众建议，系统受理", at)
        _event(t, "分拨中心", "派单", TicketStatus.DISPATCHED, f"建议转{dept.name}研究答复", at)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = session.scalars(select(Ticket).where(Ticket.idempotency_key == idempotency_key)).first() \
            if idempotency_key else None
        if existing:
            return existing, False
        raise
    return t, True


def is_suggestion(t: Ticket) -> bool:
    return t.kind == TicketKind.SUGGESTION


def advance(session: Session, number: str, action: str, actor: str, note: str = "",
            department: Optional[str] = None, days: Optional[int] = None, rating: Optional[int] = None) -> Ticket:
    """Apply one lifecycle step; illegal steps raise TicketError and change nothing."""
    t = session.scalars(select(Ticket).where(Ticket.number == number)).first()
    if t is None:
        raise TicketError("没有这个工单。", Kind.NOT_FOUND)
    if action not in TRANSITIONS:
        raise TicketError(f"未知操作：{action}", Kind.CONFLICT)
    allowed, to = TRANSITIONS[action]
    if t.status not in allowed:
        raise TicketError(f"工单当前状态为“{t.status}”，不能执行“{action}”。", Kind.CONFLICT)
    if action == "派单":
        code = department or (t.department.code if t.status == TicketStatus.ACCEPTED else None)
        if not code:
            raise TicketError("改派需要指定新的承办部门。", Kind.CONFLICT)
        dept = session.scalars(select(Department).where(Department.code == code)).first()
        if dept is None:
            raise TicketError(f"没有编码为 {code} 的部门。", Kind.CONFLICT)
        if t.status == "退单" and dept.id == t.department_id:
            raise TicketError("改派不能派回退单的部门。", Kind.CONFLICT)
        t.department = dept
        note = note or f"派至{dept.name}"
    if action == "退单" and not note:
        raise TicketError("退单必须说明理由。", Kind.CONFLICT)
    if action == "延期":
        if t.extended:
            raise TicketError("每张工单只能延期一次。", Kind.CONFLICT)
        if not days or not 1 <= days <= 15:
            raise TicketError("延期天数应为1到15个工作日。", Kind.CONFLICT)
        t.extended = True
        t.deadline = add_working_days(t.deadline, days)
        note = f"延期{days}个工作日：{note}" if note else f"延期{days}个工作日"
    if action == "评价":
        if rating is None or not 1 <= rating <= 5:
            raise TicketError("评价为1到5分。", Kind.CONFLICT)
        t.rating = rating
    _event(t, actor, action, to, note)
    session.commit()
    return t


def supervise_overdue(session: Session, at: dt.datetime = None) -> int:
    """Flag open work orders past their deadline (督办); each is flagged once."""
    at = at or clock.now()
    late = session.scalars(select(Ticket).where(Ticket.status.in_(OPEN), Ticket.deadline < at,
                                                Ticket.supervised.is_(False))).all()
    for t in late:
        t.supervised = True
        t.events.append(TicketEvent(at=at, actor="督办系统", action="督办", from_status=t.status, to_status=t.status,
                                    note=f"已超过办理时限（{t.deadline:%Y-%m-%d %H:%M}），转督办"))
    session.commit()
    return len(late)


def attach_to_recent(session: Session, sender: str, since: dt.datetime, *, media_url: Optional[str] = None,
                     lat: Optional[float] = None, lon: Optional[float] = None) -> Optional[Ticket]:
    """A photo or a shared location a resident sent beside their words (WeChat): onto this
    conversation's latest report filed since `since` that has none yet; the coordinates also
    place a report whose address found no grid. Not committed. None: no such report."""
    t = session.scalars(select(Ticket).where(Ticket.reporter_ref == reporter_ref(sender), Ticket.created_at >= since,
                                             Ticket.kind != TicketKind.SUGGESTION.value)
                        .order_by(Ticket.id.desc())).first()
    if t is None or (media_url and t.media_url) or (lat is not None and t.lat is not None):
        return None
    if media_url:
        t.media_url = media_url
    if lat is not None and lon is not None:
        t.lat, t.lon = lat, lon
        where = locate(session, "", lat, lon) if t.grid_id is None else None
        if where is not None and where.status == "found":
            t.grid_id = where.grid.id
    return t


# What a resident adds right after filing (the stop and the time, a phone) belongs to that work
# order, for this long after it was filed.
ADDING_WITHIN = dt.timedelta(minutes=30)


def recent(session: Session, sender: str, at: dt.datetime = None) -> Optional[Ticket]:
    """This conversation's work order filed in the last ADDING_WITHIN, if any (the latest)."""
    at = at or clock.now()
    return session.scalars(select(Ticket).where(Ticket.reporter_ref == reporter_ref(sender),
                                                Ticket.created_at >= at - ADDING_WITHIN)
                           .order_by(Ticket.id.desc())).first()


def add_details(session: Session, sender: str, text: str, phone: Optional[str] = None) -> Optional[Ticket]:
    """More said about the work order just filed: kept on it as the resident's own note (masked),
    and a phone to call if it had none. None: no such work order. Not committed."""
    t = recent(session, sender)
    if t is None:
        return None
    number = canonical_phone(phone) if phone else None
    if number and not t.reporter_phone:
        t.reporter_phone = number
    t.events.append(TicketEvent(at=clock.now(), actor="反映人", action="补充", from_status=t.status, to_status=t.status,
                                note=public_text(clean(text))[:500]))
    return t


def find(session: Session, number: str) -> Optional[Ticket]:
    """The work order with this number, however the resident typed it (全角, lower case)."""
    return session.scalars(select(Ticket).where(Ticket.number == normalise(number).upper().strip()[:20])).first()


def is_reporter(t: Ticket, phone: Optional[str], sender: Optional[str]) -> bool:
    """Did this conversation, or this phone number, report the work order?"""
    if sender and t.reporter_ref and reporter_ref(sender) == t.reporter_ref:
        return True
    if phone and t.reporter_phone:
        return canonical_phone(phone) == t.reporter_phone
    return False


def public_place(t: Ticket) -> str:
    """Where it is, as located (street, community, grid), never the words the resident typed."""
    if t.grid is None:
        return "待核实"
    c = t.grid.community
    return f"{c.street.name}{c.name}（{t.grid.name}）"


def when(d: dt.datetime) -> str:
    """A district time as residents write it: 12月3日17:00 (with the year when it is not this one)."""
    year = f"{d.year}年" if d.year != clock.now().year else ""
    return f"{year}{d.month}月{d.day}日{d:%H:%M}"


def handler(t: Ticket) -> str:
    """Who has the work order, by a name the resident knows: the grid worker of their community
    and their street's office rather than 社区网格工作站（属地社区）."""
    community = t.grid.community if t.grid else None
    if community and t.department.code == "WG":
        return f"{community.name}的网格员"
    if community and t.department.code == "JD":
        return f"{community.street.name}办事处"
    return t.department.name


def _step(t: Ticket, e: TicketEvent) -> str:
    words = STEP_WORDS.get(e.action)
    if words is None:
        return ""
    return f"{when(e.at)} " + words.format(department=handler(t), note=f"：{e.note}" if e.note else "", raw=e.note)


def progress(t: Ticket, reporter: bool) -> str:
    """How it is going, in words a resident understands: where it stands, the last thing done
    and when, and the time limit. A merged report (并单) gives the progress of the work order
    that is being handled, since its own stops at the merge."""
    if is_suggestion(t):
        return _suggestion_progress(t, reporter)
    lines = [f"工单{t.number}（{t.category.name if t.category else '待指挥中心分类'}）"]
    target = t.merged_into if t.status == TicketStatus.MERGED and t.merged_into is not None else t
    if target is not t:
        lines.append(f"这个问题之前已有人反映过，现在和工单{target.number}合在一起处理，不会重复派单。"
                     f"工单{target.number}的进展如下：")
    lines.append(_status_line(target))
    if _latest_step(target):
        lines.append("最新进展：" + _latest_step(target))
    if target.status in OPEN:
        lines.append(f"办理时限：{when(target.deadline)}前")
        if target.deadline < clock.now():
            lines.append(f"已超过办理时限，区里已督促{handler(target)}抓紧办理。")
    others = sum(1 for e in target.events if e.action == "并单")
    if others and target is t:
        lines.append(f"另有{others}条反映说的是同一个问题，已合在一起处理。")
    if reporter:
        lines.append(f"您反映的内容：{t.description[:100]}")
    return "\n".join(lines)


def _status_line(t: Ticket) -> str:
    return "当前状态：" + IN_PLAIN_WORDS.get(TicketStatus(t.status), TicketStatus(t.status).label).format(department=handler(t))


def _latest_step(t: Ticket) -> str:
    """The last step a resident would understand ('' when none)."""
    steps = [s for s in (_step(t, e) for e in t.events) if s]
    return steps[-1] if steps else ""


def _suggestion_progress(t: Ticket, reporter: bool) -> str:
    """A suggestion is answered, not fixed: its time limit is for the answer, and once it is
    done the department's answer (the note staff wrote when closing it) is what the resident wants."""
    lines = [f"建议工单{t.number}"]
    lines.append(_status_line(t))
    answer = next((e.note for e in reversed(t.events) if e.action == "办结" and e.note), "")
    if answer:
        lines.append(f"{handler(t)}的答复：{answer}")
    elif _latest_step(t):
        lines.append("最新进展：" + _latest_step(t))
    if t.status in OPEN:
        lines.append(f"答复时限：{when(t.deadline)}前")
        if t.deadline < clock.now():
            lines.append(f"已超过答复时限，区里已督促{handler(t)}抓紧答复。")
    if reporter:
        lines.append(f"您提的建议：{t.description[:100]}")
    return "\n".join(lines)


def view(t: Ticket, reporter: bool) -> dict:
    """What a viewer sees. Strangers see the progress, the public description and the located
    place, never who reported or their words."""
    last = t.events[-1] if t.events else None
    out = {
        "number": t.number,
        "kind": t.kind,
        "kind_label": TicketKind(t.kind).label,
        "category": "建议" if is_suggestion(t) else t.category.name if t.category else "待指挥中心分类",
        "grade": t.grade,
        "status": t.status,
        "open": t.status in OPEN,
        "department": t.department.name,
        "deadline": t.deadline.isoformat(timespec="minutes"),
        "overdue": t.status in OPEN and t.deadline < clock.now(),
        "supervised": t.supervised,
        "latest_note": last.note if last else "",
        "updated_at": t.updated_at.isoformat(timespec="minutes"),
        "merged_into": t.merged_into.number if t.merged_into else None,
        "community": t.grid.community.name if t.grid else None,
        "summary": t.public_description,
        "place": public_place(t),
        "progress": progress(t, reporter),  # what the resident is told, as it stands
    }
    if reporter:
        out.update(description=t.description, address=t.address, phone=mask(t.reporter_phone), media_url=t.media_url,
                   events=[{"at": e.at.isoformat(timespec="minutes"), "action": e.action, "note": e.note}
                           for e in t.events])
    return out
