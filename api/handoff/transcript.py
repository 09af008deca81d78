"""The resident's conversation as their page redraws it after a reload, from the assistant's
transcript (Rasa's tracker events): their own lines, the assistant's, staff lines (the backend
writes them there with the staff member's name) and notices about the handoff."""
from typing import Dict, List

from shared.redact import mask_personal
from shared.textnorm import clean

MAX_LINES = 200  # a long conversation: its latest part


def lines(events: List[dict], pending: List[str]) -> List[dict]:
    """[{"from": "me" | "bot" | "staff" | "system", "text", "name"?, "buttons"?}], oldest first.
    `pending`: staff lines and notices the page has not picked up yet; /updates hands them out
    next, so they are left out here (else the page would draw them twice). Only the assistant's
    last message keeps its buttons, and only while the resident has not answered it."""
    out: List[dict] = []
    titles: Dict[str, str] = {}  # button payload → title: a pressed button is shown by its title
    for e in events:
        kind = e.get("event")
        text = e.get("text") or ""
        if kind == "user":
            if text.startswith("/"):
                text = titles.get(text, "")
            if text:
                out.append({"from": "me", "text": mask_personal(text)[0]})
        elif kind == "bot" and text:
            meta = e.get("metadata") or {}
            who = meta.get("from")
            if who in ("staff", "system"):
                line = {"from": who, "text": text}
                if who == "staff" and meta.get("name"):
                    line["name"] = meta["name"]
            else:
                buttons = [{"title": b["title"], "payload": b["payload"]}
                           for b in (e.get("data") or {}).get("buttons") or []
                           if isinstance(b, dict) and b.get("title") and b.get("payload")]
                titles.update({b["payload"]: b["title"] for b in buttons})
                line = {"from": "bot", "text": text, "buttons": buttons}
            out.append(line)
    _drop_pending(out, pending)
    out = out[-MAX_LINES:]
    last_bot = max((i for i, x in enumerate(out) if x["from"] == "bot"), default=None)
    answered = last_bot is not None and any(x["from"] == "me" for x in out[last_bot + 1:])
    for i, x in enumerate(out):
        if x["from"] == "bot" and (i != last_bot or answered or not x["buttons"]):
            del x["buttons"]
    return out


def _drop_pending(out: List[dict], pending: List[str]) -> None:
    """Remove the latest transcript line of each text still waiting for the page."""
    for text in pending:
        want = mask_personal(clean(text))[0]
        for i in range(len(out) - 1, -1, -1):
            if out[i]["from"] in ("staff", "system") and out[i]["text"] == want:
                del out[i]
                break
