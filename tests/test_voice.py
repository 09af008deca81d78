"""The hotline through jambonz (issue #13). A scripted caller plays jambonz: it posts the call
webhook, follows the actionHooks in the verbs it gets back (the recogniser's transcripts with their
confidence, keys, silence), signs every request as jambonz does, and checks every verb array
against jambonz's published JSON Schemas (tests/data/jambonz/, @jambonz/schema). Whole calls run
against the three real processes; the spoken words are what a caller would hear.

Plus: the speech rules (spoken numbers, digits read back, short replies, spoken choices), the
webhook's doors (signature, basic auth, a channel not configured), out-of-hours call-backs, and a
bounded fuzz of the voice endpoints (no 500s, no hangs)."""
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import time
import uuid
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, RefResolver
from sqlalchemy import select

from api.channels import speech, voice
from api.channels.models import ChannelOutbox, ChannelState
from api.core import clock, db
from api.core.db import SessionLocal
from api.handoff.models import HandoffCase
from api.incidents.models import PhoneVault, Ticket
from shared.settings import get_settings
from tests.conftest import database_copy

SECRET = "test-jambonz-webhook-secret"
# Read by the stack's backend when it starts (the shared session stack copies this environment).
os.environ["RSA_VOICE_WEBHOOK_SECRET"] = SECRET
os.environ["RSA_VOICE_SMS"] = "1"  # the SMS offer (a district turns it on where its gateway sends the queue)
SCHEMAS = Path(__file__).resolve().parent / "data" / "jambonz"
CALLER = "+8613912345678"   # the number the call comes from
SPOKEN_PHONE = "幺三八 一二三四 五六七八"  # another number, said when asked for one
CENTRE_SEAT = "057186031101"  # 柳岸社区党群服务中心 0571-86031101
DISTRICT_SEAT = "057186010000"


# ---- jambonz's schemas ----------------------------------------------------------------------------

def _store() -> dict:
    return {d["$id"]: d for d in (json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.rglob("*.json"))}


STORE = _store()
ID = "https://jambonz.org/schema/"


def validator(name: str) -> Draft202012Validator:
    schema = STORE[ID + name]
    return Draft202012Validator(schema, resolver=RefResolver.from_schema(schema, store=STORE))


APP = validator("jambonz-app")


def check_verbs(verbs) -> list:
    """The published schema, and no property it does not know (it allows any): a misspelt
    `actionhook` would be ignored by jambonz and the call would hang up."""
    errors = [e.message[:200] for e in APP.iter_errors(verbs)]
    assert not errors, errors
    for verb in verbs:
        known = STORE[ID + "verbs/" + verb["verb"]]["properties"]
        assert set(verb) <= set(known), f"{verb['verb']}: unknown {set(verb) - set(known)}"
        if verb["verb"] == "say":
            assert verb["text"].strip()
        if verb["verb"] == "gather":
            assert set(verb["say"]) <= set(STORE[ID + "verbs/say"]["properties"]) and verb["say"]["text"].strip()
    return verbs


def signed(body: bytes, secret: str = SECRET, at: float = None) -> dict:
    stamp = str(int(time.time() if at is None else at))
    sig = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "Jambonz-Signature": f"t={stamp},v1={sig}"}


class Caller:
    """jambonz and a caller in one: posts what jambonz posts, hears what the verbs say."""

    def __init__(self, base: str, number: str = CALLER, post=None):
        self.base, self.sid, self.number = base, "c" + uuid.uuid4().hex, number
        self.verbs, self.heard, self._post = [], [], post or (
            lambda url, content, headers: requests.post(url, data=content, headers=headers, timeout=90))

    def _send(self, hook: str, payload: dict, callback: str) -> list:
        body = {"call_sid": self.sid, "account_sid": "acct-1", "application_sid": "app-1", "direction": "inbound",
                "from": self.number, "to": "12345", "call_id": self.sid + "@sip", "call_status": "in-progress",
                **payload}
        errors = [e.message for e in validator("callbacks/" + callback).iter_errors(body)]
        assert not errors, errors  # the caller speaks jambonz's protocol, as published
        raw = json.dumps(body, ensure_ascii=False).encode()
        r = self._post(self.base + hook, content=raw, headers=signed(raw))
        assert r.status_code == 200, r.text
        if callback == "call-status":
            return []
        self.verbs = check_verbs(r.json())
        said = "".join(v["text"] for v in self.verbs if v["verb"] == "say")
        said += "".join(v["say"]["text"] for v in self.verbs if v["verb"] == "gather")
        self.heard.append(said)
        return self.verbs

    @property
    def last(self) -> str:
        return self.heard[-1]

    def _hook(self, verb: str) -> str:
        listening = [v for v in self.verbs if v["verb"] == verb]
        assert listening, f"no {verb} in {self.verbs}"
        return listening[-1]["actionHook"]

    def dial_in(self) -> list:
        return self._send("/voice/call", {"call_status": "trying", "caller_name": "", "caller_id": self.number},
                          "session-new")

    def say(self, text: str, confidence: float = 0.93) -> list:
        return self._send(self._hook("gather"), {"reason": "speechDetected", "speech": {
            "language_code": "zh-CN", "is_final": True, "alternatives": [{"transcript": text, "confidence": confidence}]}},
            "gather")

    def press(self, digits: str) -> list:
        return self._send(self._hook("gather"), {"reason": "dtmfDetected", "digits": digits}, "gather")

    def silent(self) -> list:
        return self._send(self._hook("gather"), {"reason": "timeout"}, "gather")

    def seat(self, status: str) -> list:
        return self._send(self._hook("dial"), {"dial_call_status": status, "dial_sip_status": 480 if status != "completed" else 200,
                                               "dial_call_sid": "seat-" + self.sid}, "dial")

    def hang_up(self) -> None:
        self._send("/voice/status", {"call_status": "completed", "duration": 42, "call_termination_by": "caller"},
                   "call-status")

    @property
    def sender(self) -> str:
        return voice.sender_for(self.sid)


def spoken_sentences(text: str) -> list:
    """The sentences a caller hears, the choices apart (they start with 请说‘…’)."""
    body = text.split("请说‘")[0]
    return [s for s in re.split(r"[。！？]", body) if s.strip()]


def case_of(sender: str) -> HandoffCase:
    with SessionLocal() as s:
        case = s.scalars(select(HandoffCase).where(HandoffCase.sender == sender).order_by(HandoffCase.id.desc())).first()
        assert case is not None, "no case in the staff console"
        s.expunge(case)
        return case


# ---- whole calls, against the three real processes ---------------------------------------------------

@pytest.fixture
def call(stack):
    return Caller(stack["api"])


def test_the_call_is_greeted_shortly_with_hints_from_the_catalogue_and_places(call):
    verbs = call.dial_in()
    assert [v["verb"] for v in verbs] == ["config", "gather"]
    hints = verbs[0]["recognizer"]["hints"]
    assert {"柳岸社区", "柳岸", "湖滨街道", "柳岸新村1-12幢", "居住证申领", "居住证"} <= set(hints)
    gather = verbs[1]
    assert gather["input"] == ["speech", "digits"] and gather["actionHook"] == "/voice/gather"
    assert len(spoken_sentences(call.last)) <= 2 and "按0" in call.last
    with SessionLocal() as s:  # the caller's number is in the vault, and nowhere else in clear
        kept = s.scalars(select(PhoneVault.phone).where(PhoneVault.masked == "139****5678")).all()
        state = s.scalars(select(ChannelState).where(ChannelState.sender == call.sender)).one()
    assert "13912345678" in kept and "13912345678" not in json.dumps(state.data)
    assert call.sid not in call.sender


@pytest.mark.parametrize("question", ["居住证要带什么材料", "居注证要带什么材料"])  # the second as a recogniser mishears it
def test_a_caller_asks_what_the_residence_permit_needs_and_hears_a_short_version(call, question):
    call.dial_in()
    call.say(question)
    said = call.last
    assert "居民身份证" in said and "相片" in said and "三选一" in said, said
    assert len(spoken_sentences(said)) <= 3 and all(len(s) <= 60 for s in spoken_sentences(said)), said
    assert not re.search("[\n【】]|[\U0001f000-\U0001faff\u2600-\u27bf]", said)
    assert "说‘发短信’或按1" in said
    # The caller takes the offer: the whole guide is queued for their number, by SMS.
    call.press("1")
    assert "尾号五六七八" in call.last
    with SessionLocal() as s:
        sms = s.scalars(select(ChannelOutbox).where(ChannelOutbox.sender == call.sender,
                                                    ChannelOutbox.channel == "sms")).one()
    assert sms.payload["service_code"] == "GA-07-0001" and sms.payload["to"] == "139****5678"
    assert "合法稳定住所证明" in sms.payload["text"] and sms.status == "pending"


def _report(call: Caller, opening: str) -> str:
    """Drive the report by what the assistant asks; returns the work order's number as heard."""
    call.dial_in()
    call.say(opening)
    for _ in range(6):
        said = call.last
        if "工单号" in said:
            return said
        if "请说‘确认提交’或按1" in said:
            assert "联系电话幺三八，幺二三四，五六七八" in said, said  # read back, digit by digit
            assert said.endswith("请说‘确认提交’或按1，说‘取消’或按2。"), said
            call.say("确认提交")
        elif "电话" in said or "号码" in said:
            assert "说‘用来电号码’或按1" in said, said  # the number this call comes from, on offer
            call.say(SPOKEN_PHONE)
        elif "地方" in said or "地点" in said or "哪里" in said:
            call.say("柳岸新村五幢门口")
        else:
            pytest.fail(f"unexpected prompt: {said}")
    pytest.fail(f"the report was never filed: {call.heard}")


def test_a_caller_reports_a_broken_street_light_and_hears_the_ticket_number_digit_by_digit(call):
    said = _report(call, "小区门口路灯坏了")
    with SessionLocal() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.channel == "voice").order_by(Ticket.id.desc())).first()
    assert ticket is not None and ticket.reporter_phone == "13812345678" and "柳岸新村5幢" in ticket.address
    digits = "".join(speech.SAY_DIGIT[d] for d in ticket.number[2:])
    heard = re.sub("[，, ]", "", said)
    assert heard.count("WG" + digits) == 2, said  # said, then said again
    assert ticket.number not in said  # never as one long number a synthesiser reads as 两千零二十六亿…


def test_a_caller_silent_twice_is_put_through_to_a_seat_with_the_case_in_the_console(call, stack):
    call.dial_in()
    call.silent()
    assert "您还在吗" in call.last and call.verbs[-1]["verb"] == "gather"
    verbs = call.silent()
    dial = verbs[-1]
    assert dial["verb"] == "dial" and dial["target"] == [{"type": "phone", "number": DISTRICT_SEAT}]
    case = case_of(call.sender)
    assert case.channel == "voice" and case.reason == "misunderstood" and case.status == "waiting"
    assert dial["headers"]["X-Case-Id"] == str(case.id)
    # The seat hears what the call is about before it is put through (the dial's confirmHook).
    raw = json.dumps({"call_sid": "seat-leg", "direction": "outbound", "from": "12345", "to": DISTRICT_SEAT}).encode()
    r = requests.post(stack["api"] + dial["confirmHook"], data=raw, headers=signed(raw), timeout=30)
    whisper = check_verbs(r.json())
    assert f"{speech._say(str(case.id))}号" in whisper[0]["text"] or f"{case.id}号" in whisper[0]["text"]
    assert "助手没听懂" in whisper[0]["text"]


def test_a_caller_pressing_0_gets_a_person_and_a_missed_seat_becomes_a_call_back(call):
    call.dial_in()
    call.say("我想问一下社保卡的事", confidence=0.52)  # heard, but not for sure
    call.press("0")
    assert call.verbs[-1]["verb"] == "dial" and "转接" in call.last
    case = case_of(call.sender)
    assert case.reason == "asked" and case.channel == "voice"
    with SessionLocal() as s:
        lines = s.get(HandoffCase, case.id).messages
        heard = [m for m in lines if m.author == "resident"]
    assert heard and heard[0].text == "我想问一下社保卡的事" and heard[0].asr_confidence == pytest.approx(0.52)
    call.seat("no-answer")
    assert [v["verb"] for v in call.verbs] == ["say", "hangup"]
    assert "幺三九，幺二三四，五六七八" in call.last
    case = case_of(call.sender)
    assert case.status == "callback" and case.context["callback_phone"] == "13912345678"


def test_keys_and_words_that_pick_nothing_are_asked_again_then_a_person(call):
    call.dial_in()
    call.press("7")
    assert "没有这个选项" in call.last and call.verbs[-1]["verb"] == "gather"
    call.say("嗯", confidence=0.1)  # too unsure to answer
    assert call.verbs[-1]["verb"] == "dial"
    assert case_of(call.sender).reason == "misunderstood"


def test_a_call_that_ends_mid_report_keeps_what_was_said_for_a_call_back(call):
    call.dial_in()
    call.say("小区门口路灯坏了")
    assert "地方" in call.last or "地点" in call.last, call.last
    call.hang_up()
    case = case_of(call.sender)
    assert case.status == "callback" and "路灯" in case.context["incident"]["description"]
    assert case.context["callback_phone"] == "13912345678"
    call.hang_up()  # jambonz retries a status webhook: still one case
    with SessionLocal() as s:
        assert len(s.scalars(select(HandoffCase).where(HandoffCase.sender == call.sender)).all()) == 1
    verbs = call._send("/voice/gather", {"reason": "timeout"}, "gather")  # a late hook: the call is over
    assert verbs == [{"verb": "hangup"}]


def test_a_bad_signature_is_refused_and_nothing_happens(stack):
    sid = "c" + uuid.uuid4().hex
    raw = json.dumps({"call_sid": sid, "from": CALLER}).encode()
    url = stack["api"] + "/voice/call"
    for headers in (signed(raw, secret="guess"), signed(raw, at=time.time() - 3600), {"Content-Type": "application/json"},
                    {**signed(raw), "Jambonz-Signature": "t=1,v1=" + "0" * 64}):
        r = requests.post(url, data=raw, headers=headers, timeout=30)
        assert r.status_code == 403 and r.json()["detail"] == "签名或认证无效"
    tampered = raw.replace(b"+86", b"+87")
    assert requests.post(url, data=tampered, headers=signed(raw), timeout=30).status_code == 403
    with SessionLocal() as s:
        assert s.scalars(select(ChannelState).where(ChannelState.sender == voice.sender_for(sid))).first() is None


# ---- in process: the doors, out of hours --------------------------------------------------------------

@pytest.fixture
def configured(monkeypatch):
    monkeypatch.setenv("RSA_VOICE_WEBHOOK_SECRET", SECRET)
    # No assistant in process: a turn finds it unavailable at once (a port nothing listens on).
    monkeypatch.setenv("RSA_RASA_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    from api.main import app
    return TestClient(app)


def test_with_neither_secret_nor_basic_auth_the_channel_is_off(monkeypatch):
    monkeypatch.delenv("RSA_VOICE_WEBHOOK_SECRET", raising=False)
    get_settings.cache_clear()
    from api.main import app
    raw = b'{"call_sid": "x"}'
    r = TestClient(app).post("/voice/call", content=raw, headers=signed(raw))
    assert r.status_code == 503 and "RSA_VOICE" in r.json()["detail"]


def test_basic_auth_alone_or_with_the_signature(monkeypatch):
    monkeypatch.delenv("RSA_VOICE_WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("RSA_VOICE_BASIC_AUTH", "jambonz:a-long-password")
    monkeypatch.setenv("RSA_RASA_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    from api.main import app
    c = TestClient(app)
    raw = json.dumps({"call_sid": "c" + uuid.uuid4().hex, "from": "anonymous"}).encode()
    good = "Basic " + base64.b64encode(b"jambonz:a-long-password").decode()
    assert c.post("/voice/call", content=raw, headers={"Authorization": good}).status_code == 200
    for bad in ("Basic " + base64.b64encode(b"jambonz:guess").decode(), "Basic !!!", "Bearer x", ""):
        assert c.post("/voice/call", content=raw, headers={"Authorization": bad}).status_code == 403
    monkeypatch.setenv("RSA_VOICE_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    assert c.post("/voice/call", content=raw, headers={"Authorization": good}).status_code == 403  # both, then
    assert c.post("/voice/call", content=raw, headers={"Authorization": good, **signed(raw)}).status_code == 200


def test_out_of_hours_the_caller_is_told_of_a_call_back_on_their_number(configured):
    caller = Caller("", post=lambda url, **kw: configured.post(url, **kw))
    with clock.freeze(clock.now().replace(hour=20, minute=0)):
        caller.dial_in()
        caller.silent()
        verbs = caller.silent()
    assert [v["verb"] for v in verbs] == ["say", "hangup"]
    assert "不是" in caller.last and "服务时间" in caller.last and "幺三九，幺二三四，五六七八" in caller.last
    case = case_of(caller.sender)
    assert case.status == "callback" and case.context["callback_phone"] == "13912345678"


def test_an_anonymous_caller_out_of_hours_is_asked_for_a_number(configured):
    caller = Caller("", number="anonymous", post=lambda url, **kw: configured.post(url, **kw))
    with clock.freeze(clock.now().replace(hour=20, minute=0)):
        caller.dial_in()
        caller.silent()
        caller.silent()
        gather = caller.verbs[-1]
        assert gather["verb"] == "gather" and gather["maxDigits"] == 12 and "电话号码" in caller.last
        caller.silent()  # no number either: told where else to turn, and no second case
        caller.silent()
    assert [v["verb"] for v in caller.verbs] == ["say", "hangup"] and "热线" in caller.last
    with SessionLocal() as s:
        assert len(s.scalars(select(HandoffCase).where(HandoffCase.sender == caller.sender)).all()) == 1


def test_the_assistant_down_puts_the_caller_through_to_a_person(configured):
    caller = Caller("", post=lambda url, **kw: configured.post(url, **kw))
    caller.dial_in()
    verbs = caller.say("居住证要带什么材料")
    assert verbs[-1]["verb"] == "dial" and case_of(caller.sender).context["voice"] == "智能助手暂时无法应答"


def test_calls_state_and_queued_sms_are_kept_only_as_long_as_conversations(configured):
    caller = Caller("", post=lambda url, **kw: configured.post(url, **kw))
    caller.dial_in()
    with db.WriteSession() as s:
        s.add(ChannelOutbox(channel="sms", sender=caller.sender, payload={}, created_at=clock.now(), status="pending"))
        s.commit()
        later = clock.now() + dt.timedelta(days=get_settings().retention_days + 1)
        assert voice.forget_old(s, clock.now()) == {"calls": 0, "sms": 0}
        assert voice.forget_old(s, later)["calls"] >= 1
        assert s.scalars(select(ChannelState).where(ChannelState.sender == caller.sender)).first() is None
        assert s.scalars(select(ChannelOutbox).where(ChannelOutbox.sender == caller.sender)).first() is None


# ---- the speech rules ------------------------------------------------------------------------------

@pytest.mark.parametrize("said, read", [
    ("我的电话是幺三八 一二三四 五六七八", "我的电话是13812345678"),
    ("一三八，一二三四，五六七八", "13812345678"),
    ("零五七幺八六零三幺幺零幺", "057186031101"),
    ("两千零二十六年十一月", "2026年11月"),
    ("文昌路一百五十号", "文昌路150号"),
    ("柳岸新村五幢门口", "柳岸新村5幢门口"),
    ("我想问一下", "我想问一下"), ("十分感谢", "十分感谢"), ("三选一", "三选一"), ("一次性告知", "一次性告知"),
])
def test_spoken_numbers_become_digits_and_words_stay_words(said, read):
    assert speech.heard(said) == read


def test_numbers_are_read_back_digit_by_digit():
    assert speech.spell("13812345678") == "幺三八，幺二三四，五六七八"
    assert speech.spell("0571-86031101") == "零五七幺，八六零三，幺幺零幺"
    assert speech.spell("WG202611240001") == "W G，二零二六，幺幺二四，零零零幺"
    said = speech.spoken(["⚠️ 请马上拨打119（火警）。\n我同时把情况登记为最高等级（重大），马上派单。"], [])
    assert "幺幺九" in said and "⚠" not in said and "（" not in said


def test_a_read_back_keeps_what_a_caller_must_hear_and_speaks_the_buttons():
    text = ("请核对一下，我将这样提交：\n问题：路灯坏了\n类别：路灯故障（一般）\n地点：柳岸新村5幢，湖滨街道柳岸社区（柳岸1号网格）\n"
            "承办：区城管局\n联系电话：138****5678\n没问题请点“确认提交”。要改地点或电话，直接告诉我正确的；不报了就点“取消”。")
    choices = [{"title": "确认提交", "payload": "/affirm"}, {"title": "取消", "payload": "/deny"}]
    said = speech.spoken([text], choices, {"138****5678": "13812345678"})
    assert "地点柳岸新村5幢" in said and "联系电话幺三八，幺二三四，五六七八" in said
    assert "承办" not in said and "类别" not in said and "点“" not in said
    assert said.endswith("请说‘确认提交’或按1，说‘取消’或按2。")


@pytest.mark.parametrize("said, picked", [
    ("1", "是的"), ("第二个", "不是"), ("二", "不是"), ("不是的", "不是"), ("是的", "是的"), ("嗯", None), ("9", None),
    ("确任提交", "确认提交"),  # heard wrong, sounds right
])
def test_a_choice_is_picked_by_key_number_word_or_sound(said, picked):
    choices = [{"title": "是的", "payload": "/a"}, {"title": "不是", "payload": "/b"}, {"title": "确认提交", "payload": "/c"}]
    got = speech.choice_in(said, choices)
    assert (got or {}).get("title") == picked


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_heard_and_spoken_without_error(text):
    assert isinstance(speech.heard(text), str)
    said = speech.spoken([text], [{"title": text[:8] or "好", "payload": "/x"}])
    assert isinstance(said, str)


def test_signature_rules():
    body = b'{"call_sid":"a"}'
    now = 1_800_000_000
    good = signed(body, at=now)["Jambonz-Signature"]
    assert voice.signature_ok(SECRET, good, body, now=now)
    assert voice.signature_ok(SECRET, good.replace("t=", "v1=deadbeef,t="), body, now=now)  # a rotated secret's too
    assert not voice.signature_ok(SECRET, good, body, now=now + voice.SIGNATURE_TOLERANCE + 1)
    assert not voice.signature_ok(SECRET, good, body + b" ", now=now)
    for bad in ("", "t=,v1=", "v1=abc", "t=abc,v1=abc", "t=1" + "0" * 20 + ",v1=a", "t=1800000000,v1=\u00e9"):
        assert not voice.signature_ok(SECRET, bad, body, now=now)


# ---- a bounded fuzz of the voice endpoints --------------------------------------------------------------

@pytest.fixture
def own_database(var_dir):
    """Fuzzed calls open cases: on a copy of the suite's database, so no queue elsewhere sees them."""
    with database_copy(var_dir / "voice-fuzz.db"):
        yield


TEXT = st.text(max_size=40)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT)
PAYLOAD = st.fixed_dictionaries({}, optional={
    "call_sid": st.one_of(st.sampled_from(["fuzz-1", "fuzz-2"]), TEXT, SCALAR),
    "from": st.one_of(st.sampled_from([CALLER, "anonymous", "sip:13812345678@x"]), SCALAR),
    "reason": st.one_of(st.sampled_from(["speechDetected", "dtmfDetected", "timeout", "error", "stt-low-confidence"]), SCALAR),
    "digits": st.one_of(st.sampled_from(["0", "1", "*", "#", "13812345678"]), SCALAR),
    "speech": st.one_of(SCALAR, st.fixed_dictionaries({}, optional={"alternatives": st.one_of(SCALAR, st.lists(
        st.one_of(SCALAR, st.fixed_dictionaries({}, optional={"transcript": st.one_of(TEXT, SCALAR),
                                                            "confidence": SCALAR})), max_size=3))})),
    "call_status": st.one_of(st.sampled_from(["completed", "in-progress", "failed"]), SCALAR),
    "dial_call_status": st.one_of(st.sampled_from(["completed", "no-answer"]), SCALAR),
    "duration": SCALAR, "direction": st.one_of(st.sampled_from(["inbound", "outbound"]), SCALAR),
})
PATHS = ["/voice/call", "/voice/gather", "/voice/dial", "/voice/status", "/voice/whisper?case=1", "/voice/whisper?case=x"]


@settings(max_examples=100, derandomize=True, database=None, deadline=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(PATHS), payload=st.one_of(PAYLOAD, SCALAR, st.lists(SCALAR, max_size=2)),
       raw=st.one_of(st.none(), st.binary(max_size=50)))
def test_fuzz_the_voice_endpoints_never_answer_500_or_hang(configured, own_database, path, payload, raw):
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    started = time.monotonic()
    r = configured.post(path, content=body, headers=signed(body))
    assert r.status_code < 500, f"{r.status_code} {r.text[:300]} for {path} {body[:200]!r}"
    assert time.monotonic() - started < 20
    if r.status_code == 200 and path != "/voice/status":
        check_verbs(r.json())


@pytest.mark.parametrize("enabled", [False, True])
def test_the_sms_offer_is_made_only_where_a_gateway_sends_the_queue(monkeypatch, enabled):
    """Nothing here sends the queued SMS: unless the district says its gateway does, a caller is
    not promised one."""
    monkeypatch.setenv("RSA_VOICE_SMS", "1" if enabled else "0")
    guide = [{"text": "办居住证申领要带：居民身份证。", "custom": {"voice": {"sms_guide": "JZZ-01"}}}]
    verbs = voice._answer(f"voice-sms-test-{enabled}", {"caller": CALLER}, guide)
    said = json.dumps(verbs, ensure_ascii=False)
    assert ("短信" in said) is enabled
