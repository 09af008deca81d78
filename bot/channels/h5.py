"""The H5 chat channel: Rasa's REST webhook with a guard in front, private to the backend
(every call carries RSA_SERVICE_TOKEN). The base of the other private channels (wechat.py,
voice.py): the backend speaks each channel's protocol and sends the turn under its name.

Bad input (empty, overlong, no readable characters, markup) gets a polite reply and is not
passed to the assistant, so nothing of it is stored. Replies are collected by an output
channel that reports the name 'h5', so `channel: h5` response variants match (rasa#7384).
"""
import asyncio
import hmac
import logging
import re
import time
from typing import Any, Awaitable, Callable, Text

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from shared.settings import get_settings
from shared.textnorm import clean

logger = logging.getLogger(__name__)
SENDER = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
TAG = re.compile(r"</?[A-Za-z][^<>]{0,500}>")
READABLE = re.compile(r"[\w\u4e00-\u9fff]")

EMPTY = "您好像还没有输入内容。请直接告诉我您想办什么事，比如“居住证要带什么材料”。"
# The words are not lost: `keep` puts them back in the input box (api/channels/h5_routes.py says the same).
TOO_LONG = ("您的消息有点长（{length}字，我一次最多能看{limit}字），这条还没有发出，您输入的内容还在输入框里。"
            "请删减一些再发，或者分成几条发给我。")
FAILED = "抱歉，系统暂时出了点问题，请稍后再试，或拨打政务服务热线{hotline}。"
UNREADABLE = "我只能看懂文字哦。请用文字说说您想办理或咨询的事情。"
ACTIONS_DOWN = ("抱歉，服务系统暂时中断，这条消息还没有处理，您刚才输入的内容还在输入框里。"
                "请稍等一两分钟再点发送；着急的话请拨打政务服务热线{hotline}。")
HEALTH_TIMEOUT = 1.5
HEALTH_TTL = 2.0  # seconds a health answer is reused: one check per burst of messages
_health = {"at": 0.0, "ok": True}


async def actions_reachable() -> bool:
    """Is the action server up? With it down, Rasa would drop what the resident just typed
    (a slot the form's validation never sees) and answer nonsense; better to say so at once."""
    now = time.monotonic()
    if now - _health["at"] < HEALTH_TTL:
        return _health["ok"]
    url = get_settings().action_url.rsplit("/webhook", 1)[0] + "/health"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HEALTH_TIMEOUT)) as session:
            async with session.get(url) as r:
                ok = r.status == 200
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
        ok = False
    _health.update(at=time.monotonic(), ok=ok)
    return ok


class H5Output(CollectingOutputChannel):
    @classmethod
    def name(cls) -> Text:
        return "h5"


def screen(text: Any) -> tuple:
    """(clean text, None) to pass on, or (None, polite reply message) to answer at once."""
    if not isinstance(text, str):
        return None, {"text": EMPTY}
    text = clean(TAG.sub(" ", clean(text)))
    if not text:
        return None, {"text": EMPTY}
    limit = get_settings().max_message_chars
    if len(text) > limit:
        return None, {"text": TOO_LONG.format(length=len(text), limit=limit), "keep": True}
    if not READABLE.search(text):
        return None, {"text": UNREADABLE}
    return text, None


class H5Input(RestInput):
    """The chat page's channel, and the base of every private channel: the backend carries each
    channel's protocol (api/channels/) and sends the turn here under the channel's own name."""
    output = H5Output

    @classmethod
    def name(cls) -> Text:
        return cls.output.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint(f"{self.name()}_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            # Only the backend talks to this webhook: it guards, rate-limits and records every
            # resident message first. Anyone else is refused.
            token = get_settings().service_token
            given = request.headers.get("X-Service-Token") or ""
            if not token or not hmac.compare_digest(given.encode(), token.encode()):
                return response.json({"error": "forbidden"}, status=401)
            try:
                body = request.json
            except Exception:
                body = None
            if not isinstance(body, dict):
                return response.json({"error": "请求体必须是 JSON 对象"}, status=400)
            sender = body.get("sender")
            if not isinstance(sender, str) or not SENDER.match(sender):
                return response.json({"error": "sender 无效"}, status=400)
            text, reply = screen(body.get("message"))
            if reply:
                return response.json([{"recipient_id": sender, **reply}])
            if not await actions_reachable():
                # Nothing reaches the tracker, so the form is where it was when the resident re-sends;
                # `keep` tells the page to put the typed words back in the input box.
                logger.warning("action server unreachable; message not passed on")
                return response.json([{"recipient_id": sender, "keep": True,
                                       "text": ACTIONS_DOWN.format(hotline=get_settings().hotline)}])
            collector = self.output()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=self.get_metadata(request)))
            except Exception:  # the resident still gets an answer; details are in Rasa's log
                logger.exception("%s message failed", self.name())
                return response.json([{"recipient_id": sender, "text": FAILED.format(hotline=get_settings().hotline)}])
            return response.json(collector.messages)

        return bp

