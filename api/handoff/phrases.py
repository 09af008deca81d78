"""The centres' own canned phrases for staff replies: greetings, closings, "请稍等，我查一下".
Staff use their centre's phrases and the district-wide ones (no centre); supervisors and admins
add, change and delete them, and every change is audited."""
import json
from pathlib import Path
from typing import List, Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.core.errors import DomainError, Kind
from api.handoff.models import CannedPhrase
from api.places.models import ServiceCentre
from api.staff.audit import AuditAction, Role, audit
from api.staff.models import StaffUser
from shared.textnorm import clean

TITLE_CHARS = 30
TEXT_CHARS = 500


class PhraseError(DomainError):
    pass


def target(phrase: CannedPhrase) -> str:
    """How a phrase is named in the audit log (a bare number there is a case)."""
    return f"常用语#{phrase.id}"


def visible(session: Session, user: StaffUser, centre_id: Optional[int] = None) -> List[CannedPhrase]:
    """Staff: their centre's phrases and the district-wide ones. Supervisors and admins: all of
    them, or those a given centre's staff see."""
    q = select(CannedPhrase)
    centre = user.centre_id if user.role == Role.STAFF else centre_id
    if user.role == Role.STAFF or centre_id is not None:
        q = q.where(or_(CannedPhrase.centre_id.is_(None), CannedPhrase.centre_id == centre))
    # District-wide first, then the centre's own, each in the order they were written.
    return session.scalars(q.order_by(CannedPhrase.centre_id.is_not(None), CannedPhrase.centre_id,
                                      CannedPhrase.id)).all()


def get(session: Session, user: StaffUser, phrase_id: int) -> CannedPhrase:
    p = session.get(CannedPhrase, phrase_id) if 0 < phrase_id < 2 ** 63 else None
    if p is None or p not in visible(session, user):
        raise PhraseError("没有这条常用语", Kind.NOT_FOUND)
    return p


def _checked(title: str, text: str) -> tuple:
    title, text = clean(title or "").strip(), clean(text or "").strip()
    if not title:
        raise PhraseError("请填写常用语的标题")
    if not text:
        raise PhraseError("常用语内容不能为空")
    if len(title) > TITLE_CHARS or len(text) > TEXT_CHARS:
        raise PhraseError(f"标题最多{TITLE_CHARS}个字，内容最多{TEXT_CHARS}个字")
    return title, text


def add(session: Session, user: StaffUser, title: str, text: str, centre_id: Optional[int] = None) -> CannedPhrase:
    title, text = _checked(title, text)
    centre = None
    if centre_id is not None:
        centre = session.get(ServiceCentre, centre_id) if 0 < centre_id < 2 ** 63 else None
        if centre is None:
            raise PhraseError("没有这个服务中心", Kind.NOT_FOUND)
    p = CannedPhrase(title=title, text=text, centre=centre)
    session.add(p)
    session.flush()
    audit(session, user, AuditAction.ADD_PHRASE, target(p), f"{centre.name if centre else '全区'}：{title}")
    session.commit()
    return p


def edit(session: Session, user: StaffUser, phrase: CannedPhrase, title: str, text: str) -> CannedPhrase:
    title, text = _checked(title, text)
    before = phrase.title
    phrase.title, phrase.text = title, text
    audit(session, user, AuditAction.EDIT_PHRASE, target(phrase), before if before == title else f"{before} → {title}")
    session.commit()
    return phrase


def delete(session: Session, user: StaffUser, phrase: CannedPhrase) -> None:
    audit(session, user, AuditAction.DELETE_PHRASE, target(phrase), f"{phrase.title}：{phrase.text}")
    session.delete(phrase)
    session.commit()


def load_defaults(session: Session, path: Path) -> int:
    """The district-wide defaults, into an empty phrase book only: a supervisor's edits and
    deletions stay when the seed runs again."""
    if session.scalar(select(CannedPhrase.id).limit(1)) is not None:
        return 0
    records = json.loads(path.read_text(encoding="utf-8"))
    for r in records:
        session.add(CannedPhrase(title=r["title"], text=r["text"]))
    session.commit()
    return len(records)
