"""Retention: conversations and closed cases older than RSA_RETENTION_DAYS are deleted, from
Rasa's tracker store as from the backend (cases, their messages, the phone vault, calls owed to
Rasa). Work orders
stay: they are the public record, and their personal data is what staff need to finish them."""
import datetime as dt
from pathlib import Path

from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.orm import Session

from api.core import clock
from api.handoff.models import CaseMessage, HandoffCase, RasaOutbox, case_tickets
from api.handoff.states import CaseStatus
from api.incidents.models import PhoneVault
from shared.settings import get_settings

CLOSED = (CaseStatus.RESOLVED.value, CaseStatus.RETURNED.value)


def _tracker_engine():
    s = get_settings()
    if s.tracker_dialect != "sqlite":
        return None  # another store: its own retention tools
    path = Path(s.tracker_db)
    return create_engine(f"sqlite:///{path}") if path.exists() else None


def purge_trackers(cutoff: dt.datetime) -> int:
    """Delete every conversation whose last event is older than the cutoff; returns how many."""
    engine = _tracker_engine()
    if engine is None:
        return 0
    before = clock.aware(cutoff).timestamp()  # the tracker store keeps Unix times
    try:
        with engine.begin() as conn:
            if not conn.execute(text("SELECT name FROM sqlite_master WHERE type='table' AND name='events'")).first():
                return 0
            old = [r[0] for r in conn.execute(text(
                "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :t"), {"t": before})]
            for sender in old:
                conn.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
        return len(old)
    finally:
        engine.dispose()


def purge_backend(session: Session, cutoff: dt.datetime) -> dict:
    """Closed cases (with their messages and ticket links) and vault rows older than the cutoff."""
    ids = session.scalars(select(HandoffCase.id).where(HandoffCase.status.in_(CLOSED),
                                                       HandoffCase.closed_at < cutoff)).all()
    messages = 0
    if ids:
        messages = session.execute(delete(CaseMessage).where(CaseMessage.case_id.in_(ids))).rowcount
        session.execute(case_tickets.delete().where(case_tickets.c.case_id.in_(ids)))
        session.execute(delete(HandoffCase).where(HandoffCase.id.in_(ids)))
    phones = session.execute(delete(PhoneVault).where(PhoneVault.created_at < cutoff)).rowcount
    # Calls Rasa never took for that long belong to conversations deleted here too.
    calls = session.execute(delete(RasaOutbox).where(RasaOutbox.created_at < cutoff)).rowcount
    session.commit()
    return {"cases": len(ids), "case_messages": messages, "phone_numbers": phones, "assistant_calls": calls}


def run(session: Session, days: int = None, at: dt.datetime = None) -> dict:
    """Everything older than `days` (RSA_RETENTION_DAYS) before `at` (now); what was deleted."""
    days = days or get_settings().retention_days
    cutoff = (at or clock.now()) - dt.timedelta(days=days)
    counts = purge_backend(session, cutoff)
    counts["conversations"] = purge_trackers(cutoff)
    return counts
