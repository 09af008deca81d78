"""The WeChat Official Account channel, end to end: pushes built and signed with wechatpy's own
crypto, as WeChat's servers send them, to real backend processes (beside the test stack's Rasa
and action server, on the same database), and WeChat's API servers played by a stand-in on
loopback (tests/wechat_standin.py).

Three backends, because the mode and the passive budget are settings: one in safe mode (AES),
one in plaintext mode, and a slow one (plaintext, passive budget 0 s) whose every answer goes by
the customer-service API."""
import base64
import datetime as dt
import hashlib
import os
import re
import time
from types import SimpleNamespace

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from wechatpy.crypto import WeChatCrypto

from api.channels.models import ChannelOutbox
from api.channels.wechat_routes import MENU_PROMPTS, NO_RECOGNITION, PHOTO_TO_STAFF, UNSUPPORTED, sender_for
from api.core.db import SessionLocal, WriteSession
from api.handoff.models import HandoffCase
from api.incidents import tickets
from api.incidents.categories import classifier
from api.incidents.models import Ticket
from api.places.locate import locate
from scripts.stack import Stack
from tests.browser import ensure_staff
from tests.wechat_standin import APP_ID, SECRET, Pusher, StandIn, WeChatUser, sign

pytestmark = pytest.mark.e2e

TOKEN = "rsaWechatTestToken2026"
AES_KEY = base64.b64encode(hashlib.sha256(b"rsa-wechat-test").digest()).decode().rstrip("=")
CLOCK_START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # conftest's RSA_CLOCK_START
LIUAN_1 = (30.2526, 120.1726)  # by the centre of 柳岸1号网格 (api/seed/places.json)
PASSWORD = "wechat-test-2026"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


# ---- WeChat's side ------------------------------------------------------------------------------

class Resident(WeChatUser):
    """One WeChat user writing to the Official Account, and the conversation id the backend makes of them."""

    def __init__(self, pusher: Pusher, openid: str = None):
        super().__init__(pusher, openid)
        self.sender = sender_for(self.openid)


# ---- the processes ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def standin():
    s = StandIn(APP_ID, SECRET).start()
    yield s
    s.stop()


def _backend(stack, standin, port: int, aes: bool, passive: float) -> tuple:
    env = dict(os.environ, RSA_WECHAT_TOKEN=TOKEN, RSA_WECHAT_APP_ID=APP_ID, RSA_WECHAT_APP_SECRET=SECRET,
               RSA_WECHAT_API_BASE=standin.url, RSA_WECHAT_PASSIVE_SECONDS=str(passive),
               RSA_WECHAT_PUSH_SECONDS="0.5", RSA_RASA_TOKEN=stack["rasa_token"])
    if aes:
        env["RSA_WECHAT_AES_KEY"] = AES_KEY
    rasa_port = int(stack["rasa"].rsplit(":", 1)[1])
    s = Stack(env=env, log_dir=stack["log_dir"] / f"wechat-{port}", api=port, rasa=rasa_port, actions=port + 1)
    s.log_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    s.restart("backend")  # only the backend: the stack's Rasa and action server are shared
    # The backend's district clock started at RSA_CLOCK_START as it started: WeChat's timestamps follow it.
    now = lambda: int(CLOCK_START.timestamp() + time.time() - started)
    return s, Pusher(s.api_url, TOKEN, AES_KEY if aes else None, now=now, standin=standin)


@pytest.fixture(scope="module")
def backends(stack, standin):
    base = 18000 + int(os.environ.get("RSA_TEST_PORT_OFFSET", "0")) + 70
    # The first turns after the stack starts are slow (Rasa's and the actions' first calls): not this module's business.
    for text in ("你好", "居住证要什么材料", "小区门口路灯坏了"):
        requests.post(f"{stack['rasa']}/webhooks/h5/webhook", json={"sender": "wx-warm-up", "message": text},
                      headers={"X-Service-Token": os.environ["RSA_SERVICE_TOKEN"]}, timeout=60)
    made = [_backend(stack, standin, base, aes=True, passive=4), _backend(stack, standin, base + 2, aes=False, passive=4),
            _backend(stack, standin, base + 4, aes=False, passive=0)]
    yield SimpleNamespace(safe=made[0][1], plain=made[1][1], slow=made[2][1])
    for s, _ in made:
        s.stop()


@pytest.fixture
def safe(backends, standin):
    standin.reset()
    return backends.safe


@pytest.fixture
def plain(backends, standin):
    standin.reset()
    return backends.plain


@pytest.fixture
def slow(backends, standin):
    standin.reset()
    return backends.slow


def tickets_of(sender):
    with SessionLocal() as s:
        rows = s.scalars(select(Ticket).where(Ticket.reporter_ref == tickets.reporter_ref(sender))).all()
        return [SimpleNamespace(number=t.number, media_url=t.media_url, lat=t.lat, lon=t.lon, address=t.address,
                                grid=t.grid.name if t.grid else None, channel=t.channel) for t in rows]


def user_lines(stack, sender):
    r = requests.get(f"{stack['rasa']}/conversations/{sender}/tracker", params={"token": stack["rasa_token"]}, timeout=10)
    return [e.get("text") for e in r.json().get("events", []) if e.get("event") == "user"]


def outbox_rows(sender):
    with SessionLocal() as s:
        return [(r.status, r.payload["text"], r.last_error)
                for r in s.scalars(select(ChannelOutbox).where(ChannelOutbox.sender == sender).order_by(ChannelOutbox.id))]


def statuses(sender, n):
    """The last n outbox rows' statuses, once they are all settled (the stand-in has a message a
    moment before the backend has its answer), or as they are after 5 s."""
    end = time.time() + 5
    while time.time() < end and any(s not in ("sent", "failed") for s, _, _ in outbox_rows(sender)[-n:]):
        time.sleep(0.1)
    return [s for s, _, _ in outbox_rows(sender)[-n:]]


# ---- URL verification and signatures -------------------------------------------------------------

def test_url_verification_echoes_only_for_a_fresh_signed_request(safe):
    ok = requests.get(safe.url + "/wechat", params={**safe.query(), "echostr": "5837397749425371245"}, timeout=10)
    assert ok.status_code == 200 and ok.text == "5837397749425371245"
    bad = {**safe.query(), "echostr": "1"}
    bad["signature"] = "0" * 40
    stale = {**safe.query(timestamp=safe.now() - 600), "echostr": "1"}
    for q in (bad, stale, {"echostr": "1"}, {**safe.query(), "echostr": ""}):
        r = requests.get(safe.url + "/wechat", params=q, timeout=10)
        assert r.status_code in (400, 403) and r.text == "", (q, r.status_code, r.text)


def test_a_push_with_a_bad_or_old_signature_is_refused_without_a_turn(safe, plain, stack):
    for backend in (safe, plain):
        resident = Resident(backend)
        xml = resident.xml("text", {"Content": "居住证要什么材料"})
        forged = backend.query()
        forged["signature"] = sign("not-the-token", forged["timestamp"], forged["nonce"])
        assert backend.post(xml, forged).status_code == 403
        assert backend.post(xml, backend.query(timestamp=backend.now() - 400)).status_code == 403
        assert backend.post(xml, backend.query(timestamp=backend.now() + 400)).status_code == 403
        r = backend.post(xml, {k: v for k, v in backend.query().items() if k != "signature"})
        assert r.status_code == 403 and r.text == ""
        assert user_lines(stack, resident.sender) == []
    # Safe mode: the encrypted body has its own signature; a plaintext push is not believed there,
    # and the plaintext backend takes no encrypted one.
    resident = Resident(safe)
    q = safe.query()
    sealed = safe.crypto.encrypt_message(resident.xml("text", {"Content": "你好"}), q["nonce"], q["timestamp"])
    r = requests.post(safe.url + "/wechat", params={**q, "msg_signature": "0" * 40}, data=sealed.encode(), timeout=10)
    assert r.status_code == 403
    plain_q = {k: v for k, v in safe.query().items() if k not in ("encrypt_type", "openid")}
    assert requests.post(safe.url + "/wechat", params=plain_q, data=resident.xml("text", {"Content": "你好"}).encode(),
                         timeout=10).status_code == 403
    assert requests.post(plain.url + "/wechat", params={**plain.query(), "encrypt_type": "aes"}, data=sealed.encode(),
                         timeout=10).status_code == 403
    # Encrypted for another Official Account (another AppID inside): refused.
    other = WeChatCrypto(TOKEN, AES_KEY, "wx0000000000000000")
    q = safe.query()
    sealed = other.encrypt_message(resident.xml("text", {"Content": "你好"}), q["nonce"], q["timestamp"])
    q["msg_signature"] = re.search(r"<MsgSignature><!\[CDATA\[(\w+)\]\]>", sealed).group(1)
    assert requests.post(safe.url + "/wechat", params=q, data=sealed.encode(), timeout=10).status_code == 403
    assert user_lines(stack, resident.sender) == []


# ---- both modes, every message type ----------------------------------------------------------------

def test_safe_mode_answers_in_the_encrypted_reply_and_rasa_never_sees_the_openid(safe, stack, standin, var_dir):
    resident = Resident(safe)
    reply = resident.says("居住证要什么材料")
    assert "居住证" in reply and len(reply.encode()) <= 2048
    assert resident.sender.startswith("wx-") and len(resident.sender) == 43
    assert user_lines(stack, resident.sender) == ["居住证要什么材料"]
    # The openid is kept only in the channel's state (to write back), nowhere the assistant or logs see.
    tracker = (var_dir / "tracker.db").read_bytes()
    assert resident.sender.encode() in tracker and resident.openid.encode() not in tracker
    for log in stack["log_dir"].rglob("*.log"):
        assert resident.openid not in log.read_text(errors="replace"), log


def test_plaintext_mode_answers_in_the_reply(plain, stack):
    resident = Resident(plain)
    assert "助手" in resident.says("你好")
    assert user_lines(stack, resident.sender) == ["你好"]


def test_voice_uses_the_recognition_and_says_so_when_there_is_none(safe, stack):
    resident = Resident(safe)
    reply = resident.push("voice", {"MediaId": "voice-1", "Format": "amr", "Recognition": "居住证要什么材料"})
    assert "居住证" in reply
    assert resident.push("voice", {"MediaId": "voice-2", "Format": "amr", "Recognition": ""}) == NO_RECOGNITION
    assert resident.push("voice", {"MediaId": "voice-3", "Format": "amr"}) == NO_RECOGNITION
    assert user_lines(stack, resident.sender) == ["居住证要什么材料"]  # nothing reached the assistant for the others


def test_other_message_types_get_a_polite_answer(safe, plain):
    for backend in (safe, plain):
        resident = Resident(backend)
        assert resident.push("video", {"MediaId": "v1", "ThumbMediaId": "t1"}) == UNSUPPORTED
        assert resident.push("link", {"Title": "标题", "Description": "描述", "Url": "https://example.com/"}) == UNSUPPORTED
        assert resident.push("shortvideo", {"MediaId": "v2", "ThumbMediaId": "t2"}) == UNSUPPORTED


def test_following_is_welcomed_with_the_privacy_notice_and_unfollowing_is_not_answered(safe):
    resident = Resident(safe)
    welcome = resident.event("subscribe")
    assert "欢迎关注明湖区" in welcome and "隐私" in welcome and "180天" in welcome and "转人工" in welcome
    assert "欢迎关注" in Resident(safe).event("subscribe", "qrscene_123")  # by a QR code
    assert resident.event("unsubscribe", answered=False) == ""
    assert resident.event("VIEW", "https://example.com/", answered=False) == ""
    assert resident.event("LOCATION", answered=False) == ""


def test_menu_clicks(safe, stack):
    resident = Resident(safe)
    assert resident.event("CLICK", "GUIDE") == MENU_PROMPTS["GUIDE"]
    assert resident.event("CLICK", "REPORT") == MENU_PROMPTS["REPORT"]
    assert "没有查到您反映过的问题" in resident.event("CLICK", "PROGRESS")
    assert resident.event("CLICK", "NEW_ITEM_NOT_KNOWN_YET") == MENU_PROMPTS["GUIDE"]
    reply = resident.event("CLICK", "HUMAN")
    assert "工作人员" in reply
    assert user_lines(stack, resident.sender) == ["我反映的问题怎么样了", "转人工"]


def test_a_report_with_a_location_numbered_choices_and_a_photo(safe, stack, standin):
    """The location's name is the report's place (the form takes it) and its coordinates go on the
    work order; the read-back's buttons are numbered; "1" confirms; a photo sent just after is
    attached, shown at its URL and in Open311."""
    resident = Resident(safe)
    assert "什么地方" in resident.says("小区门口路灯坏了")
    reply = resident.push("location", {"Location_X": LIUAN_1[0], "Location_Y": LIUAN_1[1], "Scale": 15,
                                       "Label": "柳岸新村5幢"})
    assert "联系电话" in reply
    reply = resident.says("13857112345")
    assert "请核对" in reply and "柳岸新村5幢" in reply and "回复1 确认提交" in reply and "回复2 取消" in reply
    assert "13857112345" not in reply
    reply = resident.says("1")
    assert "工单号" in reply
    [t] = tickets_of(resident.sender)
    assert t.number in reply and t.channel == "wechat" and t.grid == "柳岸1号网格"
    assert (t.lat, t.lon) == LIUAN_1 and "柳岸新村5幢" in t.address
    assert user_lines(stack, resident.sender)[-1] == "/affirm"

    standin.media["photo-1"] = (JPEG, "image/jpeg")
    reply = resident.push("image", {"PicUrl": "http://mmbiz.qpic.cn/not-fetched", "MediaId": "photo-1"})
    assert t.number in reply and "照片" in reply
    [t] = tickets_of(resident.sender)
    assert t.media_url.startswith(safe.url + "/wechat/media/")
    photo = requests.get(t.media_url, timeout=10)
    assert photo.status_code == 200 and photo.content == JPEG and photo.headers["content-type"] == "image/jpeg"
    open311 = requests.get(safe.url + "/open311/v2/requests.json", params={"service_request_id": t.number}, timeout=10)
    assert open311.json()[0]["media_url"] == t.media_url
    # Other tokens, made-up or climbing out of the folder, find nothing.
    real = t.media_url.rsplit("/", 1)[1]
    # (one character changed: to "B" when the real token already ends in "A", 1 run in 64)
    for token in ("x" * 32, "../backend.db", real[:-1] + ("B" if real.endswith("A") else "A")):
        assert requests.get(safe.url + "/wechat/media/" + token, timeout=10).status_code == 404


def test_a_photo_before_the_report_is_attached_when_it_is_filed(safe, standin):
    resident = Resident(safe)
    standin.media["photo-2"] = (PNG, "image/png")
    assert "提交工单时我会把照片附上" in resident.push("image", {"PicUrl": "http://x/", "MediaId": "photo-2"})
    assert tickets_of(resident.sender) == []
    assert "联系电话" in resident.says("荷花苑3幢门口的井盖没了")
    assert "回复1 确认提交" in resident.says("13857112345")
    reply = resident.says("1")
    [t] = tickets_of(resident.sender)
    assert f"已附在工单{t.number}上" in reply
    photo = requests.get(t.media_url, timeout=10)
    assert photo.content == PNG and photo.headers["content-type"] == "image/png"


def test_what_is_not_a_photo_or_cannot_be_fetched_is_said(safe, standin):
    resident = Resident(safe)
    standin.media["not-a-photo"] = (b"%PDF-1.4 not an image", "image/jpeg")
    assert "不是照片" in resident.push("image", {"PicUrl": "http://x/", "MediaId": "not-a-photo"})
    assert "取不到" in resident.push("image", {"PicUrl": "http://x/", "MediaId": "gone"})
    assert "取不到" in resident.push("image", {"PicUrl": "http://x/", "MediaId": "../../etc/passwd"})


# ---- retries: one turn, one ticket; in the reply or pushed, never both ------------------------------

def test_retries_of_a_confirmation_run_one_turn_and_file_one_ticket(safe, stack, standin):
    resident = Resident(safe)
    resident.says("楼下烧烤店油烟太大了，熏得不行")
    resident.says("柳岸新村5幢")
    assert "请核对" in resident.says("13857112345")
    xml = resident.xml("text", {"Content": "确认提交"})
    # WeChat gives up on the first try (here: after 0.05 s) and retries with the same MsgId.
    before = len(standin.texts_to(resident.openid))
    with pytest.raises(requests.exceptions.Timeout):
        safe.post(xml, timeout=0.05)
    replies = [safe.reply_text(safe.post(xml)), safe.reply_text(safe.post(xml))]
    time.sleep(1.5)  # a push loop round or two
    pushed = standin.texts_to(resident.openid)[before:]
    if any(replies):  # answered in a reply (the usual case), so never also pushed
        assert pushed == [] and len({r for r in replies if r}) == 1
        answer = next(r for r in replies if r)
    else:  # a very busy machine: no retry came while the answer was ready, so it was pushed, once
        [answer] = standin.wait_for(resident.openid, before + 1)[before:]
    assert "工单号" in answer
    assert len(tickets_of(resident.sender)) == 1
    assert user_lines(stack, resident.sender).count("确认提交") == 1


def test_a_slow_turn_is_answered_by_the_customer_service_api_and_its_retry_is_not(slow, stack, standin):
    resident = Resident(slow)
    xml = resident.xml("text", {"Content": "居住证要什么材料"})
    started = time.time()
    assert slow.reply_text(slow.post(xml)) == ""  # "success" at once
    assert time.time() - started < 2
    [pushed] = standin.wait_for(resident.openid, 1)
    assert "居住证" in pushed
    assert slow.reply_text(slow.post(xml)) == ""  # WeChat's retry: neither a second turn nor a second push
    time.sleep(1.5)
    assert standin.texts_to(resident.openid) == [pushed]
    assert user_lines(stack, resident.sender) == ["居住证要什么材料"]
    assert statuses(resident.sender, 1) == ["sent"] and len(outbox_rows(resident.sender)) == 1


def test_plaintext_events_pushed_when_slow(slow, standin):
    resident = Resident(slow)
    assert "欢迎关注" in resident.event("subscribe") and resident.how == "pushed"


# ---- staff --------------------------------------------------------------------------------------------

def test_staff_replies_the_claim_and_the_hand_back_are_pushed(safe, stack, standin):
    ensure_staff("wx_wangfang", "王芳", PASSWORD, community="柳岸社区")
    console = requests.Session()
    r = console.post(safe.url + "/console/api/login", json={"username": "wx_wangfang", "password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    console.headers["X-CSRF-Token"] = r.json()["csrf"]

    resident = Resident(safe)
    resident.says("我住柳岸社区")
    assert "工作人员" in resident.says("转人工")
    with SessionLocal() as s:
        case = s.scalars(select(HandoffCase).where(HandoffCase.sender == resident.sender)).one()
        assert case.channel == "wechat"
        cid = case.id
    base = len(standin.texts_to(resident.openid))  # the answers so far came in replies, or were pushed
    assert console.post(f"{safe.url}/console/api/cases/{cid}/claim", timeout=10).status_code == 200
    [claimed] = standin.wait_for(resident.openid, base + 1)[base:]
    assert "王芳已接入" in claimed
    # What the resident writes now goes to the case; the assistant stays quiet.
    reply = resident.says("我家楼道灯坏了三天了")
    assert "已转给工作人员" in reply
    view = console.get(f"{safe.url}/console/api/cases/{cid}", timeout=10).json()
    assert [m["text"] for m in view["messages"] if m["author"] == "resident"][-1] == "我家楼道灯坏了三天了"
    assert resident.openid not in str(view)
    # A photo sent meanwhile is among the resident's lines in the case.
    standin.media["photo-staff"] = (JPEG, "image/jpeg")
    assert resident.push("image", {"PicUrl": "http://x/", "MediaId": "photo-staff"}) == PHOTO_TO_STAFF
    view = console.get(f"{safe.url}/console/api/cases/{cid}", timeout=10).json()
    line = [m["text"] for m in view["messages"] if m["author"] == "resident"][-1]
    assert line.startswith("[照片] " + safe.url + "/wechat/media/")
    assert requests.get(line.split(" ", 1)[1], timeout=10).content == JPEG
    base = len(standin.texts_to(resident.openid))
    console.post(f"{safe.url}/console/api/cases/{cid}/reply", json={"text": "您好，我是王芳，马上安排人去看"}, timeout=10)
    assert standin.wait_for(resident.openid, base + 1)[base:] == ["工作人员王芳：您好，我是王芳，马上安排人去看"]
    # A work order of this resident's, with the photo they sent, linked to the case: staff see the photo.
    with WriteSession() as w:
        t, _ = tickets.file_ticket(w, classifier(w), description="楼道灯坏了", address="柳岸新村5幢",
                                   located=locate(w, "柳岸新村5幢"), phone="13857112345", channel="wechat",
                                   sender=resident.sender, media_url=safe.url + "/wechat/media/" + "p" * 32)
        number = t.number
    assert console.post(f"{safe.url}/console/api/cases/{cid}/tickets", json={"link": number}, timeout=10).status_code == 200
    [linked] = console.get(f"{safe.url}/console/api/cases/{cid}", timeout=10).json()["tickets"]
    assert linked["number"] == number and linked["media_url"].endswith("p" * 32)
    [told] = standin.wait_for(resident.openid, base + 2)[base + 1:]
    assert told.startswith("工作人员王芳：") and number in told
    # A long staff line: split at its paragraphs into messages WeChat takes, in order.
    long = "\n\n".join(f"第{i}项：请带好身份证原件和复印件，户口簿原件，近期一寸免冠照片两张。" * 4 for i in range(1, 9))
    console.post(f"{safe.url}/console/api/cases/{cid}/reply", json={"text": long}, timeout=10)
    parts = standin.wait_for(resident.openid, base + 4)[base + 2:]
    assert len(parts) == 2 and all(len(p.encode()) <= 2048 for p in parts)
    assert "\n\n".join(parts) == "工作人员王芳：" + long
    console.post(f"{safe.url}/console/api/cases/{cid}/handback", timeout=10)
    [back] = standin.wait_for(resident.openid, base + 5)[base + 4:]
    assert "交回智能助手" in back
    assert statuses(resident.sender, 6) == ["sent"] * 6


# ---- bad input -------------------------------------------------------------------------------------

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
                  + ']><xml><ToUserName>gh</ToUserName><FromUserName>ofuzzfuzzfuzzfuzzfuzzfuzzfuzz</FromUserName>'
                  '<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&i;</Content><MsgId>1</MsgId></xml>')
EXTERNAL = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            '<xml><FromUserName>oexternalexternalexternal</FromUserName><MsgType>text</MsgType><Content>&e;</Content></xml>')


@pytest.mark.parametrize("body", [
    "", "not xml at all", "<xml><MsgType>text</xml>", "<root><MsgType>text</MsgType></root>", BILLION_LAUGHS, EXTERNAL,
    "<xml><FromUserName><a>1</a></FromUserName><MsgType>text</MsgType></xml>",
    "<xml><FromUserName>onotanumbernotanumber</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>",
    "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>hi</Content></xml>",
    "<xml><FromUserName>onomsgtypenomsgtype</FromUserName></xml>",
    "\ufeff<xml>\x00</xml>",
])
def test_malformed_pushes_and_xml_bombs_are_refused_at_once(safe, plain, body):
    for backend in (plain, safe):
        started = time.time()
        r = backend.post(body)
        assert r.status_code == 400 and r.text == "", (r.status_code, r.text)
        assert time.time() - started < 2


def test_an_oversized_push_is_refused_before_it_is_read(plain):
    resident = Resident(plain)
    r = plain.post(resident.xml("text", {"Content": "很" * 20000}))
    assert r.status_code == 413
    # Without a Content-Length (chunked): counted as it arrives, refused past the cap.
    r = plain.post(iter([b"<xml><Content>" + b"a" * 8192] * 8))
    assert r.status_code == 413


def test_a_long_text_is_answered_politely(plain, stack):
    resident = Resident(plain)
    reply = resident.says("楼下" * 1100)
    assert "有点长" in reply and "2200字" in reply
    assert user_lines(stack, resident.sender) == []


@settings(max_examples=100, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
@given(data=st.data())
def test_fuzz_the_endpoint_no_500_no_hang(backends, data):
    """Whatever arrives (signed or not, any query, any body, or a well-formed push with odd
    fields), the answer is quick and never a server error."""
    backend = data.draw(st.sampled_from([backends.plain, backends.safe]))
    signed = data.draw(st.booleans())
    query = backend.query() if signed else data.draw(st.dictionaries(
        st.sampled_from(["signature", "timestamp", "nonce", "echostr", "encrypt_type", "msg_signature"]),
        st.text(max_size=60), max_size=6))
    if data.draw(st.booleans()):
        resident = Resident(backend)
        msg_type = data.draw(st.sampled_from(["text", "voice", "image", "location", "event", "video", "file", ""]))
        odd = st.one_of(st.text(max_size=80), st.integers().map(str), st.floats().map(str))
        fields = data.draw(st.dictionaries(st.sampled_from(["Content", "Recognition", "MediaId", "Location_X", "Location_Y",
                                                            "Label", "Event", "EventKey", "MsgId"]), odd, max_size=5))
        fields = {k: re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]|]]>", "", v) for k, v in fields.items()}
        body = resident.xml(msg_type, fields).encode()
    else:
        body = data.draw(st.binary(max_size=600))
    method = data.draw(st.sampled_from(["POST", "POST", "GET"]))
    started = time.time()
    if method == "POST" and signed:  # as WeChat would send it (encrypted in safe mode)
        r = backend.post(body, query)
    else:
        r = requests.request(method, backend.url + "/wechat", params=query, data=body, timeout=15)
    assert r.status_code in (200, 400, 403, 405, 413), (r.status_code, r.text[:200])
    assert time.time() - started < 8


