"""Labels from the review inbox, written where training reads them: nlu_data/reviewed.yml, one
file in Rasa's YAML format, sorted by intent and text so that each label is a clean diff in
review, and the same label written twice leaves the file as it was. The text written is what the
admin read (phones, ID numbers and names masked): the model meets masked numbers at run time,
and the entity spans the admin marked are spans of that text.

The file is the record (the database only remembers which items are done), so it is written
atomically (a temporary file, then os.replace) under a lock held across threads and processes.
The backend never imports Rasa: the file is plain YAML, and the tests read it with Rasa's reader.
"""
import fcntl
import os
import tempfile
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import yaml
from sqlalchemy.orm import Session

from api.admin import heldout, inbox
from api.admin.models import ReviewItem
from api.admin.states import ReviewStatus
from api.core import clock
from api.core.errors import DomainError, Kind
from api.core.written_examples import plain
from api.handoff.understood import ENTITY_NAMES, INTENT_NAMES
from api.routing.router import INTENT_ROUTE
from api.staff.audit import AuditAction, audit
from api.staff.models import StaffUser
from shared.settings import ROOT, get_settings

FILE_NAME = "reviewed.yml"
DOMAIN = ROOT / "bot" / "domain"
ROUTE_NAMES = {"service": "咨询办事", "incident": "反映问题", "suggestion": "提建议", "progress": "查询进度",
               "person": "转人工", "other": "其他（闲聊、超出范围）"}
DEFAULT_ROUTE = {**INTENT_ROUTE, "request_human": "person"}
HEADER = ("# Examples labelled by admins in the console's review inbox (/console/admin).\n"
          "# Written by the backend (api/admin/labelling.py): edit labels in the console, not here;\n"
          "# a hand edit is kept, but the next label rewrites the file sorted.\n"
          "# Texts are residents' messages with phone, ID numbers and names masked.\n")

_thread_lock = threading.Lock()


# ---- what may be labelled --------------------------------------------------------------------

@lru_cache(maxsize=4)
def _domain(_stamp: Tuple[float, ...]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    intents, entities = [], []
    for path in sorted(DOMAIN.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, out in (("intents", intents), ("entities", entities)):
            for x in doc.get(key) or []:
                name = next(iter(x)) if isinstance(x, dict) else str(x)
                if name not in out:
                    out.append(name)
    return tuple(intents), tuple(entities)


def domain() -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(the domain's intents, its entities), read from bot/domain/*.yml."""
    return _domain(tuple(p.stat().st_mtime for p in sorted(DOMAIN.glob("*.yml"))))


def choices() -> dict:
    intents, entities = domain()
    return {"intents": [{"code": i, "name": INTENT_NAMES.get(i, i)} for i in intents],
            "routes": [{"code": r, "name": n} for r, n in ROUTE_NAMES.items()],
            "entities": [{"code": e, "name": ENTITY_NAMES.get(e, e)} for e in entities]}


def _check(intent: str, route: Optional[str], entities: List[dict], text: str) -> Tuple[str, List[dict]]:
    """(the route, the entities with their values) or DomainError (422)."""
    intents, known = domain()
    if intent not in intents or intent == "nlu_fallback":
        raise DomainError(f"没有这个意图：{intent}")
    route = route or DEFAULT_ROUTE.get(intent, "other")
    if route not in ROUTE_NAMES:
        raise DomainError(f"没有这个去向：{route}")
    out = []
    for e in sorted(entities, key=lambda e: (e["start"], e["end"])):
        if e["entity"] not in known:
            raise DomainError(f"没有这个实体：{e['entity']}")
        if not 0 <= e["start"] < e["end"] <= len(text):
            raise DomainError(f"实体“{e['entity']}”的位置超出了这句话（共{len(text)}个字）")
        if out and e["start"] < out[-1]["end"]:
            raise DomainError("两个实体的位置重叠了，请分开标注")
        value = text[e["start"]:e["end"]]
        if not value.strip("* \t\n"):
            raise DomainError("实体不能是空白或打了星号遮住的内容")
        out.append({"entity": e["entity"], "value": value, "start": e["start"], "end": e["end"]})
    return route, out


def _moved(entities: List[dict], text: str) -> List[dict]:
    """The admin's entities on another text of the group: where the same words occur in it.
    An entity whose words are not there is left out of that example."""
    out, taken = [], 0
    for e in entities:
        at = text.find(e["value"], taken)
        if at >= 0:
            out.append({**e, "start": at, "end": at + len(e["value"])})
            taken = at + len(e["value"])
    return out


# ---- the file --------------------------------------------------------------------------------

# Brackets a resident typed would read as entity markup ([x](y)) in Rasa's format.
_BRACKETS = str.maketrans({"[": "［", "]": "］"})


def annotated(text: str, entities: List[dict]) -> str:
    """The text with its entities inline, [value](entity)."""
    out, at = [], 0
    for e in entities:
        out += [text[at:e["start"]].translate(_BRACKETS),
                f"[{text[e['start']:e['end']].translate(_BRACKETS)}]({e['entity']})"]
        at = e["end"]
    out.append(text[at:].translate(_BRACKETS))
    return "".join(out)


def path() -> Path:
    return Path(get_settings().nlu_dir) / FILE_NAME


@contextmanager
def _locked() -> Iterator[None]:
    """One writer at a time: threads of this process, and other processes (a second worker, the CLI)."""
    lock_file = Path(get_settings().var_dir) / "reviewed.yml.lock"  # not in nlu_data/: no stray file in git
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with _thread_lock, open(lock_file, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def read() -> Dict[str, dict]:
    """{plain text: {"intent", "text" (annotated), "metadata"}} of reviewed.yml."""
    p = path()
    if not p.is_file():
        return {}
    doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    out = {}
    for block in doc.get("nlu") or []:
        if "intent" not in block:
            continue
        examples = block.get("examples") or []
        if isinstance(examples, str):  # a hand edit in Rasa's other form
            examples = [{"text": line.strip()[2:]} for line in examples.splitlines() if line.strip().startswith("- ")]
        for e in examples:
            if isinstance(e, dict) and e.get("text"):
                out[plain(e["text"])] = {"intent": block["intent"], "text": e["text"],
                                         "metadata": e.get("metadata") or {}}
    return out


def _dump(examples: Dict[str, dict]) -> str:
    by_intent: Dict[str, List[dict]] = {}
    for key in sorted(examples, key=lambda k: (examples[k]["intent"], k)):
        e = examples[key]
        by_intent.setdefault(e["intent"], []).append({"text": e["text"], "metadata": e["metadata"]})
    doc = {"version": "3.1", "nlu": [{"intent": i, "examples": ex} for i, ex in by_intent.items()]}
    return HEADER + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100000, default_flow_style=False)


def _write(examples: Dict[str, dict]) -> None:
    p = path()
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".reviewed.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(_dump(examples))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---- other training files --------------------------------------------------------------------

@lru_cache(maxsize=4)
def _trained(folder: str, _stamp: Tuple[float, ...]) -> Dict[str, Tuple[str, str]]:
    """{text key: (intent, file)} of every example in nlu_data/ but reviewed.yml."""
    out: Dict[str, Tuple[str, str]] = {}
    base = Path(folder)
    for f in sorted(base.rglob("*.yml")):
        if f.name == FILE_NAME and f.parent == base:
            continue
        try:
            doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        for block in (doc.get("nlu") or []) if isinstance(doc, dict) else []:
            if not isinstance(block, dict) or "intent" not in block:
                continue
            examples = block.get("examples") or ""
            texts = ([line.strip()[2:] for line in examples.splitlines() if line.strip().startswith("- ")]
                     if isinstance(examples, str) else [e.get("text", "") for e in examples if isinstance(e, dict)])
            for t in texts:
                out.setdefault(inbox.text_key(plain(t)), (block["intent"], str(f.relative_to(base.parent))))
    return out


def trained_as(text: str) -> Optional[Tuple[str, str]]:
    """(intent, file) when another training file has this text already."""
    folder = Path(get_settings().nlu_dir)
    files = sorted(folder.rglob("*.yml")) if folder.is_dir() else []
    return _trained(str(folder), tuple(f.stat().st_mtime for f in files)).get(inbox.text_key(text))


def _refuse_held_out(texts: List[str], own: str) -> None:
    for t in texts:
        why = heldout.why_held_out(t)
        if why:
            raise DomainError(why if t == own else f"同组的“{t[:20]}”：{why}", Kind.CONFLICT)


def _refuse_contradictions(texts: List[str], own: str, intent: str) -> None:
    for t in texts:
        found = trained_as(t)
        if found and found[0] != intent:
            who = "这句话" if t == own else f"同组的“{t[:20]}”"
            raise DomainError(f"{who}已在训练数据 {found[1]} 中标为“{INTENT_NAMES.get(found[0], found[0])}”"
                              f"（{found[0]}），与这次的标注矛盾。请先在那里改正，或选同一个意图", Kind.CONFLICT)


# ---- labelling -------------------------------------------------------------------------------

def _members(session: Session, item: ReviewItem, group: bool) -> List[ReviewItem]:
    if not group:
        return [item]
    return sorted(inbox.group_of(session, item), key=lambda i: i.id)


def label(session: Session, user: StaffUser, item_id: int, intent: str, route: Optional[str],
          entities: List[dict], group: bool) -> dict:
    """Label the item (and its group): the examples go into reviewed.yml, the items are done."""
    item = inbox.get_item(session, item_id)
    own = inbox.display_text(item.text)
    if not own.strip():
        raise DomainError("这条消息没有文字，无法标注")
    route, marked = _check(intent, route, entities, own)
    members = _members(session, item, group)
    examples: Dict[str, dict] = {}
    for m in [item] + [m for m in members if m.id != item.id]:
        t = inbox.display_text(m.text)
        if t.strip() and t not in examples:
            spans = marked if t == own else _moved(marked, t)
            examples[t] = {"intent": intent, "text": annotated(t, spans),
                           "metadata": {"route": route, "review_item": m.id}}
    texts = list(examples)
    _refuse_held_out(texts, own)
    _refuse_contradictions(texts, own, intent)
    now = clock.now()
    for m in members:
        m.status, m.label_intent, m.label_route = ReviewStatus.LABELLED.value, intent, route
        t = inbox.display_text(m.text)
        m.label_entities = marked if t == own else _moved(marked, t)
        m.labelled_by_id, m.labelled_at = user.id, now
        audit(session, user, AuditAction.LABEL, m.id, f"{intent} / {route}")
    session.flush()
    with _locked():
        current = read()
        for e in examples.values():
            current[plain(e["text"])] = e
        _write(current)
    session.commit()
    return {"labelled": len(members), "file": f"{Path(get_settings().nlu_dir).name}/{FILE_NAME}"}


def noise(session: Session, user: StaffUser, item_id: int, group: bool) -> dict:
    """Not a message to learn from: the items are done, and their texts leave reviewed.yml."""
    item = inbox.get_item(session, item_id)
    members = _members(session, item, group)
    for m in members:
        m.status = ReviewStatus.NOISE.value
        m.label_intent = m.label_route = m.label_entities = None
        m.labelled_by_id, m.labelled_at = user.id, clock.now()
        audit(session, user, AuditAction.MARK_NOISE, m.id)
    session.flush()
    gone = {plain(annotated(inbox.display_text(m.text), [])) for m in members}
    with _locked():
        current = read()
        if gone & set(current):
            _write({k: v for k, v in current.items() if k not in gone})
    session.commit()
    return {"marked": len(members)}

