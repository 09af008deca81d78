"""HTTP routes of the district's places: its name and hotline, communities and their centres."""
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select

from api.core.deps import reading, require_service_token
from api.places import directory
from api.places.models import Community

# For the action server and staff tools only: the service token (or the admin token).
router = APIRouter(prefix="/api", dependencies=[Depends(require_service_token)])


@router.get("/district")
def district(session=Depends(reading)):
    """What every process and page says about the district: its name and the hotline."""
    return directory.district_info(session)


@router.get("/communities")
def communities(session=Depends(reading)):
    rows = session.scalars(select(Community).order_by(Community.id)).all()
    return [{"name": c.name, "street": c.street.name, "centre": directory.centre_view(c.centre)} for c in rows]


@router.get("/communities/lookup")
def community_lookup(text: str = "", session=Depends(reading)):
    c = directory.find_community(session, text[:200])
    if c is None:
        raise HTTPException(404, "没有找到这个社区")
    return {"name": c.name, "street": c.street.name, "centre": directory.centre_view(c.centre)}
