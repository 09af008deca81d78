"""The WeChat Official Account's message-push protocol (消息推送), on wechatpy: signatures,
plaintext and safe mode (AES, msg_signature), the pushed XML and the passive reply.

Nothing in a push is believed before its signature checks out, and the signatures are compared
in constant time (wechatpy's own checks use `!=`). The XML is looked at by defusedxml first, which
refuses any DTD, so no entity (billion laughs) or external reference is ever expanded; only
then does wechatpy's parser read it. A push older or newer than five minutes by the district's
clock is refused: a captured signature cannot be replayed later."""
import hashlib
import hmac
import logging
import math
import re
from dataclasses import dataclass
from typing import Mapping, Optional
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from api.core import clock
from shared.settings import get_settings

log = logging.getLogger(__name__)

MAX_BODY = 32 * 1024   # a push is a few hundred bytes; the longest text, encrypted, stays far below
MAX_AGE = 300          # seconds between the push's timestamp and the district's clock
OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
QUERY_VALUE = re.compile(r"^[A-Za-z0-9_.=-]{1,128}$")


class Refused(Exception):
    """A push not to be answered: 403 (not WeChat, or stale), 400 (not a push), 404 (channel off)."""

    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.status = status


@dataclass
class Inbound:
    """One push, read: what the resident sent or did."""
    kind: str                  # text | voice | image | location | event | other
    openid: str
    created: int               # CreateTime (seconds)
    msg_id: int = 0            # 0 for events
    target: str = ""           # the Official Account (ToUserName), the reply's sender
    text: str = ""             # a text's content, a voice's Recognition
    media_id: str = ""
    lat: Optional[float] = None
    lon: Optional[float] = None
    label: str = ""            # a location's place name
    event: str = ""            # subscribe | unsubscribe | click | view | ...
    event_key: str = ""
    raw_type: str = ""         # MsgType as WeChat sent it (video, link, file ...)

    def key(self, sender: str) -> str:
        """What a retry of this push has in common with it: MsgId, or for events (which have
        none) the sender and CreateTime, as WeChat's documentation says, and the event itself:
        two menu items tapped within a second are two pushes."""
        if self.msg_id:
            return f"m{self.msg_id}"
        what = hashlib.sha256(f"{self.event}|{self.event_key}".encode()).hexdigest()[:16]
        return f"e:{sender}:{self.created}:{what}"


def enabled() -> bool:
    return bool(get_settings().wechat_token)


def _signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def _same(given: Optional[str], expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def _now() -> float:
    return clock.aware(clock.now()).timestamp()


def check(query: Mapping[str, str]) -> None:
    """Is this a request WeChat signed, just now? Raises Refused otherwise."""
    if not enabled():
        raise Refused(404, "the WeChat channel is off")
    timestamp, nonce = query.get("timestamp") or "", query.get("nonce") or ""
    if not (QUERY_VALUE.match(timestamp) and timestamp.isdigit() and QUERY_VALUE.match(nonce)):
        raise Refused(403, "no timestamp or nonce")
    # The signature first, so an unsigned request learns nothing about the clock.
    if not _same(query.get("signature"), _signature(get_settings().wechat_token, timestamp, nonce)):
        raise Refused(403, "bad signature")
    if abs(_now() - int(timestamp)) > MAX_AGE:
        raise Refused(403, "stale timestamp")


def echo(query: Mapping[str, str]) -> str:
    """URL verification (the GET WeChat sends when the server address is saved): the echostr back."""
    check(query)
    echostr = query.get("echostr") or ""
    if not QUERY_VALUE.match(echostr):
        raise Refused(400, "no echostr")
    return echostr


def _crypto() -> WeChatCrypto:
    s = get_settings()
    return WeChatCrypto(s.wechat_token, s.wechat_aes_key, s.wechat_app_id)


def _tree(xml: bytes):
    """The document, looked at by defusedxml (no DTD, no entities, no external references)."""
    try:
        root = fromstring(xml, forbid_dtd=True)
    except (DefusedXmlException, ParseError, ValueError) as e:
        raise Refused(400, f"not readable XML ({type(e).__name__})") from None
    if root.tag != "xml":
        raise Refused(400, "not a WeChat push")
    return root


def read(body: bytes, query: Mapping[str, str]) -> Inbound:
    """The push in `body`, checked and (in safe mode) decrypted. Raises Refused."""
    check(query)
    if len(body) > MAX_BODY:
        raise Refused(413, "too large")
    encrypted = query.get("encrypt_type") == "aes"
    if bool(get_settings().wechat_aes_key) != encrypted:
        # With a key set, a plaintext push (whose body no signature covers) is not believed.
        raise Refused(403, "encryption does not match the configuration")
    outer = _tree(body)
    if encrypted:
        sealed = outer.findtext("Encrypt") or ""
        timestamp, nonce = query["timestamp"], query["nonce"]
        if not _same(query.get("msg_signature"), _signature(get_settings().wechat_token, timestamp, nonce, sealed)):
            raise Refused(403, "bad msg_signature")
        try:
            xml = _crypto().decrypt_message({"Encrypt": sealed}, query["msg_signature"], timestamp, nonce).encode()
        except (InvalidAppIdException, InvalidSignatureException):
            raise Refused(403, "not for this Official Account") from None
        except Exception as e:  # a corrupt cipher text: padding, length or encoding
            raise Refused(400, f"undecryptable ({type(e).__name__})") from None
        _tree(xml)
    else:
        xml = body
    return _inbound(xml)


def _coordinate(value, limit: float) -> Optional[float]:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) and abs(x) <= limit else None


def _inbound(xml: bytes) -> Inbound:
    """wechatpy's reading of the (already defused) XML, into what the channel uses."""
    try:
        msg = parse_message(xml)
        openid = msg.source
        if not isinstance(openid, str) or not OPENID.match(openid):
            raise Refused(400, "no sender")
        # The raw fields (wechatpy keeps them in _data): an event type or MsgType it has no class for
        # is still named, so it gets its polite answer.
        raw_type = str(msg._data.get("MsgType") or "").lower()[:20]
        base = dict(openid=openid, created=int(msg.time or 0), msg_id=int(msg.id or 0),
                    target=str(msg.target or "")[:64], raw_type=raw_type)
        if raw_type == "text":
            return Inbound("text", text=_text(msg.content), **base)
        if raw_type == "voice":
            return Inbound("voice", text=_text(msg.recognition), media_id=_text(msg.media_id), **base)
        if raw_type == "image":
            return Inbound("image", media_id=_text(msg.media_id), **base)
        if raw_type == "location":
            return Inbound("location", lat=_coordinate(msg.location_x, 90), lon=_coordinate(msg.location_y, 180),
                           label=_text(msg.label), **base)
        if raw_type == "event":
            return Inbound("event", event=_text(msg._data.get("Event")).lower()[:20],
                           event_key=_text(msg._data.get("EventKey"))[:64], **base)
        return Inbound("other", **base)
    except Refused:
        raise
    except Exception as e:  # xmltodict's and wechatpy's readings of odd documents: nested, missing, not numbers
        raise Refused(400, f"not a WeChat push ({type(e).__name__})") from None


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def reply(inbound: Inbound, text: str, query: Mapping[str, str]) -> str:
    """A passive text reply, encrypted in safe mode with the push's own timestamp and nonce."""
    # The content goes into CDATA: a "]]>" in it (a resident's words read back) would end it early.
    xml = TextReply(source=inbound.target, target=inbound.openid, content=text.replace("]]>", "]]＞")).render()
    if query.get("encrypt_type") == "aes":
        return _crypto().encrypt_message(xml, query["nonce"], query["timestamp"])
    return xml
