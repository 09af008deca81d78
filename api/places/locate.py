"""Where an incident is: free-text address (or coordinates) → grid → community → street.

Grid areas are written like '柳岸新村1-12幢', '柳岸路1-59号' or '湖滨花园'. A place that
fits several grids, or none, is asked again, never guessed. The whole text is read, however
long; the address the resident wrote ('柳岸新村6幢2单元楼下') is picked out of it by
shared/addresses.py and returned as `place`, what a work order keeps as its address.
"""
import math
import re
from dataclasses import dataclass, field
from typing import List, Optional

import cn2an
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.db import SessionLocal
from api.places.directory import district, find_community
from api.places.models import Community, Grid, Street
from shared.addresses import Place, address_line, addresses
from shared.textnorm import clean, normalise

RANGE = re.compile(r"^(?P<base>.+?)(?P<lo>\d+)-(?P<hi>\d+)(?P<unit>幢|号|栋)$")
# Another district, county or city named in the address: not ours to dispatch.
# A county or a city elsewhere; not a market (江畔农贸市场) nor the citizens' centre (市民中心).
ELSEWHERE = re.compile(r"([\u4e00-\u9fff]{2,4}?)(区|县|市(?!场|民))")
NOT_ADMIN = ("社区", "小区", "园区", "景区", "校区", "厂区", "街区", "城区", "菜市", "超市", "集市", "夜市")
NEAR_METRES = 600


@dataclass
class Area:
    base: str
    grid: Grid
    lo: Optional[int] = None
    hi: Optional[int] = None


@dataclass
class Located:
    status: str  # found | ambiguous | unknown | outside
    grid: Optional[Grid] = None
    candidates: List[Grid] = field(default_factory=list)
    question: str = ""
    # What is wrong with the place, without the question: said before a form asks for the place
    # again in its own words.
    problem: str = ""
    place: str = ""  # the address(es) as written in the text, '' when none was found


def _areas(session: Session) -> List[Area]:
    out = []
    for g in session.scalars(select(Grid)):
        for a in g.areas:
            m = RANGE.match(a)
            if m:
                out.append(Area(m["base"], g, int(m["lo"]), int(m["hi"])))
            else:
                out.append(Area(a, g))
    return out


def place_names(session: Session) -> List[str]:
    """The district's place names for the address extractor, as the jieba dictionary has them
    (api.cli.dictionary_words): communities and their short forms, streets, grid areas."""
    communities = list(session.scalars(select(Community.name)))
    return (communities + [c[:-2] for c in communities if c.endswith("社区") and len(c) > 3]
            + list(session.scalars(select(Street.name))) + [a for g in session.scalars(select(Grid)) for a in g.areas])


def warm_up() -> None:
    """Load the extractor now (spaCy, jieba: seconds) rather than on a resident's first report."""
    with SessionLocal() as session:
        addresses("柳岸新村6幢", place_names(session))


def _number_after(text: str, base: str) -> Optional[int]:
    m = re.search(re.escape(base) + r"(\d+)", text)
    return int(m.group(1)) if m else None


def _distance_m(lat1, lon1, lat2, lon2) -> float:
    dy = (lat2 - lat1) * 111_000
    dx = (lon2 - lon1) * 111_000 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


def locate(session: Session, text: str = "", lat: float = None, lon: float = None) -> Located:
    home = district(session)
    if lat is not None and lon is not None:
        grids = [g for g in session.scalars(select(Grid)) if g.lat is not None]
        best = min(grids, key=lambda g: _distance_m(lat, lon, g.lat, g.lon), default=None)
        if best and _distance_m(lat, lon, best.lat, best.lon) <= NEAR_METRES:
            return Located("found", best)
        return Located("outside", question=f"这个位置不在{home.name}的网格范围内。如果是别的区，请拨打当地的12345热线反映。")
    raw = normalise(clean(text))
    elsewhere = [m.group(0) for m in ELSEWHERE.finditer(raw)
                 if m.group(0) not in (home.name, home.city, home.province) and not m.group(0).endswith(NOT_ADMIN) and not re.search(r"[\d一二三四五六七八九十]区$", m.group(0))]
    if elsewhere and not any(h in raw for h in (home.name, home.city, home.province)):
        return Located("outside", question=f"“{elsewhere[0]}”不在{home.name}，我们这里没法派单。请拨打当地的12345热线反映。")
    areas = _areas(session)
    spans = addresses(clean(text), place_names(session))
    found, hits = _by_text(session, raw, areas)
    if found.status != "found":
        # Several places in a long message: the first written address that finds one grid.
        for span in spans:
            alone, alone_hits = _by_text(session, normalise(span.text), areas)
            if alone.status == "found":
                found, hits = alone, alone_hits
                break
    found.place = _place_line(spans, hits if found.status == "found" else [])
    return found


def _place_line(spans: List[Place], hits: List[Area]) -> str:
    """The written address(es) for the work order: those naming the grid's area first."""
    named = [p for p in spans if any(a.base in normalise(p.text) for a in hits)]
    return address_line(named + [p for p in spans if p not in named])


def _by_text(session: Session, raw: str, areas: List[Area]):
    try:
        t = cn2an.transform(raw, "cn2an")  # 五幢 → 5幢
    except Exception:
        t = raw
    hits = [a for a in areas if a.base in t or a.base in raw]
    if not hits:
        community = find_community(session, raw)
        if community is not None:
            return Located("ambiguous", candidates=list(community.grids), problem=f"{community.name}范围比较大。",
                           question=f"{community.name}范围比较大，请告诉我具体的小区和几幢，或者路名和门牌号。"), []
        problem = "没找到这个地点。"
        return Located("unknown", problem=problem,
                       question=problem + "请告诉我小区名称和几幢，或者路名和门牌号，比如“柳岸新村5幢”“文昌路150号”。"), []
    # Longer names win (荷花池公园 over 荷花池路) when one contains the other.
    hits = [a for a in hits if not any(b.base != a.base and a.base in b.base for b in hits)]
    exact = {a.grid.id: a.grid for a in hits
             if a.lo is None or (n := _number_after(t, a.base)) is not None and a.lo <= n <= a.hi}
    if len(exact) == 1:
        grid = next(iter(exact.values()))
        return Located("found", grid), [a for a in hits if a.grid.id == grid.id]
    candidates = list(exact.values()) or list({a.grid.id: a.grid for a in hits}.values())
    if len(candidates) == 1 and hits[0].lo is None:
        return Located("found", candidates[0]), hits
    base = hits[0].base
    return Located("ambiguous", candidates=candidates, problem=f"“{base}”范围比较大，要说到几幢或几号才能派给网格。",
                   question=f"“{base}”范围比较大，请再说具体一点：是几幢或几号？附近有什么标志？"), hits
