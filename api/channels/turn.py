"""One resident turn, whatever carries it (the h5 page, WeChat, the hotline): the same pace
limit, masking and record before the assistant sees anything, and the staff relay while a person
holds the conversation. Channels differ only in how they carry the words in and out; each has a
private Rasa input channel of its own name (bot/channels/), so `channel:` response variants match."""
import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import List, Optional

from starlette.concurrency import run_in_threadpool

from api.core.db import WriteSession
from api.core.ratelimit import RateLimiter
from api.handoff import rasa_client, relay
from api.incidents import vault
from shared.redact import mask_personal
from shared.settings import get_settings

log = logging.getLogger(__name__)

TOO_FAST = "您发得太快了，请等{wait}秒再发。这条消息没有发出，内容还在输入框里。"
UNAVAILABLE = "抱歉，助手暂时无法回复，您输入的内容还在输入框里，请稍后再发，或拨打热线{hotline}。"


@dataclass
class Turn:
    """What to say back, in order: {"text", "buttons"?, "from"?: "staff" | "system", "keep"?}."""
    messages: List[dict] = field(default_factory=list)
    with_staff: bool = False
    refused: Optional[str] = None      # "too_fast" | "unavailable": nothing reached the assistant
    retry_after: Optional[int] = None


KEY_FILE = "chat-cookie.key"


@lru_cache(maxsize=4)
def conversation_key(var_dir: Path) -> bytes:
    """The backend's kept secret: it signs the chat page's cookies and keys the conversation ids
    made from other systems' ids. Made once and kept in the data directory, so residents'
    conversations survive a restart (the service token is made anew at each start)."""
    path = var_dir / KEY_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first
            return path.read_bytes()
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()


def keyed_sender(prefix: str, purpose: str, external_id: str) -> str:
    """The conversation id for an id another system knows (a WeChat openid, a call's sid): keyed
    with the kept secret, so logs and the tracker store never show an id that could be matched."""
    key = conversation_key(get_settings().var_dir)
    return prefix + hmac.new(key, f"{purpose}:{external_id}".encode(), hashlib.sha256).hexdigest()[:40]


@lru_cache(maxsize=1)
def limiter() -> RateLimiter:
    """One bucket per conversation, for this process (the settings are read on first use)."""
    s = get_settings()
    return RateLimiter(s.chat_burst, s.chat_per_second)


async def take(sender: str, text: str, channel: str = "h5", asr_confidence: Optional[float] = None) -> Turn:
    """One message from a resident: limited, masked, recorded, then the assistant's answer (or,
    while staff hold the conversation, the notice that a person reads it). `asr_confidence`: how
    sure the speech recogniser was of words heard on the phone, kept with the line for staff."""
    if not limiter().allow(sender):
        wait = limiter().retry_after(sender)
        return Turn([{"text": TOO_FAST.format(wait=wait)}], refused="too_fast", retry_after=wait)
    # The database work runs in a worker thread: it may queue for SQLite's write lock, and the
    # lock is let go before the (slow) call to the assistant. Phone and ID numbers are masked
    # before anything is stored or reaches the tracker store; the real phone stays in the vault.
    text, phones = mask_personal(text)
    thanks, with_staff = await run_in_threadpool(_record, sender, text.strip(), phones, asr_confidence)
    if thanks:
        await run_in_threadpool(rasa_client.deliver, sender)  # the thanks, into the transcript
        return Turn([{"text": thanks, "from": "system"}])
    # What staff owed the assistant first (a hand-back while Rasa was restarting), in order.
    await run_in_threadpool(rasa_client.deliver, sender)
    try:
        messages = await rasa_client.send_message(
            sender, text, channel, {"asr_confidence": asr_confidence} if asr_confidence is not None else None)
    except rasa_client.AssistantUnavailable:
        return Turn([{"text": UNAVAILABLE.format(hotline=get_settings().hotline), "keep": True}], refused="unavailable")
    if with_staff and not messages:
        # The assistant is paused for a person: say once where the words go, instead of silence.
        notice = await run_in_threadpool(_tell_relayed, sender)
        if notice:
            messages = [{"text": notice, "from": "system"}]
            await run_in_threadpool(rasa_client.deliver, sender)  # into the transcript, after this message
    return Turn(messages, with_staff=bool(with_staff))


def _tell_relayed(sender: str):
    with WriteSession() as session:
        return relay.tell_relayed(session, sender)


def _record(sender: str, text: str, phones: dict, asr_confidence: Optional[float]) -> tuple:
    with WriteSession() as session:
        vault.keep(session, sender, phones)
        return relay.record_resident_message(session, sender, text, asr_confidence)
