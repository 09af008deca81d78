"""Incident categories and work orders (工单) with their events."""
from sqlalchemy import JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from api.core.db import Base
from api.places.models import Department, Grid


class IncidentCategory(Base):
    """One entry of the 事项分类分级清单; field meanings in docs/incident-categories.md."""

    __tablename__ = "incident_categories"
    id = Column(Integer, primary_key=True)
    code = Column(String(16), unique=True, nullable=False)
    group = Column(String(20), nullable=False)
    name = Column(String(50), unique=True, nullable=False)
    open311_code = Column(String(50), unique=True, nullable=False)
    description = Column(Text, nullable=False)
    keywords = Column(JSON, nullable=False, default=list)
    default_grade = Column(String(4), nullable=False)
    raise_keywords = Column(JSON, nullable=False, default=dict)
    lead_department_id = Column(Integer, ForeignKey("departments.id"), nullable=False)
    co_departments = Column(JSON, nullable=False, default=list)  # department codes
    handled_by_grid = Column(Boolean, nullable=False)
    mediation = Column(Boolean, nullable=False, default=False)  # a dispute people mediate: staff take the report
    time_limits = Column(JSON, nullable=False)  # grade → {"value": n, "unit": "hours" | "working_days"}
    lead_department = relationship(Department)


class Ticket(Base):
    """A work order (工单), from 受理 to 评价: a grid incident, or a suggestion (kind 建议) to answer."""

    __tablename__ = "tickets"
    id = Column(Integer, primary_key=True)
    number = Column(String(20), unique=True, nullable=False)
    # The same confirmation delivered twice carries the same key and files one ticket.
    idempotency_key = Column(String(100), unique=True, nullable=True)
    channel = Column(String(20), nullable=False)
    kind = Column(String(4), nullable=False, default="投诉")  # states.TicketKind: 投诉/举报/求助/咨询/建议
    category_id = Column(Integer, ForeignKey("incident_categories.id"), nullable=True)  # null: 指挥中心 decides
    grade = Column(String(4), nullable=False)
    status = Column(String(10), nullable=False)
    description = Column(Text, nullable=False)
    # For everyone else (Open311, strangers asking): no phone/ID numbers, names or flats.
    public_description = Column(Text, nullable=False, default="")
    address = Column(String(200), nullable=False)
    grid_id = Column(Integer, ForeignKey("grids.id"), nullable=True)
    lat = Column(Float, nullable=True)
    lon = Column(Float, nullable=True)
    reporter_phone = Column(String(20), nullable=True)
    reporter_ref = Column(String(64), nullable=True)  # channel-side identity (hashed sender id)
    department_id = Column(Integer, ForeignKey("departments.id"), nullable=False)  # current handler
    deadline = Column(DateTime, nullable=False)
    extended = Column(Boolean, nullable=False, default=False)
    supervised = Column(Boolean, nullable=False, default=False)  # 督办 raised for being overdue
    merged_into_id = Column(Integer, ForeignKey("tickets.id"), nullable=True)  # 并单
    media_url = Column(String(500), nullable=True)  # a photo's address, as an Open311 client sent it
    rating = Column(Integer, nullable=True)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    category = relationship(IncidentCategory)
    grid = relationship(Grid)
    department = relationship(Department)
    merged_into = relationship("Ticket", remote_side=[id])
    events = relationship("TicketEvent", back_populates="ticket", order_by="TicketEvent.id")


class TicketEvent(Base):
    __tablename__ = "ticket_events"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    actor = Column(String(50), nullable=False)
    action = Column(String(10), nullable=False)
    from_status = Column(String(10), nullable=True)
    to_status = Column(String(10), nullable=False)
    note = Column(Text, nullable=False, default="")
    ticket = relationship(Ticket, back_populates="events")


class TicketCounter(Base):
    """Per-day sequence for ticket numbers (WG + yyyymmdd + 4 digits)."""

    __tablename__ = "ticket_counters"
    day = Column(String(8), primary_key=True)
    last = Column(Integer, nullable=False)


class PhoneVault(Base):
    """The real phone numbers behind the masked ones (139****5678) a conversation carries: the
    assistant's tracker store never sees them, a ticket or a call-back still gets the number."""

    __tablename__ = "phone_vault"
    id = Column(Integer, primary_key=True)
    owner_ref = Column(String(64), nullable=False, index=True)  # hashed sender id, as Ticket.reporter_ref
    masked = Column(String(20), nullable=False)
    phone = Column(String(20), nullable=False)
    created_at = Column(DateTime, nullable=False)
