"""The router's decisions, kept so admins can see what the assistant made of a message."""
from sqlalchemy import JSON, Column, DateTime, Float, Integer, String, Text

from api.core.db import Base


class RoutingDecision(Base):
    __tablename__ = "routing_decisions"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, index=True)
    sender = Column(String(100), nullable=False, index=True)
    text = Column(Text, nullable=False)                # masked: phones and ID numbers never kept in clear
    intent = Column(String(64), nullable=True)         # the NLU's top intent and its confidence
    intent_confidence = Column(Float, nullable=True)
    route = Column(String(16), nullable=False)         # service | incident | suggestion | progress | person | clarify | other
    score = Column(Float, nullable=True)
    detail = Column(JSON, nullable=False, default=dict)  # the decision's reasons, as router.Decision.as_dict gives them
