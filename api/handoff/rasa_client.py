"""The calls the backend makes to the Rasa server: a resident's message to the h5 webhook
(private: it carries RSA_SERVICE_TOKEN), and on Rasa's HTTP API (loopback, RSA_RASA_TOKEN) wake a
paused conversation when staff hand it back, and keep staff replies in the transcript."""
import logging
from typing import List

import httpx

from shared.settings import get_settings

log = logging.getLogger(__name__)


# Longer than a turn's slowest path: the action server waits up to RSA_BACKEND_TIMEOUT per call.
TURN_TIMEOUT = 60


class AssistantUnavailable(Exception):
    pass


async def send_message(sender: str, text: str) -> list:
    """One resident message through the assistant's h5 webhook; its replies."""
    settings = get_settings()
    try:
        async with httpx.AsyncClient(timeout=TURN_TIMEOUT) as client:
            r = await client.post(f"{settings.rasa_url}/webhooks/h5/webhook", json={"sender": sender, "message": text},
                                  headers={"X-Service-Token": settings.service_token})
            r.raise_for_status()
            return r.json()
    except (httpx.HTTPError, ValueError) as e:
        log.warning("assistant unreachable: %s", type(e).__name__)
        raise AssistantUnavailable from e


def _post_events(sender: str, events: List[dict]) -> bool:
    settings = get_settings()
    try:
        r = httpx.post(f"{settings.rasa_url}/conversations/{sender}/tracker/events", params={"token": settings.rasa_token},
                       json=events, timeout=10)
        r.raise_for_status()
        return True
    except httpx.HTTPError as e:
        log.error("Rasa API call failed: %s", type(e).__name__)
        return False


def record_staff_reply(sender: str, text: str) -> bool:
    return _post_events(sender, [{"event": "bot", "text": text, "metadata": {"from": "staff"}}])


def pause(sender: str) -> bool:
    """Staff took up a call-back: the assistant stays quiet while they talk to the resident."""
    return _post_events(sender, [{"event": "pause"}])


def resume(sender: str) -> bool:
    # The paused conversation stopped right after action_request_human; without the listen
    # Rasa would take the next message as arriving mid-turn and its rules would not match.
    return _post_events(sender, [{"event": "resume"}, {"event": "action", "name": "action_listen"}])
