"""Views of the console's queue: all of it, mine (claimed by me), unassigned (waiting or
call-back with nobody on it), narrowed to one centre and to a search, with the count of each
view. Filters the queue a user may see (api.handoff.cases.queue), so visibility stays one rule."""
from typing import Dict, List, Optional

from sqlalchemy.orm import Session

from api.core.labels import Labelled
from api.handoff import cases
from api.handoff.models import HandoffCase
from api.handoff.states import Author, CaseStatus
from api.staff.models import StaffUser
from shared.redact import mask_personal


class View(Labelled):
    ALL = ("all", "全部")
    MINE = ("mine", "我的")
    UNASSIGNED = ("unassigned", "待认领")


def _in_view(c: HandoffCase, view: View, user: StaffUser) -> bool:
    if view == View.MINE:
        return c.assignee_id == user.id
    if view == View.UNASSIGNED:
        return c.assignee_id is None and c.status in (CaseStatus.WAITING, CaseStatus.CALLBACK)
    return True


def _matches(c: HandoffCase, q: str) -> bool:
    """The case number (12; #12 is the case number only), the resident's words as staff see them
    (phone and ID numbers masked: a clear number finds nothing), a work order's number, the
    centre's name."""
    q = q.strip().lower()
    if not q:
        return True
    if q.startswith("#"):
        return q[1:].strip() == str(c.id)
    if q == str(c.id) or q in c.centre.name.lower():
        return True
    if any(q in t.number.lower() for t in c.tickets):
        return True
    return any(q in mask_personal(m.text)[0].lower() for m in c.messages if m.author == Author.RESIDENT)


def _narrowed(session: Session, user: StaffUser, centre_id: Optional[int], q: str) -> List[HandoffCase]:
    return [c for c in cases.queue(session, user)
            if (centre_id is None or c.centre_id == centre_id) and _matches(c, q or "")]


def queue(session: Session, user: StaffUser, view: str = "all", centre_id: Optional[int] = None,
          q: str = "") -> List[HandoffCase]:
    view = View(view)
    return [c for c in _narrowed(session, user, centre_id, q) if _in_view(c, view, user)]


def counts(session: Session, user: StaffUser, centre_id: Optional[int] = None, q: str = "") -> Dict[str, int]:
    found = _narrowed(session, user, centre_id, q)
    return {v.value: sum(_in_view(c, v, user) for c in found) for v in View}
