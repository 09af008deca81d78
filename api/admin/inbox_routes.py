"""The admins' review inbox: messages the assistant handled badly, grouped, and their labels.
Staff may flag a case's message as misunderstood; the rest is for admins only. Rules live in
api.admin.inbox (collection, grouping, masking) and api.admin.labelling (the training file)."""
from typing import List, Optional

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, Field, validator

from api.admin import inbox, labelling
from api.admin.states import ReviewReason, ReviewStatus
from api.core.deps import by_method
from api.core.labels import label_table
from api.staff.deps import current_session, require_admin

router = APIRouter(prefix="/console/api")



class EntityIn(BaseModel):
    entity: str = Field(..., max_length=64)
    start: int = Field(..., ge=0, le=10000)
    end: int = Field(..., ge=0, le=10000)


class LabelIn(BaseModel):
    intent: str = Field(..., max_length=64)
    route: Optional[str] = Field(None, max_length=16)  # none: the intent's own route
    entities: List[EntityIn] = []
    group: bool = False  # label the whole group of similar messages the same way

    @validator("entities")
    def _few(cls, v):
        if len(v) > 20:
            raise ValueError("at most 20 entities")
        return v


class NoiseIn(BaseModel):
    group: bool = False


class FlagIn(BaseModel):
    message_id: Optional[int] = Field(None, ge=1, lt=2 ** 63)  # none: what the resident said before the handoff


@router.get("/admin/inbox", dependencies=[Depends(require_admin)])
def inbox_list(status: ReviewStatus = ReviewStatus.OPEN, reason: Optional[ReviewReason] = None,
               q: str = Query("", max_length=100), limit: int = Query(50, ge=1, le=200), db=Depends(by_method)):
    """Groups of similar messages, the largest and newest first, masked; `total` counts the
    messages (as the inbox's tab does), `total_groups` the groups."""
    shown, total, total_groups = inbox.groups(db, status.value, reason.value if reason else None, q, limit)
    return {"groups": shown, "total": total, "total_groups": total_groups,
            "labels": label_table(ReviewReason, ReviewStatus)}


@router.get("/admin/inbox/items/{item_id}", dependencies=[Depends(require_admin)])
def inbox_item(item_id: int, db=Depends(by_method)):
    """One message with the conversation around it, masked, and its label if it has one."""
    return inbox.item_view(db, inbox.get_item(db, item_id))


@router.get("/admin/intents", dependencies=[Depends(require_admin)])
def intents():
    """What a label may say: the domain's intents, the routes and the entities, with their names."""
    return labelling.choices()


@router.post("/admin/inbox/items/{item_id}/label")
def label(item_id: int, body: LabelIn, s=Depends(require_admin), db=Depends(by_method)):
    """Label a message (and its group): written to nlu_data/reviewed.yml for the next training run."""
    return labelling.label(db, s.user, item_id, body.intent, body.route, [e.dict() for e in body.entities],
                           body.group)


@router.post("/admin/inbox/items/{item_id}/noise")
def noise(item_id: int, body: Optional[NoiseIn] = Body(None), s=Depends(require_admin), db=Depends(by_method)):
    """Not a message to learn from (and out of reviewed.yml if it was labelled)."""
    return labelling.noise(db, s.user, item_id, bool(body and body.group))


@router.post("/admin/inbox/collect", dependencies=[Depends(require_admin)])
def collect(db=Depends(by_method)):
    """Look for new messages now, rather than at the next background round."""
    return {"added": inbox.collect(db)}


@router.post("/cases/{case_id}/misunderstood")
def misunderstood(case_id: int, body: Optional[FlagIn] = Body(None), s=Depends(current_session),
                  db=Depends(by_method)):
    """Staff (of the case's centre), supervisors and admins: "助手理解错了" on a case or one of its
    resident messages; the message goes to the admins' inbox at once."""
    return {"item_id": inbox.flag(db, s.user, case_id, body.message_id if body else None).id}
