"""The service catalogue: one row per 政务服务事项 with its 办事指南."""
from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from api.core.db import Base
from api.places.models import Department


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
