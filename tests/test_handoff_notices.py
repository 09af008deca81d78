"""What the resident's page is told about a handoff (issue #10, resident items 1 and 3): a case
claimed says who took it, staff lines carry the staff member's name, and claiming, transfers,
hand-back, the end of the service and "nobody came" are notices, not staff lines. Each is also
written to the assistant's transcript (the outbox), so a reloaded page redraws it in its place."""
import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.core import clock
from api.core.db import WriteSession
from api.handoff import cases as handoff
from api.handoff import transcript
from api.handoff.models import RasaOutbox
from api.handoff.relay import sender_for
from api.main import app
from api.staff.models import StaffUser
from tests.browser import ensure_staff

PASSWORD = "notice-test-2026"
OPEN_TIME = dt.datetime(2026, 11, 24, 9, 30)


def staff_member(username, name, community="柳岸社区", role="staff"):
    ensure_staff(username, name, PASSWORD, role=role, community=community)
    c = TestClient(app)
    r = c.post("/console/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf"]
    return c


def resident_with_case(community="柳岸社区"):
    page = TestClient(app)
    page.get("/api/chat/info")
    sender = sender_for(page.cookies["rsa_chat"])
    with WriteSession() as s:
        cid = handoff.open_case(s, sender=sender, channel="h5", reason="asked", community=community, context={},
                                transcript=[{"author": "resident", "text": "转人工"}], at=OPEN_TIME).id
    return page, sender, cid


def updates(page):
    return page.post("/api/chat/updates", json={}).json()["messages"]


def transcript_lines(sender):
    """What the backend wrote (or still owes) to the assistant's transcript for this conversation."""
    with WriteSession() as s:
        rows = s.scalars(select(RasaOutbox).where(RasaOutbox.sender == sender).order_by(RasaOutbox.id)).all()
        return [(e["metadata"]["from"], e["text"], e["metadata"].get("name")) for r in rows for e in r.events
                if e["event"] == "bot"]


def test_claim_names_the_person_staff_lines_carry_the_name_and_hand_back_is_a_notice():
    wang = staff_member("wangfang-n", "王芳")
    page, sender, cid = resident_with_case()
    wang.post(f"/console/api/cases/{cid}/claim")
    assert updates(page) == [{"text": "工作人员王芳已接入，您可以直接在这里和TA说。", "from": "system"}]
    wang.post(f"/console/api/cases/{cid}/reply", json={"text": "您好，我是王芳，请讲"})
    assert updates(page) == [{"text": "您好，我是王芳，请讲", "from": "staff", "name": "王芳"}]
    wang.post(f"/console/api/cases/{cid}/handback")
    assert updates(page) == [{"text": "工作人员已把对话交回智能助手，您可以继续提问。", "from": "system"}]
    assert transcript_lines(sender) == [("system", "工作人员王芳已接入，您可以直接在这里和TA说。", None),
                                        ("staff", "您好，我是王芳，请讲", "王芳"),
                                        ("system", "工作人员已把对话交回智能助手，您可以继续提问。", None)]
    # The console shows them as what they are too.
    view = wang.get(f"/console/api/cases/{cid}").json()
    assert [m["author"] for m in view["messages"]] == ["resident", "system", "staff", "system"]


def test_a_supervisor_stepping_in_is_named_as_who_wrote_it():
    wang, boss = staff_member("wangfang-n", "王芳"), staff_member("boss-n", "街道主管老周", None, "supervisor")
    page, sender, cid = resident_with_case()
    wang.post(f"/console/api/cases/{cid}/claim")
    boss.post(f"/console/api/cases/{cid}/reply", json={"text": "我是主管，这件事我来跟进"})
    assert [u for u in updates(page) if u["from"] == "staff"] == [
        {"text": "我是主管，这件事我来跟进", "from": "staff", "name": "街道主管老周"}]
    # A reloaded page redraws it from the transcript with the same name, not the case holder's.
    assert ("staff", "我是主管，这件事我来跟进", "街道主管老周") in transcript_lines(sender)


def test_resolving_asks_for_a_rating_in_a_notice():
    wang = staff_member("wangfang-n", "王芳")
    page, sender, cid = resident_with_case()
    wang.post(f"/console/api/cases/{cid}/claim")
    wang.post(f"/console/api/cases/{cid}/resolve", json={"reason": "已解答"})
    got = updates(page)
    assert [m["from"] for m in got] == ["system", "system"] and "打分" in got[-1]["text"]
    thanks = page.post("/api/chat", json={"text": "5"}).json()["messages"]
    assert thanks == [{"text": "您打了5分，谢谢您的评价！还有其他问题，随时问我。", "from": "system"}]
    # The score never reaches the assistant; its thanks does, so a reloaded page shows it was taken.
    assert transcript_lines(sender)[-1] == ("system", thanks[0]["text"], None)


def test_transfers_tell_the_resident_where_the_conversation_went():
    wang = staff_member("wangfang-n", "王芳")
    li = staff_member("lilei-n", "李磊")
    page, _, cid = resident_with_case()
    wang.post(f"/console/api/cases/{cid}/claim")
    with WriteSession() as s:
        li_id = s.scalars(select(StaffUser.id).where(StaffUser.username == "lilei-n")).one()
    wang.post(f"/console/api/cases/{cid}/transfer", json={"staff_id": li_id})
    got = updates(page)
    assert got[-1] == {"text": "您的对话已转给工作人员李磊，TA会接着在这里回复您。", "from": "system"}
    li.post(f"/console/api/cases/{cid}/reply", json={"text": "您好，我是李磊"})
    assert updates(page) == [{"text": "您好，我是李磊", "from": "staff", "name": "李磊"}]


def test_nobody_came_is_a_notice():
    page, sender, cid = resident_with_case("文昌社区")
    with clock.freeze(OPEN_TIME + dt.timedelta(minutes=10)):
        got = updates(page)
    assert len(got) == 1 and got[0]["from"] == "system" and "登记为回电" in got[0]["text"]
    assert transcript_lines(sender)[0][0] == "system"


# ---- the conversation a reloaded page redraws --------------------------------------------------

def bot(text, buttons=(), who=None, name=None):
    meta = {"from": who, "name": name} if who else {}
    return {"event": "bot", "text": text, "data": {"buttons": list(buttons)}, "metadata": meta}


def user(text):
    return {"event": "user", "text": text}


CONFIRM = [{"title": "确认提交", "payload": "/affirm"}, {"title": "取消", "payload": "/deny"}]


def test_redrawn_conversation_keeps_only_the_last_unanswered_buttons():
    events = [{"event": "action", "name": "action_listen"}, user("办户口要什么材料"),
              bot("您想问的是哪一项？", [{"title": "户口迁入", "payload": "/inform{\"service_item\":\"户口迁入\"}"}]),
              user("/inform{\"service_item\":\"户口迁入\"}"), bot("办理【户口迁入】……"),
              user("小区门口井盖没了"), bot("请核对一下，我将这样提交：……", CONFIRM)]
    lines = transcript.lines(events, [])
    assert [(x["from"], x["text"]) for x in lines] == [
        ("me", "办户口要什么材料"), ("bot", "您想问的是哪一项？"), ("me", "户口迁入"),  # the pressed button's title
        ("bot", "办理【户口迁入】……"), ("me", "小区门口井盖没了"), ("bot", "请核对一下，我将这样提交：……")]
    assert [x.get("buttons") for x in lines if x["from"] == "bot"] == [None, None, CONFIRM]
    answered = transcript.lines(events + [user("确认提交")], [])
    assert not any(x.get("buttons") for x in answered)


def test_redrawn_conversation_names_staff_and_leaves_undelivered_lines_to_the_poll():
    events = [user("转人工"), bot("已为您转接……"), {"event": "pause"}, user("在吗"),
              bot("已转给工作人员，您的消息会直接给到TA。", who="system"),
              bot("工作人员王芳已接入，您可以直接在这里和TA说。", who="system"),
              bot("您好，我是王芳", who="staff", name="王芳"), bot("电话139****5678收到了", who="staff", name="王芳")]
    lines = transcript.lines(events, pending=["电话13912345678收到了"])
    assert lines[-1] == {"from": "staff", "text": "您好，我是王芳", "name": "王芳"}
    assert [x["from"] for x in lines] == ["me", "bot", "me", "system", "system", "staff"]


def test_history_is_the_cookies_own_conversation_only():
    page = TestClient(app)
    page.get("/api/chat/info")
    assert TestClient(app).get("/api/chat/history").json() == {"messages": []}  # no cookie: nothing
    forged = TestClient(app, cookies={"rsa_chat": "x" * 32 + "." + "0" * 32})
    assert forged.get("/api/chat/history").json() == {"messages": []}
