"""Suggestions and opinions (建议) are a route of their own: a work order of kind 建议 for the
department of its subject, answered within the suggestions' time limit; the assistant thanks
the resident, says who answers and by when, and progress queries find it like any ticket."""
import asyncio
import datetime as dt
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from actions.suggestions import says_what
from api.core.db import SessionLocal
from api.core.workdays import add_working_days
from api.incidents.models import Ticket
from api.incidents.tickets import reporter_ref
from api.main import app
from tests.conftest import SERVICE

client = TestClient(app, headers=SERVICE)
STAFF = {"X-Admin-Token": "test-admin-token"}


def file(description, **kw):
    body = {"description": description, "sender": "s" + uuid.uuid4().hex[:12], **kw}
    return client.post("/api/tickets", json=body)


def text_of(messages):
    return "\n".join(m.get("text", "") for m in messages)


def kinds_of(sender):
    with SessionLocal() as s:
        return [(t.kind, t.grade, t.department.code) for t in
                s.scalars(select(Ticket).where(Ticket.reporter_ref == reporter_ref(sender)))]


# ---- the backend: a work order of kind 建议 ---------------------------------------------------

def test_the_kinds_of_work_order_are_labelled_data():
    kinds = client.get("/api/tickets/kinds").json()
    assert list(kinds) == ["投诉", "举报", "求助", "咨询", "建议"] and "答复" in kinds["建议"]


def test_a_suggestion_needs_no_phone_goes_to_its_department_and_gets_fifteen_working_days():
    r = file("建议在文昌路公交站台加个候车亭，再增开一条公交线路", kind="建议")
    assert r.status_code == 200, r.text
    t = r.json()
    assert t["kind"] == "建议" and t["category"] == "建议" and t["grade"] == ""
    assert t["department"] == "明湖区交通运输局"
    filed = dt.datetime.fromisoformat(t["events"][0]["at"])
    assert dt.datetime.fromisoformat(t["deadline"]).date() == add_working_days(filed, 15).date()
    assert "答复时限" in t["progress"] and "办理时限" not in t["progress"]


@pytest.mark.parametrize("text, department", [
    # what is proposed, not what is named on the way: a bus to the clinic is the bus's
    ("建议多开几班去青山卫生院的公交，老人看病不方便", "明湖区交通运输局"),
    ("建议在公园旁边建一所幼儿园", "明湖区教育局"),
    ("社区老年食堂的菜太咸了，建议少放点盐", "明湖区民政局"),
    ("建议在青山公园多建几个厕所", "明湖区综合行政执法局"),
    # spaces for commas, as residents type them
    ("我提个意见哦 社区那个活动室一年到头锁着 能不能开个老年大学 书法班 唱歌班", "明湖区民政局"),
    # benches for the old people who dance in a square: the square's, not 民政's
    ("建议文昌广场那边多放几张椅子 我们老年人跳好舞要坐下来歇歇的", "明湖区园林绿化管理中心"),
    # the centre's own hours: the street office answers, not the command centre
    ("我有个意见 社区办事的地方中午能不能不关门 我们上班的人只有中午有空过来", "街道办事处（属地街道）"),
])
def test_a_suggestion_goes_to_the_department_of_what_it_proposes(text, department):
    assert file(text, kind="建议").json()["department"] == department


def test_a_suggestion_on_no_clear_subject_goes_to_the_command_centre():
    t = file("建议政府多办一些讲座，介绍一下新出台的政策", kind="建议").json()
    assert t["department"] == "明湖区社会治理综合指挥中心"


def test_a_report_is_still_a_graded_complaint_that_needs_a_phone():
    assert file("小区门口井盖没了", address="柳岸新村5幢").status_code == 422
    t = file("小区门口井盖没了", address="柳岸新村5幢", phone="13857112345").json()
    assert t["kind"] == "投诉" and t["grade"] == "较大" and "办理时限" in t["progress"]
    assert file("随便", kind="表扬").status_code == 422


def test_a_report_is_never_merged_into_a_suggestion_on_the_same_spot():
    file("希望荷花苑13幢门口的路灯晚上晚点关", kind="建议", address="荷花苑13幢")
    t = file("荷花苑13幢门口的路灯不亮了", address="荷花苑13幢", phone="13857112345").json()
    assert t["merged_into"] is None and t["status"] == "派单"


def test_the_departments_answer_is_what_progress_tells():
    t = file("希望社区活动室周末也开放", kind="建议", address="柳岸新村5幢").json()
    for action, note in [("签收", ""), ("办理", ""), ("办结", "已协调柳岸社区，下月起周六上午开放活动室。")]:
        r = client.post(f"/api/tickets/{t['number']}/actions", json={"action": action, "actor": "民政局", "note": note},
                        headers={**SERVICE, **STAFF})
        assert r.status_code == 200, r.text
    progress = client.get(f"/api/tickets/{t['number']}").json()["progress"]
    assert "答复：已协调柳岸社区，下月起周六上午开放活动室。" in progress


@pytest.mark.parametrize("text, carries", [
    ("我有个建议", False), ("我想给你们提几点意见", False), ("提个建议可以吗", False),
    ("车位费也太高了吧", True), ("建议增开公交线路", True), ("关于柳岸社区停车难的几点建议", True),
])
def test_a_bare_announcement_is_told_from_a_suggestion(text, carries):
    assert says_what(text) is carries


# ---- suggestion vs report: the trained model's reading, weighed by the router ----------------

PAIRS = [  # (a suggestion, a report on the same subject)
    ("希望路灯能晚一点关，冬天早上出门太黑", "柳岸新村5幢门口的路灯坏了好几天了"),
    ("建议在江畔公园多放几个垃圾桶", "江畔公园门口的垃圾桶满了好几天没人清"),
    # The model alone reads this report as a request for a person, and the next as a progress
    # query; the category and the words make them reports.
    ("能不能在学校门口装个减速带", "学校门口的减速带被压坏了，螺丝都露出来了"),
    ("希望小区能多规划一些停车位", "有辆车一直堵在消防通道上不走"),
    ("建议增开几趟去火车东站的公交", "文昌路的公交站牌被撞倒了"),
]


@pytest.fixture(scope="module")
def routed():
    """text → the route the backend gives it, with the trained model's intent ranking."""
    from fastapi.testclient import TestClient
    from rasa.core.agent import Agent

    from api.main import app
    from bench.nlu import MODEL
    from tests.conftest import SERVICE
    agent, client = Agent.load(str(MODEL)), TestClient(app, headers=SERVICE)
    loop = asyncio.new_event_loop()

    def route(text):
        ranking = loop.run_until_complete(agent.parse_message(text))["intent_ranking"]
        r = client.post("/api/route", json={"text": text, "intents": {x["name"]: x["confidence"] for x in ranking}})
        return r.json()["route"]
    yield route
    loop.close()


@pytest.mark.parametrize("suggestion, report", PAIRS)
def test_a_suggestion_is_told_from_a_report(routed, suggestion, report):
    assert routed(suggestion) == "suggestion"
    assert routed(report) == "incident"


# ---- end to end ---------------------------------------------------------------------------

@pytest.mark.e2e
@pytest.mark.parametrize("text, department", [
    ("建议增开一条从柳岸新村到火车东站的公交线路", "交通运输局"),
    ("关于南湖社区老年食堂建设的几点意见：希望中午多供应软一点的饭菜", "民政局"),
])
def test_a_suggestion_is_thanked_filed_and_told_who_answers_by_when(talk, text, department):
    reply = text_of(talk(text))
    assert "感谢您的建议" in reply and "帮不上" not in reply and department in reply and "前给您答复" in reply
    [(kind, grade, _)] = kinds_of(talk.sender)
    assert kind == "建议" and grade == ""
    # asking how it is going finds it like any ticket
    reply = text_of(talk("我那个建议现在有答复了没"))
    assert "建议工单" in reply and "答复时限" in reply


@pytest.mark.e2e
def test_an_informal_opinion_is_a_suggestion_not_a_dead_end(talk):
    reply = text_of(talk("车位费也太高了吧"))
    assert "感谢您的建议" in reply and "帮不上" not in reply
    assert [k for k, _, _ in kinds_of(talk.sender)] == ["建议"]


@pytest.mark.e2e
def test_a_bare_announcement_is_asked_what_then_filed_once(talk):
    reply = text_of(talk("我想提个建议"))
    assert "说说您的想法" in reply and not kinds_of(talk.sender)
    reply = text_of(talk("社区服务中心中午能不能留个人值班，我们上班的只有中午有空"))
    assert "感谢您的建议" in reply
    assert len(kinds_of(talk.sender)) == 1


@pytest.mark.e2e
def test_a_bare_announcement_can_be_dropped(talk):
    talk("我有个建议")
    reply = text_of(talk("算了"))
    assert "先不提了" in reply and not kinds_of(talk.sender)


@pytest.mark.e2e
def test_a_report_the_model_takes_for_a_suggestion_is_still_filed_as_a_report(talk):
    """No suggesting word, and the incident classifier files it under a category: a report,
    however formal (the model reads the board's "关于……" style as a suggestion)."""
    reply = text_of(talk("学校门口的减速带被压坏了，螺丝都露出来了"))
    assert "感谢您的建议" not in reply and "登记" in reply
    assert not kinds_of(talk.sender)  # nothing filed as a 建议; the report form asks on
