"""The backend's HTTP API, and the resident chat page."""
import asyncio
import logging
import re
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api import catalogue, config, console_api, handoff, incident_api, open311, places, rasa_client, sensitivity
from api.assist import AnswerRequest, AnswerResponse, answer
from api.auth import require_admin_token
from api.db import SessionLocal, WriteSession, reading
from api.logsafe import install_redaction
from api.models import Community, ServiceItem
from api.ratelimit import RateLimiter
from api.search import CatalogueIndex, decide

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("api")

EXPIRY_CHECK_SECONDS = 30


async def _expire_unclaimed_cases():
    """Unclaimed handoffs become call-backs even when the resident's page is closed."""
    while True:
        await asyncio.sleep(EXPIRY_CHECK_SECONDS)
        try:
            senders = await run_in_threadpool(_expire_now)
            for sender in senders:
                await run_in_threadpool(rasa_client.resume, sender)
        except Exception:  # a locked database or a restarting Rasa must not end the loop
            log.exception("expiring unclaimed cases failed; trying again shortly")


def _expire_now():
    with WriteSession() as session:
        return handoff.expire_all_unclaimed(session)


@asynccontextmanager
async def lifespan(_app):
    install_redaction()  # after uvicorn has set up its log handlers
    expiry = asyncio.create_task(_expire_unclaimed_cases())
    await run_in_threadpool(sensitivity.classifier)  # trained now, not on a resident's first message
    yield
    expiry.cancel()


app = FastAPI(title="Resident service backend", version="0.1.0", lifespan=lifespan)
app.include_router(incident_api.router)
app.include_router(open311.router)
app.include_router(console_api.router)
app.include_router(console_api.handoff_router)
app.add_exception_handler(open311.Open311Error, open311.error_handler)
app.mount("/static", StaticFiles(directory=STATIC), name="static")


def get_index() -> CatalogueIndex:
    if getattr(app.state, "index", None) is None:
        with SessionLocal() as session:
            app.state.index = CatalogueIndex.from_db(session)
    return app.state.index


@app.get("/healthz")
def healthz():
    return {"ok": True, "services": len(get_index().items)}


@app.get("/api/services")
def list_services(session=Depends(reading)):
    rows = session.execute(select(ServiceItem.code, ServiceItem.name).order_by(ServiceItem.code)).all()
    return [{"code": c, "name": n} for c, n in rows]


@app.get("/api/services/{code}")
def get_service(code: str, session=Depends(reading)):
    item = session.scalars(select(ServiceItem).where(ServiceItem.code == code)).first()
    if item is None:
        raise HTTPException(404, f"没有编码为 {code} 的事项")
    rec = {f: getattr(item, f) for f in catalogue.ITEM_FIELDS}
    rec["department"] = {"code": item.department.code, "name": item.department.name}
    return rec


@app.get("/api/search")
def search(q: str = "", limit: int = 5):
    if len(q) > 2000:
        raise HTTPException(422, "查询过长（最多2000字）")
    matches = get_index().search(q, limit=max(1, min(limit, 20)))
    decision, chosen = decide(matches)
    return {"decision": decision,
            "chosen": [m.code for m in chosen],
            "candidates": [{"code": m.code, "name": m.name, "score": round(m.score, 3), "matched": m.term, "how": m.how}
                           for m in matches]}


@app.post("/api/assist/service-answer", response_model=AnswerResponse)
def service_answer(req: AnswerRequest, session=Depends(reading)):
    return answer(session, get_index(), req)


@app.get("/api/communities")
def communities(session=Depends(reading)):
    rows = session.scalars(select(Community).order_by(Community.id)).all()
    return [{"name": c.name, "street": c.street.name, "centre": _centre(c.centre)} for c in rows]


@app.get("/api/communities/lookup")
def community_lookup(text: str = "", session=Depends(reading)):
    c = places.find_community(session, text[:200])
    if c is None:
        raise HTTPException(404, "没有找到这个社区")
    return {"name": c.name, "street": c.street.name, "centre": _centre(c.centre)}


def _centre(c):
    return {"name": c.name, "address": c.address, "hours": c.hours, "phone": c.phone, "window": c.window}


@app.get("/api/catalogue/export")
def export(session=Depends(reading)):
    return catalogue.export_catalogue(session)


@app.post("/api/catalogue/import", dependencies=[Depends(require_admin_token)])
async def import_(request: Request, replace: bool = False):
    try:
        doc = await request.json()
    except ValueError:
        raise HTTPException(422, "不是合法的 JSON")
    try:
        counts = await run_in_threadpool(_import, doc, replace)  # long, and may wait for the write lock
    except catalogue.CatalogueError as e:
        raise HTTPException(422, str(e))
    except IntegrityError as e:
        raise HTTPException(422, f"导入与现有数据冲突，未做任何修改：{e.orig}")
    app.state.index = None  # rebuilt on next use
    return counts


def _import(doc, replace: bool) -> dict:
    with WriteSession() as session:
        return catalogue.import_catalogue(session, doc, replace=replace)


# ---- resident chat page -------------------------------------------------------------------

SENDER = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
chat_limiter = RateLimiter(config.CHAT_BURST, config.CHAT_PER_SECOND)


class ChatIn(BaseModel):
    sender: str = Field(..., max_length=64)
    text: str = Field("", max_length=20000)


@app.get("/console")
def console_page():
    return FileResponse(STATIC / "console.html", headers={"Cache-Control": "no-cache"})


@app.get("/")
def chat_page():
    return FileResponse(STATIC / "chat.html", headers={"Cache-Control": "no-cache"})


@app.post("/api/chat")
async def chat(msg: ChatIn):
    """Relay a resident's message to the assistant's h5 channel and return its replies. While
    staff hold the conversation, the message also lands in their case (the bot is paused)."""
    if not SENDER.match(msg.sender):
        return JSONResponse({"detail": "会话标识无效，请刷新页面"}, status_code=422)
    if not chat_limiter.allow(msg.sender):
        wait = chat_limiter.retry_after(msg.sender)
        return JSONResponse({"detail": f"您发得太快了，请等{wait}秒再发。这条消息没有发出，内容还在输入框里。",
                             "retry_after": wait}, status_code=429, headers={"Retry-After": str(wait)})
    text = msg.text.strip()
    # The database work runs in a worker thread: it may queue for SQLite's write lock, and the
    # lock is let go before the (slow) call to the assistant.
    rated, with_staff = await run_in_threadpool(_record_resident_message, msg.sender, text)
    if rated:
        return {"messages": [{"text": "谢谢您的评价！还有其他问题，随时问我。"}]}
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(f"{config.RASA_URL}/webhooks/h5/webhook",
                                  json={"sender": msg.sender, "message": msg.text})
            r.raise_for_status()
            return {"messages": r.json(), "with_staff": with_staff}
    except (httpx.HTTPError, ValueError) as e:
        log.warning("assistant unreachable: %s", type(e).__name__)
        return JSONResponse({"messages": [{"text": f"抱歉，助手暂时无法回复，请稍后再试，或拨打热线{config.HOTLINE}。"}]},
                            status_code=503)


def _record_resident_message(sender: str, text: str) -> tuple:
    """(was it a satisfaction rating, do staff hold the conversation). Call-backs still waiting
    for staff also keep what the resident writes."""
    with WriteSession() as session:
        if handoff.take_rating(session, sender, text):
            return True, None
        case = handoff.listening_case(session, sender)
        if case is not None and text and len(text) <= config.MAX_MESSAGE_CHARS:
            handoff.resident_says(session, case, text)
        session.commit()
        return False, case is not None and case.status in handoff.OPEN_STATES


@app.get("/api/chat/updates")
def chat_updates(sender: str, session=Depends(reading)):
    """Staff replies not yet shown on the resident's page (polled by the page every 2 s, so
    the write lock is only taken when there is something to hand out)."""
    if not SENDER.match(sender):
        return JSONResponse({"detail": "会话标识无效"}, status_code=422)
    if not handoff.has_news(session, sender):
        return {"messages": [], "with_staff": handoff.active_case(session, sender) is not None}
    session.close()
    with WriteSession() as w:
        if handoff.expire_unclaimed(w, sender):
            rasa_client.resume(sender)  # nobody came: the assistant answers again meanwhile
        texts = handoff.undelivered(w, sender)
        return {"messages": [{"text": t, "from": "staff"} for t in texts],
                "with_staff": handoff.active_case(w, sender) is not None}
