"""The WeChat Official Account's server address (服务器地址): GET /wechat for URL verification,
POST /wechat for every push. Each message is one turn (api/channels/turn.py) on the assistant's
private "wechat" channel, under a sender id derived from the openid with a key (the openid
itself never reaches Rasa, the logs or the cases).

WeChat waits 5 seconds for an answer and then retries, up to three times. Each push is
recorded once (ChannelInbound, by MsgId, or sender + CreateTime for events), so a retry never
runs a second turn: it waits for the first one's answer. The answer goes back in the reply when
it is ready within RSA_WECHAT_PASSIVE_SECONDS; otherwise the reply is "success" and the answer
follows through the customer-service API (api/channels/outbox.py). Exactly one of the two
happens: whoever hands the answer out first marks the record (working → replied | pushed)."""
import asyncio
import datetime as dt
import logging
from typing import Dict, List, Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from api.channels import media, outbox, turn, wechat
from api.channels.models import ChannelInbound
from api.channels.wechat_render import chosen, render
from api.core import clock
from api.core.db import SessionLocal, WriteSession
from api.core.deps import reading
from api.handoff import relay
from api.places import directory
from shared.settings import get_settings
from shared.textnorm import clean

log = logging.getLogger(__name__)
router = APIRouter()
PATH = "/wechat"
SUCCESS = "success"  # WeChat's "answered, do not retry, show nothing"
CHOICES_LAST = dt.timedelta(hours=24)

# Notices about the channel itself; what the assistant says is Rasa's (bot/domain).
WELCOME = ("您好，欢迎关注{district}便民服务！我是智能助手，可以帮您：\n"
           "· 查办事指南：要带什么材料、在哪里办、多久办好，比如“居住证要什么材料”；\n"
           "· 反映问题：直接说是什么事、在哪里，也可以发照片和位置；\n"
           "· 查工单进度，或转给工作人员（回复“转人工”）。\n"
           "隐私提示：您发来的文字、语音识别的文字、照片和位置只用于办理您的事情；手机号和身份证号在对话记录里会被遮盖；"
           "对话记录保存{days}天后删除。")
MENU_PROMPTS = {
    "GUIDE": "想办什么事？直接告诉我就行，比如“居住证要什么材料”“老年证在哪里办”。",
    "REPORT": "请直接说说是什么问题、在哪里，比如“柳岸新村5幢楼下路灯坏了”。也可以发照片或位置，提交时会附在工单上。",
}
# Menu items that are things a resident says: the assistant answers them as if typed.
MENU_WORDS = {"PROGRESS": "我反映的问题怎么样了", "HUMAN": "转人工"}
UNSUPPORTED = "抱歉，目前只能处理文字、语音、图片和位置。请用文字告诉我您想办的事或要反映的问题。"
NO_RECOGNITION = "抱歉，这段语音没能识别出文字。请再说一遍，或者直接打字告诉我。"
PHOTO_KEPT = "照片收到了。如果您正在反映问题，提交工单时我会把照片附上；还没说的话，请用文字告诉我是什么问题、在哪里。"
PHOTO_ATTACHED = "照片收到了，已附在工单{number}上，工作人员处理时能看到。"
PHOTO_TO_STAFF = "照片收到了，工作人员能看到。"
PHOTO_FAILED = "抱歉，{why}。可以再发一次，或者用文字描述一下情况。"
TOO_LONG = "您的消息有点长（{length}字，我一次最多能看{limit}字），这条没有处理。请删减一些，或者分成几条发给我。"
TOO_FAST = "您发得太快了，请等{wait}秒再发。刚才这条没有处理，请稍后重新发送。"
UNAVAILABLE = "抱歉，助手暂时无法回复，刚才这条没有处理。请过一会儿再发一次，或拨打热线{hotline}。"
FAILED = "抱歉，系统暂时出了点问题，刚才这条没有处理好。请稍后再发一次，或拨打热线{hotline}。"

_inflight: Dict[str, asyncio.Task] = {}   # turns still running in this process, by inbound key
_waiting: Dict[str, int] = {}             # requests (the push or its retries) waiting for them


def sender_for(openid: str) -> str:
    """The conversation's id: keyed with the chat cookies' secret (var/), so an openid seen
    elsewhere cannot be turned into a conversation id, and stable across restarts."""
    return turn.keyed_sender(outbox.SENDER_PREFIX, "rsa-wechat", openid)


@router.get(PATH)
def verify(request: Request):
    try:
        return PlainTextResponse(wechat.echo(request.query_params))
    except wechat.Refused as e:
        log.info("wechat verification refused: %s", e)
        return Response(status_code=e.status)


@router.post(PATH)
async def push(request: Request):
    body = await request.body()  # capped by api/core/guard.py before it is read
    try:
        inbound = wechat.read(body, request.query_params)
    except wechat.Refused as e:
        log.info("wechat push refused: %s", e)
        return Response(status_code=e.status)
    return await answer(inbound, request.query_params)


@router.get(media.ROUTE + "{token}")
def photo(token: str, session=Depends(reading)):
    """A photo a resident sent, for staff and Open311 clients; the token is the only key."""
    row = media.find(session, token)
    if row is None:
        return Response(status_code=404)
    return FileResponse(row.path, media_type=row.content_type, headers={"Cache-Control": "private, max-age=86400"})


# ---- one push, answered once ------------------------------------------------------------------

async def answer(inbound: wechat.Inbound, query) -> Response:
    sender = sender_for(inbound.openid)
    key = inbound.key(sender)
    status, reply = await run_in_threadpool(_arrived, key, sender, inbound)
    if status is None:  # the first time: the turn starts
        task = asyncio.create_task(_work(key, sender, inbound))
        _inflight[key] = task
        return await _wait(key, sender, task, inbound, query)
    if status == "replied":  # WeChat did not get our reply: the same again
        return _reply(inbound, sender, (reply or {}).get("parts") or [], query)
    if status == "pushed":
        return PlainTextResponse(SUCCESS)
    task = _inflight.get(key)
    if task is not None:
        return await _wait(key, sender, task, inbound, query)
    return await _watch(key, sender, inbound, query)


def _arrived(key: str, sender: str, inbound: wechat.Inbound) -> tuple:
    """(None, None) for a new push (recorded, and the openid kept to write back), else the
    record's (status, reply)."""
    with WriteSession() as w:
        row = w.scalars(select(ChannelInbound).where(ChannelInbound.channel == outbox.CHANNEL,
                                                     ChannelInbound.key == key)).first()
        if row is not None:
            return row.status, row.reply
        w.add(ChannelInbound(channel=outbox.CHANNEL, key=key, sender=sender, received_at=clock.now(), status="working"))
        outbox.noted(w, sender, inbound.openid, inbound.event if inbound.kind == "event" else None)
        if inbound.event == "unsubscribe":
            outbox.forget(w, sender)
        try:
            w.commit()
        except IntegrityError:  # a retry recorded it a moment ago, in another worker
            w.rollback()
            row = w.scalars(select(ChannelInbound).where(ChannelInbound.channel == outbox.CHANNEL,
                                                         ChannelInbound.key == key)).one()
            return row.status, row.reply
    return None, None


async def _wait(key: str, sender: str, task: asyncio.Task, inbound: wechat.Inbound, query) -> Response:
    """Wait up to the budget for the turn; answer in the reply if it is ready and nobody has
    handed it out yet, else "success" (the turn pushes it when done)."""
    _waiting[key] = _waiting.get(key, 0) + 1
    try:
        await asyncio.wait_for(asyncio.shield(task), get_settings().wechat_passive_seconds)
    except asyncio.TimeoutError:
        pass
    finally:
        _waiting[key] -= 1
        if not _waiting[key]:
            del _waiting[key]
    # Checked with no await since the wait: the turn, on finishing, saw this request waiting and
    # left its answer to it; or it saw nobody and pushed it.
    if not task.done() or task.cancelled() or task.exception() is not None:
        return PlainTextResponse(SUCCESS)  # still working (it pushes when done), or it failed (logged)
    parts = task.result()
    if not await run_in_threadpool(_settle, key, sender, parts, "replied"):
        return PlainTextResponse(SUCCESS)  # another request (a retry) answered it
    return _reply(inbound, sender, parts, query, rest=len(parts) > 1)


async def _watch(key: str, sender: str, inbound: wechat.Inbound, query) -> Response:
    """A retry whose turn runs in another worker (or has just ended): its record, for the budget."""
    end = asyncio.get_running_loop().time() + get_settings().wechat_passive_seconds
    while asyncio.get_running_loop().time() < end:
        await asyncio.sleep(0.2)
        with SessionLocal() as s:
            row = s.scalars(select(ChannelInbound).where(ChannelInbound.channel == outbox.CHANNEL,
                                                         ChannelInbound.key == key)).one()
        if row.status == "replied":
            return _reply(inbound, sender, (row.reply or {}).get("parts") or [], query)
        if row.status == "pushed":
            break
    return PlainTextResponse(SUCCESS)


def _reply(inbound: wechat.Inbound, sender: str, parts: List[str], query, rest: bool = False) -> Response:
    """The first message in the reply; the rest (a long answer) were queued with it and are
    pushed once the reply is out."""
    background = BackgroundTask(outbox.flush, sender) if rest else None
    if not parts:
        return PlainTextResponse(SUCCESS, background=background)
    return Response(wechat.reply(inbound, parts[0], query), media_type="application/xml", background=background)


def _settle(key: str, sender: str, parts: List[str], how: str) -> bool:
    """Mark the answer handed out (replied: the first part in the reply; pushed: all of it by
    the API) unless someone did already; queue what the API must carry. True: it was ours."""
    with WriteSession() as w:
        ours = w.execute(update(ChannelInbound).where(ChannelInbound.channel == outbox.CHANNEL, ChannelInbound.key == key,
                                                      ChannelInbound.status == "working")
                         .values(status=how, reply={"parts": parts})).rowcount == 1
        if ours:
            outbox.enqueue(w, sender, parts[1:] if how == "replied" else parts, "reply")
        w.commit()
    return ours


async def _work(key: str, sender: str, inbound: wechat.Inbound) -> List[str]:
    """The turn, rendered for WeChat. Left to a waiting request to reply, or pushed."""
    try:
        try:
            messages = await _messages(sender, inbound)
        except Exception:  # the resident still hears something; details in the log
            log.exception("wechat turn failed")
            messages = [{"text": FAILED.format(hotline=get_settings().hotline)}]
        parts, _ = render(messages)
        if _waiting.get(key):
            return parts
        if await run_in_threadpool(_settle, key, sender, parts, "pushed"):
            await run_in_threadpool(outbox.flush, sender)
        return parts
    finally:
        _inflight.pop(key, None)


# ---- what each kind of push says -----------------------------------------------------------------

async def _messages(sender: str, inbound: wechat.Inbound) -> List[dict]:
    kind = inbound.kind
    if kind == "text":
        return await _said(sender, inbound.text, choose=True)
    if kind == "voice":
        if not inbound.text.strip():
            return [{"text": NO_RECOGNITION}]
        return await _said(sender, inbound.text, choose=True)
    if kind == "image":
        return await _photo(sender, inbound)
    if kind == "location":
        return await _place(sender, inbound)
    if kind == "event":
        return await _event(sender, inbound)
    return [{"text": UNSUPPORTED}]


async def _said(sender: str, text: str, choose: bool = False) -> List[dict]:
    """Words for the assistant: a number typed back picks the choice offered last."""
    length, limit = len(clean(text)), get_settings().max_message_chars
    if length > limit:
        return [{"text": TOO_LONG.format(length=length, limit=limit)}]
    if choose:
        text = await run_in_threadpool(_choice, sender, text) or text
    made = await turn.take(sender, text, outbox.CHANNEL)
    if made.refused == "too_fast":
        return [{"text": TOO_FAST.format(wait=made.retry_after)}]
    if made.refused == "unavailable":
        return [{"text": UNAVAILABLE.format(hotline=get_settings().hotline)}]
    _, choices = render(made.messages)
    await run_in_threadpool(_remember, sender, choices)
    notes = await run_in_threadpool(media.attach_pending, sender)
    return made.messages + [{"text": n} for n in notes]


def _choice(sender: str, text: str) -> Optional[str]:
    with SessionLocal() as s:
        data = outbox.state(s, sender)
    offered = data.get("choices") or []
    if not offered or clock.now() - dt.datetime.fromisoformat(data["choices_at"]) > CHOICES_LAST:
        return None
    return chosen(text, offered)


def _remember(sender: str, choices: List[dict]) -> None:
    """The choices of the assistant's latest answer (none: a number typed next is just words)."""
    with WriteSession() as w:
        data = outbox.state(w, sender)
        data.pop("choices", None)
        if choices:
            data.update(choices=choices, choices_at=clock.now().isoformat(timespec="seconds"))
        outbox.save_state(w, sender, data)
        w.commit()


async def _photo(sender: str, inbound: wechat.Inbound) -> List[dict]:
    try:
        row = await run_in_threadpool(media.fetch, sender, inbound.media_id)
    except media.MediaError as e:
        return [{"text": PHOTO_FAILED.format(why=e)}]
    return [{"text": await run_in_threadpool(_keep_photo, sender, media.url(row.token))}]


def _keep_photo(sender: str, url: str) -> str:
    with WriteSession() as w:
        number = media.keep(w, sender, {"media_url": url})
        # Staff holding the conversation (or about to call back) see it among the resident's lines.
        if relay.listening_case(w, sender) is not None:
            relay.record_resident_message(w, sender, f"[照片] {url}")
        with_staff = relay.active_case(w, sender) is not None
        w.commit()
    if number:
        return PHOTO_ATTACHED.format(number=number)
    return PHOTO_TO_STAFF if with_staff else PHOTO_KEPT


async def _place(sender: str, inbound: wechat.Inbound) -> List[dict]:
    """The place's name is what the resident says (the report form takes it as the address);
    the coordinates go onto the report (and find its grid when the name did not)."""
    if inbound.lat is not None and inbound.lon is not None:
        await run_in_threadpool(_keep_place, sender, inbound.lat, inbound.lon)
    label = clean(inbound.label)
    if not label:
        return [{"text": "收到了位置，但没有地名。请告诉我具体在什么地方，比如小区名称和几幢，或者路名和门牌号。"}]
    return await _said(sender, label)


def _keep_place(sender: str, lat: float, lon: float) -> None:
    with WriteSession() as w:
        media.keep(w, sender, {"lat": lat, "lon": lon})
        w.commit()


async def _event(sender: str, inbound: wechat.Inbound) -> List[dict]:
    event = inbound.event
    if event.startswith("subscribe"):
        return [{"text": await run_in_threadpool(_welcome)}]
    if event == "click":
        key = inbound.event_key.strip().upper()
        if key in MENU_PROMPTS:
            return [{"text": MENU_PROMPTS[key]}]
        if key in MENU_WORDS:
            return await _said(sender, MENU_WORDS[key])
        return [{"text": MENU_PROMPTS["GUIDE"]}]  # a menu item added in WeChat but not here yet
    return []  # unsubscribe, menu links, location reports, scans: nothing to say


def _welcome() -> str:
    with SessionLocal() as s:
        name = directory.district(s).name
    return WELCOME.format(district=name, days=get_settings().retention_days)


# ---- the push loop (started by api/main.py) ---------------------------------------------------

_tidied = {"at": None}


def push_round() -> None:
    """Staff lines and notices into the outbox, everything due sent; once an hour, housekeeping."""
    if outbox.relay_staff() or outbox.can_push():
        outbox.flush()
    now = clock.now()
    if _tidied["at"] is None or now - _tidied["at"] > dt.timedelta(hours=1):
        with WriteSession() as w:
            outbox.tidy(w, now)
            media.tidy(w, now)
        _tidied["at"] = now


async def run() -> None:
    """Every RSA_WECHAT_PUSH_SECONDS, while the channel is on."""
    while True:
        await asyncio.sleep(get_settings().wechat_push_seconds)
        if not wechat.enabled():
            continue
        try:
            await run_in_threadpool(push_round)
        except Exception:  # a locked database or WeChat away must not end the loop
            log.exception("wechat push round failed; trying again shortly")
