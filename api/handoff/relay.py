"""The resident's side of a handoff: what they write reaches the case, staff replies reach
their page, ratings are taken, and cases nobody claims in time become call-backs."""
import datetime as dt
import hashlib
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from api.core import clock
from api.core.errors import Kind
from api.handoff import rasa_client
from api.handoff.cases import CaseError
from api.handoff.models import CaseMessage, HandoffCase
from api.handoff.states import OPEN_STATES, QUEUE_STATES, TO_RESIDENT, Author, CaseStatus
from api.incidents import vault
from api.staff.models import StaffUser
from shared.patterns import PHONE_FORMAT_HELP, normalise_phone
from shared.settings import get_settings
from shared.textnorm import clean

NOBODY_CAME = ("抱歉，工作人员暂时都在忙，没能及时接入。您的问题和我们的对话都已登记为回电请求，"
               "工作人员会尽快在这里回复您；着急的话请拨打{phone}或{hotline}。希望工作人员打电话给您的话，请留个手机号。"
               "在这之前，我也可以继续回答办事问题。")
# Said once per handoff, at the resident's first message while a person has (or is about to
# take) the conversation: the assistant stays quiet, and the page must not look broken.
RELAYED = "已转给工作人员，您的消息会直接给到TA。"
RATING_WINDOW = dt.timedelta(hours=1)
THANKS = "您打了{score}分，谢谢您的评价！还有其他问题，随时问我。"
CHAT_COOKIE = "rsa_chat"


def sender_for(token: str) -> str:
    """The chat page's conversation id, derived from its cookie token: the id is what Rasa, the
    cases and the logs see; the token, which alone opens the conversation, is never stored."""
    return "h5-" + hashlib.sha256(("rsa-chat:" + token).encode()).hexdigest()[:40]


def claim_timeout() -> dt.timedelta:
    return dt.timedelta(minutes=get_settings().claim_timeout_minutes)


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


# What the resident writes after a matter went to a person who is not there yet is more about
# it for this many messages (a place, a phone, "帮我反映上去"), within this time.
ADDING_MESSAGES = 3
ADDING_WITHIN = dt.timedelta(hours=12)


def waiting_call_back(session: Session, sender: str, at: dt.datetime = None) -> Optional[HandoffCase]:
    """The call-back case this conversation opened lately, while what the resident writes is
    still likely to be more about it (None otherwise)."""
    at = at or clock.now()
    case = listening_case(session, sender)
    if case is None or case.status != CaseStatus.CALLBACK or at - case.created_at > ADDING_WITHIN:
        return None
    since = [m for m in case.messages if m.author == Author.RESIDENT and m.at > case.created_at]
    return case if len(since) <= ADDING_MESSAGES else None


def record_resident_message(session: Session, sender: str, text: str, asr_confidence: Optional[float] = None) -> tuple:
    """(the thanks for a satisfaction rating or None, do staff hold the conversation). Call-backs
    still waiting for staff also keep what the resident writes (said on the phone: with the speech
    recogniser's confidence, which the console shows)."""
    if take_rating(session, sender, text):
        return THANKS.format(score=text.strip()), None
    text = clean(text)
    case = listening_case(session, sender)
    if case is not None and text and len(text) <= get_settings().max_message_chars:
        case.messages.append(CaseMessage(at=clock.now(), author=Author.RESIDENT, text=text[:2000], delivered=True,
                                         asr_confidence=asr_confidence))
    session.commit()
    return None, case is not None and case.status in OPEN_STATES


def tell_relayed(session: Session, sender: str) -> Optional[str]:
    """The notice that the resident's messages now go to a person, the first time they write
    while this conversation's case is open (None: not with staff, or told already). Kept in the
    case and the transcript, so a reloaded page shows it where it was said."""
    case = active_case(session, sender)
    if case is None or any(m.author == Author.SYSTEM and m.text == RELAYED for m in case.messages):
        return None
    case.messages.append(CaseMessage(at=clock.now(), author=Author.SYSTEM, text=RELAYED, delivered=True))
    rasa_client.record_notice(session, sender, RELAYED)
    session.commit()
    return RELAYED


def has_news(session: Session, sender: str, at: dt.datetime = None) -> bool:
    """Is there a staff message to deliver, or a case to expire, for this conversation?"""
    at = at or clock.now()
    case = active_case(session, sender)
    if case is not None and case.status == CaseStatus.WAITING and at - case.created_at >= claim_timeout():
        return True
    return session.scalars(_undelivered(sender)).first() is not None


def _undelivered(sender: str):
    return (select(CaseMessage).join(HandoffCase)
            .where(HandoffCase.sender == sender, CaseMessage.author.in_(TO_RESIDENT), CaseMessage.delivered.is_(False))
            .order_by(CaseMessage.id))


def expire_unclaimed(session: Session, sender: str, at: dt.datetime = None) -> Optional[HandoffCase]:
    """A case nobody claimed within the claim timeout becomes a call-back, and the resident is
    told; returns the case when that just happened (the caller wakes the assistant up again)."""
    at = at or clock.now()
    case = active_case(session, sender)
    if case is None or case.status != CaseStatus.WAITING or at - case.created_at < claim_timeout():
        return None
    _to_call_back(case, at)
    session.commit()
    return case


def expire_all_unclaimed(session: Session, at: dt.datetime = None) -> List[str]:
    """expire_unclaimed for every conversation, also those whose page is closed; returns
    the senders whose assistant must be woken up."""
    at = at or clock.now()
    late = session.scalars(select(HandoffCase).where(HandoffCase.status == CaseStatus.WAITING,
                                                     HandoffCase.created_at <= at - claim_timeout())).all()
    for case in late:
        _to_call_back(case, at)
    session.commit()
    return [c.sender for c in late]


def _to_call_back(case: HandoffCase, at: dt.datetime) -> None:
    case.status = CaseStatus.CALLBACK.value
    text = NOBODY_CAME.format(phone=case.centre.phone, hotline=get_settings().hotline)
    case.messages.append(CaseMessage(at=at, author=Author.SYSTEM, text=text))
    rasa_client.record_notice(object_session(case), case.sender, text)


def set_callback_phone(session: Session, sender: str, phone: str) -> Optional[HandoffCase]:
    """The number to call back on, for this conversation's waiting call-back (None: there is none)."""
    case = session.scalars(select(HandoffCase).where(HandoffCase.sender == sender,
                                                     HandoffCase.status == CaseStatus.CALLBACK)
                           .order_by(HandoffCase.id.desc())).first()
    if case is None:
        return None
    number = normalise_phone(vault.resolve(session, sender, phone))
    if number is None:
        raise CaseError("联系电话格式不对：" + PHONE_FORMAT_HELP, Kind.INVALID)
    case.context = {**(case.context or {}), "callback_phone": number}  # a new dict: JSON columns track assignment
    session.commit()
    return case


def take_rating(session: Session, sender: str, text: str) -> bool:
    """A 1-5 answer to the satisfaction question of a case resolved in the last hour."""
    if text.strip() not in ("1", "2", "3", "4", "5"):
        return False
    case = session.scalars(select(HandoffCase).where(HandoffCase.sender == sender,
                                                     HandoffCase.status == CaseStatus.RESOLVED,
                                                     HandoffCase.satisfaction.is_(None),
                                                     HandoffCase.closed_at > clock.now() - RATING_WINDOW)
                           .order_by(HandoffCase.id.desc())).first()
    if case is None:
        return False
    case.satisfaction = int(text.strip())
    # The score never reaches the assistant: the thanks goes into its transcript, so a reloaded
    # page shows the rating was taken.
    rasa_client.record_notice(session, sender, THANKS.format(score=case.satisfaction))
    session.commit()
    return True


def undelivered(session: Session, sender: str) -> List[dict]:
    """What deliver() would hand out now, without marking it (for reading only)."""
    return [{"text": m.text, "from": m.author} for m in session.scalars(_undelivered(sender)).all()]


def deliver(session: Session, sender: str) -> List[dict]:
    """Staff lines and notices not yet shown to the resident, marked delivered as they are
    handed out: {"text", "from": "staff" | "system", "name": the staff member's, when known}."""
    rows = session.scalars(_undelivered(sender)).all()
    ids = {m.staff_id for m in rows if m.staff_id and m.author == Author.STAFF}
    names = dict(session.execute(select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(ids))).all()) if ids else {}
    out = []
    for m in rows:
        m.delivered = True
        line = {"text": m.text, "from": m.author}
        if names.get(m.staff_id) and m.author == Author.STAFF:
            line["name"] = names[m.staff_id]
        out.append(line)
    session.commit()
    return out
