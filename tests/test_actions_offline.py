"""The actions on trackers recorded from real conversations, against a stand-in backend on
loopback (replies recorded from the real one): what they say, the events they return and
what they ask the backend. No Rasa, action server or backend process is needed; re-record
with `python -m tests.record` when the trackers' shape changes."""
import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from shared.settings import get_settings
from tests.stand_in_backend import StandInBackend, recorded

TRACKERS = Path(__file__).parent / "data" / "trackers"


def tracker(name: str) -> Tracker:
    return Tracker.from_dict(json.loads((TRACKERS / f"{name}.json").read_text(encoding="utf-8")))


@pytest.fixture
def backend(monkeypatch):
    from actions import backend as client
    monkeypatch.setitem(client._district, "value", None)  # learn the district afresh from this backend
    with StandInBackend() as b:
        monkeypatch.setenv("RSA_BACKEND_URL", b.url)
        get_settings.cache_clear()
        yield b


def run(action, t):
    d = CollectingDispatcher()
    events = action.run(d, t, {})
    return "\n".join(m.get("text") or "" for m in d.messages), d.messages, events


def test_a_person_is_asked_for_and_someone_is_on_duty(backend):
    from actions.human import ActionRequestHuman
    backend.on("POST", "/api/handoff", recorded("handoff_waiting"))
    text, _, events = run(ActionRequestHuman(), tracker("ask_for_a_person"))
    case = recorded("handoff_waiting")
    assert f"已为您转接{case['centre']}" in text and f"前面还有{case['position'] - 1}位" in text
    assert [e["event"] for e in events] == ["pause"]
    (_, _, _, sent), = backend.asked("POST", "/api/handoff")
    # The staff member gets the conversation so far and what the assistant understood.
    assert sent["community"] == "柳岸社区" and sent["reason"] == "asked"
    assert [m["text"] for m in sent["transcript"] if m["author"] == "resident"] == ["你好", "我住柳岸社区", "转人工"]
    assert sent["context"]["intent"] == "request_human"


def test_out_of_hours_the_resident_is_told_when_and_whom_to_call(backend):
    from actions.human import ActionRequestHuman
    backend.on("POST", "/api/handoff", recorded("handoff_callback"))
    text, _, events = run(ActionRequestHuman(), tracker("ask_for_a_person"))
    case = recorded("handoff_callback")
    hotline = recorded("district")["hotline"]
    assert case["status"] == "callback" and case["centre_hours"] in text and case["centre_phone"] in text
    assert hotline in text and "12345" not in text
    # Not paused (the assistant answers the next message meanwhile), but this turn ends here.
    assert events == [{"event": "followup", "timestamp": None, "name": "action_listen"}]


def test_out_of_hours_a_resident_at_risk_gets_people_and_the_hotlines_and_nothing_canned(backend):
    """"不想活了" read as `deny` is screened before the rule's "好的。还有什么可以帮您？"."""
    from actions.routing import ActionScreenMessage
    backend.on("POST", "/api/handoff/assess", {"reason": "sensitive", "risk": "self_harm"})
    backend.on("POST", "/api/handoff", recorded("handoff_callback"))
    t = tracker("ask_for_a_person")
    t.latest_message = {**t.latest_message, "text": "不想活了，活着没意思", "intent": {"name": "deny", "confidence": 0.9}}
    text, _, events = run(ActionScreenMessage(), t)
    assert "心理援助热线12356" in text and "110" in text and recorded("handoff_callback")["centre_phone"] in text
    # the out-of-hours notice says not to wait, and offers no 办事 answers to someone at risk tonight
    assert "请不要等，马上拨打110或120" in text and "办事问题" not in text
    assert events == [{"event": "followup", "timestamp": None, "name": "action_listen"}]
    (_, _, _, sent), = backend.asked("POST", "/api/handoff")
    assert sent["reason"] == "sensitive"


def screen(backend, text, judged, intent="report_incident", said_before=()):
    """The screening before any answer, on the backend's judgement of `text`."""
    from actions.routing import ActionScreenMessage
    backend.on("POST", "/api/handoff/assess", judged)
    backend.on("POST", "/api/handoff", recorded("handoff_waiting"))
    backend.on("POST", "/api/handoff/hardship", {"hardship": False})
    t = tracker("ask_for_a_person")
    t.events = [*t.events, *({"event": "bot", "text": x} for x in said_before)]
    t.latest_message = {**t.latest_message, "text": text, "intent": {"name": intent, "confidence": 0.6}}
    return run(ActionScreenMessage(), t)


def test_a_resident_beaten_at_home_is_told_to_get_safe_and_call_110_and_12338(backend):
    text, _, _ = screen(backend, "我男人喝了酒就打我 今天又打了 我躲在楼道里不敢回去", {"reason": "sensitive", "risk": "violence"})
    assert "安全的地方" in text and "110" in text and "12338" in text and "12356" not in text


def test_a_child_threatened_next_door_gets_110_at_once():
    """"天天打小孩…今天晚上我听到他喊要弄死他" got "由工作人员亲自处理更稳妥" and no 110."""
    from api.handoff.sensitivity import assess, kind_of_risk
    text = "隔壁那家男的天天打小孩 哭得撕心裂肺 今天晚上我听到他喊要弄死他 我不敢去敲门"
    assert assess(text) == "sensitive" and kind_of_risk(text) == "danger"
    assert kind_of_risk("带孩子去打小孩的疫苗要预约吗") is None


def test_an_old_neighbour_unseen_for_days_behind_a_door_nobody_answers_is_a_danger():
    """She was handed over with no 110 at all (out of hours: a call-back tomorrow)."""
    from api.handoff.sensitivity import assess, kind_of_risk
    text = "对门独居的老大爷已经四天没出门了 敲门也没人应 屋里灯一直亮着"
    assert assess(text) == "sensitive" and kind_of_risk(text) == "danger"


@pytest.mark.parametrize("risk, said", [
    ("fraud", ["电信诈骗", "不要再转钱", "96110", "止付"]),
    ("missing", ["110", "不用等24小时"]),
])
def test_a_swindle_or_someone_missing_gets_what_to_do_at_once(backend, risk, said):
    text, _, _ = screen(backend, "他还叫我再转", {"reason": "sensitive", "risk": risk})
    assert all(x in text for x in said) and "人身危险" not in text


def test_a_question_said_after_no_is_answered_not_met_with_small_talk(backend):
    """"算了不用了，我就问下天然气开户要带啥" after asking for a person: read as `deny`, it goes
    where the router sends it, not to "好的。还有什么可以帮您？"; a bare "不用了" stays small talk."""
    from actions.routing import ActionScreenMessage
    backend.on("POST", "/api/handoff/assess", {"reason": None})
    backend.on("POST", "/api/handoff/hardship", {"hardship": False})
    backend.on("POST", "/api/route", {"route": "service", "between": [], "reasons": [], "scores": {}})
    t = tracker("ask_for_a_person")
    t.latest_message = {**t.latest_message, "text": "算了不用了，我就问下天然气开户要带啥",
                        "intent": {"name": "deny", "confidence": 0.8}}
    _, _, events = run(ActionScreenMessage(), t)
    assert events == [{"event": "followup", "timestamp": None, "name": "action_answer_service"}]
    t.latest_message = {**t.latest_message, "text": "不用了", "intent": {"name": "deny", "confidence": 0.9}}
    assert run(ActionScreenMessage(), t)[2] == []


def test_a_confirmed_report_is_filed_once_and_its_number_told(backend):
    from actions.incidents import ActionSubmitIncident
    backend.on("POST", "/api/tickets", recorded("ticket_filed"))
    t = tracker("report_confirmed")
    text, _, events = run(ActionSubmitIncident(), t)
    filed = recorded("ticket_filed")
    assert filed["number"] in text and filed["department"] in text and filed["deadline"].replace("T", " ") in text
    (_, _, _, sent), = backend.asked("POST", "/api/tickets")
    assert sent["phone"] == "13857100003" and sent["address"] == "柳岸新村5幢"
    assert sent["idempotency_key"] == f"{t.sender_id}:{t.get_slot('incident_draft')}"  # a retry files no second one
    assert {e["name"]: e["value"] for e in events}["incident_description"] is None  # the form is cleared


def test_a_second_report_of_the_same_problem_is_merged_and_said_so(backend):
    from actions.incidents import ActionSubmitIncident
    merged = recorded("ticket_merged")
    backend.on("POST", "/api/tickets", merged)
    text, _, _ = run(ActionSubmitIncident(), tracker("report_confirmed"))
    assert merged["merged_into"] and merged["number"] in text and merged["merged_into"] in text and "不会重复派单" in text


def test_a_failed_filing_keeps_the_report_pending_for_a_retry(backend):
    from actions.incidents import ActionSubmitIncident
    backend.on("POST", "/api/tickets", {"detail": "busy"}, status=503)  # and nothing filed under its key
    t = tracker("report_confirmed")
    text, messages, events = run(ActionSubmitIncident(), t)
    assert "您的信息我还留着" in text and "还没有生成工单" in text and recorded("district")["hotline"] in text
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    # The rest stays filled; "确认提交" now files it (bot/data/rules.yml), not small talk.
    assert [(e["name"], e["value"]) for e in events] == [("incident_pending", True)]
    (_, _, query, _), = backend.asked("GET", "/api/tickets/by-key")
    assert query["key"] == [f"{t.sender_id}:{t.get_slot('incident_draft')}"]


def test_a_filing_that_timed_out_but_was_committed_is_announced(backend):
    """The backend committed the ticket after the action stopped waiting: the ticket found by
    the idempotency key is announced, never "failed"."""
    from actions.incidents import ActionSubmitIncident
    filed = recorded("ticket_filed")
    backend.on("POST", "/api/tickets", {"detail": "busy"}, status=503)
    backend.on("GET", "/api/tickets/by-key", filed)
    text, _, events = run(ActionSubmitIncident(), tracker("report_confirmed"))
    assert filed["number"] in text and "已提交" in text and "还留着" not in text
    assert {e["name"]: e["value"] for e in events}["incident_pending"] is None


def test_a_refused_report_says_why(backend):
    from actions.incidents import ActionSubmitIncident
    backend.on("POST", "/api/tickets", {"detail": "联系电话格式不对：请提供11位手机号"}, status=422)
    text, _, _ = run(ActionSubmitIncident(), tracker("report_confirmed"))
    assert text == "没能提交：联系电话格式不对：请提供11位手机号"


def test_progress_by_ticket_number(backend):
    from actions.incidents import ActionIncidentStatus
    progress = recorded("ticket_progress")
    backend.on("GET", "/api/tickets/WG202611240001", progress)
    text, _, _ = run(ActionIncidentStatus(), tracker("status_by_number"))
    assert text == progress["progress"]  # the backend words the progress; the action relays it
    assert f"工单{progress['number']}" in text and progress["department"] in text
    (_, _, query, _), = backend.asked("GET", "/api/tickets/WG202611240001")
    assert query["sender"] == [tracker("status_by_number").sender_id]  # the reporter is recognised by the backend


def test_an_unknown_ticket_number_is_said_plainly(backend):
    from actions.incidents import ActionIncidentStatus
    text, _, _ = run(ActionIncidentStatus(), tracker("status_by_number"))  # the stand-in knows no such ticket
    assert "没有找到工单WG202611240001" in text


def test_with_the_backend_down_the_configured_hotline_is_given(monkeypatch):
    from actions import backend as client
    from actions.human import ActionRequestHuman
    monkeypatch.setitem(client._district, "value", None)
    monkeypatch.setenv("RSA_BACKEND_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    text, _, events = run(ActionRequestHuman(), tracker("ask_for_a_person"))
    assert get_settings().hotline in text and "人工服务暂时连接不上" in text
    assert events == [{"event": "followup", "timestamp": None, "name": "action_listen"}]


@pytest.mark.parametrize("text, item", [("我那个低保申请交上去一个月了，到底批下来没有", "最低生活保障"),
                                        ("我申请的残疾证办下来了吗", "残疾人证")])
def test_an_application_waited_on_is_told_its_time_limit_and_whom_to_ask(backend, text, item):
    """Nothing reported here, but an application the text names: its time limit, not "no report
    found" (the guide answer is the real backend's, asked in this process)."""
    from fastapi.testclient import TestClient

    from actions.incidents import ActionIncidentStatus
    from api.main import app
    from tests.conftest import SERVICE
    answer = TestClient(app, headers=SERVICE).post("/api/assist/service-answer",
                                                   json={"text": text, "aspect_hint": "time"}).json()
    backend.on("GET", "/api/tickets", []).on("POST", "/api/assist/service-answer", answer)
    t = tracker("ask_for_a_person")
    t.latest_message = {**t.latest_message, "text": text, "intent": {"name": "check_incident_status", "confidence": 0.9}}
    said, messages, events = run(ActionIncidentStatus(), t)
    assert "办理进度我这里查不到" in said and f"【{item}】" in said and "承诺时限" in said, said
    assert "没有查到您反映过的问题" not in said
    assert any(b["title"] == "在哪办" for b in messages[-1].get("buttons") or [])
    assert {"event": "slot", "timestamp": None, "name": "service_code", "value": answer["service_code"]} in events


def test_a_report_asked_after_with_nothing_filed_here_asks_for_the_number(backend):
    from actions.incidents import ActionIncidentStatus
    backend.on("GET", "/api/tickets", []).on("POST", "/api/assist/service-answer",
                                            {"status": "unknown", "text": "抱歉", "aspect": "time"})
    t = tracker("ask_for_a_person")
    t.latest_message = {**t.latest_message, "text": "我上周反映的路灯什么时候修好",
                        "intent": {"name": "check_incident_status", "confidence": 0.9}}
    said, _, _ = run(ActionIncidentStatus(), t)
    assert "没有查到您反映过的问题" in said and "工单号" in said


@pytest.mark.parametrize("place, said", [("幸福小区3幢2单元", "没找到这个地点。"), ("柳岸社区", "柳岸社区范围比较大。")])
def test_a_place_that_finds_no_grid_is_said_once_and_the_form_asks_again(backend, place, said):
    """Only what is wrong with the place: the form's own question (utter_ask_incident_address)
    comes next, not a second one like it (the backend's reply is the real one, asked here)."""
    from fastapi.testclient import TestClient

    from actions.incidents import ValidateIncidentForm
    from api.main import app
    from tests.conftest import SERVICE
    backend.on("POST", "/api/incidents/locate",
               TestClient(app, headers=SERVICE).post("/api/incidents/locate", json={"text": place}).json())
    d = CollectingDispatcher()
    got = ValidateIncidentForm().validate_incident_address(place, d, tracker("ask_for_a_person"), {})
    assert got == {"incident_address": None, "incident_address_tries": 1}
    assert [m["text"] for m in d.messages] == [said]


@pytest.mark.parametrize("place", ["湖滨公园", "望江路和江畔路那个路口", "人民医院门口", "文昌小学三年级",
                                   "青山社区青山路88号", "荷花社区荷花苑大门口 进门左手边"])
def test_a_landmark_or_a_crossing_outside_the_gazetteer_is_kept_as_told_at_once(backend, place):
    """No house number to give: asking again would get the same words. The command centre confirms it."""
    from fastapi.testclient import TestClient

    from actions.incidents import KEPT_AS_TOLD, ValidateIncidentForm
    from api.main import app
    from tests.conftest import SERVICE
    located = TestClient(app, headers=SERVICE).post("/api/incidents/locate", json={"text": place}).json()
    assert located["status"] != "found"
    backend.on("POST", "/api/incidents/locate", located)
    d = CollectingDispatcher()
    got = ValidateIncidentForm().validate_incident_address(place, d, tracker("ask_for_a_person"), {})
    assert got == {"incident_address": place, "incident_address_tries": 0}
    assert [m["text"] for m in d.messages] == [KEPT_AS_TOLD]


@pytest.mark.parametrize("text, place, kept", [
    ("湖滨公园里面的路灯坏了一排", "湖滨公园里面", "湖滨公园里面"),
    ("望江路和江畔路那个路口的红绿灯坏了", "望江路和江畔路", "望江路和江畔路那个路口"),
    ("路口的红绿灯坏了", "路口", None),        # which crossing? asked
    ("公园里的健身器材坏了", "公园里", None),    # which park? asked
    ("孩子学校让每人交三百块资料费", "孩子学校", None),  # which school? asked
    ("翠苑小区门口的路灯坏了", "", None),
    ("荷花苑大门口的井盖松了", "荷花苑", "荷花苑大门口"),
    # of the places found, the one told as a crossing (12路 is the bus)
    ("12路公交车司机经常不停站\n就是湖滨路口那个站", "12路；湖滨路", "湖滨路口"),
])
def test_a_report_naming_a_landmark_or_a_crossing_keeps_it_only_when_it_says_which(text, place, kept):
    from actions.incidents import told_best
    assert told_best(text, place) == kept


def test_a_bare_phone_number_is_noted_for_the_call_back_whatever_the_nlu_made_of_it(backend):
    """"15988776655" after "希望工作人员打电话给您的话，请留个手机号": read as out_of_scope, it still
    reaches the waiting case, and is never answered "抱歉，这个我帮不上忙"."""
    from actions.service import ActionAnswerService
    backend.on("POST", "/api/handoff/assess", {"reason": None, "risk": None})
    backend.on("POST", "/api/route", {"route": "other", "between": [], "reasons": [], "scores": {}})
    backend.on("POST", "/api/handoff/callback-phone", {"case_id": 7})
    latest = {"text": "15988776655", "intent": {"name": "out_of_scope", "confidence": 0.6}, "entities": [],
              "intent_ranking": [{"name": "out_of_scope", "confidence": 0.6}]}
    t = Tracker("s-callback", {}, latest, [{"event": "user", "text": "15988776655"}], False, None, None, "h5")
    text, _, _ = run(ActionAnswerService(), t)
    assert "已记下您的电话159****6655" in text and "帮不上忙" not in text
    (_, _, _, sent), = backend.asked("POST", "/api/handoff/callback-phone")
    assert sent == {"sender": "s-callback", "phone": "15988776655"}


def test_a_question_among_a_few_items_asked_with_a_report_names_them_without_buttons(backend):
    """The report goes on; the resident is told the items and to name one when it is filed."""
    from actions.service import answer_first
    backend.on("POST", "/api/assist/service-answer", {
        "status": "ambiguous", "aspect": "place", "text": "您想问的是下面哪一项？",
        "candidates": [{"code": "CL-20-0004", "name": "重度残疾人托养服务", "score": 0.6},
                       {"code": "MZ-05-0014", "name": "残疾人两项补贴", "score": 0.55}]})
    d = CollectingDispatcher()
    t = Tracker("s-two", {}, {"text": "x"}, [], False, None, None, "h5")
    assert answer_first(d, t, "问一下 我儿子是重度残疾 白天能送到哪里托养") == []
    (said,) = d.messages
    assert "【重度残疾人托养服务】、【残疾人两项补贴】" in said["text"] and "回复其中一项的名称" in said["text"]
    assert not said.get("buttons")


def test_a_dog_bite_handed_to_people_still_gets_the_wound_and_the_vaccine_first(backend):
    text, messages, _ = screen(backend, "刚才在楼下被邻居家的狗咬了一口 出血了 狂犬疫苗去哪里打",
                               {"reason": "sensitive", "risk": None}, intent="ask_service")
    assert "冲洗15分钟" in messages[0]["text"] and "狂犬疫苗" in messages[0]["text"] and "人身危险" not in text


def test_anger_after_thoughts_of_self_harm_gets_the_same_care_not_an_apology(backend):
    from actions.human import INTRO
    text, _, _ = screen(backend, "你们又不是真的关心我", {"reason": "angry", "risk": None}, intent="deny",
                        said_before=[INTRO["self_harm"]])
    assert "12356" in text and "添麻烦" not in text


def test_a_place_and_a_phone_after_a_call_back_handover_go_to_that_case_not_a_new_report(backend):
    """After a wage claim went to a person out of hours, "青山路…那个在建的楼盘 电话…" was filed as a
    new report of those words alone. The router reads it as more about the waiting case: the
    phone becomes the number to call back, and no report form starts."""
    from actions.incidents import ActionStartIncident
    case = {"centre": "柳岸社区服务中心", "centre_phone": "0571-86010001", "centre_hours": "工作日 8:30-11:30，13:30-17:00",
            "has_phone": True, "asks_when": False}
    backend.on("POST", "/api/handoff/assess", {"reason": None, "risk": None})
    backend.on("POST", "/api/route", {"route": "case", "between": [], "reasons": ["补充转给工作人员的那件事"],
                                      "scores": {}, "case": case})
    backend.on("POST", "/api/handoff/callback-phone", {"case_id": 7})
    words = "青山路和松竹路交叉口那个在建的楼盘 电话151****6666"
    latest = {"text": words, "intent": {"name": "report_incident", "confidence": 0.8}, "entities": [],
              "intent_ranking": [{"name": "report_incident", "confidence": 0.8}]}
    t = Tracker("s-after-hours", {}, latest, [{"event": "user", "text": words}], False, None, None, "action_listen")
    text, _, events = run(ActionStartIncident(), t)
    assert "补充到刚才转给工作人员的问题里" in text and "151****6666" in text and "0571-86010001" in text
    assert events == [{"event": "followup", "timestamp": None, "name": "action_listen"}]
    (_, _, _, sent), = backend.asked("POST", "/api/handoff/callback-phone")
    assert sent == {"sender": "s-after-hours", "phone": "151****6666"}
    # "啥时候有人联系我": when, and the centre's hours
    backend.on("POST", "/api/route", {"route": "case", "between": [], "reasons": [], "scores": {},
                                      "case": {**case, "asks_when": True}})
    latest = {**latest, "text": "那啥时候有人联系我"}
    text, _, _ = run(ActionStartIncident(), Tracker("s-after-hours", {}, latest, [{"event": "user", "text": latest["text"]}],
                                                    False, None, None, "action_listen"))
    assert "还在等他们上班后处理" in text and "8:30" in text and "按您留的电话联系您" in text


def test_a_phone_number_opens_no_ones_reports(backend):
    from actions.incidents import ActionIncidentStatus
    backend.on("GET", "/api/tickets", []).on("POST", "/api/assist/service-answer",
                                            {"status": "unknown", "text": "抱歉", "aspect": "time"})
    backend.on("POST", "/api/route", {"route": "progress", "between": [], "reasons": [], "scores": {}})
    t = tracker("ask_for_a_person")
    words = "我上个月反映过楼道灯不亮的事 我电话是138****1234 能查到伐"
    t.latest_message = {**t.latest_message, "text": words, "intent": {"name": "check_incident_status", "confidence": 0.9}}
    t.events.append({"event": "user", "text": words})
    said, _, _ = run(ActionIncidentStatus(), t)
    assert "凭电话号码查不了" in said and "工单号" in said


def test_small_talk_the_nlu_took_for_a_report_starts_no_form(backend):
    from actions.incidents import ActionStartIncident
    backend.on("POST", "/api/handoff/assess", {"reason": None, "risk": None})
    backend.on("POST", "/api/route", {"route": "other", "between": [], "reasons": [], "scores": {}})
    words = "今天好冷啊 你吃过饭了伐"
    latest = {"text": words, "intent": {"name": "report_incident", "confidence": 0.78}, "entities": [],
              "intent_ranking": [{"name": "report_incident", "confidence": 0.78}]}
    t = Tracker("s-chat", {}, latest, [{"event": "user", "text": words}], False, None, None, "action_listen")
    _, messages, events = run(ActionStartIncident(), t)
    assert messages[0].get("response") == "utter_out_of_scope"
    assert events == [{"event": "followup", "timestamp": None, "name": "action_listen"}]
    assert not backend.asked("POST", "/api/incidents/classify")


@pytest.mark.parametrize("words, said, not_said", [
    ("我们楼停电一上午了 我妈在家用制氧机的 怎么办", ["95598", "120"], []),
    ("翠苑三区7幢停电了 一直没来电", ["95598"], ["120"]),
])
def test_a_power_cut_is_told_the_power_companys_repair_line_and_a_machine_at_home_120(backend, words, said, not_said):
    """The district only passes a power cut on to the power company; 95598 mends it fastest."""
    from fastapi.testclient import TestClient

    from actions.incidents import ActionStartIncident
    from api.main import app
    from tests.conftest import SERVICE
    client = TestClient(app, headers=SERVICE)
    backend.on("POST", "/api/handoff/assess", {"reason": None, "risk": None})
    backend.on("POST", "/api/handoff/hardship", {"hardship": False})
    backend.on("POST", "/api/route", {"route": "incident", "between": [], "reasons": [], "scores": {}})
    backend.on("POST", "/api/incidents/classify", client.post("/api/incidents/classify", json={"text": words}).json())
    backend.on("POST", "/api/incidents/locate", client.post("/api/incidents/locate", json={"text": words}).json())
    latest = {"text": words, "intent": {"name": "report_incident", "confidence": 0.9}, "entities": [],
              "intent_ranking": [{"name": "report_incident", "confidence": 0.9}]}
    t = Tracker("s-power", {}, latest, [{"event": "user", "text": words}], False, None, None, "action_listen")
    text, _, _ = run(ActionStartIncident(), t)
    assert all(w in text for w in said) and not any(w in text for w in not_said) and "收到，我来帮您登记" in text


@pytest.mark.parametrize("stands_alone, read", [(False, "狗证是不是要去注销\n养老保险一个月交多少"),
                                                (True, "养老保险一个月交多少")])
def test_a_message_after_a_clarifying_question_is_read_with_the_one_asked_about_unless_it_stands_alone(
        backend, stands_alone, read):
    from actions.routing import request_and_question
    backend.on("POST", "/api/route", {"route": "service", "between": [], "reasons": [], "scores": {},
                                      "stands_alone": stands_alone})
    which = {"event": "bot", "text": "您是想咨询怎么办理，还是要反映问题？",
             "data": {"buttons": [{"title": "咨询办理", "payload": "/ask_service"},
                                  {"title": "反映问题", "payload": "/report_incident"}]}}
    events = [{"event": "user", "text": "狗证是不是要去注销", "timestamp": 1, "parse_data": {"intent_ranking": []}},
              which, {"event": "user", "text": "养老保险一个月交多少", "timestamp": 2}]
    latest = {"text": "养老保险一个月交多少", "intent": {"name": "ask_service", "confidence": 0.9}}
    t = Tracker(f"s-alone-{stands_alone}", {}, latest, events, False, None, None, "action_listen")
    assert request_and_question(t, "养老保险一个月交多少") == (read, None)
    (_, _, _, sent), = backend.asked("POST", "/api/route")
    assert sent["earlier"] == "狗证是不是要去注销"


def test_a_place_asked_twice_and_answered_with_confirmation_goes_on_without_one():
    """A taxi taken from somewhere: "请问具体在什么地方？" was asked again after the phone, after
    "确认提交", and so on for ever. Asked once already, the report goes on without a place."""
    import asyncio

    from actions.incidents import NO_PLACE_OK, PLACE_UNTOLD, ValidateIncidentForm
    form = ValidateIncidentForm()

    def asked(text, tries):
        latest = {"text": text, "intent": {"name": "affirm", "confidence": 0.9}, "entities": []}
        return Tracker("s-taxi", {"requested_slot": "incident_address", "incident_address_tries": tries}, latest,
                       [], False, None, {"name": "incident_form"}, "action_listen")
    assert asyncio.run(form.extract_incident_address(CollectingDispatcher(), asked("确认提交", 0), {})) == \
        {"incident_address": None, "incident_address_tries": 1}
    t = asked("确认提交", 1)
    assert asyncio.run(form.extract_incident_address(CollectingDispatcher(), t, {})) == {"incident_address": PLACE_UNTOLD}
    d = CollectingDispatcher()
    assert form.validate_incident_address(PLACE_UNTOLD, d, t, {}) == {"incident_address": PLACE_UNTOLD,
                                                                       "incident_address_tries": 0}
    assert d.messages[0]["text"] == NO_PLACE_OK


@pytest.mark.parametrize("words, keeps", [("一个月能补多少钞票", True), ("哦哦", False)])
def test_a_question_the_nlu_took_for_chatter_keeps_the_item_under_discussion(backend, words, keeps):
    """After the 居家养老服务补贴 guide, "一个月能补多少钞票" (out_of_scope to the NLU) was told
    "抱歉，这个我帮不上忙": the item under discussion was dropped as for "哦哦"."""
    from actions.service import ActionAnswerService
    backend.on("POST", "/api/handoff/assess", {"reason": None, "risk": None})
    backend.on("POST", "/api/handoff/hardship", {"hardship": False})
    backend.on("POST", "/api/route", {"route": "service", "between": [], "reasons": [], "scores": {}})
    backend.on("POST", "/api/assist/service-answer", {"status": "unknown", "text": "抱歉", "aspect": "general"})
    latest = {"text": words, "intent": {"name": "out_of_scope", "confidence": 0.7}, "entities": [],
              "intent_ranking": [{"name": "out_of_scope", "confidence": 0.7}]}
    t = Tracker("s-chatter", {"service_code": "MZ-05-0008"}, latest, [{"event": "user", "text": words}],
                False, None, None, "action_listen")
    run(ActionAnswerService(), t)
    (_, _, _, sent), = backend.asked("POST", "/api/assist/service-answer")
    assert (sent["context_code"] == "MZ-05-0008") is keeps


def _after_a_choice(words, intent, offered_names):
    buttons = [{"title": n, "payload": f'/inform{{"service_item":"{n}"}}'} for n in offered_names]
    events = [{"event": "user", "text": "我想问一下补贴的事"},
              {"event": "bot", "text": "补贴有好几种", "data": {"buttons": buttons}},
              {"event": "user", "text": words}]
    latest = {"text": words, "intent": {"name": intent, "confidence": 0.6}, "entities": [],
              "intent_ranking": [{"name": intent, "confidence": 0.6}]}
    return Tracker("s-choice", {}, latest, events, False, None, None, "action_listen")


def test_a_choice_answered_in_words_is_answered_not_met_with_small_talk(backend):
    """"就是老人的" after a choice list, read as affirm, got "好的。还有什么可以帮您？"; a typed "是的" to
    the one item offered likewise. The screening hands the turn to the guide, which gets the
    items offered."""
    from actions.routing import ActionScreenMessage
    from actions.service import ActionAnswerService
    backend.on("POST", "/api/handoff/assess", {"reason": None, "risk": None})
    backend.on("POST", "/api/handoff/hardship", {"hardship": False})
    assert run(ActionScreenMessage(), _after_a_choice("就是老人的", "affirm", ["高龄津贴", "临时救助"]))[2] == [
        {"event": "followup", "timestamp": None, "name": "action_answer_service"}]
    assert run(ActionScreenMessage(), _after_a_choice("是的", "affirm", ["高龄津贴"]))[2] == [
        {"event": "followup", "timestamp": None, "name": "action_answer_service"}]
    assert run(ActionScreenMessage(), _after_a_choice("是的", "affirm", ["高龄津贴", "临时救助"]))[2] == []
    answer = {"status": "answered", "text": "【高龄津贴】…", "aspect": "general", "service_code": "MZ-1",
              "service_name": "高龄津贴", "sections": ["【高龄津贴】…"], "follow_ups": []}
    backend.on("POST", "/api/assist/service-answer", answer)
    t = _after_a_choice("是的", "affirm", ["高龄津贴"])
    t.latest_action_name = "action_screen_message"
    text, _, _ = run(ActionAnswerService(), t)
    assert "高龄津贴" in text
    (_, _, _, sent), = backend.asked("POST", "/api/assist/service-answer")
    assert sent["service_hint"] == "高龄津贴" and sent["choices"] == ["高龄津贴"]


@pytest.mark.parametrize("told, kept", [("翠苑三区7幢 电话135****6655", "翠苑三区7幢"),
                                        ("我电话是13588776655 湖滨公园东门", "湖滨公园东门")])
def test_a_phone_told_with_the_place_is_not_kept_in_the_place(backend, told, kept):
    """The read-back once said "地点：翠苑三区靠近7幢那块草坪 电话135****6655"."""
    from fastapi.testclient import TestClient

    from actions.incidents import ValidateIncidentForm
    from api.main import app
    from tests.conftest import SERVICE
    backend.on("POST", "/api/incidents/locate",
               TestClient(app, headers=SERVICE).post("/api/incidents/locate", json={"text": kept}).json())
    got = ValidateIncidentForm().validate_incident_address(told, CollectingDispatcher(), tracker("ask_for_a_person"), {})
    assert got["incident_address"] == kept
    (_, _, _, sent), = backend.asked("POST", "/api/incidents/locate")
    assert sent == {"text": kept}
