"""Conversations handed to people, and what was said in them."""
from sqlalchemy import JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import relationship

from api.core.db import Base
from api.incidents.models import Ticket
from api.places.models import ServiceCentre
from api.staff.models import StaffUser


class HandoffCase(Base):
    """A conversation handed from the assistant to people at a service centre."""

    __tablename__ = "handoff_cases"
    id = Column(Integer, primary_key=True)
    sender = Column(String(100), nullable=False, index=True)  # the conversation on its channel
    channel = Column(String(20), nullable=False)
    centre_id = Column(Integer, ForeignKey("service_centres.id"), nullable=False)
    reason = Column(String(20), nullable=False)  # states.Reason: asked | misunderstood | sensitive | angry | dispute | complaint
    priority = Column(Integer, nullable=False, default=0)  # higher first
    status = Column(String(12), nullable=False)  # waiting | claimed | resolved | returned | callback
    context = Column(JSON, nullable=False, default=dict)  # what the bot understood
    assignee_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    created_at = Column(DateTime, nullable=False)
    claimed_at = Column(DateTime, nullable=True)
    first_response_at = Column(DateTime, nullable=True)
    closed_at = Column(DateTime, nullable=True)
    resolution = Column(Text, nullable=True)
    satisfaction = Column(Integer, nullable=True)
    centre = relationship(ServiceCentre)
    assignee = relationship(StaffUser)
    messages = relationship("CaseMessage", back_populates="case", order_by="CaseMessage.id")
    tickets = relationship(Ticket, secondary="case_tickets", order_by=Ticket.id)


class CaseMessage(Base):
    __tablename__ = "case_messages"
    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("handoff_cases.id"), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    author = Column(String(10), nullable=False)  # resident | bot | staff | note
    staff_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    text = Column(Text, nullable=False)
    delivered = Column(Boolean, nullable=False, default=False)  # staff text picked up by the resident's channel
    asr_confidence = Column(Float, nullable=True)  # resident lines that came through speech recognition
    case = relationship(HandoffCase, back_populates="messages")


# Work orders filed or linked by staff while handling a case.
case_tickets = Table("case_tickets", Base.metadata,
                     Column("case_id", Integer, ForeignKey("handoff_cases.id"), primary_key=True),
                     Column("ticket_id", Integer, ForeignKey("tickets.id"), primary_key=True))


class RasaOutbox(Base):
    """A call the backend owes the assistant (pause, resume, a staff line for its transcript),
    kept until Rasa confirms it: queued with the staff action, tried at once, retried in order
    per conversation. A row is deleted once Rasa has taken it."""

    __tablename__ = "rasa_outbox"
    id = Column(Integer, primary_key=True)
    sender = Column(String(100), nullable=False, index=True)
    kind = Column(String(12), nullable=False)  # pause | resume | staff_line
    events = Column(JSON, nullable=False)  # what is posted to the conversation's tracker
    created_at = Column(DateTime, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)  # failed deliveries so far
    last_error = Column(String(100), nullable=True)
    last_try_at = Column(DateTime, nullable=True)


class CannedPhrase(Base):
    """A centre's own ready-made line for staff replies (greetings, closings, "请稍等，我查一下");
    centre_id null: for every centre of the district. Supervisors and admins edit them."""

    __tablename__ = "canned_phrases"
    id = Column(Integer, primary_key=True)
    centre_id = Column(Integer, ForeignKey("service_centres.id"), nullable=True, index=True)
    title = Column(String(30), nullable=False)
    text = Column(Text, nullable=False)
    centre = relationship(ServiceCentre)
