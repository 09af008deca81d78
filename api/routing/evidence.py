"""Gathers what the backend knows about a message for the router: the catalogue search, the
incident classifier, the handoff triggers, a ticket number in the text, and whether this
conversation has filed a work order. The NLU's ranking comes with the request."""
from typing import Dict, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.guide.search import CatalogueIndex, asks_about, asks_anything
from api.guide.search import decide as guide_decision
from api.handoff import relay, sensitivity
from api.incidents import tickets
from api.incidents.categories import COMMAND_CENTRE, classifier
from api.incidents.models import Ticket
from api.places.locate import place_names
from api.routing import route_reader
from api.routing.router import Evidence
from shared.addresses import find_places
from shared.patterns import ticket_number_in

FRAGMENT = 20  # characters: a few words said after a guide


def has_ticket(session: Session, sender: str) -> bool:
    return session.scalars(select(Ticket.id).where(Ticket.reporter_ref == tickets.reporter_ref(sender))
                           .limit(1)).first() is not None


def gather(session: Session, index: CatalogueIndex, text: str, intents: Dict[str, float], sender: str = "",
           context_code: Optional[str] = None) -> Evidence:
    status, chosen = guide_decision(index.search(text))
    follows_up = bool(context_code) and context_code in index.items
    c = classifier(session).classify(text)
    learnt = route_reader.read(text)
    waiting = bool(sender) and relay.waiting_call_back(session, sender) is not None
    filed = bool(sender) and tickets.recent(session, sender) is not None
    return Evidence(
        text=text, intents=intents,
        guide=status if status in ("confident", "ambiguous") else "unknown",
        guide_score=chosen[0].score if chosen else 0.0, guide_item=chosen[0].name if chosen else None,
        guide_partial=bool(chosen) and chosen[0].how in ("partial", "inside"),
        # A letter whose department real letters teach, though no category of it fits, is a matter too.
        category=c.category.name if c.category else (None if c.department_code == COMMAND_CENTRE else c.department_code),
        category_score=c.confidence,
        # A question about an item, or a few words more about the one under discussion ("他九岁
        # 户口在我们这儿" after the 孤儿 guide): the classifier alone must be sure of a risk there.
        judge=sensitivity.judge(text, asks_about(status, text) or (follows_up and (asks_anything(text) or len(text) <= FRAGMENT))),
        ticket_number=ticket_number_in(text),
        has_ticket=bool(sender) and has_ticket(session, sender),
        learnt=learnt.label if learnt else None, learnt_margin=learnt.margin if learnt else 0.0,
        follows_up=follows_up, waiting_case=waiting, recent_ticket=filed, emergency=c.emergency,
        # A place told counts only for what follows a hand-over or a filing: the address
        # extractor (spaCy) runs for those messages alone, not for every message routed.
        gives_place=(waiting or filed) and bool(find_places(text, place_names(session))))
