"""The calls the backend makes to the Rasa server: a resident's message to the h5 webhook
(private: it carries RSA_SERVICE_TOKEN), and on Rasa's HTTP API (loopback, RSA_RASA_TOKEN) wake a
paused conversation when staff hand it back, and keep staff replies in the transcript. Those
last calls are queued in the database (the outbox) and retried until Rasa confirms them."""
import logging
import threading
from typing import List, Optional

import httpx
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.core import clock
from api.core.db import SessionLocal, WriteSession
from api.handoff.models import HandoffCase, RasaOutbox
from api.handoff.states import CaseStatus
from shared.redact import mask_personal
from shared.settings import get_settings
from shared.textnorm import clean

log = logging.getLogger(__name__)


# Longer than a turn's slowest path: the action server waits up to RSA_BACKEND_TIMEOUT per call.
TURN_TIMEOUT = 60
EVENTS_TIMEOUT = 10
_delivering = threading.Lock()


class AssistantUnavailable(Exception):
    pass


async def send_message(sender: str, text: str, channel: str = "h5", metadata: Optional[dict] = None) -> list:
    """One resident message through the assistant's private webhook for its channel (h5, wechat,
    voice: bot/channels/); its replies. `metadata` goes with the message into the transcript (the
    voice channel's speech-recognition confidence)."""
    settings = get_settings()
    body = {"sender": sender, "message": text, **({"metadata": metadata} if metadata else {})}
    try:
        async with httpx.AsyncClient(timeout=TURN_TIMEOUT) as client:
            r = await client.post(f"{settings.rasa_url}/webhooks/{channel}/webhook", json=body,
                                  headers={"X-Service-Token": settings.service_token})
            r.raise_for_status()
            return r.json()
    except (httpx.HTTPError, ValueError) as e:
        log.warning("assistant unreachable: %s", type(e).__name__)
        raise AssistantUnavailable from e


def _post_events(sender: str, events: List[dict]) -> Optional[str]:
    """None when Rasa took the events, else why not."""
    settings = get_settings()
    try:
        r = httpx.post(f"{settings.rasa_url}/conversations/{sender}/tracker/events", params={"token": settings.rasa_token},
                       json=events, timeout=EVENTS_TIMEOUT)
        r.raise_for_status()
        return None
    except httpx.HTTPStatusError as e:
        log.error("Rasa API call failed: HTTP %s", e.response.status_code)
        return f"HTTP {e.response.status_code}"
    except httpx.HTTPError as e:
        log.error("Rasa API call failed: %s", type(e).__name__)
        return type(e).__name__[:100]


# What the backend owes the assistant goes through the outbox (RasaOutbox): queued in the staff
# action's own transaction, sent after its commit, retried in order until Rasa confirms. A
# failed call used to be only logged, and a handed-back conversation stayed paused for good.

def _queue(session: Session, sender: str, kind: str, events: List[dict]) -> None:
    session.add(RasaOutbox(sender=sender, kind=kind, events=events, created_at=clock.now(), attempts=0))


def record_staff_reply(session: Session, sender: str, text: str, name: Optional[str] = None) -> None:
    """A staff line for the transcript; `name` (default: whoever holds the case) is what the
    resident's page shows above it when the conversation is redrawn."""
    # The tracker store never holds a phone or ID number in clear, whoever typed it.
    text, _ = mask_personal(clean(text))
    meta = {"from": "staff"}
    name = name or _holder(session, sender)
    if name:
        meta["name"] = name
    _queue(session, sender, "staff_line", [{"event": "bot", "text": text, "metadata": meta}])


def record_notice(session: Session, sender: str, text: str) -> None:
    """A notice about the handoff (a person took it, handed it back ...) for the transcript, so the
    resident's page redraws it in its place after a reload."""
    text, _ = mask_personal(clean(text))
    _queue(session, sender, "notice", [{"event": "bot", "text": text, "metadata": {"from": "system"}}])


def _holder(session: Session, sender: str) -> Optional[str]:
    case = session.scalars(select(HandoffCase).where(HandoffCase.sender == sender,
                                                     HandoffCase.status == CaseStatus.CLAIMED)).first()
    return case.assignee.display_name if case is not None and case.assignee else None


def events(sender: str) -> List[dict]:
    """The conversation's tracker events, all sessions (Rasa's HTTP API, read only)."""
    settings = get_settings()
    try:
        r = httpx.get(f"{settings.rasa_url}/conversations/{sender}/tracker",
                      params={"token": settings.rasa_token, "include_events": "ALL"}, timeout=EVENTS_TIMEOUT)
        r.raise_for_status()
        return r.json().get("events") or []
    except (httpx.HTTPError, ValueError, AttributeError) as e:
        log.warning("Rasa tracker unreadable: %s", type(e).__name__)
        raise AssistantUnavailable from e


def pause(session: Session, sender: str) -> None:
    """Staff took up a call-back: the assistant stays quiet while they talk to the resident."""
    _queue(session, sender, "pause", [{"event": "pause"}])


def resume(session: Session, sender: str) -> None:
    # The paused conversation stopped right after action_request_human; without the listen
    # Rasa would take the next message as arriving mid-turn and its rules would not match.
    _queue(session, sender, "resume", [{"event": "resume"}, {"event": "action", "name": "action_listen"}])


def deliver(sender: Optional[str] = None) -> dict:
    """Send what is owed, oldest first: to one conversation (before its resident's message is
    relayed, after a staff action) or to all (the background loop). A conversation's calls never
    overtake each other: after a refusal its later calls wait; when Rasa cannot be reached at
    all, the round stops. Returns `state(sender)`."""
    with _delivering:  # one sender at a time in this process: nothing is sent twice
        with SessionLocal() as s:
            q = select(RasaOutbox).order_by(RasaOutbox.id)
            rows = s.scalars(q.where(RasaOutbox.sender == sender) if sender else q).all()
        held = set()  # conversations with an undelivered call: their later calls wait
        for row in rows:
            if row.sender in held:
                continue
            error = _post_events(row.sender, row.events)
            with WriteSession() as w:
                if error is None:
                    w.execute(delete(RasaOutbox).where(RasaOutbox.id == row.id))
                else:
                    w.execute(update(RasaOutbox).where(RasaOutbox.id == row.id).values(
                        attempts=RasaOutbox.attempts + 1, last_error=error, last_try_at=clock.now()))
                w.commit()
            if error is not None:
                if not error.startswith("HTTP"):
                    break  # Rasa is away: everything waits for the next round, in order
                held.add(row.sender)  # refused for this conversation only: the others go on
    with SessionLocal() as s:
        return state(s, sender) if sender else {}


def state(session: Session, sender: str) -> dict:
    """What the console shows on a case: calls to the assistant not yet confirmed."""
    rows = session.scalars(select(RasaOutbox).where(RasaOutbox.sender == sender).order_by(RasaOutbox.id)).all()
    if not rows:
        return {"pending": 0}
    first = rows[0]
    return {"pending": len(rows), "kinds": [r.kind for r in rows], "failed": any(r.attempts for r in rows),
            "attempts": first.attempts, "last_error": first.last_error,
            "since": first.created_at.isoformat(timespec="seconds")}
