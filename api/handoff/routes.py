"""Routes the action server calls when the assistant hands a conversation to people."""
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from api.core.deps import reading, require_service_token, writing
from api.guide import index
from api.guide.search import asks_about_item, asks_anything
from api.handoff import cases, hardship, relay, sensitivity
from api.handoff.states import Author, Reason

# For the action server and staff tools only: the service token (or the admin token).
router = APIRouter(prefix="/api/handoff", dependencies=[Depends(require_service_token)])


class HandoffIn(BaseModel):
    sender: str = Field(..., min_length=1, max_length=100)
    channel: str = Field("h5", regex="^[a-z0-9_]{1,20}$")
    reason: Reason = Reason.ASKED
    community: Optional[str] = Field(None, max_length=50)
    context: dict = {}
    transcript: list = []


class AssessIn(BaseModel):
    text: str = Field("", max_length=5000)
    # The service item under discussion: a question that follows it up is a question about an item.
    context_code: Optional[str] = Field(None, max_length=32)


class CallbackPhoneIn(BaseModel):
    sender: str = Field(..., min_length=1, max_length=100)
    phone: str = Field(..., max_length=40)


@router.post("/assess")
def assess(body: AssessIn):
    """Should people take this message? {'reason': 'sensitive' | 'angry' | None, 'risk': 'self_harm' |
    'violence' | 'fraud' | 'missing' | None (which safety lines the resident is given first)}."""
    catalogue = index.current()
    asks_item = asks_about_item(catalogue, body.text) or (body.context_code in catalogue.items and asks_anything(body.text))
    return {"reason": sensitivity.assess(body.text, asks_item), "risk": sensitivity.kind_of_risk(body.text)}


@router.post("/hardship", response_model=hardship.HardshipResponse)
def hardship_answer(body: hardship.HardshipRequest, session=Depends(reading)):
    """Hardship without risk to life (or with one, `with_risk`, once a person has it): the
    benefits that answer it; {'hardship': false} otherwise."""
    return hardship.answer(session, index.current(), body)


@router.post("/callback-phone")
def callback_phone(body: CallbackPhoneIn, db=Depends(writing)):
    case = relay.set_callback_phone(db, body.sender, body.phone)
    if case is None:
        raise HTTPException(404, "这个会话没有等待回电的请求")
    return {"case_id": case.id}


@router.post("")
def open_handoff(body: HandoffIn, db=Depends(writing)):
    transcript = [m for m in body.transcript if isinstance(m, dict) and m.get("author") in (Author.RESIDENT, Author.BOT)]
    c = cases.open_case(db, sender=body.sender, channel=body.channel, reason=body.reason, community=body.community,
                        context=body.context, transcript=transcript)
    return {"case_id": c.id, "status": c.status, "centre": c.centre.name, "centre_phone": c.centre.phone,
            "centre_hours": c.centre.hours, "position": cases.position(db, c),
            "expected_wait_minutes": cases.expected_wait_minutes(db, c)}
