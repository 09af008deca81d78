"""Photos and places WeChat residents send beside their words.

A photo is fetched by its MediaId through the same WeChat client as the pushes (never from
the PicUrl a push names: the backend fetches only from the configured API), checked (size, and
its first bytes must be a JPEG, PNG, GIF or WebP whatever the headers say), stored under the
data directory and served at an unguessable URL. A photo or a shared location goes onto the
report this resident filed in the last half hour, or onto the one they file in the next half
hour; staff see it on the work order, and Open311 shows the photo as media_url."""
import datetime as dt
import logging
import os
import re
import secrets
from pathlib import Path
from typing import List, Optional

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session
from wechatpy.exceptions import WeChatClientException

from api.channels import outbox
from api.channels.models import ChannelMedia
from api.core import clock
from api.core.db import WriteSession
from api.incidents import tickets
from api.incidents.models import Ticket
from shared.settings import get_settings

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
RECENT = dt.timedelta(minutes=30)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
MEDIA_ID = re.compile(r"^[A-Za-z0-9_@.-]{1,128}$")
ROUTE = "/wechat/media/"


class MediaError(Exception):
    """Why a photo could not be kept, in words for the resident."""


def _kind(data: bytes) -> Optional[tuple]:
    """(content type, file suffix) by the file's own first bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def folder() -> Path:
    return get_settings().var_dir / "media"


def url(token: str) -> str:
    s = get_settings()
    return (s.wechat_public_url or s.backend_url).rstrip("/") + ROUTE + token


def fetch(sender: str, media_id: str) -> ChannelMedia:
    """The photo behind a MediaId, stored. Raises MediaError."""
    if not outbox.can_push() or not MEDIA_ID.match(media_id or ""):
        raise MediaError("这张照片暂时取不到")
    try:
        r = outbox.client().media.download(media_id)
    except (WeChatClientException, requests.RequestException) as e:
        log.warning("wechat photo not fetched: %s", outbox.reason(e)[1])
        raise MediaError("这张照片暂时取不到") from None
    data = getattr(r, "content", None)
    if not isinstance(data, bytes):  # WeChat answered JSON (wechatpy raises on its error codes)
        raise MediaError("这张照片暂时取不到")
    if len(data) > MAX_BYTES:
        raise MediaError(f"这张照片太大了（超过{MAX_BYTES // 1024 // 1024}MB）")
    kind = _kind(data)
    if kind is None:
        raise MediaError("收到的文件不是照片")
    token = secrets.token_urlsafe(24)
    path = folder() / f"{token}.{kind[1]}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # whole or not at all
    with WriteSession() as w:
        row = ChannelMedia(token=token, channel=outbox.CHANNEL, sender=sender, content_type=kind[0], path=str(path),
                           size=len(data), created_at=clock.now())
        w.add(row)
        w.commit()
    return row


def find(session: Session, token: str) -> Optional[ChannelMedia]:
    if not TOKEN.match(token or ""):
        return None
    row = session.scalars(select(ChannelMedia).where(ChannelMedia.token == token)).first()
    return row if row is not None and Path(row.path).is_file() else None


def keep(session: Session, sender: str, item: dict) -> Optional[str]:
    """A photo ({"media_url"}) or a place ({"lat", "lon"}): onto a report filed in the last half
    hour (the number, said back), else kept for the report the resident files next. Not committed."""
    at = clock.now()
    t = tickets.attach_to_recent(session, sender, at - RECENT, media_url=item.get("media_url"),
                                 lat=item.get("lat"), lon=item.get("lon"))
    if t is not None:
        return t.number
    data = outbox.state(session, sender)
    data["pending"] = (data.get("pending") or [])[-4:] + [{**item, "at": at.isoformat(timespec="seconds")}]
    outbox.save_state(session, sender, data)
    return None


def attach_pending(sender: str) -> List[str]:
    """After a turn: photos and places kept for a report, onto the report just filed. The notes
    to add to the answer ("the photo is on work order …")."""
    with WriteSession() as w:
        data = outbox.state(w, sender)
        pending = data.get("pending") or []
        if not pending:
            return []
        now, notes, left = clock.now(), [], []
        for item in pending:
            at = dt.datetime.fromisoformat(item["at"])
            t = tickets.attach_to_recent(w, sender, at - RECENT, media_url=item.get("media_url"),
                                         lat=item.get("lat"), lon=item.get("lon"))
            if t is not None and item.get("media_url"):
                notes.append(f"您发的照片已附在工单{t.number}上，工作人员处理时能看到。")
            elif t is None and now - at < RECENT:
                left.append(item)
        data["pending"] = left
        outbox.save_state(w, sender, data)
        w.commit()
        return notes


def tidy(session: Session, now: dt.datetime) -> None:
    """Photos no work order took go with the conversations (RSA_RETENTION_DAYS); a photo on a work
    order stays as long as the work order, which is the district's record."""
    cutoff = now - dt.timedelta(days=get_settings().retention_days)
    for row in session.scalars(select(ChannelMedia).where(ChannelMedia.channel == outbox.CHANNEL,
                                                          ChannelMedia.created_at < cutoff)).all():
        if session.scalar(select(Ticket.id).where(Ticket.media_url.like(f"%{ROUTE}{row.token}")).limit(1)) is None:
            Path(row.path).unlink(missing_ok=True)
            session.delete(row)
    session.commit()
