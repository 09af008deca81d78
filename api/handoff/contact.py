"""The contact panel of a case: the resident's phone (masked), their earlier work orders and
their earlier conversations with staff, so whoever takes the case knows the history. The same
resident is the same conversation (sender); work orders know it by its hashed reference."""
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.handoff.models import HandoffCase
from api.handoff.states import CaseStatus, Reason
from api.incidents.models import PhoneVault, Ticket
from api.incidents.states import TicketStatus
from api.incidents.tickets import reporter_ref
from shared.patterns import mask

HISTORY = 20  # rows of each kind: the latest are the ones that matter at the desk


def phone_to_call(session: Session, case: HandoffCase) -> Optional[str]:
    """The number the resident left for a call-back, else the latest they typed (kept in the
    vault), else one in the report, else the latest of their work orders. Masked, always."""
    ctx = case.context if isinstance(case.context, dict) else {}
    incident = ctx.get("incident") if isinstance(ctx.get("incident"), dict) else {}
    slots = ctx.get("slots") if isinstance(ctx.get("slots"), dict) else {}
    ref = reporter_ref(case.sender)
    for found in (ctx.get("callback_phone"),
                  session.scalar(select(PhoneVault.phone).where(PhoneVault.owner_ref == ref)
                                 .order_by(PhoneVault.id.desc()).limit(1)),
                  incident.get("phone"), slots.get("contact_phone"),
                  session.scalar(select(Ticket.reporter_phone).where(Ticket.reporter_ref == ref,
                                                                     Ticket.reporter_phone.is_not(None))
                                 .order_by(Ticket.id.desc()).limit(1))):
        if isinstance(found, str) and found.strip():
            return mask(found.strip().replace(" ", "").replace("-", ""))
    return None


def _label(table, code: str) -> str:
    return table.labels().get(code, code)


def panel(session: Session, case: HandoffCase) -> dict:
    linked = {t.id for t in case.tickets}  # this case's own work orders are in the case view
    tickets = session.scalars(select(Ticket).where(Ticket.reporter_ref == reporter_ref(case.sender))
                              .order_by(Ticket.id.desc()).limit(HISTORY + len(linked))).all()
    earlier = session.scalars(select(HandoffCase).where(HandoffCase.sender == case.sender, HandoffCase.id != case.id)
                              .order_by(HandoffCase.id.desc()).limit(HISTORY)).all()
    return {
        "phone": phone_to_call(session, case),
        "tickets": [{"number": t.number, "category": t.category.name if t.category else "待指挥中心分类",
                     "status": _label(TicketStatus, t.status), "created_at": t.created_at.isoformat(timespec="seconds")}
                    for t in tickets if t.id not in linked][:HISTORY],
        "conversations": [{"id": c.id, "status": _label(CaseStatus, c.status), "reason": _label(Reason, c.reason),
                           "created_at": c.created_at.isoformat(timespec="seconds"), "resolution": c.resolution,
                           "centre": c.centre.name} for c in earlier],
    }
