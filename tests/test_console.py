"""Staff console API: sign-in, sessions, CSRF, who may see which case, the queue, timers,
routing by centre and opening hours, and the audit log."""
import datetime as dt
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.core import clock
from api.core.db import SessionLocal, WriteSession
from api.handoff import cases as handoff
from api.handoff import relay
from api.handoff.models import HandoffCase
from api.main import app
from api.places.models import Community, ServiceCentre
from api.staff.auth import _token_hash, hash_password, verify_password
from api.staff.models import AuditEntry, StaffSession, StaffUser
from shared.settings import get_settings
from tests.conftest import SERVICE

OPEN_TIME = dt.datetime(2026, 11, 24, 10, 0)   # a Tuesday morning
HOTLINE = get_settings().hotline
PASSWORD = "correct horse battery"


def centre_id(community):
    with SessionLocal() as s:
        return s.scalars(select(Community).where(Community.name == community)).one().centre_id


@pytest.fixture(scope="module", autouse=True)
def users():
    with WriteSession() as s:
        for name, role, community in [("liuan", "staff", "柳岸社区"), ("hehua", "staff", "荷花社区"), ("boss", "supervisor", None)]:
            if not s.scalars(select(StaffUser).where(StaffUser.username == name)).first():
                s.add(StaffUser(username=name, display_name=name, password_hash=hash_password(PASSWORD), role=role,
                                centre_id=centre_id(community) if community else None))
        s.commit()


def signed_in(username):
    c = TestClient(app)
    r = c.post("/console/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf"]
    return c


def new_case(community, reason="asked", sender=None, at=OPEN_TIME):
    with WriteSession() as s:
        c = handoff.open_case(s, sender=sender or f"resident-{uuid.uuid4().hex}", channel="h5",
                              reason=reason, community=community, context={"intent": "request_human"},
                              transcript=[{"author": "resident", "text": "<script>alert(1)</script>我要找人"},
                                          {"author": "bot", "text": "好的"}], at=at)
        return c.id


def test_passwords_are_hashed_with_scrypt():
    h = hash_password("secret-1")
    assert h.startswith("scrypt$") and "secret-1" not in h
    assert verify_password("secret-1", h) and not verify_password("secret-2", h)


def test_signed_out_users_get_nothing():
    c = TestClient(app)
    assert c.get("/console/api/queue").status_code == 401
    assert c.get("/console/api/cases/1").status_code == 401
    assert c.post("/console/api/login", json={"username": "liuan", "password": "wrong"}).status_code == 401
    assert c.post("/console/api/login", json={"username": "nobody", "password": "x"}).status_code == 401


def test_session_cookie_is_http_only_and_expires():
    c = TestClient(app)
    r = c.post("/console/api/login", json={"username": "liuan", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age" in cookie
    with WriteSession() as s:  # this sign-in's session runs out
        mine = s.scalars(select(StaffSession).where(StaffSession.token_hash == _token_hash(c.cookies["rsa_staff"]))).one()
        mine.expires_at = clock.now() - dt.timedelta(seconds=1)
        s.commit()
    assert c.get("/console/api/queue").status_code == 401


def test_missing_or_forged_csrf_token_is_refused():
    cid = new_case("柳岸社区")
    c = signed_in("liuan")
    good = c.headers.pop("X-CSRF-Token")
    assert c.post(f"/console/api/cases/{cid}/claim").status_code == 403
    assert c.post(f"/console/api/cases/{cid}/claim", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert c.post(f"/console/api/cases/{cid}/claim", headers={"X-CSRF-Token": good}).status_code == 200


def test_staff_see_only_their_centre_and_supervisors_see_all():
    a, b = new_case("柳岸社区"), new_case("荷花社区")
    liuan, hehua, boss = signed_in("liuan"), signed_in("hehua"), signed_in("boss")
    assert a in [x["id"] for x in liuan.get("/console/api/queue").json()]
    assert b not in [x["id"] for x in liuan.get("/console/api/queue").json()]
    assert hehua.get(f"/console/api/cases/{a}").status_code == 404
    assert hehua.post(f"/console/api/cases/{a}/claim").status_code == 404
    assert {a, b} <= {x["id"] for x in boss.get("/console/api/queue").json()}


def test_queue_orders_by_priority_then_waiting_time():
    early = new_case("南湖社区", "asked", at=OPEN_TIME)
    later_sensitive = new_case("南湖社区", "sensitive", at=OPEN_TIME + dt.timedelta(minutes=5))
    ids = [x["id"] for x in signed_in("boss").get("/console/api/queue").json()]
    assert ids.index(later_sensitive) < ids.index(early)
    with WriteSession() as s:
        assert handoff.position(s, s.get(HandoffCase, later_sensitive)) < handoff.position(s, s.get(HandoffCase, early))


def test_claim_reply_note_resolve_with_timers_and_audit():
    cid = new_case("柳岸社区", sender="resident-flow")
    c = signed_in("liuan")
    assert c.post(f"/console/api/cases/{cid}/reply", json={"text": "您好"}).status_code == 409  # claim first
    assert c.post(f"/console/api/cases/{cid}/claim").json()["status"] == "claimed"
    view = c.post(f"/console/api/cases/{cid}/reply", json={"text": "您好，我是柳岸社区的小王"}).json()
    assert view["timers"]["first_response_seconds"] is not None
    c.post(f"/console/api/cases/{cid}/note", json={"text": "老人，耳背，说话慢一点"})
    view = c.get(f"/console/api/cases/{cid}").json()
    assert [m["author"] for m in view["messages"]] == ["resident", "bot", "system", "staff", "note"]  # system: 已接入
    assert view["messages"][0]["text"].startswith("<script>")  # kept as data; the page shows it as text
    assert c.post(f"/console/api/cases/{cid}/resolve", json={"reason": ""}).status_code == 422
    done = c.post(f"/console/api/cases/{cid}/resolve", json={"reason": "已电话告知办理地点"}).json()
    assert done["status"] == "resolved" and done["timers"]["resolution_seconds"] is not None
    assert "打分" in done["messages"][-1]["text"]
    assert c.post(f"/console/api/cases/{cid}/reply", json={"text": "还在吗"}).status_code == 409  # closed
    with WriteSession() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.target == str(cid)))]
    assert {"claim", "reply", "note", "resolve"} <= set(actions)
    assert signed_in("liuan").get("/console/api/audit").status_code == 403
    assert signed_in("boss").get("/console/api/audit").status_code == 200


def test_transfer_to_another_centre():
    cid = new_case("柳岸社区")
    c = signed_in("liuan")
    c.post(f"/console/api/cases/{cid}/claim")
    r = c.post(f"/console/api/cases/{cid}/transfer", json={"centre_id": centre_id("荷花社区")})
    assert r.json()["status"] == "waiting" and r.json()["centre"] == "荷花社区党群服务中心"
    assert cid in [x["id"] for x in signed_in("hehua").get("/console/api/queue").json()]


@pytest.mark.parametrize("at, expected", [
    (dt.datetime(2026, 11, 24, 10, 0), True),     # Tuesday morning
    (dt.datetime(2026, 11, 24, 12, 30), False),   # lunch break
    (dt.datetime(2026, 11, 28, 10, 0), False),    # Saturday
    (dt.datetime(2026, 10, 2, 10, 0), False),     # National Day holiday
])
def test_opening_hours(at, expected):
    with WriteSession() as s:
        centre = s.scalars(select(ServiceCentre).where(ServiceCentre.name == "柳岸社区党群服务中心")).one()
        assert handoff.is_open(centre, at) is expected


def test_outside_hours_becomes_a_call_back_and_keeps_the_transcript():
    cid = new_case("翠苑社区", at=dt.datetime(2026, 11, 28, 20, 0))
    with WriteSession() as s:
        c = s.get(HandoffCase, cid)
        assert c.status == "callback" and len(c.messages) == 2


def test_handoff_endpoint_for_the_action_server():
    r = TestClient(app, headers=SERVICE).post("/api/handoff", json={"sender": "resident-x", "reason": "asked", "community": "松竹",
                                                  "transcript": [{"author": "resident", "text": "转人工"}]})
    body = r.json()
    assert r.status_code == 200 and body["centre"] == "松竹社区党群服务中心" and body["status"] == "waiting"
    assert TestClient(app, headers=SERVICE).post("/api/handoff", json={"sender": "x", "reason": "bored"}).status_code == 422


def chat_page():
    """A resident's page (a client keeping its cookie) and the id of its conversation."""
    from api.handoff.relay import sender_for
    page = TestClient(app)
    page.get("/api/chat/info")
    return page, sender_for(page.cookies["rsa_chat"])


def test_unclaimed_case_turns_into_a_call_back_and_the_resident_is_told():
    page, sender = chat_page()
    cid = new_case("文昌社区", sender=sender, at=OPEN_TIME)
    with WriteSession() as s:
        assert s.get(HandoffCase, cid).status == "waiting"
    with clock.freeze(OPEN_TIME + dt.timedelta(minutes=9)):
        assert page.post("/api/chat/updates", json={}).json()["with_staff"] is True
    with clock.freeze(OPEN_TIME + dt.timedelta(minutes=10)):
        updates = page.post("/api/chat/updates", json={}).json()
    assert any("登记为回电" in m["text"] and HOTLINE in m["text"] for m in updates["messages"])
    assert updates["with_staff"] is False
    with WriteSession() as s:
        assert s.get(HandoffCase, cid).status == "callback"


def test_satisfaction_rating_after_resolution_is_recorded():
    page, sender = chat_page()
    cid = new_case("江畔社区", sender=sender)
    c = signed_in("boss")
    c.post(f"/console/api/cases/{cid}/claim")
    c.post(f"/console/api/cases/{cid}/resolve", json={"reason": "已解答"})
    r = page.post("/api/chat", json={"text": "5"}).json()
    assert "谢谢您的评价" in r["messages"][0]["text"]
    with WriteSession() as s:
        assert s.get(HandoffCase, cid).satisfaction == 5


def test_resident_page_receives_staff_replies_once():
    page, sender = chat_page()
    cid = new_case("新塘社区", sender=sender)
    c = signed_in("boss")
    c.post(f"/console/api/cases/{cid}/claim")
    c.post(f"/console/api/cases/{cid}/reply", json={"text": "您好，我来帮您"})
    first = page.post("/api/chat/updates", json={}).json()
    assert [m["text"] for m in first["messages"] if m["from"] == "staff"] == ["您好，我来帮您"] and first["with_staff"]
    assert page.post("/api/chat/updates", json={}).json()["messages"] == []
    # Without the cookie there is no conversation to read, whatever the body says.
    assert TestClient(app).post("/api/chat/updates", json={"sender": sender}).json()["messages"] == []


@pytest.mark.parametrize("text, reason, risk", [
    ("我要投诉你们窗口的工作人员，态度太差了", "sensitive", None),
    ("我想去信访", "sensitive", None),
    ("我真的不想活了", "sensitive", "self_harm"),
    ("我真的撑不下去了 药都攒好了 对不起我的孩子", "sensitive", "self_harm"),
    ("活着太累了 每天晚上睡不着 一闭眼就想从阳台跳下去算了", "sensitive", "self_harm"),
    ("你好，我老公喝了酒又打我", "sensitive", "violence"),
    ("我男人喝了酒就打我 今天又打了 我躲在楼道里不敢回去", "sensitive", "violence"),
    ("有人打电话说是公安局的 要我把钱转到安全账户 我已经转了两万了", "sensitive", "fraud"),
    ("我爸有老年痴呆 早上出门买菜到现在还没回来 手机也没带", "sensitive", "missing"),
    ("你们这什么破系统，问了半天都说不清", "angry", None),
    ("到底有没有人管！！！", "angry", None),
    ("居住证要带什么材料", None, None),
    ("我儿子的身份证找不到了 怎么补", None, None),
    ("谢谢你！", None, None),
])
def test_messages_people_should_answer(text, reason, risk):
    """risk: the safety lines the resident is given first (self_harm: the psychological assistance
    hotline; violence: somewhere safe, 110 and the women's rights line; fraud: stop paying, 110 and
    the bank; missing: 110 at once)."""
    judged = TestClient(app, headers=SERVICE).post("/api/handoff/assess", json={"text": text}).json()
    assert judged == {"reason": reason, "risk": risk}


def test_a_question_following_up_an_item_needs_a_sure_classifier_to_be_handed_over():
    """"当天能拿到伐 我过两天要去配药" after the 社保卡 guide is a question about it."""
    from api.guide import index
    code = next(c for c, (name, _) in index.current().items.items() if name == "社保卡申领补换")
    api = TestClient(app, headers=SERVICE)
    text = "当天能拿到伐 我过两天要去配药"
    assert api.post("/api/handoff/assess", json={"text": text, "context_code": code}).json()["reason"] is None
    # a risk is still heard, whatever the item under discussion
    said = api.post("/api/handoff/assess", json={"text": "我不想活了 当天能拿到伐", "context_code": code}).json()
    assert said == {"reason": "sensitive", "risk": "self_harm"}


def test_canned_replies_come_from_the_item_the_resident_asked_about():
    with WriteSession() as s:
        from api.guide.models import ServiceItem
        code = s.scalars(select(ServiceItem).where(ServiceItem.name == "居住证申领")).one().code
        c = handoff.open_case(s, sender="resident-canned", channel="h5", reason="asked", community="柳岸社区",
                              context={"slots": {"service_code": code, "community": "柳岸社区"}}, transcript=[], at=OPEN_TIME)
        cid = c.id
    replies = signed_in("liuan").get(f"/console/api/cases/{cid}/canned").json()
    titles = [r["title"] for r in replies]
    assert "居住证申领·所需材料" in titles
    place = next(r["text"] for r in replies if r["title"] == "居住证申领·办理地点")
    assert "柳岸社区" in place
    assert signed_in("hehua").get(f"/console/api/cases/{cid}/canned").status_code == 404


def claimed_case_with_report(community="柳岸社区", user="liuan"):
    with WriteSession() as s:
        c = handoff.open_case(s, sender=f"resident-report-{uuid.uuid4().hex}", channel="h5",
                              reason="dispute", community=community,
                              context={"incident": {"description": "楼上邻居家卫生间漏水到我家，说了好几次都不修"}},
                              transcript=[], at=OPEN_TIME)
        cid, sender = c.id, c.sender
    staff = signed_in(user)
    assert staff.post(f"/console/api/cases/{cid}/claim").status_code == 200
    return staff, cid, sender


def test_staff_file_a_work_order_for_the_resident_who_is_told_its_number():
    staff, cid, sender = claimed_case_with_report()
    body = {"description": "柳岸新村3幢402楼上卫生间漏水到401，协商未果，请社区调解", "address": "柳岸新村3幢",
            "phone": "13800138000"}
    view = staff.post(f"/console/api/cases/{cid}/tickets", json=body).json()
    assert len(view["tickets"]) == 1
    number = view["tickets"][0]["number"]
    assert number.startswith("WG") and view["tickets"][0]["category"].endswith("邻里纠纷")
    told = view["messages"][-1]
    assert told["author"] == "staff" and number in told["text"]
    # A second click files nothing new and tells the resident nothing twice.
    again = staff.post(f"/console/api/cases/{cid}/tickets", json=body).json()
    assert [t["number"] for t in again["tickets"]] == [number] and len(again["messages"]) == len(view["messages"])
    # The resident's conversation owns the work order: they see its details when they ask.
    mine = TestClient(app, headers=SERVICE).get("/api/tickets", params={"sender": sender}).json()
    assert [t["number"] for t in mine] == [number] and "卫生间漏水" in mine[0]["description"]
    with WriteSession() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "file ticket",
                                                  AuditEntry.target == str(cid))).first().detail == number


def test_filing_refuses_bad_input_clearly():
    staff, cid, _ = claimed_case_with_report()
    r = staff.post(f"/console/api/cases/{cid}/tickets", json={"description": "路灯不亮", "address": "柳岸新村", "phone": "123"})
    assert r.status_code == 422 and "联系电话" in r.json()["detail"]
    r = staff.post(f"/console/api/cases/{cid}/tickets", json={"description": " ", "address": "柳岸新村", "phone": "13800138000"})
    assert r.status_code == 422 and "发生了什么" in r.json()["detail"]
    assert staff.get(f"/console/api/cases/{cid}").json()["tickets"] == []


def test_link_an_existing_work_order():
    staff, first, _ = claimed_case_with_report()
    number = staff.post(f"/console/api/cases/{first}/tickets", json={
        "description": "柳岸新村5幢门口路灯不亮一个星期了", "address": "柳岸新村5幢", "phone": "13900139000"}).json()["tickets"][0]["number"]
    staff, second, _ = claimed_case_with_report()
    assert staff.post(f"/console/api/cases/{second}/tickets", json={"link": "WG000000000000"}).status_code == 404
    view = staff.post(f"/console/api/cases/{second}/tickets", json={"link": number.lower()}).json()
    assert [t["number"] for t in view["tickets"]] == [number] and number in view["messages"][-1]["text"]
    # Other centres cannot touch the case; nobody can before claiming it.
    assert signed_in("hehua").post(f"/console/api/cases/{second}/tickets", json={"link": number}).status_code == 404
    unclaimed = new_case("柳岸社区", sender="resident-not-yet-claimed")
    assert signed_in("liuan").post(f"/console/api/cases/{unclaimed}/tickets", json={"link": number}).status_code == 409


def test_colleagues_list_and_transfer_to_a_named_colleague():
    cid = new_case("柳岸社区", sender="resident-to-a-colleague")
    liuan = signed_in("liuan")
    signed_in("hehua")
    people = {p["name"]: p for p in liuan.get("/console/api/staff").json()}
    assert people["hehua"]["online"] and people["hehua"]["centre"] == "荷花社区党群服务中心"
    liuan.post(f"/console/api/cases/{cid}/claim")
    moved = liuan.post(f"/console/api/cases/{cid}/transfer", json={"staff_id": people["hehua"]["id"]}).json()
    assert moved["assignee"] == "hehua" and moved["centre"] == "荷花社区党群服务中心"
    assert liuan.get(f"/console/api/cases/{cid}").status_code == 404  # no longer liuan's centre
    assert signed_in("hehua").post(f"/console/api/cases/{cid}/reply", json={"text": "您好"}).status_code == 200


def test_audit_log_names_who_did_what_and_pages():
    for _ in range(5):
        signed_in("liuan")  # five sign-ins on record at least
    boss = signed_in("boss")
    page = boss.get("/console/api/audit", params={"limit": 5}).json()
    assert len(page) == 5 and all(e["user"] or e["action"] == "sign-in failed" for e in page)
    older = boss.get("/console/api/audit", params={"limit": 5, "before": page[-1]["id"]}).json()
    assert older and max(e["id"] for e in older) < page[-1]["id"]


def test_voice_lines_show_how_sure_speech_recognition_was():
    with WriteSession() as s:
        c = handoff.open_case(s, sender="caller-0571", channel="voice", reason="misunderstood", community="柳岸社区",
                              context={}, at=OPEN_TIME,
                              transcript=[{"author": "resident", "text": "我要办居主正", "asr_confidence": 0.41},
                                          {"author": "resident", "text": "居住证", "asr_confidence": "loud"},
                                          {"author": "bot", "text": "您是想办居住证吗？"}])
        cid = c.id
    lines = signed_in("liuan").get(f"/console/api/cases/{cid}").json()["messages"]
    assert [m["asr_confidence"] for m in lines] == [0.41, None, None]


def test_unclaimed_cases_expire_even_when_the_resident_page_is_closed():
    cid = new_case("江畔社区", sender="resident-page-closed", at=OPEN_TIME)
    later = OPEN_TIME + dt.timedelta(minutes=30)
    with WriteSession() as s:
        assert s.get(HandoffCase, cid).status == "waiting"
        assert "resident-page-closed" not in relay.expire_all_unclaimed(s, at=OPEN_TIME + dt.timedelta(minutes=5))
        assert "resident-page-closed" in relay.expire_all_unclaimed(s, at=later)
        assert s.get(HandoffCase, cid).status == "callback"
        assert "resident-page-closed" not in relay.expire_all_unclaimed(s, at=later)  # once only


def test_a_call_back_records_the_number_to_call():
    with WriteSession() as s:
        cid = handoff.open_case(s, sender="resident-wants-a-call", channel="h5", reason="asked", community="柳岸社区",
                                context={"intent": "request_human"}, transcript=[], at=dt.datetime(2026, 11, 28, 20, 0)).id
    api = TestClient(app, headers=SERVICE)
    assert api.post("/api/handoff/callback-phone", json={"sender": "resident-wants-a-call", "phone": "12345"}).status_code == 422
    assert api.post("/api/handoff/callback-phone", json={"sender": "nobody-waiting", "phone": "13800001234"}).status_code == 404
    assert api.post("/api/handoff/callback-phone", json={"sender": "resident-wants-a-call", "phone": "138 0000 1234"}).json() == {"case_id": cid}
    context = signed_in("liuan").get(f"/console/api/cases/{cid}").json()["context"]
    assert context == {"intent": "request_human", "callback_phone": "13800001234"}


def test_password_guessing_is_slowed_down():
    with WriteSession() as s:
        s.add(StaffUser(username="guessed", display_name="guessed", password_hash=hash_password(PASSWORD), role="staff",
                        centre_id=centre_id("荷花社区")))
        s.commit()
    c = TestClient(app)
    codes = [c.post("/console/api/login", json={"username": "guessed", "password": f"guess-{i}"}).status_code for i in range(7)]
    assert codes == [401] * 5 + [429] * 2
    r = c.post("/console/api/login", json={"username": "guessed", "password": PASSWORD})
    assert r.status_code == 429 and "秒后再试" in r.json()["detail"]  # even the right password waits
    assert signed_in("liuan").get("/console/api/me").status_code == 200  # others are not locked out


def test_opening_a_case_is_recorded_once_per_sitting():
    """Going back and forth between cases must not flood the audit log (10 rows in 11 s)."""
    cid = new_case("柳岸社区")
    agent = signed_in("liuan")
    for _ in range(5):
        assert agent.post(f"/console/api/cases/{cid}/open").status_code == 200
        assert agent.get(f"/console/api/cases/{cid}").status_code == 200

    def views():
        rows = signed_in("boss").get("/console/api/audit", params={"limit": 500}).json()
        return [r for r in rows if r["action"] == "view" and r["target"] == str(cid) and r["username"] == "liuan"]

    assert len(views()) == 1
    with clock.freeze(clock.now() + dt.timedelta(minutes=1)):  # a new sign-in is a new sitting
        signed_in("liuan").post(f"/console/api/cases/{cid}/open")
        assert len(views()) == 2


def test_a_case_is_transferred_to_service_centres_never_to_a_police_station():
    names = [c["name"] for c in signed_in("liuan").get("/console/api/centres").json()]
    assert "柳岸社区党群服务中心" in names and "湖滨街道便民服务中心" in names
    assert not [n for n in names if "派出所" in n]
