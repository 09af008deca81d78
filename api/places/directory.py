"""The district's streets, communities, grids and their service centres."""
import json
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.places.models import Community, District, Grid, ServiceCentre, Street
from shared.settings import get_settings
from shared.textnorm import normalise

DISTRICT_CENTRE_LEVEL = "district"


def load_places(session: Session, path) -> dict:
    """Load the places seed (idempotent: places already present are left as they are)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    counts = {"streets": 0, "communities": 0, "grids": 0}
    with session.begin():
        if session.scalar(select(District.id).limit(1)) is None:
            d = doc["district"]
            session.add(District(name=d["name"], city=d["city"], province=d["province"]))
        if session.scalar(select(Street.id).limit(1)) is not None:
            _add_police_stations(session, doc)
            return counts
        session.add(_centre(doc["district"]["centre"], DISTRICT_CENTRE_LEVEL))
        for s in doc["streets"]:
            street = Street(name=s["name"], centre=_centre(s["centre"], "street"),
                            police=_centre(s["police"], "police") if s.get("police") else None)
            session.add(street)
            counts["streets"] += 1
            for c in s["communities"]:
                community = Community(name=c["name"], street=street, centre=_centre(c["centre"], "community"))
                session.add(community)
                counts["communities"] += 1
                for name, areas, (lat, lon) in c["grids"]:
                    session.add(Grid(name=name, community=community, areas=areas, lat=lat, lon=lon))
                    counts["grids"] += 1
    return counts


def _add_police_stations(session: Session, doc: dict) -> None:
    """A database seeded before streets had police stations gets them (nothing else changes)."""
    for s in doc["streets"]:
        street = session.scalars(select(Street).where(Street.name == s["name"])).first()
        if street is not None and street.police is None and s.get("police"):
            known = session.scalars(select(ServiceCentre).where(ServiceCentre.name == s["police"]["name"])).first()
            street.police = known or _centre(s["police"], "police")


def _centre(d: dict, level: str) -> ServiceCentre:
    return ServiceCentre(level=level, name=d["name"], address=d["address"], hours=d["hours"],
                         phone=d["phone"], window=d["window"])


def community_names(session: Session) -> list:
    return list(session.scalars(select(Community.name).order_by(Community.id)))


def find_community(session: Session, text: str) -> Optional[Community]:
    """The community named in `text` ('柳岸社区', '柳岸', '我住荷花社区'), or None."""
    if not text:
        return None
    t = normalise(text)
    best = None
    for c in session.scalars(select(Community)):
        short = c.name[:-2] if c.name.endswith("社区") else c.name
        for form in (c.name, short):
            if form in t and (best is None or len(form) > best[0]):
                best = (len(form), c)
    return best[1] if best else None


def strip_community_names(session: Session, text: str) -> str:
    """`text` without community names ('我住柳岸社区' → '我住'), to see what else it says."""
    t = normalise(text)
    for c in session.scalars(select(Community)):
        t = t.replace(c.name, " ")
        if c.name.endswith("社区"):
            t = t.replace(c.name[:-2], " ")
    return t


def district_centre(session: Session) -> ServiceCentre:
    return session.scalars(select(ServiceCentre).where(ServiceCentre.level == DISTRICT_CENTRE_LEVEL)).one()


def centre_for(session: Session, handled_at: str, community: Optional[Community]) -> Optional[ServiceCentre]:
    """Where a resident of `community` goes for an item handled at `handled_at`."""
    if handled_at == "district":
        return district_centre(session)
    if community is None:
        return None
    if handled_at == "police":
        return community.street.police
    return community.centre if handled_at == "community" else community.street.centre


def district(session: Session) -> District:
    row = session.scalars(select(District)).first()
    if row is None:
        raise LookupError("no district loaded: run `python -m api.cli seed`")
    return row


def district_info(session: Session) -> dict:
    d = district(session)
    return {"name": d.name, "city": d.city, "province": d.province, "hotline": get_settings().hotline,
            "timezone": get_settings().timezone}


def centre_view(c: ServiceCentre) -> dict:
    return {"name": c.name, "address": c.address, "hours": c.hours, "phone": c.phone, "window": c.window}
