"""Editing the service catalogue and the incident categories in the console, live at once."""
from fastapi import APIRouter, Depends

from api.staff.deps import require_admin

router = APIRouter(prefix="/console/api/admin", dependencies=[Depends(require_admin)])
