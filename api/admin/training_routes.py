"""Training runs from the console, their evaluation, and the models: activate, roll back."""
from fastapi import APIRouter, Depends

from api.staff.deps import require_admin

router = APIRouter(prefix="/console/api/admin", dependencies=[Depends(require_admin)])
