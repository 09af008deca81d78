"""The system of record: service catalogue and the district's places."""
from sqlalchemy import JSON, Boolean, Column, DateTime, Float, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import relationship

from api.db import Base


class Department(Base):
    __tablename__ = "departments"
    id = Column(Integer, primary_key=True)
    code = Column(String(16), unique=True, nullable=False)
    name = Column(String(100), nullable=False)
    phone = Column(String(40), nullable=False, default="")


class ServiceCentre(Base):
    """A place residents walk into: district centre, street centre or community centre."""

    __tablename__ = "service_centres"
    id = Column(Integer, primary_key=True)
    level = Column(String(16), nullable=False)  # district | street | community
    name = Column(String(100), unique=True, nullable=False)
    address = Column(String(200), nullable=False)
    hours = Column(String(200), nullable=False)
    phone = Column(String(40), nullable=False)
    window = Column(String(100), nullable=False)


class Street(Base):
    __tablename__ = "streets"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), unique=True, nullable=False)
    centre_id = Column(Integer, ForeignKey("service_centres.id"), nullable=False)
    centre = relationship(ServiceCentre)
    communities = relationship("Community", back_populates="street", order_by="Community.id")


class Community(Base):
    __tablename__ = "communities"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), unique=True, nullable=False)
    street_id = Column(Integer, ForeignKey("streets.id"), nullable=False)
    centre_id = Column(Integer, ForeignKey("service_centres.id"), nullable=False)
    street = relationship(Street, back_populates="communities")
    centre = relationship(ServiceCentre)
    grids = relationship("Grid", back_populates="community", order_by="Grid.id")


class Grid(Base):
    __tablename__ = "grids"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), unique=True, nullable=False)
    community_id = Column(Integer, ForeignKey("communities.id"), nullable=False)
    areas = Column(JSON, nullable=False, default=list)  # compounds and road sections it covers
    lat = Column(Float, nullable=True)  # centre of the grid, for reports that come with coordinates
    lon = Column(Float, nullable=True)
    community = relationship(Community, back_populates="grids")


class ServiceItem(Base):
    """One 政务服务事项 with its full 办事指南; field meanings in docs/catalogue-format.md."""

    __tablename__ = "service_items"
    id = Column(Integer, primary_key=True)
    code = Column(String(32), unique=True, nullable=False)
    name = Column(String(100), unique=True, nullable=False)
    aliases = Column(JSON, nullable=False, default=list)
    keywords = Column(JSON, nullable=False, default=list)
    type = Column(String(20), nullable=False)
    handling_level = Column(String(10), nullable=False)
    handled_at = Column(String(16), nullable=False)
    department_id = Column(Integer, ForeignKey("departments.id"), nullable=False)
    summary = Column(Text, nullable=False)
    conditions = Column(JSON, nullable=False, default=list)
    materials = Column(JSON, nullable=False, default=list)
    steps = Column(JSON, nullable=False, default=list)
    legal_limit_days = Column(Integer, nullable=True)
    promised_limit_days = Column(Integer, nullable=False)
    fee = Column(String(200), nullable=False)
    window = Column(String(100), nullable=False)
    hours_note = Column(String(200), nullable=False, default="")
    phone = Column(String(40), nullable=False)
    supervision_phone = Column(String(40), nullable=False)
    visits = Column(Integer, nullable=False)
    online = Column(Boolean, nullable=False)
    online_channel = Column(String(200), nullable=False, default="")
    tongban = Column(String(10), nullable=False)
    legal_basis = Column(JSON, nullable=False, default=list)
    simple_text = Column(Text, nullable=False)
    voice_text = Column(String(200), nullable=False)
    department = relationship(Department)


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
    """A grid incident work order (工单), from 受理 to 评价."""

    __tablename__ = "tickets"
    id = Column(Integer, primary_key=True)
    number = Column(String(20), unique=True, nullable=False)
    # The same confirmation delivered twice carries the same key and files one ticket.
    idempotency_key = Column(String(100), unique=True, nullable=True)
    channel = Column(String(20), nullable=False)
    category_id = Column(Integer, ForeignKey("incident_categories.id"), nullable=True)  # null: 指挥中心 decides
    grade = Column(String(4), nullable=False)
    status = Column(String(10), nullable=False)
    description = Column(Text, nullable=False)
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


class StaffUser(Base):
    """Someone who signs in to the staff console."""

    __tablename__ = "staff_users"
    id = Column(Integer, primary_key=True)
    username = Column(String(50), unique=True, nullable=False)
    display_name = Column(String(50), nullable=False)
    password_hash = Column(String(200), nullable=False)
    role = Column(String(12), nullable=False)  # staff | supervisor | admin
    centre_id = Column(Integer, ForeignKey("service_centres.id"), nullable=True)  # staff belong to one centre
    active = Column(Boolean, nullable=False, default=True)
    centre = relationship(ServiceCentre)


class StaffSession(Base):
    __tablename__ = "staff_sessions"
    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), unique=True, nullable=False)  # the cookie holds the token, we keep its hash
    csrf_token = Column(String(64), nullable=False)
    user_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    expires_at = Column(DateTime, nullable=False)
    user = relationship(StaffUser)


class HandoffCase(Base):
    """A conversation handed from the assistant to people at a service centre."""

    __tablename__ = "handoff_cases"
    id = Column(Integer, primary_key=True)
    sender = Column(String(100), nullable=False, index=True)  # the conversation on its channel
    channel = Column(String(20), nullable=False)
    centre_id = Column(Integer, ForeignKey("service_centres.id"), nullable=False)
    reason = Column(String(20), nullable=False)  # asked | misunderstood | sensitive | angry | dispute
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


class AuditEntry(Base):
    """Every staff action, who did it and when."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False)
    user_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    action = Column(String(30), nullable=False)
    target = Column(String(50), nullable=False, default="")
    detail = Column(Text, nullable=False, default="")
    user = relationship(StaffUser)
