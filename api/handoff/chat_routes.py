"""The resident chat page's routes: each message is relayed to the assistant's h5 channel;
while staff hold the conversation it also lands in their case, and staff replies are
picked up by the page."""
import logging
import re
from functools import lru_cache

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.core.db import WriteSession
from api.core.deps import reading
from api.core.ratelimit import RateLimiter
from api.handoff import rasa_client, relay
from api.places import directory
from shared.settings import get_settings

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/chat")
SENDER = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@lru_cache(maxsize=1)
def limiter() -> RateLimiter:
    """One bucket per conversation, for this process (the settings are read on first use)."""
    s = get_settings()
    return RateLimiter(s.chat_burst, s.chat_per_second)


class ChatIn(BaseModel):
    sender: str = Field(..., max_length=64)
    text: str = Field("", max_length=20000)


class UpdatesIn(BaseModel):
    sender: str = Field(..., max_length=64)


def _bad_sender() -> JSONResponse:
    return JSONResponse({"detail": "会话标识无效，请刷新页面"}, status_code=422)


@router.get("/info")
def info(session=Depends(reading)):
    """What the page says about the district (its name, the hotline)."""
    return directory.district_info(session)


@router.post("")
async def chat(msg: ChatIn):
    if not SENDER.match(msg.sender):
        return _bad_sender()
    if not limiter().allow(msg.sender):
        wait = limiter().retry_after(msg.sender)
        return JSONResponse({"detail": f"您发得太快了，请等{wait}秒再发。这条消息没有发出，内容还在输入框里。",
                             "retry_after": wait}, status_code=429, headers={"Retry-After": str(wait)})
    # The database work runs in a worker thread: it may queue for SQLite's write lock, and the
    # lock is let go before the (slow) call to the assistant.
    rated, with_staff = await run_in_threadpool(_record, msg.sender, msg.text.strip())
    if rated:
        return {"messages": [{"text": "谢谢您的评价！还有其他问题，随时问我。"}]}
    try:
        return {"messages": await rasa_client.send_message(msg.sender, msg.text), "with_staff": with_staff}
    except rasa_client.AssistantUnavailable:
        hotline = get_settings().hotline
        return JSONResponse({"messages": [{"text": f"抱歉，助手暂时无法回复，请稍后再试，或拨打热线{hotline}。"}]},
                            status_code=503)


def _record(sender: str, text: str) -> tuple:
    with WriteSession() as session:
        return relay.record_resident_message(session, sender, text)


@router.post("/updates")
def updates(body: UpdatesIn, session=Depends(reading)):
    """Staff replies not yet shown on the resident's page (polled by the page every 2 s; the
    write lock is only taken when there is something to hand out)."""
    if not SENDER.match(body.sender):
        return _bad_sender()
    if not relay.has_news(session, body.sender):
        return {"messages": [], "with_staff": relay.active_case(session, body.sender) is not None}
    session.close()
    with WriteSession() as w:
        if relay.expire_unclaimed(w, body.sender):
            rasa_client.resume(body.sender)  # nobody came: the assistant answers again meanwhile
        texts = relay.deliver(w, body.sender)
        return {"messages": [{"text": t, "from": "staff"} for t in texts],
                "with_staff": relay.active_case(w, body.sender) is not None}
