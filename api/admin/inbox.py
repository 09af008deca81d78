"""The review inbox: resident messages the assistant handled badly, collected from three places,
kept masked, and grouped by similar text for admins to read and label.

Collection (collect(), each background round and on an admin's request; idempotent: an item's
`source` is unique, and one resident message is one item, whatever found it):
1. Rasa's tracker store, read incrementally (the `tracker` cursor): low intent confidence, the
   NLU's fallback, a clarifying question that did not resolve, a handoff after misunderstanding.
2. Staff corrections (the `audit` cursor over FILE_TICKET / LINK_TICKET): staff filed or linked a
   work order in a case whose conversation the router had sent elsewhere (service, other, or a
   question): those messages, with the label the work order suggests (shown, never applied).
3. Staff flags ("助手理解错了" in a case): flag(), at once.
"""
import datetime as dt
import hashlib
import json
import logging
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from api.admin.models import ReviewCursor, ReviewItem
from api.admin.states import ReviewReason, ReviewStatus
from api.core import clock
from api.core.errors import DomainError, Kind
from api.handoff import cases
from api.handoff.models import HandoffCase
from api.handoff.states import Author, Reason
from api.incidents.models import Ticket
from api.routing.models import RoutingDecision
from api.staff.audit import AuditAction, audit
from api.staff.models import AuditEntry, StaffUser
from shared.redact import mask_for_review, mask_personal
from shared.settings import get_settings
from shared.textnorm import clean, normalise

log = logging.getLogger("api")

KEY_CHARS = 200
TEXT_CHARS = 2000
CONTEXT_LINES = 3
BATCH = 500  # user events (or audit rows) read per round: the write lock is held while they are read
ANSWER_WAIT = dt.timedelta(minutes=5)  # a clarifying question unanswered this long was not answered
# Bot answers that ask the resident what they meant (bot/domain/routing.yml, fallback.yml,
# actions/fallback.py) and the actions that ask it.
CLARIFY_RESPONSES = ("utter_which_", "utter_ask_rephrase")
CLARIFY_ACTIONS = {"action_default_ask_affirmation", "action_default_ask_rephrase", "action_two_stage_fallback"}
# actions/human.py: action_default_fallback hands over after two misunderstandings (reason
# "misunderstood"). Rasa runs it as the core fallback (its own ActionExecuted), or inside the
# two-stage fallback giving up: then the tracker shows action_two_stage_fallback and the pause.
# action_request_human: a resident who gave up on a question and asked for a person.
MISUNDERSTOOD_HANDOVER = "action_default_fallback"
TWO_STAGE = "action_two_stage_fallback"
ANY_HANDOVER = {MISUNDERSTOOD_HANDOVER, "action_request_human"}
DENIAL_PAYLOADS = ("/out_of_scope", "/deny")  # the "不是" button of "您是想…吗？"
# Weakest first: one message found for several reasons keeps the strongest; staff's own
# judgement is the strongest evidence there is.
STRENGTH = [ReviewReason.LOW_CONFIDENCE, ReviewReason.FALLBACK, ReviewReason.CLARIFY_UNRESOLVED,
            ReviewReason.HANDOFF, ReviewReason.STAFF_CORRECTED, ReviewReason.STAFF_FLAGGED]
# Routes a staff-filed work order shows were wrong: the assistant answered a guide, asked, or gave up.
CORRECTABLE_ROUTES = ("service", "other", "clarify")
CORRECTION_WINDOW = dt.timedelta(minutes=30)  # the messages before the handoff a work order speaks for
GONE = "这条消息已不存在（可能已过保存期限被删除），无法标注"


# ---- text keys and masking -------------------------------------------------------------------

def text_key(value: str, limit: Optional[int] = None) -> str:
    """Normalised text for comparing what residents wrote: simplified, half-width, lower case,
    without punctuation, symbols (the asterisks of a masked number) or spaces; digits as 0, so
    two residents' flat or phone numbers do not keep the same complaint apart."""
    out = "".join("0" if c.isdigit() else c for c in normalise(clean(value or ""))
                  if unicodedata.category(c)[0] not in "PSZC")
    return out[:limit] if limit else out


def stored_text(value: str) -> str:
    """What is kept of a resident's line: clean, phones and ID numbers masked, bounded."""
    return mask_personal(clean(value or ""))[0][:TEXT_CHARS]


def display_text(value: str) -> str:
    """What admins read, and what a label trains on: names masked too."""
    return mask_for_review(value or "")


def display_context(lines: Iterable[dict]) -> List[dict]:
    return [{**line, "text": display_text(line.get("text", ""))} for line in lines or []]


def stronger(a: str, b: str) -> str:
    return a if STRENGTH.index(ReviewReason(a)) >= STRENGTH.index(ReviewReason(b)) else b


# ---- adding items ------------------------------------------------------------------------------

def _same_message(session: Session, sender: str, text_: str, at: dt.datetime) -> Optional[ReviewItem]:
    """An item already kept for this resident message (found by another source)."""
    for item in session.scalars(select(ReviewItem).where(ReviewItem.sender == sender, ReviewItem.text == text_)):
        if abs(item.at - at) <= dt.timedelta(hours=1):
            return item
    return None


def _add(session: Session, item: ReviewItem) -> Tuple[ReviewItem, bool]:
    """(the item kept for this message, whether it is new). A message found again, by the same
    source (a question since left unanswered) or by another, keeps one item with the stronger reason."""
    same = (session.scalars(select(ReviewItem).where(ReviewItem.source == item.source)).first()
            or _same_message(session, item.sender, item.text, item.at))
    if same is not None:
        same.reason = stronger(same.reason, item.reason)
        same.suggested = same.suggested or item.suggested
        same.flagged_by_id = same.flagged_by_id or item.flagged_by_id
        if not same.intent:
            same.intent, same.intent_confidence = item.intent, item.intent_confidence
        return same, False
    item.group_key = text_key(display_text(item.text), KEY_CHARS)  # names out: the key is shown too
    item.status = ReviewStatus.OPEN.value
    session.add(item)
    session.flush()
    return item, True


def _decision(session: Session, sender: str, text_: str, at: dt.datetime) -> Optional[RoutingDecision]:
    """The router's decision on this message: same conversation, same text, nearest in time."""
    rows = session.scalars(select(RoutingDecision).where(RoutingDecision.sender == sender[:100],
                                                         RoutingDecision.text == text_)).all()
    return min(rows, key=lambda d: abs(d.at - at)) if rows else None


def _with_route(session: Session, item: ReviewItem) -> ReviewItem:
    d = _decision(session, item.sender, item.text, item.at)
    if d is not None:
        item.route, item.route_score = d.route, d.score
    return item


def _cursor(session: Session, name: str) -> ReviewCursor:
    row = session.get(ReviewCursor, name)
    if row is None:
        row = ReviewCursor(name=name, position=0)
        session.add(row)
    return row


# ---- 1. Rasa's tracker store -------------------------------------------------------------------

def _tracker_engine():
    s = get_settings()
    if s.tracker_dialect != "sqlite":
        return None  # another store: read with its own tools (not built)
    path = Path(s.tracker_db)
    return create_engine(f"sqlite:///{path}") if path.exists() else None


def _tracker_cursor(session: Session) -> ReviewCursor:
    """The cursor of this tracker database (by its path): a store moved elsewhere starts afresh."""
    return _cursor(session, "tracker:" + hashlib.sha1(str(get_settings().tracker_db).encode()).hexdigest()[:12])


def _event(row) -> dict:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        data = {}
    return {"id": row.id, "type": row.type_name, "ts": row.timestamp or 0.0, "action": row.action_name, "data": data}


def _is_typed(e: dict) -> bool:
    t = e["data"].get("text") or ""
    return e["type"] == "user" and bool(t.strip()) and not t.startswith("/")


def _intent(e: dict) -> Tuple[Optional[str], Optional[float]]:
    i = (e["data"].get("parse_data") or {}).get("intent") or {}
    return i.get("name"), i.get("confidence")


def _asks_back(turn: List[dict]) -> bool:
    for e in turn:
        if e["type"] == "action" and e["action"] in CLARIFY_ACTIONS:
            return True
        said = (e["data"].get("metadata") or {}).get("utter_action") or ""
        if e["type"] == "bot" and said.startswith(CLARIFY_RESPONSES):
            return True
    return False


def _hands_over(turn: List[dict], misunderstood_only: bool) -> bool:
    actions = {e["action"] for e in turn if e["type"] == "action"}
    paused = any(e["type"] == "pause" for e in turn)
    if MISUNDERSTOOD_HANDOVER in actions or (TWO_STAGE in actions and paused):
        return True
    return not misunderstood_only and (bool(actions & ANY_HANDOVER) or paused)


def _button_title(events: List[dict], at: int, payload: str) -> Optional[str]:
    """The title of the button whose payload the resident pressed ("不是"), from the bot's last line."""
    for e in reversed(events[:at]):
        if e["type"] == "bot":
            for b in (e["data"].get("data") or {}).get("buttons") or []:
                if b.get("payload") == payload:
                    return b.get("title")
            return None
    return None


def _lines(events: List[dict]) -> List[Tuple[int, dict]]:
    """(index of the event, {"from", "text"}) for what was said, masked; a button pressed reads as its title."""
    out = []
    for i, e in enumerate(events):
        t = e["data"].get("text") or ""
        if e["type"] == "user" and t.strip():
            if t.startswith("/"):
                title = _button_title(events, i, t)
                if title:
                    out.append((i, {"from": "resident", "text": f"〔点了按钮〕{title}"}))
                continue
            out.append((i, {"from": "resident", "text": stored_text(t)}))
        elif e["type"] == "bot" and t.strip():
            who = "staff" if (e["data"].get("metadata") or {}).get("from") == "staff" else "bot"
            out.append((i, {"from": who, "text": stored_text(t)[:500]}))
    return out


def _context(lines: List[Tuple[int, dict]], at: int) -> List[dict]:
    pos = next((k for k, (i, _) in enumerate(lines) if i == at), None)
    if pos is None:
        return []
    around = lines[max(0, pos - CONTEXT_LINES):pos + CONTEXT_LINES + 1]
    return [{**line, "this": True} if i == at else line for i, line in around]


def _misunderstood_cases(session: Session, sender: str) -> List[float]:
    """When this conversation was handed over for misunderstanding (Unix times)."""
    rows = session.scalars(select(HandoffCase.created_at).where(HandoffCase.sender == sender,
                                                                HandoffCase.reason == Reason.MISUNDERSTOOD.value))
    return [clock.aware(t).timestamp() for t in rows]


def _judge(events: List[dict], i: int, now_ts: float, handovers: List[float]) -> Tuple[Optional[str], bool]:
    """(the strongest reason the typed message events[i] belongs in the inbox, or None;
    whether that cannot be told yet: a question asked back and not answered so far)."""
    threshold = get_settings().review_confidence
    nxt = next((k for k in range(i + 1, len(events)) if events[k]["type"] == "user"), None)
    turn = events[i + 1:nxt] if nxt is not None else events[i + 1:]
    reasons = []
    name, confidence = _intent(events[i])
    if name == "nlu_fallback":
        reasons.append(ReviewReason.FALLBACK)
    elif confidence is not None and confidence < threshold:
        reasons.append(ReviewReason.LOW_CONFIDENCE)
    ends = events[nxt]["ts"] if nxt is not None else float("inf")
    if _hands_over(turn, misunderstood_only=True) or any(events[i]["ts"] <= t < ends for t in handovers):
        reasons.append(ReviewReason.HANDOFF)
    pending = False
    if _asks_back(turn):
        if nxt is None:
            # Unanswered: said so only once the conversation has been quiet for a while.
            if events[-1]["ts"] < now_ts - ANSWER_WAIT.total_seconds():
                reasons.append(ReviewReason.CLARIFY_UNRESOLVED)
            else:
                pending = True
        else:
            reply = events[nxt]["data"].get("text") or ""
            after = next((k for k in range(nxt + 1, len(events)) if events[k]["type"] == "user"), None)
            next_turn = events[nxt + 1:after] if after is not None else events[nxt + 1:]
            if (reply.startswith(DENIAL_PAYLOADS) or _intent(events[nxt])[0] == "nlu_fallback"
                    or _hands_over(next_turn, misunderstood_only=False)):
                reasons.append(ReviewReason.CLARIFY_UNRESOLVED)
    if not reasons:
        return None, pending
    return max(reasons, key=STRENGTH.index).value, pending


def _shown_intent(e: dict) -> Tuple[Optional[str], Optional[float]]:
    """The intent the NLU read; for a fallback, the best reading it fell back from."""
    name, confidence = _intent(e)
    if name == "nlu_fallback":
        for r in (e["data"].get("parse_data") or {}).get("intent_ranking") or []:
            if r.get("name") and r["name"] != "nlu_fallback":
                return r["name"], r.get("confidence")
    return name, confidence


def _tracker_items(session: Session, sender: str, events: List[dict], new: set, now_ts: float
                   ) -> Tuple[List[ReviewItem], List[int]]:
    """(items for the conversation's new typed messages, the ids of those not decidable yet).
    `events` is the whole conversation: what came later tells whether a question was answered."""
    handovers = _misunderstood_cases(session, sender)
    items, undecided, lines = [], [], None
    for i, e in enumerate(events):
        if e["id"] not in new or not _is_typed(e):
            continue
        reason, pending = _judge(events, i, now_ts, handovers)
        if pending:
            undecided.append(e["id"])
        if reason is None:
            continue
        lines = lines if lines is not None else _lines(events)
        intent, confidence = _shown_intent(e)
        at = clock.local(dt.datetime.fromtimestamp(e["ts"], dt.timezone.utc))
        # The id alone is reused by a store emptied and started again; with the time it is not.
        items.append(_with_route(session, ReviewItem(
            source=f"event:{e['id']}:{int(e['ts'])}", at=at, sender=sender[:100],
            text=stored_text(e["data"].get("text")), reason=reason, intent=intent,
            intent_confidence=confidence, context=_context(lines, i))))
    return items, undecided


def collect_tracker(session: Session) -> int:
    engine = _tracker_engine()
    if engine is None:
        return 0
    cursor = _tracker_cursor(session)
    now_ts = clock.aware(clock.now()).timestamp()
    added = 0
    try:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT name FROM sqlite_master WHERE type='table' AND name='events'")).first():
                return 0
            top = conn.execute(text("SELECT MAX(id) FROM events")).scalar() or 0
            if top < cursor.position:  # the store was emptied and started again: its ids too
                cursor.position = 0
            new = conn.execute(text("SELECT id, sender_id FROM events WHERE id > :c AND type_name = 'user' "
                                    "ORDER BY id LIMIT :n"), {"c": cursor.position, "n": BATCH}).all()
            if not new:
                return 0
            by_sender = defaultdict(set)
            for row in new:
                by_sender[row.sender_id].add(row.id)
            undecided = []
            for sender, ids in by_sender.items():
                events = [_event(r) for r in conn.execute(text(
                    "SELECT id, type_name, timestamp, action_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                    {"s": sender})]
                items, waiting = _tracker_items(session, sender, events, ids, now_ts)
                undecided += waiting
                added += sum(_add(session, item)[1] for item in items)
        # A question still waiting for its answer is read again next round (its source keeps
        # the messages after it from being added twice).
        cursor.position = min(undecided) - 1 if undecided else new[-1].id
    finally:
        engine.dispose()
    return added


# ---- 2. staff corrections ----------------------------------------------------------------------

def _case_context(case: HandoffCase, text_: str) -> List[dict]:
    lines = [(m.id, {"from": "bot" if m.author == Author.SYSTEM else m.author, "text": stored_text(m.text)[:500]})
             for m in case.messages if m.author in (Author.RESIDENT, Author.BOT, Author.STAFF, Author.SYSTEM)]
    at = next((i for i, line in lines if line["from"] == "resident" and line["text"] == text_), None)
    return _context(lines, at) if at is not None else [line for _, line in lines[:CONTEXT_LINES * 2 + 1]]


def _suggestion(ticket: Optional[Ticket]) -> dict:
    if ticket is not None and ticket.kind == "建议":
        return {"intent": "make_suggestion", "route": "suggestion"}
    return {"intent": "report_incident", "route": "incident"}


def collect_corrections(session: Session) -> int:
    cursor = _cursor(session, "audit")
    rows = session.scalars(select(AuditEntry).where(
        AuditEntry.id > cursor.position,
        AuditEntry.action.in_((AuditAction.FILE_TICKET.value, AuditAction.LINK_TICKET.value)))
        .order_by(AuditEntry.id).limit(BATCH)).all()
    added = 0
    for entry in rows:
        case = session.get(HandoffCase, int(entry.target)) if entry.target.isdigit() else None
        if case is None:
            continue
        suggested = _suggestion(session.scalars(select(Ticket).where(Ticket.number == entry.detail)).first())
        decisions = session.scalars(select(RoutingDecision).where(
            RoutingDecision.sender == case.sender, RoutingDecision.at <= case.created_at,
            RoutingDecision.at >= case.created_at - CORRECTION_WINDOW).order_by(RoutingDecision.at.desc()).limit(3))
        for d in decisions:
            if d.route not in CORRECTABLE_ROUTES or not d.text.strip():
                continue
            item = ReviewItem(source=f"decision:{d.id}", at=d.at, sender=d.sender, text=stored_text(d.text),
                              reason=ReviewReason.STAFF_CORRECTED.value, intent=d.intent,
                              intent_confidence=d.intent_confidence, route=d.route, route_score=d.score,
                              context=_case_context(case, stored_text(d.text)), suggested=suggested)
            added += _add(session, item)[1]
    if rows:
        cursor.position = rows[-1].id
    return added


def collect(session: Session) -> int:
    """One round of collection from every source; how many items were added. Commits."""
    added = collect_tracker(session) + collect_corrections(session)
    session.commit()
    return added


# ---- 3. staff flags ----------------------------------------------------------------------------

def flag(session: Session, user: StaffUser, case_id: int, message_id: Optional[int]) -> ReviewItem:
    """A staff member says the assistant misunderstood this case (its resident message
    `message_id`, or the last thing the resident said before the handoff). Flagging again
    is the same item."""
    case = cases.get_case(session, user, case_id)  # staff: their own centre's cases only
    resident = [m for m in case.messages if m.author == Author.RESIDENT and m.text.strip()]
    if message_id is not None:
        msg = next((m for m in resident if m.id == message_id), None)
        if msg is None:
            raise DomainError("这个会话里没有这条居民消息", Kind.NOT_FOUND)
        source = f"case:{case.id}:msg:{msg.id}"
    else:
        before = [m for m in resident if m.at <= case.created_at]
        msg = (before or resident or [None])[-1]
        if msg is None:
            raise DomainError("这个会话里没有居民的消息可以标记")
        source = f"case:{case.id}:flag"
    kept = stored_text(msg.text)
    context = case.context if isinstance(case.context, dict) else {}
    confidence = context.get("confidence")
    item, new = _add(session, _with_route(session, ReviewItem(
        source=source, at=msg.at, sender=case.sender, text=kept, reason=ReviewReason.STAFF_FLAGGED.value,
        intent=str(context.get("intent"))[:64] if context.get("intent") else None,
        intent_confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
        context=_case_context(case, kept), flagged_by_id=user.id)))
    audit(session, user, AuditAction.FLAG_MISUNDERSTOOD, case.id, f"review item {item.id}")
    session.commit()
    return item


# ---- reading: items and groups -----------------------------------------------------------------

MAX_GROUPED = 3000       # the newest items grouped per listing; older ones wait until these are done
SHORT = 30               # normalised characters: up to this, texts are compared by their bigrams
SIMILAR = 0.6


def get_item(session: Session, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id) if 0 < item_id < 2 ** 63 else None
    if item is None:
        raise DomainError(GONE, Kind.NOT_FOUND)
    return item


def _bigrams(key: str) -> frozenset:
    return frozenset(key[i:i + 2] for i in range(len(key) - 1)) or frozenset([key])


def similar(a: str, b: str) -> bool:
    """Near-identical residents' messages, on their keys. Short ones (most: "居住证怎么办",
    "楼下烧烤店油烟太大了") differ by a particle or a word: character-bigram Jaccard >= 0.6 groups
    "油烟太大" with "油烟太大了" and keeps "居住证怎么办" apart from "身份证怎么办". Long letters
    rarely share most bigrams even when they report the same thing, but the same complaint
    pasted again (or a template) starts the same: the first 30 characters decide."""
    if a == b:
        return True
    if len(a) > SHORT and len(b) > SHORT:
        return a[:SHORT] == b[:SHORT]
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) >= SIMILAR


def cluster(items: List[ReviewItem]) -> List[List[ReviewItem]]:
    """Items grouped: the same key, then near duplicates of the largest bucket of each group (not a
    chain of near duplicates of near duplicates, which would drift). Largest buckets first."""
    buckets: Dict[str, List[ReviewItem]] = defaultdict(list)
    for item in items:
        buckets[item.group_key].append(item)
    order = sorted(buckets, key=lambda k: (-len(buckets[k]), -max(i.at for i in buckets[k]).timestamp(), k))
    groups: List[Tuple[str, List[ReviewItem]]] = []
    by_bigram: Dict[str, List[int]] = defaultdict(list)   # a group's leading key's bigrams → the group
    by_prefix: Dict[str, int] = {}                        # a long leading key's first characters → its group
    for key in order:
        found = by_prefix.get(key[:SHORT]) if len(key) > SHORT else None
        if found is None:
            grams = _bigrams(key)
            # Candidates share bigrams with the key; Jaccard <= shared / len(grams), so the
            # candidates sharing too few are not even compared.
            for g, n in Counter(g for gram in grams for g in by_bigram.get(gram, ())).most_common():
                if n / len(grams) < SIMILAR:
                    break
                if similar(key, groups[g][0]):
                    found = g
                    break
        if found is not None:
            groups[found][1].extend(buckets[key])
            continue
        groups.append((key, list(buckets[key])))
        for gram in _bigrams(key):
            by_bigram[gram].append(len(groups) - 1)
        if len(key) > SHORT:
            by_prefix.setdefault(key[:SHORT], len(groups) - 1)
    return [members for _, members in groups]


def _items(session: Session, status: str, reason: Optional[str] = None) -> List[ReviewItem]:
    q = select(ReviewItem).where(ReviewItem.status == status)
    if reason:
        q = q.where(ReviewItem.reason == reason)
    return session.scalars(q.order_by(ReviewItem.at.desc(), ReviewItem.id.desc()).limit(MAX_GROUPED)).all()


def _group_view(members: List[ReviewItem]) -> dict:
    members = sorted(members, key=lambda i: (i.at, i.id), reverse=True)
    keys = Counter(i.group_key for i in members)
    lead = keys.most_common(1)[0][0]
    rep = next(i for i in members if i.group_key == lead)  # the newest of the commonest wording
    suggested = rep.suggested or next((i.suggested for i in members if i.suggested), None)
    return {"key": rep.group_key, "count": len(members), "text": display_text(rep.text),
            "item_ids": [i.id for i in members], "reasons": dict(Counter(i.reason for i in members)),
            "intent": rep.intent, "intent_confidence": rep.intent_confidence, "route": rep.route,
            "route_score": rep.route_score, "latest_at": members[0].at.isoformat(timespec="seconds"),
            "suggested": suggested}


def groups(session: Session, status: str = ReviewStatus.OPEN.value, reason: Optional[str] = None, q: str = "",
           limit: int = 50) -> Tuple[List[dict], int, int]:
    """(the groups to show, sorted by size then the newest message; how many messages, how many
    groups in all)."""
    items = _items(session, status, reason)
    if q:
        # On what admins see: a name masked in the list does not find its message either.
        needle = normalise(q.strip())
        items = [i for i in items if needle in normalise(display_text(i.text))]
        messages = len(items)
    else:
        where = [ReviewItem.status == status] + ([ReviewItem.reason == reason] if reason else [])
        messages = session.scalar(select(func.count(ReviewItem.id)).where(*where))
    views = sorted((_group_view(m) for m in cluster(items)), key=lambda g: (g["count"], g["latest_at"]), reverse=True)
    return views[:limit], messages, len(views)


def group_of(session: Session, item: ReviewItem) -> List[ReviewItem]:
    """The item and the others of its group in the inbox as it is listed (same status)."""
    for members in cluster(_items(session, item.status)):
        if any(m.id == item.id for m in members):
            return members
    return [item]


def item_view(session: Session, item: ReviewItem) -> dict:
    label = None
    if item.status == ReviewStatus.LABELLED:
        label = {"intent": item.label_intent, "route": item.label_route, "entities": item.label_entities or [],
                 "by": item.labelled_by.display_name if item.labelled_by else None,
                 "at": item.labelled_at.isoformat(timespec="seconds") if item.labelled_at else None}
    sender = item.sender if len(item.sender) <= 10 else item.sender[:4] + "…" + item.sender[-4:]
    return {"id": item.id, "text": display_text(item.text), "at": item.at.isoformat(timespec="seconds"),
            "sender": sender, "reason": item.reason, "intent": item.intent,
            "intent_confidence": item.intent_confidence, "route": item.route, "route_score": item.route_score,
            "context": display_context(item.context), "status": item.status, "label": label,
            "suggested": item.suggested, "flagged_by": item.flagged_by.display_name if item.flagged_by else None,
            "group_item_ids": sorted(m.id for m in group_of(session, item))}
