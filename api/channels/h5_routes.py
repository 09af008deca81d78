"""The resident chat page's routes: each message is one turn (api/channels/turn.py) through the
assistant's h5 channel; while staff hold the conversation it also lands in their case, and staff
replies are picked up by the page."""
import hashlib
import hmac
import logging
import secrets
from functools import lru_cache

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.channels import turn
from api.core.db import WriteSession
from api.core.deps import reading
from api.core.net import client_address, is_https
from api.core.ratelimit import RateLimiter
from api.handoff import rasa_client, relay, transcript
from api.places import directory
from shared.settings import get_settings
from shared.textnorm import clean

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/chat")
COOKIE = relay.CHAT_COOKIE
KEY_FILE = turn.KEY_FILE
_key = turn.conversation_key  # signs the cookies


def _signature(nonce: str) -> str:
    key = _key(get_settings().var_dir)
    return hmac.new(key, ("rsa-chat-cookie:" + nonce).encode(), hashlib.sha256).hexdigest()[:32]


def _issue() -> str:
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_signature(nonce)}"


def _valid(token: str) -> bool:
    """Only tokens this backend issued: a made-up one would be a new conversation that skipped
    the per-address limit."""
    nonce, _, sig = (token or "").partition(".")
    return len(nonce) == 32 and len(sig) == 32 and hmac.compare_digest(sig, _signature(nonce))


@lru_cache(maxsize=1)
def new_chats() -> RateLimiter:
    """New conversations per client address: a fresh id per message must not walk around the
    per-conversation limit."""
    n = get_settings().new_chats_per_hour
    return RateLimiter(n, n / 3600)


# Said before anything is recorded or relayed (the h5 channel says the same to other callers);
# the page puts the words back in the input box, to shorten or split.
TOO_LONG = ("您的消息有点长（{length}字，我一次最多能看{limit}字），这条还没有发出，您输入的内容还在输入框里。"
            "请删减一些再发，或者分成几条发给我。")


class ChatIn(BaseModel):
    # A `sender` in the body (older pages) is ignored: the conversation is the cookie's. No
    # max_length: a long text gets the polite answer below, not a validation error (the body
    # itself is bounded by api/core/guard.py).
    text: str = ""


def _conversation(request: Request) -> tuple:
    """(sender, new cookie token or None, refusal or None). The conversation is bound to an
    unguessable token in an HttpOnly cookie; its sender id is derived from it, never chosen by
    the client, so knowing a sender id gives nobody the resident's staff replies."""
    token = request.cookies.get(COOKIE, "")
    if _valid(token):
        return relay.sender_for(token), None, None
    if not new_chats().allow(client_address(request)):
        hotline = get_settings().hotline
        return None, None, JSONResponse(
            {"detail": f"从您的网络新开的对话太多了，请过一会儿再试，或拨打热线{hotline}。这条消息没有发出，内容还在输入框里。"},
            status_code=429, headers={"Retry-After": "60"})
    token = _issue()
    return relay.sender_for(token), token, None


def _with_cookie(request: Request, response: Response, token) -> Response:
    if token:
        response.set_cookie(COOKIE, token, max_age=get_settings().retention_days * 86400, path="/", httponly=True,
                            samesite="lax", secure=is_https(request))
    return response


def _readable(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): no character anyone typed
        return False


@router.get("/info")
def info(request: Request, response: Response, session=Depends(reading)):
    """What the page says about the district (its name, the hotline); a first visit also gets
    its conversation cookie here."""
    token = None
    if not _valid(request.cookies.get(COOKIE, "")):
        _, token, _refused = _conversation(request)  # over the limit: no cookie yet, /api/chat says why
    _with_cookie(request, response, token)
    return directory.district_info(session)


@router.post("")
async def chat(msg: ChatIn, request: Request):
    if not _readable(msg.text):
        return JSONResponse({"detail": "消息里有无法识别的字符，请删掉后重新发送。这条消息没有发出。"}, status_code=400)
    length, limit = len(clean(msg.text)), get_settings().max_message_chars
    if length > limit:
        return JSONResponse({"detail": TOO_LONG.format(length=length, limit=limit)}, status_code=400)
    sender, token, refused = _conversation(request)
    if refused is not None:
        return refused
    response = await _chat(sender, msg.text)
    return _with_cookie(request, response, token)


async def _chat(sender: str, text: str) -> Response:
    made = await turn.take(sender, text, "h5")
    if made.refused == "too_fast":
        return JSONResponse({"detail": made.messages[0]["text"], "retry_after": made.retry_after}, status_code=429,
                            headers={"Retry-After": str(made.retry_after)})
    if made.refused == "unavailable":
        return JSONResponse({"messages": made.messages}, status_code=503)
    return JSONResponse({"messages": made.messages, "with_staff": made.with_staff})


@router.post("/updates")
def updates(request: Request, session=Depends(reading)):
    """Staff replies not yet shown on the resident's page (polled by the page every 2 s; the
    write lock is only taken when there is something to hand out). Only the cookie's own
    conversation: a body naming another is ignored."""
    token = request.cookies.get(COOKIE, "")
    if not _valid(token):
        return {"messages": [], "with_staff": False}
    sender = relay.sender_for(token)
    if not relay.has_news(session, sender):
        return {"messages": [], "with_staff": relay.active_case(session, sender) is not None}
    session.close()
    with WriteSession() as w:
        if relay.expire_unclaimed(w, sender):
            # Nobody came: the assistant answers again meanwhile (queued; sent before the
            # resident's next message is relayed, or by the background round).
            rasa_client.resume(w, sender)
        return {"messages": relay.deliver(w, sender), "with_staff": relay.active_case(w, sender) is not None}


@router.get("/history")
def history(request: Request, session=Depends(reading)):
    """The conversation so far, for a reloaded page: the resident's lines, the assistant's (the
    buttons of its last question, while unanswered), staff lines with names, and notices. Read
    from the assistant's transcript (masked text only); lines the page has not picked up yet are
    left to /updates, so nothing is drawn twice. Only the cookie's own conversation."""
    token = request.cookies.get(COOKIE, "")
    if not _valid(token):
        return {"messages": []}
    sender = relay.sender_for(token)
    pending = [m["text"] for m in relay.undelivered(session, sender)]
    session.close()
    try:
        events = rasa_client.events(sender)
    except rasa_client.AssistantUnavailable:
        return JSONResponse({"messages": [], "detail": "暂时读不到之前的对话"}, status_code=503)
    return {"messages": transcript.lines(events, pending)}
