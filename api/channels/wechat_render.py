"""What the assistant says, made to fit WeChat: plain text within WeChat's limit per message,
buttons as numbered choices ("回复1 确认提交"), and a number typed back read as the choice.

A turn's messages (a guide comes as one message per section) are packed into as few WeChat
messages as fit: the first is the passive reply, the rest go by the customer-service API,
which allows only a few messages per resident message. A section longer than one message is
split at its paragraphs, then its lines, never inside a word."""
import re
import unicodedata
from typing import List, Optional, Sequence, Tuple

# WeChat takes at most 2048 bytes (UTF-8) of text per message, passive or pushed.
LIMIT_BYTES = 2000
NUMBER = re.compile(r"^\s*(?:回复|选)?\s*(?:第)?\s*(\d{1,2})\s*(?:个|项)?\s*[。.、!！]?\s*$")
# The h5 channel's words for a message it did not take ("still in the input box"): WeChat has no
# input box that keeps it, so the resident is asked to send it again.
INPUT_BOX = re.compile(r"[，,]?[^，,。！？；]*输入框[^，,。！？；]*")
SEND_AGAIN = "请稍后把这条消息再发一次。"


def _fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= LIMIT_BYTES


def _wechat_words(m: dict) -> str:
    text = str(m.get("text") or "").strip()
    if m.get("keep"):
        text = INPUT_BOX.sub("", text).replace("再点发送", "再发送").strip()
        text = text + ("" if SEND_AGAIN in text else SEND_AGAIN)
    if m.get("from") == "staff":
        text = f"工作人员{m.get('name') or ''}：{text}"
    return text


def render(messages: Sequence[dict]) -> Tuple[List[str], List[dict]]:
    """(WeChat messages to send, in order; the choices offered, numbered from 1 in their order)."""
    blocks, choices = [], []
    for m in messages:
        lines = [_wechat_words(m)]
        for b in m.get("buttons") or []:
            title, payload = str(b.get("title") or "").strip(), b.get("payload")
            if title and isinstance(payload, str) and payload:
                choices.append({"title": title, "payload": payload})
                lines.append(f"回复{len(choices)} {title}")
        block = "\n".join(x for x in lines if x)
        if block:
            blocks.append(block)
    return pack(blocks), choices


def pack(blocks: Sequence[str]) -> List[str]:
    """Blocks joined into messages within the limit; a block too long for one is split first."""
    parts: List[str] = []
    for block in blocks:
        for piece in _split(block):
            if parts and _fits(parts[-1] + "\n\n" + piece):
                parts[-1] += "\n\n" + piece
            else:
                parts.append(piece)
    return parts


def _split(text: str, seps: Tuple[str, ...] = ("\n\n", "\n")) -> List[str]:
    """Pieces within the limit: at paragraph boundaries, then lines, then (a single very long
    line) by characters."""
    if _fits(text):
        return [text]
    if not seps:
        out, piece = [], ""
        for ch in text:
            if not _fits(piece + ch):
                out.append(piece)
                piece = ""
            piece += ch
        return out + ([piece] if piece else [])
    sep, out = seps[0], []
    for chunk in text.split(sep):
        for piece in _split(chunk, seps[1:]):
            if out and _fits(out[-1] + sep + piece):
                out[-1] += sep + piece
            else:
                out.append(piece)
    return out


def chosen(text: str, choices: Sequence[dict]) -> Optional[str]:
    """The payload of the choice a typed number picks ("1", "回复2", "３。"), or None."""
    m = NUMBER.match(unicodedata.normalize("NFKC", text or ""))
    if not m or not choices:
        return None
    n = int(m.group(1))
    return choices[n - 1]["payload"] if 1 <= n <= len(choices) else None
