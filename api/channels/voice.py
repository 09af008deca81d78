"""The hotline through jambonz, an open-source voice gateway: its webhook protocol, spoken.

jambonz posts the call (call webhook), what the caller said or keyed (a `gather`'s actionHook:
`reason` speechDetected / dtmfDetected / timeout, `speech.alternatives[].transcript/confidence`,
`digits`), how a transfer went (the `dial` actionHook, its `confirmHook` for the seat) and the
call's status; each is answered with an array of verbs (`config`, `say`, `gather`, `dial`,
`hangup`). Every spoken line is one turn through api/channels/turn.py on the assistant's private
"voice" channel, like the chat page's, so pace, masking, the staff relay and the handoff are the
same. The speech itself is api/channels/speech.py.

Who calls: a webhook must carry jambonz's signature (`Jambonz-Signature: t=…,v1=HMAC-SHA256(secret,
"t.body")`, RSA_VOICE_WEBHOOK_SECRET) and/or HTTP basic auth (RSA_VOICE_BASIC_AUTH); with neither
configured the channel is off. The conversation is "voice-" + a keyed hash of the call's sid; the
caller's number goes into the phone vault only (masked everywhere else, never logged).
"""
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import logging
import re
import time
from typing import List, Mapping, Optional, Tuple

from sqlalchemy import delete, select
from starlette.concurrency import run_in_threadpool

from api.channels import speech, turn
from api.channels.models import ChannelOutbox, ChannelState
from api.core import clock
from api.core.db import SessionLocal, WriteSession
from api.guide import answers
from api.guide.models import ServiceItem
from api.handoff import cases, rasa_client, relay, understood
from api.handoff.models import CaseMessage, HandoffCase
from api.handoff.states import QUEUE_STATES, Author, CaseStatus, Reason
from api.incidents import vault
from api.places import directory
from api.places.models import Community, Grid, Street
from shared.patterns import mask, normalise_phone
from shared.settings import get_settings

log = logging.getLogger(__name__)
CHANNEL = "voice"
SIGNATURE_TOLERANCE = 300  # seconds a signature stays good (jambonz's own SDK allows the same)
MAX_SID = 128
DIAL_TIMEOUT = 30          # seconds the seat rings before the call becomes a call-back
MAX_HINTS = 500            # recognisers take a few hundred phrases at most
MAX_TRIES = 2              # silences, or turns not understood, before a person takes the call

GREETING = "您好，这里是{district}便民服务热线。请直接说您要办什么事，或者要反映什么问题；找人工请按0。"
SILENT = "您还在吗？请说您要办的事，找人工请按0。"
UNCLEAR = "抱歉，我没听清。请再说一遍，找人工请按0。"
NO_SUCH_KEY = "没有这个选项。"
TOO_FAST = "请稍等，慢一点说。"
PUTTING_THROUGH = "好的，正在为您转接{centre}的工作人员，请稍候。"
CALL_BACK = ("现在不是{centre}的服务时间。您的问题已登记为回电请求，工作人员上班后会打{number}联系您。"
             "感谢来电，再见。")
CALL_BACK_ASK = "现在不是{centre}的服务时间。请说一个能联系到您的电话号码，工作人员上班后给您回电。"
SEAT_MISSED = "抱歉，工作人员暂时没能接听。已为您登记回电，会打{number}联系您。感谢来电，再见。"
SEAT_MISSED_NO_NUMBER = "抱歉，工作人员暂时没能接听。请稍后再拨，或拨打热线{hotline}。再见。"
NO_NUMBER = "没有听到电话号码。请稍后再拨，或拨打热线{hotline}。再见。"
GOODBYE = "感谢来电，再见。"
SMS_OFFER = "需要的话，我可以把完整指南发短信给您。"
SMS_QUEUED = "好的，完整指南会发到您尾号{tail}的手机上。还有别的要办吗？"
EMPTY_REPLY = "请继续说。"
REPEAT_WORDS = ("再说一遍", "再说一次", "重复一遍", "重复一下", "没听清", "再讲一遍", "重复")
WHISPER = "{district}便民热线转来电话。{reason}。{facts}工作台会话{case}号。"
# The caller's own number as a choice where a phone number is asked for.
CALLER_CHOICE = {"title": "用来电号码", "local": "caller"}
ASKS_NUMBER = re.compile(r"(请|留|告诉我).{0,8}(电话|手机号|号码)|(电话|手机号|号码).{0,8}(是多少|？|\?)")


class BadRequest(ValueError):
    """Not a webhook jambonz would send; the message says what is wrong."""


# ---- who calls --------------------------------------------------------------------------------

def enabled() -> bool:
    s = get_settings()
    return bool(s.voice_webhook_secret or s.voice_basic_auth)


def authorised(headers: Mapping[str, str], body: bytes, now: Optional[float] = None) -> bool:
    """The gateway's signature and/or basic auth, whichever are configured (both when both are)."""
    s = get_settings()
    if not enabled():
        return False
    if s.voice_webhook_secret and not signature_ok(s.voice_webhook_secret, headers.get("jambonz-signature") or "",
                                                    body, now):
        return False
    return not s.voice_basic_auth or basic_ok(s.voice_basic_auth, headers.get("authorization") or "")


def signature_ok(secret: str, header: str, body: bytes, now: Optional[float] = None) -> bool:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">` (several v1 while a secret is rotated).
    The time is the real instant the gateway signed, not the district's clock: a replay after five
    minutes is refused."""
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamp = next((v.strip() for k, v in fields if k.strip() == "t"), "")
    given = [v.strip() for k, v in fields if k.strip() == "v1"]
    if not re.fullmatch(r"\d{1,12}", stamp) or not given:
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > SIGNATURE_TOLERANCE:
        return False
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest().encode()
    return any(hmac.compare_digest(expected, v.encode("utf-8", "replace")) for v in given)


def basic_ok(expected: str, header: str) -> bool:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, expected.encode())


# ---- the call -----------------------------------------------------------------------------------

def sender_for(call_sid: str) -> str:
    """The conversation of one call: the sid keyed with the backend's own secret, so logs and the
    tracker store never show an id jambonz's records could be matched with."""
    return turn.keyed_sender("voice-", "rsa-voice-call", call_sid)


def call_sid(payload: dict) -> str:
    sid = payload.get("call_sid")
    if not isinstance(sid, str) or not 0 < len(sid) <= MAX_SID or not sid.isprintable():
        raise BadRequest("call_sid 缺失或无效")
    return sid


def caller_number(value) -> Optional[str]:
    """A number staff can call back, from the call's `from` (+8613812345678, 013812345678,
    sip:13812345678@carrier), or None (anonymous, a SIP user name)."""
    if not isinstance(value, str):
        return None
    user = re.sub(r"^sips?:", "", value.strip()).split("@")[0].split(";")[0]
    user = re.sub(r"^(\+86|0086)", "", user)
    if re.fullmatch(r"01[3-9]\d{9}", user):  # a mobile dialled with a trunk prefix
        user = user[1:]
    return normalise_phone(user)


def _state(session, sender: str) -> ChannelState:
    row = session.scalars(select(ChannelState).where(ChannelState.channel == CHANNEL,
                                                     ChannelState.sender == sender)).first()
    if row is None:
        row = ChannelState(channel=CHANNEL, sender=sender, data={}, updated_at=clock.now())
        session.add(row)
    return row


def _save(sender: str, **changes) -> dict:
    with WriteSession() as session:
        row = _state(session, sender)
        row.data = {**(row.data or {}), **changes}  # a new dict: JSON columns track assignment
        row.updated_at = clock.now()
        session.commit()
        return row.data


def _load(sender: str) -> dict:
    with SessionLocal() as session:
        row = session.scalars(select(ChannelState).where(ChannelState.channel == CHANNEL,
                                                         ChannelState.sender == sender)).first()
        return dict(row.data or {}) if row else {}


# ---- verbs ----------------------------------------------------------------------------------------

def hook(path: str) -> str:
    """A hook for the verbs: absolute when the backend's public address is set, else relative to
    the call webhook (jambonz resolves it against the application's URL)."""
    base = get_settings().voice_public_url.rstrip("/")
    return base + path


def say(text: str) -> dict:
    return {"verb": "say", "text": text}


def hangup() -> dict:
    return {"verb": "hangup"}


def gather(prompt: str, choices: List[dict] = (), number: bool = False) -> dict:
    """Listen for speech and keys; a choice is one key, a phone number up to 12 keys and '#'."""
    verb = {"verb": "gather", "actionHook": hook("/voice/gather"), "input": ["speech", "digits"],
            "timeout": get_settings().voice_timeout, "bargein": True, "dtmfBargein": True,
            "say": {"text": prompt}}
    if number:
        verb.update(maxDigits=12, finishOnKey="#", interDigitTimeout=3)
    else:
        verb["numDigits"] = 1
    return verb


def config(hints: List[str]) -> dict:
    """The recogniser for the whole call, with the words callers use here as hints."""
    s = get_settings()
    return {"verb": "config", "recognizer": {"vendor": s.voice_recognizer, "language": s.voice_language,
                                             "hints": hints}}


def recognition_hints(session) -> List[str]:
    """Service names and their common names, communities (also without 社区), streets and the
    places of the grids: the words a recogniser mishears most, from the catalogue and the places."""
    # Places first: a long catalogue must not push them past the recogniser's limit.
    communities = list(session.scalars(select(Community.name)))
    words = communities + [c[:-2] for c in communities if c.endswith("社区") and len(c) > 3]
    words += list(session.scalars(select(Street.name)))
    words += [a for areas in session.scalars(select(Grid.areas)) for a in areas or []]
    for name, aliases in session.execute(select(ServiceItem.name, ServiceItem.aliases)).all():
        words += [name, *(aliases or [])]
    seen = dict.fromkeys(w.strip() for w in words if w and len(w.strip()) <= 100)
    return [w for w in seen if w][:MAX_HINTS]


def seat_target(centre) -> dict:
    seat = get_settings().voice_seat.strip() or centre.phone
    if seat.startswith(("sip:", "sips:")):
        return {"type": "sip", "sipUri": seat}
    return {"type": "phone", "number": re.sub(r"[^\d+]", "", seat)}


def dial(case: HandoffCase) -> dict:
    """The seat of the case's centre; the case number rides along as a SIP header (for a CTI to open
    it) and the seat hears a summary before the caller is put through (confirmHook)."""
    return {"verb": "dial", "target": [seat_target(case.centre)], "actionHook": hook("/voice/dial"),
            "confirmHook": hook(f"/voice/whisper?case={case.id}"), "timeout": DIAL_TIMEOUT, "answerOnBridge": True,
            "headers": {"X-Case-Id": str(case.id), "X-Case-Reason": case.reason}}


# ---- the call webhook -------------------------------------------------------------------------------

async def call_started(payload: dict) -> list:
    sender = sender_for(call_sid(payload))
    number = caller_number(payload.get("from"))
    return await run_in_threadpool(_start, sender, number)


def _start(sender: str, number: Optional[str]) -> list:
    with WriteSession() as session:
        if number:
            vault.keep(session, sender, {mask(number): number})
        district = directory.district(session).name
        hints = recognition_hints(session)
    # A retried call webhook starts the same call again; counts start from nought.
    greeting = GREETING.format(district=district)
    _save(sender, call="open", started_at=clock.now().isoformat(), caller=mask(number) if number else None,
          silences=0, unclear=0, choices=[], number=False, said=greeting)
    return [config(hints), gather(greeting)]


# ---- what the caller said ------------------------------------------------------------------------

def heard(payload: dict) -> Tuple[str, str, Optional[float]]:
    """(kind, text, confidence): kind is speech | digits | silence | unclear."""
    reason = payload.get("reason")
    digits = payload.get("digits")
    if isinstance(digits, str) and re.fullmatch(r"[0-9*#]{1,20}", digits) and reason in (None, "dtmfDetected"):
        return "digits", digits, None
    speech_ = payload.get("speech") if isinstance(payload.get("speech"), dict) else {}
    alternatives = speech_.get("alternatives") if isinstance(speech_.get("alternatives"), list) else []
    best = alternatives[0] if alternatives and isinstance(alternatives[0], dict) else {}
    text = best.get("transcript") if isinstance(best.get("transcript"), str) else ""
    confidence = best.get("confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
        confidence = None
    if reason == "timeout" or (reason in (None, "speechDetected") and not text.strip() and not digits):
        return "silence", "", None
    if reason != "speechDetected" or not text.strip():
        return "unclear", "", confidence  # error, stt-low-confidence, keys jambonz could not read
    if confidence is not None and confidence < get_settings().voice_min_confidence:
        return "unclear", "", confidence
    return "speech", speech.heard(text)[:get_settings().max_message_chars], confidence


async def gathered(payload: dict) -> list:
    sender = sender_for(call_sid(payload))
    state = await run_in_threadpool(_load, sender)
    if state.get("call") == "ended":
        return [hangup()]
    kind, text, confidence = heard(payload)
    choices = state.get("choices") or []
    if kind == "silence":
        silences = int(state.get("silences") or 0) + 1
        if silences >= MAX_TRIES:
            return await _transfer(sender, Reason.MISUNDERSTOOD, "来电人两次没有说话", state)
        await run_in_threadpool(lambda: _save(sender, silences=silences))
        return [gather(SILENT + speech.choices_text(choices), choices, state.get("number", False))]
    picked = None
    if kind == "digits":
        if text == "0":
            text = "/request_human"  # the same request for a person as the chat's button
        elif text in ("*", "#"):
            return [gather(state.get("said") or EMPTY_REPLY, choices, state.get("number", False))]
        elif len(text) == 1 and choices:
            picked = speech.choice_in(text, choices)
            if picked is None:
                return await _not_understood(sender, state, NO_SUCH_KEY)
        elif not (state.get("number") and len(text) >= 7):
            return await _not_understood(sender, state, NO_SUCH_KEY)
    elif kind == "speech":
        if any(w in text for w in REPEAT_WORDS) and len(text) <= 8:
            return [gather(state.get("said") or EMPTY_REPLY, choices, state.get("number", False))]
        picked = speech.choice_in(text, choices)
    else:
        return await _not_understood(sender, state, UNCLEAR)
    if picked is not None:
        if picked.get("local") == "sms":
            return await run_in_threadpool(_send_guide, sender, state, picked)
        text = state.get("caller") if picked.get("local") == "caller" else picked.get("payload") or picked["title"]
    return await _turn(sender, state, text, confidence)


async def _not_understood(sender: str, state: dict, why: str) -> list:
    unclear = int(state.get("unclear") or 0) + 1
    if unclear >= MAX_TRIES:
        return await _transfer(sender, Reason.MISUNDERSTOOD, "两次没有听清来电人说的话", state)
    await run_in_threadpool(lambda: _save(sender, unclear=unclear))
    choices = state.get("choices") or []
    prompt = why + (speech.choices_text(choices) if choices else UNCLEAR)
    return [gather(prompt, choices, state.get("number", False))]


async def _turn(sender: str, state: dict, text: str, confidence: Optional[float]) -> list:
    made = await turn.take(sender, text, CHANNEL, asr_confidence=confidence)
    if made.refused == "too_fast":
        return [gather(TOO_FAST, state.get("choices") or [], state.get("number", False))]
    if made.refused == "unavailable":
        # The assistant cannot answer: a person can.
        return await _transfer(sender, Reason.MISUNDERSTOOD, "智能助手暂时无法应答", state)
    handed = await run_in_threadpool(_new_case, sender, state)
    if handed is not None:
        return await run_in_threadpool(_put_through, sender, handed)
    return await run_in_threadpool(_answer, sender, state, made.messages)


def _answer(sender: str, state: dict, messages: List[dict]) -> list:
    """The assistant's reply, spoken: buttons become choices, a guide brings the SMS offer, a
    question for a phone number lets the caller key it or take the number they call from."""
    texts = [m["text"] for m in messages if isinstance(m.get("text"), str) and m["text"].strip()]
    buttons = next((m["buttons"] for m in reversed(messages) if m.get("buttons")), [])
    choices = [{"title": b["title"], "payload": b["payload"]} for b in buttons
               if isinstance(b, dict) and isinstance(b.get("title"), str) and isinstance(b.get("payload"), str)]
    choices = choices[:speech.MAX_CHOICES]
    offer = next((m["custom"]["voice"] for m in messages if isinstance(m.get("custom"), dict)
                  and isinstance(m["custom"].get("voice"), dict) and m["custom"]["voice"].get("sms_guide")), None)
    caller = state.get("caller")
    # Offered only where a gateway sends what is queued: a caller is never promised an SMS that does not come.
    if offer and caller and get_settings().voice_sms and len(choices) < speech.MAX_CHOICES:
        texts.append(SMS_OFFER)
        choices.append({"title": "发短信", "local": "sms", "code": str(offer["sms_guide"])[:32],
                        "community": str(offer.get("community") or "")[:50]})
    # A question for a phone number (not a read-back with its buttons): keys may spell it out.
    number = bool(texts) and not choices and bool(ASKS_NUMBER.search(texts[-1]))
    if number and caller and len(choices) < speech.MAX_CHOICES:
        choices.append(dict(CALLER_CHOICE))
    with SessionLocal() as session:
        phones = _phones(session, sender, texts)
    said = speech.spoken(texts, choices, phones) if texts else EMPTY_REPLY
    _save(sender, choices=choices, number=number, said=said, silences=0, unclear=0)
    return [gather(said, choices, number)]


def _phones(session, sender: str, texts: List[str]) -> dict:
    """{masked: real} for the masked numbers in the reply that this caller gave: read back in full."""
    masked = set(re.findall(r"\d{3}\*{4}\d{4}", " ".join(texts)))
    return {m: vault.resolve(session, sender, m) for m in masked}


def _send_guide(sender: str, state: dict, picked: dict) -> list:
    """Queue the whole guide by SMS to the number this call came from. The district's SMS gateway
    sends the outbox's pending `sms` rows (the number is resolved from the vault when sent)."""
    with WriteSession() as session:
        item = session.scalars(select(ServiceItem).where(ServiceItem.code == picked.get("code"))).first()
        if item is None or not state.get("caller"):
            said = UNCLEAR
        else:
            community = directory.find_community(session, picked.get("community") or "")
            centre = directory.centre_for(session, item.handled_at, community)
            session.add(ChannelOutbox(channel="sms", sender=sender, created_at=clock.now(), status="pending", attempts=0,
                                      payload={"to": state["caller"], "service_code": item.code,
                                               "text": answers.compose(item, "general", centre, community)}))
            session.commit()
            said = SMS_QUEUED.format(tail=speech.spell(state["caller"][-4:]))
    _save(sender, choices=[], number=False, said=said, silences=0, unclear=0)
    return [gather(said)]


# ---- a person -------------------------------------------------------------------------------------

def _new_case(sender: str, state: dict) -> Optional[int]:
    """A case the assistant opened in this turn (a request for a person, a complaint, a risk …)."""
    with SessionLocal() as session:
        case = session.scalars(select(HandoffCase).where(HandoffCase.sender == sender,
                                                         HandoffCase.status.in_(QUEUE_STATES))
                               .order_by(HandoffCase.id.desc())).first()
        return case.id if case is not None and case.id != state.get("transferred") else None


async def _transfer(sender: str, reason: Reason, why: str, state: dict) -> list:
    """Silent twice, not understood twice, or the assistant down: a person takes the call, through
    the same handoff as the chat's (a case in the staff console), with what was said so far."""
    if state.get("transferred"):
        # Handed over already (a call-back still waiting for a number): no second case.
        return await run_in_threadpool(_again, sender, state)
    try:
        events = await run_in_threadpool(rasa_client.events, sender)
    except rasa_client.AssistantUnavailable:
        events = []
    case_id = await run_in_threadpool(_open_case, sender, reason, why, events)
    return await run_in_threadpool(_put_through, sender, case_id)


def _open_case(sender: str, reason: Reason, why: str, events: List[dict], live: bool = True) -> int:
    lines, community = [], None
    for e in events:
        if e.get("event") == "user" and e.get("text") and not e["text"].startswith("/"):
            lines.append({"author": Author.RESIDENT.value, "text": e["text"],
                          "asr_confidence": (e.get("metadata") or {}).get("asr_confidence")})
        elif e.get("event") == "bot" and e.get("text") and not (e.get("metadata") or {}).get("from"):
            lines.append({"author": Author.BOT.value, "text": e["text"]})
        elif e.get("event") == "slot" and e.get("name") == "community":
            community = e.get("value") if isinstance(e.get("value"), str) else community
    with WriteSession() as session:
        case = cases.open_case(session, sender=sender, channel=CHANNEL, reason=reason.value, community=community,
                               context={"voice": why}, transcript=lines)
        if live and case.status in (CaseStatus.WAITING.value, CaseStatus.CLAIMED.value):
            rasa_client.pause(session, sender)  # as the chat's handoff: the assistant waits for staff
            session.commit()
        return case.id


def _put_through(sender: str, case_id: int) -> list:
    """Ring the centre's seat, or out of hours (nobody there) leave a call-back on the caller's number."""
    state = _load(sender)
    caller = state.get("caller")
    with WriteSession() as session:
        case = session.get(HandoffCase, case_id)
        centre = case.centre
        if case.status == CaseStatus.CALLBACK.value and not caller:
            # The assistant takes the number (as a chat's call-back: the conversation goes on).
            said = CALL_BACK_ASK.format(centre=centre.name)
            verbs = [gather(said, number=True)]
        elif case.status == CaseStatus.CALLBACK.value:
            relay.set_callback_phone(session, sender, caller)
            _note(session, case, "来电在服务时间外，已登记回电，回电号码见联系电话。")
            verbs = [say(CALL_BACK.format(centre=centre.name, number=speech.spell(vault.resolve(session, sender, caller)))),
                     hangup()]
        else:
            _note(session, case, f"来电已转接座席（{seat_target(centre).get('number') or '座席'}），请接听。")
            verbs = [say(PUTTING_THROUGH.format(centre=centre.name)), dial(case)]
        session.commit()
    if verbs[-1]["verb"] == "gather":
        _save(sender, transferred=case_id, choices=[], number=True, said=verbs[-1]["say"]["text"], silences=0, unclear=0)
    else:
        _save(sender, transferred=case_id, choices=[], number=False)
    return verbs


def _again(sender: str, state: dict) -> list:
    with SessionLocal() as session:
        case = session.get(HandoffCase, state["transferred"])
        waiting_for_number = case is not None and case.status == CaseStatus.CALLBACK.value and not state.get("caller")
    if case is None or waiting_for_number:
        # No number to call back on, and none said: the caller is told where else to turn.
        return [say(NO_NUMBER.format(hotline=get_settings().hotline)), hangup()]
    return _put_through(sender, case.id)


def _note(session, case: HandoffCase, text: str) -> None:
    """A line for staff in the case (delivered: nothing to show the caller, who hears it)."""
    case.messages.append(CaseMessage(at=clock.now(), author=Author.SYSTEM.value, text=text, delivered=True))


async def dial_ended(payload: dict) -> list:
    """The transfer is over: hung up after talking, or the seat did not answer (a call-back then)."""
    sender = sender_for(call_sid(payload))
    status = payload.get("dial_call_status")
    if status == "completed":
        return [hangup()]
    return await run_in_threadpool(_seat_missed, sender, str(status or "failed")[:20])


def _seat_missed(sender: str, status: str) -> list:
    state = _load(sender)
    caller = state.get("caller")
    with WriteSession() as session:
        case = session.get(HandoffCase, state["transferred"]) if state.get("transferred") else None
        if case is not None and case.status in (CaseStatus.WAITING.value, CaseStatus.CLAIMED.value):
            case.status = CaseStatus.CALLBACK.value
            _note(session, case, f"座席没有接通（{status}），已转为回电请求。")
            session.commit()
        if case is None or not caller:
            return [say(SEAT_MISSED_NO_NUMBER.format(hotline=get_settings().hotline)), hangup()]
        relay.set_callback_phone(session, sender, caller)
        number = speech.spell(vault.resolve(session, sender, caller))
    return [say(SEAT_MISSED.format(number=number)), hangup()]


def whisper(case_id: str) -> list:
    """What the seat hears before the caller is put through: why, what about, the case number."""
    try:
        cid = int(case_id)
    except (TypeError, ValueError):
        raise BadRequest("case 无效") from None
    with SessionLocal() as session:
        case = session.get(HandoffCase, cid) if 0 < cid < 2 ** 63 else None
        if case is None or case.channel != CHANNEL:
            raise BadRequest("没有这个来电会话")
        rows = {r["label"]: r["value"] for r in understood.rows(session, case.context)}
        facts = "".join(f"{k}：{rows[k]}。" for k in ("事项", "反映的问题", "事发地点") if rows.get(k))
        text = WHISPER.format(district=directory.district(session).name, reason=Reason(case.reason).label,
                              facts=facts, case=case.id)
    return [say(speech.speakable(text))]


# ---- the call's status ----------------------------------------------------------------------------

ENDED = ("completed", "failed", "busy", "no-answer")


async def status_changed(payload: dict) -> None:
    """The call ended: recorded; a report left half-told keeps what was said and becomes a call-back."""
    sender = sender_for(call_sid(payload))
    if payload.get("direction") == "outbound" or payload.get("call_status") not in ENDED:
        return  # the seat's leg, or a call still going
    state = await run_in_threadpool(_load, sender)
    if state.get("call") == "ended":
        return
    duration = payload.get("duration") if isinstance(payload.get("duration"), int) else None
    by = payload.get("call_termination_by") if payload.get("call_termination_by") in ("caller", "jambonz") else None
    await run_in_threadpool(lambda: _save(sender, call="ended", ended_at=clock.now().isoformat(), duration=duration,
                                          ended_by=by, choices=[]))
    if state.get("transferred") or not state.get("caller"):
        return
    try:
        events = await run_in_threadpool(rasa_client.events, sender)
    except rasa_client.AssistantUnavailable:
        return  # the transcript stays in the tracker store all the same
    draft = unfinished_report(events)
    if draft:
        await run_in_threadpool(_report_call_back, sender, state["caller"], draft, events)


def unfinished_report(events: List[dict]) -> Optional[dict]:
    """The report the caller was making when the line went, from the tracker: {description, …}."""
    slots, loop = {}, None
    for e in events:
        if e.get("event") == "slot":
            slots[e.get("name")] = e.get("value")
        elif e.get("event") == "active_loop":
            loop = e.get("name")
    if loop != "incident_form" or not slots.get("incident_description"):
        return None
    return {"description": slots.get("incident_description"), "address": slots.get("incident_address"),
            "phone": slots.get("contact_phone")}


def _report_call_back(sender: str, caller: str, draft: dict, events: List[dict]) -> None:
    case_id = _open_case(sender, Reason.ASKED, "通话在登记反映问题时中断", events, live=False)
    with WriteSession() as session:
        case = session.get(HandoffCase, case_id)
        case.status = CaseStatus.CALLBACK.value  # the caller has gone: staff call back
        case.context = {**(case.context or {}), "incident": {k: v for k, v in draft.items() if v}}
        _note(session, case, "来电在登记反映问题时挂断，还没有提交工单。请回电核实后代为登记。")
        session.commit()
        relay.set_callback_phone(session, sender, caller)
    _save(sender, transferred=case_id)



def forget_old(session, now=None) -> dict:
    """Retention (RSA_RETENTION_DAYS, daily with the conversations'): calls' state and queued SMS."""
    cutoff = (now or clock.now()) - dt.timedelta(days=get_settings().retention_days)
    calls = session.execute(delete(ChannelState).where(ChannelState.channel == CHANNEL, ChannelState.updated_at < cutoff))
    sms = session.execute(delete(ChannelOutbox).where(ChannelOutbox.channel == "sms", ChannelOutbox.created_at < cutoff))
    session.commit()
    return {"calls": calls.rowcount, "sms": sms.rowcount}


def main() -> None:
    """`python -m api.channels.voice`: the recognition hints the calls are given, one a line, for a
    recogniser whose own console takes a vocabulary (docs/voice-gateway.md)."""
    with SessionLocal() as session:
        print("\n".join(recognition_hints(session)))


if __name__ == "__main__":
    main()
