"""Every routing decision is kept (masked, and deleted with the conversation after the
retention period), so admins can see what the assistant made of a message and why."""
from typing import Dict

from sqlalchemy.orm import Session

from api.core import clock
from api.routing.models import RoutingDecision
from shared.redact import mask_personal


def record(session: Session, sender: str, text: str, intents: Dict[str, float], made: dict) -> RoutingDecision:
    top = max(intents.items(), key=lambda kv: kv[1]) if intents else (None, None)
    route = made.get("route") or "other"
    scores = made.get("scores") or {}
    row = RoutingDecision(at=clock.now(), sender=sender[:100], text=mask_personal(text)[0][:5000],
                          intent=top[0], intent_confidence=top[1], route=route[:16],
                          score=scores.get(route), detail=made)
    session.add(row)
    return row
