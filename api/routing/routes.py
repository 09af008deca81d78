"""POST /api/route: what a resident's message is (api/routing/router.py), for the action server."""
from typing import Dict

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, validator

from api.core.deps import reading, require_service_token
from api.guide import index
from api.routing import router as decision
from api.routing.evidence import gather

router = APIRouter(prefix="/api", dependencies=[Depends(require_service_token)])


class RouteIn(BaseModel):
    text: str = Field(..., max_length=5000)
    intents: Dict[str, float] = {}   # the NLU's intent ranking: name → confidence
    sender: str = Field("", max_length=100)

    @validator("intents")
    def _few(cls, v):
        if len(v) > 50:
            raise ValueError("at most 50 intents")
        return {k[:64]: max(0.0, min(1.0, float(p))) for k, p in v.items()}


@router.post("/route")
def route(body: RouteIn, session=Depends(reading)):
    return decision.decide(gather(session, index.current(), body.text, body.intents, body.sender)).as_dict()
