"""Messages owed to WeChat residents outside a passive reply: a slow turn's answer, the rest of a
long one, staff replies and the notices about a handoff. Each is a ChannelOutbox row, sent
through WeChat's customer-service message API (客服消息) with wechatpy's client, retried with
backoff, and kept as failed, with the reason, when it cannot be delivered.

WeChat's rules: a resident may be written to for 48 hours after they last wrote, and only a
few messages each time (5 after a message; 3 within a minute after a menu click or a follow).
A message over that allowance waits for the resident's next message; one beyond the 48 hours
is not sent at all (the console still has the whole conversation).

Also here: each WeChat conversation's small state (ChannelState: the openid, needed to push,
which nothing else keeps; when the resident last wrote; the allowance; the choices offered)."""
import datetime as dt
import logging
import threading
from functools import lru_cache
from typing import Iterable, Optional

import requests
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from api.channels.models import ChannelInbound, ChannelOutbox, ChannelState
from api.channels.wechat_render import render
from api.core import clock
from api.core.db import SessionLocal, WriteSession
from api.handoff import relay
from api.handoff.models import CaseMessage, HandoffCase
from api.handoff.states import TO_RESIDENT
from shared.settings import get_settings

log = logging.getLogger(__name__)

CHANNEL = "wechat"
SENDER_PREFIX = "wx-"
WINDOW = dt.timedelta(hours=48)
AFTER_MESSAGE = 5                     # messages allowed within the window after a resident's message
AFTER_EVENT = (3, dt.timedelta(minutes=1))  # after a menu click or a follow
MAX_ATTEMPTS = 8                      # 2 s, 4 s ... 5 min apart: about 10 minutes of trying
HTTP_TIMEOUT = 10
# Errors no retry mends: out of the window or unfollowed (45015), not following (43004), a
# bad openid (40003), the account blocked by the resident (43019).
FINAL = {45015, 43004, 40003, 43019}
OUT_OF_ALLOWANCE = 45047
WAITING_FOR_RESIDENT = "本次可发的客服消息已用完，等居民再发消息后送出"
_flushing = threading.Lock()


# ---- each conversation's state ------------------------------------------------------------

def state(session: Session, sender: str) -> dict:
    row = session.scalars(select(ChannelState).where(ChannelState.channel == CHANNEL,
                                                     ChannelState.sender == sender)).first()
    return dict(row.data or {}) if row else {}


def save_state(session: Session, sender: str, data: dict) -> None:
    """Replaces the state (a new dict: JSON columns only notice assignment). Not committed."""
    row = session.scalars(select(ChannelState).where(ChannelState.channel == CHANNEL,
                                                     ChannelState.sender == sender)).first()
    if row is None:
        session.add(ChannelState(channel=CHANNEL, sender=sender, data=dict(data), updated_at=clock.now()))
    else:
        row.data, row.updated_at = dict(data), clock.now()


def _iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


def noted(session: Session, sender: str, openid: str, event: Optional[str] = None) -> None:
    """A push came from this resident: keep the openid (to write back) and open the allowance
    WeChat gives for it. `event`: the event's type (a click or a follow gives less than a message)."""
    now, data = clock.now(), state(session, sender)
    data["openid"] = openid
    if event is None:
        data.update(seen=_iso(now), quota={"left": AFTER_MESSAGE, "until": _iso(now + WINDOW)})
    elif event == "unsubscribe":
        data["quota"] = {"left": 0, "until": _iso(now)}
    elif event in ("subscribe", "click") or event.startswith("subscribe"):
        left, lasting = AFTER_EVENT
        quota = data.get("quota") or {}
        if not (quota.get("left", 0) >= left and dt.datetime.fromisoformat(quota["until"]) > now):
            data["quota"] = {"left": left, "until": _iso(now + lasting)}
        data["seen"] = _iso(now)
    save_state(session, sender, data)


# ---- WeChat's API ------------------------------------------------------------------------

def can_push() -> bool:
    s = get_settings()
    return bool(s.wechat_token and s.wechat_app_id and s.wechat_app_secret)


class _TimedSession(requests.Session):
    """wechatpy fetches its access token without a timeout; nothing here may hang."""

    def request(self, *args, **kwargs):
        kwargs["timeout"] = kwargs.get("timeout") or HTTP_TIMEOUT
        return super().request(*args, **kwargs)


class Client(WeChatClient):
    """wechatpy's client on a configurable API base (WeChat's, or a stand-in on loopback); it
    keeps the access token, fetches a new one when WeChat says it expired, and retries once."""

    def __init__(self, appid: str, secret: str, base: str):
        super().__init__(appid, secret, timeout=HTTP_TIMEOUT)
        self.API_BASE_URL = base.rstrip("/") + "/cgi-bin/"
        self._http = _TimedSession()

    def fetch_access_token(self):
        return self._fetch_access_token(url=self.API_BASE_URL + "token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})


@lru_cache(maxsize=2)
def _client(appid: str, secret: str, base: str) -> Client:
    return Client(appid, secret, base)


def client() -> Client:
    """One client (one access token) per process and configuration."""
    s = get_settings()
    return _client(s.wechat_app_id, s.wechat_app_secret, s.wechat_api_base)


def reason(e: Exception) -> tuple:
    """(WeChat's error code or None, a short reason to keep)."""
    if isinstance(e, WeChatClientException):
        code = e.errcode
        return code, (f"{code} {e.errmsg}" if code is not None else f"HTTP {getattr(e.response, 'status_code', '?')}")[:200]
    return None, type(e).__name__[:200]


# ---- the outbox ----------------------------------------------------------------------------

def enqueue(session: Session, sender: str, texts: Iterable[str], kind: str) -> int:
    """Owed messages, in order (not committed: they go with what caused them)."""
    n = 0
    for text in texts:
        session.add(ChannelOutbox(channel=CHANNEL, sender=sender, payload={"text": text, "kind": kind},
                                  created_at=clock.now(), status="pending", attempts=0))
        n += 1
    return n


def _due(row: ChannelOutbox, now: dt.datetime) -> bool:
    if row.last_try_at is None or row.last_error == WAITING_FOR_RESIDENT:
        return True
    return row.last_try_at + dt.timedelta(seconds=min(2 ** row.attempts, 300)) <= now


def flush(sender: Optional[str] = None) -> int:
    """Send what is owed and due, oldest first: to one resident (after their turn) or to all (the
    push loop). A resident's messages never overtake each other: one that must wait holds back
    the later ones. Returns how many were sent."""
    if not can_push():
        return _fail_all(sender, "没有配置 RSA_WECHAT_APP_ID / RSA_WECHAT_APP_SECRET，无法推送")
    sent = 0
    with _flushing:
        with SessionLocal() as s:
            q = select(ChannelOutbox).where(ChannelOutbox.channel == CHANNEL, ChannelOutbox.status == "pending")
            rows = s.scalars((q.where(ChannelOutbox.sender == sender) if sender else q).order_by(ChannelOutbox.id)).all()
        held, now = set(), clock.now()
        for row in rows:
            if row.sender in held or not _due(row, now):
                held.add(row.sender)
                continue
            ok = _send_one(row)
            sent += ok is True
            if ok is not True:
                held.add(row.sender)
    return sent


def _send_one(row: ChannelOutbox):
    """True: sent; False: waits (later, or for the resident); None: failed for good."""
    with WriteSession() as w:
        # Claimed first: another backend process flushing at the same moment skips it.
        claimed = w.execute(update(ChannelOutbox).where(ChannelOutbox.id == row.id, ChannelOutbox.status == "pending")
                            .values(status="sending", last_try_at=clock.now())).rowcount
        data = state(w, row.sender)
        w.commit()
    if not claimed:
        return False
    now = clock.now()
    quota = data.get("quota") or {}
    if not data.get("openid"):
        return _settle(row, "failed", "不知道这位居民的微信号（openid）")
    if not data.get("seen") or dt.datetime.fromisoformat(data["seen"]) + WINDOW < now:
        return _settle(row, "failed", "居民48小时内没有发消息，微信不允许再推送")
    if quota.get("left", 0) <= 0 or dt.datetime.fromisoformat(quota["until"]) < now:
        return _settle(row, "pending", WAITING_FOR_RESIDENT, tried=False)
    try:
        client().message.send_text(data["openid"], row.payload["text"])
    except (WeChatClientException, requests.RequestException) as e:
        code, why = reason(e)
        log.warning("wechat push %s not delivered: %s", row.id, why)
        if code in FINAL:
            return _settle(row, "failed", why)
        if code == OUT_OF_ALLOWANCE:
            return _settle(row, "pending", WAITING_FOR_RESIDENT, tried=False, spent=True)
        if row.attempts + 1 >= MAX_ATTEMPTS:
            return _settle(row, "failed", f"试了{MAX_ATTEMPTS}次：{why}"[:200])
        return _settle(row, "pending", why)
    return _settle(row, "sent", None, spent=True)


def _settle(row: ChannelOutbox, status: str, why: Optional[str], tried: bool = True, spent: bool = False):
    with WriteSession() as w:
        values = dict(status=status, last_error=why)
        if tried:
            values["attempts"] = ChannelOutbox.attempts + 1
        if status == "sent":
            values["sent_at"] = clock.now()
        w.execute(update(ChannelOutbox).where(ChannelOutbox.id == row.id).values(**values))
        if spent:  # one message of the allowance used (or WeChat says none is left)
            data = state(w, row.sender)
            quota = dict(data.get("quota") or {})
            quota["left"] = 0 if status != "sent" else max(0, quota.get("left", 0) - 1)
            data["quota"] = quota
            save_state(w, row.sender, data)
        w.commit()
    return {"sent": True, "failed": None}.get(status, False)


def _fail_all(sender: Optional[str], why: str) -> int:
    with WriteSession() as w:
        q = update(ChannelOutbox).where(ChannelOutbox.channel == CHANNEL, ChannelOutbox.status == "pending")
        w.execute((q.where(ChannelOutbox.sender == sender) if sender else q).values(status="failed", last_error=why))
        w.commit()
    return 0


def forget(session: Session, sender: str) -> None:
    """The resident unfollowed: nothing more can reach them (not committed)."""
    session.execute(update(ChannelOutbox).where(ChannelOutbox.channel == CHANNEL, ChannelOutbox.sender == sender,
                                                ChannelOutbox.status == "pending")
                    .values(status="failed", last_error="居民已取消关注"))


# ---- staff replies and handoff notices -------------------------------------------------------

def relay_staff() -> int:
    """Staff lines and notices (a person took the case, hand-back, nobody came, the rating
    question) not yet delivered to WeChat residents, into the outbox; returns how many."""
    with SessionLocal() as s:
        senders = s.scalars(select(HandoffCase.sender).join(CaseMessage)
                            .where(HandoffCase.sender.like(SENDER_PREFIX + "%"), CaseMessage.delivered.is_(False),
                                   CaseMessage.author.in_(TO_RESIDENT)).distinct()).all()
    n = 0
    for sender in senders:
        with WriteSession() as w:
            # deliver() commits its marks itself, so the outbox rows follow in a second commit
            # a moment later: only a crash between the two would lose a line.
            lines = relay.deliver(w, sender)
            parts, _ = render(lines)
            # A number typed now answers what staff asked (the rating), not an older choice.
            data = state(w, sender)
            data.pop("choices", None)
            save_state(w, sender, data)
            n += enqueue(w, sender, parts, "staff")
            w.commit()
    return n


# ---- housekeeping --------------------------------------------------------------------------

def tidy(session: Session, now: dt.datetime) -> None:
    """Retries are over within seconds: inbound records go after two days. Sent messages go
    after a week; failed ones and conversations' state are kept as long as conversations are. A
    message left 'sending' by a process that died is tried again."""
    keep = dt.timedelta(days=get_settings().retention_days)
    session.execute(delete(ChannelInbound).where(ChannelInbound.channel == CHANNEL,
                                                 ChannelInbound.received_at < now - dt.timedelta(days=2)))
    session.execute(delete(ChannelOutbox).where(ChannelOutbox.channel == CHANNEL, ChannelOutbox.status == "sent",
                                                ChannelOutbox.sent_at < now - dt.timedelta(days=7)))
    session.execute(delete(ChannelOutbox).where(ChannelOutbox.channel == CHANNEL, ChannelOutbox.created_at < now - keep))
    session.execute(delete(ChannelState).where(ChannelState.channel == CHANNEL, ChannelState.updated_at < now - keep))
    session.execute(update(ChannelOutbox).where(ChannelOutbox.channel == CHANNEL, ChannelOutbox.status == "sending",
                                                ChannelOutbox.last_try_at < now - dt.timedelta(minutes=2))
                    .values(status="pending"))
    session.commit()
