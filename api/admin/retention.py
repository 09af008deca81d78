"""Retention for the admins' data: routing decisions and review items older than
RSA_RETENTION_DAYS (by the district clock) are deleted, as the conversations they come from are
(api/handoff/retention.py). Labels already written to nlu_data/reviewed.yml stay: they are
training data now, masked, with no conversation attached."""
import datetime as dt

from sqlalchemy import delete
from sqlalchemy.orm import Session

from api.admin.models import ReviewItem
from api.core import clock
from api.routing.models import RoutingDecision
from shared.settings import get_settings


def run(session: Session, days: int = None, at: dt.datetime = None) -> dict:
    """Everything older than `days` (RSA_RETENTION_DAYS) before `at` (now); what was deleted."""
    cutoff = (at or clock.now()) - dt.timedelta(days=days or get_settings().retention_days)
    decisions = session.execute(delete(RoutingDecision).where(RoutingDecision.at < cutoff)).rowcount
    items = session.execute(delete(ReviewItem).where(ReviewItem.at < cutoff)).rowcount
    session.commit()
    return {"routing_decisions": decisions, "review_items": items}
