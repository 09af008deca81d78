"""The district: its departments, service centres, streets, communities and grids."""
from sqlalchemy import JSON, Column, Float, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from api.core.db import Base


class District(Base):
    """The one district this deployment serves (名称 as residents say it, and where it lies)."""

    __tablename__ = "district"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False)
    city = Column(String(50), nullable=False)
    province = Column(String(50), nullable=False)


class Department(Base):
    __tablename__ = "departments"
    id = Column(Integer, primary_key=True)
    code = Column(String(16), unique=True, nullable=False)
    name = Column(String(100), nullable=False)
    phone = Column(String(40), nullable=False, default="")


class ServiceCentre(Base):
    """A place residents walk into: district centre, street centre, community centre, or a street's
    police station (户籍 business is done at its window, not at the street centre)."""

    __tablename__ = "service_centres"
    id = Column(Integer, primary_key=True)
    level = Column(String(16), nullable=False)  # district | street | community | police
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
    centre = relationship(ServiceCentre, foreign_keys=[centre_id])
    # The police station whose area the street is (派出所): where 户籍 items are handled.
    police_id = Column(Integer, ForeignKey("service_centres.id"), nullable=True)
    police = relationship(ServiceCentre, foreign_keys=[police_id])
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
