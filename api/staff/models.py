"""Console accounts, their sessions, and the audit log of what they did."""
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from api.core.db import Base
from api.places.models import ServiceCentre


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
    created_at = Column(DateTime, nullable=False)  # with expires_at: who was on duty at a given time
    expires_at = Column(DateTime, nullable=False)
    user = relationship(StaffUser)


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
