"""POST /api/route: what a resident's message is (api/routing/router.py), for the action server."""
import logging
from dataclasses import replace
from typing import Dict, List, Optional

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, constr, validator

from api.core.db import WriteSession
from api.core.deps import reading, require_service_token
from api.guide import index
from api.handoff import contact, relay
from api.incidents import tickets
from api.places.locate import place_names
from api.routing import router as decision
from api.routing.evidence import gather
from api.routing.history import record
from shared.addresses import find_places
from shared.patterns import phone_in

router = APIRouter(prefix="/api", dependencies=[Depends(require_service_token)])


class RouteIn(BaseModel):
    text: str = Field(..., max_length=5000)
    intents: Dict[str, float] = {}   # the NLU's intent ranking: name → confidence
    sender: str = Field("", max_length=100)
    context_code: Optional[str] = Field(None, max_length=32)  # the service item under discussion
    # The message a clarifying question asked about, answered now in words rather than by a button
    # ("就是湖滨路口那个站 我电话…"): the two are one message, and the question is not asked twice.
    earlier: Optional[str] = Field(None, max_length=5000)
    # The items the assistant just offered to choose between: what follows is about them too.
    choices: List[constr(max_length=100)] = Field([], max_items=10)

    @validator("intents")
    def _few(cls, v):
        if len(v) > 50:
            raise ValueError("at most 50 intents")
        return {k[:64]: max(0.0, min(1.0, float(p))) for k, p in v.items()}


def decide(session, body: RouteIn) -> decision.Decision:
    """The message's route; a chat message holding a question and a report (or a suggestion)
    is routed to the report, with the question to answer first."""
    catalogue = index.current()
    if body.earlier:
        return answered_in_words(session, body)
    # "店就十几平米" after a choice of 个体工商户登记 and 小餐饮登记: more about those, as after a guide.
    context = body.context_code or next((code for code, (name, _) in catalogue.items.items() if name in body.choices), None)
    made = decision.decide(gather(session, catalogue, body.text, body.intents, body.sender, context))
    # ("残疾人的燃油补贴怎么申请 还有…井盖松掉了" reads as hardship whole: its halves are a question and a report)
    if made.route not in (decision.SERVICE, decision.INCIDENT, decision.SUGGESTION, decision.CLARIFY, decision.HARDSHIP):
        return made
    for a, b in decision.halves(body.text):
        # The NLU read the whole message: each half stands on its own words.
        read = [(ev, decision.decide(ev)) for ev in (gather(session, catalogue, part, {}, body.sender) for part in (a, b))]
        both = decision.two_requests(*read) or (made.route == decision.SERVICE and decision.two_questions(*read))
        if both:
            return both
    return made


def answered_in_words(session, body: RouteIn) -> decision.Decision:
    """The two messages as one, routed to one of the readings the question asked between (never
    asked again). Told where it is or how to be called back, what a report needs: a report."""
    catalogue = index.current()
    earlier, latest = (gather(session, catalogue, t, i, body.sender) for t, i in ((body.earlier, body.intents), (body.text, {})))
    if decision.asks_something_else(earlier, latest):
        return replace(decision.settled(decision.decide(latest)), stands_alone=True)
    asked = decision.decide(earlier)
    made = decision.decide(gather(session, catalogue, f"{body.earlier}\n{body.text}", body.intents, body.sender))
    if asked.route != decision.CLARIFY or made.route not in (*asked.between, decision.CLARIFY):
        return decision.settled(made)
    reporting = phone_in(body.text) or find_places(body.text, place_names(session))
    between = decision.Decision(decision.CLARIFY, made.scores, made.reasons, between=asked.between)
    return decision.settled(between, prefer=decision.INCIDENT if reporting else made.route)


@router.post("/route")
def route(body: RouteIn, session=Depends(reading)):
    decided = decide(session, body)
    made = decided.as_dict()
    if decided.route == decision.CASE:
        # What the assistant tells the resident about the person to come, or the work order just filed.
        case = relay.waiting_call_back(session, body.sender)
        filed = tickets.recent(session, body.sender)
        # the later of the two: a suggestion filed after a hand-over is what the place is about
        filed = filed if filed and (case is None or filed.created_at >= case.created_at) else None
        made["ticket"] = filed.number if filed else None
        made["case"] = {"centre": case.centre.name, "centre_phone": case.centre.phone, "centre_hours": case.centre.hours,
                        "has_phone": contact.phone_to_call(session, case) is not None,
                        "asks_when": decided.reasons[0] == decision.ASKS_WHEN} if case else None
    try:  # kept for the admins' review inbox; the resident's answer never waits on it failing
        with WriteSession() as w:
            record(w, body.sender, body.text, body.intents, made)
            w.commit()
    except Exception:
        logging.getLogger("api").exception("routing decision not recorded")
    return made
