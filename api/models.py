"""The system of record: service catalogue and the district's places."""
from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Text
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
