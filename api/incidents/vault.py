"""The phone vault: the backend keeps the real numbers behind the masked ones it relays to the
assistant (139****5678), per conversation, so the tracker store never holds a phone number
while work orders and call-backs still get one staff can call."""
from typing import Dict, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.core import clock
from api.incidents.models import PhoneVault
from api.incidents.tickets import reporter_ref
from shared.patterns import is_masked


def keep(session: Session, sender: str, phones: Dict[str, str]) -> None:
    """Remember {masked: real} for this conversation (the latest number wins for a mask)."""
    if not phones:
        return
    ref = reporter_ref(sender)
    for masked, real in phones.items():
        session.execute(delete(PhoneVault).where(PhoneVault.owner_ref == ref, PhoneVault.masked == masked))
        session.add(PhoneVault(owner_ref=ref, masked=masked, phone=real, created_at=clock.now()))
    session.commit()


def resolve(session: Session, sender: Optional[str], phone: str) -> str:
    """The real number for a masked one this conversation typed; anything else unchanged."""
    if not sender or not is_masked(phone):
        return phone
    real = session.scalars(select(PhoneVault.phone).where(PhoneVault.owner_ref == reporter_ref(sender),
                                                          PhoneVault.masked == phone.strip())
                           .order_by(PhoneVault.id.desc())).first()
    return real or phone
