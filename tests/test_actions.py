"""The actions against the real backend over HTTP: slots they set and what they say."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from shared.settings import get_settings

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def backend_url(stack, monkeypatch):
    monkeypatch.setenv("RSA_BACKEND_URL", stack["api"])
    get_settings.cache_clear()


def tracker(text, intent="ask_service", entities=(), slots=None, channel="h5", history=(), buttons=()):
    events = [{"event": "user", "text": t} for t in history]
    if buttons:
        events.append({"event": "bot", "text": "您想问的是下面哪一项？", "data": {"buttons": list(buttons)}})
    events.append({"event": "user", "text": text})
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": list(entities),
              "intent_ranking": [{"name": intent, "confidence": 0.4}, {"name": "out_of_scope", "confidence": 0.3}]}
    return Tracker("s1", slots or {}, latest, events, False, None, None, channel)


def run(action, t):
    d = CollectingDispatcher()
    events = action.run(d, t, {})
    return d.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_answer_sets_the_item_for_follow_ups():
    from actions.service import ActionAnswerService
    msgs, slots = run(ActionAnswerService(), tracker("低保要什么材料"))
    assert "最低生活保障" in msgs[0]["text"] and slots["aspect"] == "materials"
    code = slots["service_code"]
    msgs, slots = run(ActionAnswerService(), tracker("要跑几趟", slots={"service_code": code}))
    assert "最低生活保障" in msgs[0]["text"] and slots["aspect"] == "visits"


def test_ambiguous_answer_offers_buttons_with_inform_payloads():
    from actions.service import ActionAnswerService
    msgs, _ = run(ActionAnswerService(), tracker("办户口要什么材料"))
    payloads = [b["payload"] for b in msgs[0]["buttons"]]
    assert '/inform{"service_item":"户口迁入"}' in payloads


def test_button_press_uses_the_residents_own_words_for_the_aspect():
    from actions.service import ActionAnswerService
    t = tracker('/inform{"service_item":"户口迁入"}', intent="inform",
                entities=[{"entity": "service_item", "value": "户口迁入"}], slots={"aspect": "materials"},
                history=["办户口要什么材料"], buttons=[{"title": "户口迁入", "payload": "/inform"}])
    msgs, slots = run(ActionAnswerService(), t)
    assert "户口迁入" in msgs[0]["text"] and slots["aspect"] == "materials"


def test_a_bare_name_typed_later_gets_the_overview_not_the_old_aspect():
    from actions.service import ActionAnswerService
    t = tracker("暂住证", intent="inform", entities=[{"entity": "service_item", "value": "暂住证"}],
                slots={"aspect": "fee"}, history=["低保要钱吗"])
    msgs, slots = run(ActionAnswerService(), t)
    assert "居住证申领" in msgs[0]["text"] and slots["aspect"] == "general"


def test_off_topic_with_a_misspelt_service_is_answered_and_chatter_is_not():
    from actions.service import ActionAnswerService
    msgs, _ = run(ActionAnswerService(), tracker("残疾正怎么办", intent="out_of_scope"))
    assert "残疾人证" in msgs[0]["text"]
    msgs, slots = run(ActionAnswerService(), tracker("哦哦", intent="out_of_scope", slots={"service_code": "MZ-05-0001"}))
    assert msgs[0]["response"] == "utter_out_of_scope" and slots == {}


def test_place_waits_for_the_community_then_answers():
    from actions.service import ActionAnswerService
    msgs, slots = run(ActionAnswerService(), tracker("身份证在哪里办"))
    assert slots["awaiting_community"] is True and "哪个社区" in msgs[0]["text"]
    msgs, slots = run(ActionAnswerService(), tracker("翠苑", intent="inform", slots={**slots}))
    assert slots["community"] == "翠苑社区" and slots["awaiting_community"] is False
    assert "青山派出所户籍窗口" in msgs[0]["text"]


def test_bare_community_is_remembered():
    from actions.service import ActionAnswerService
    msgs, slots = run(ActionAnswerService(), tracker("我住荷花社区", intent="inform",
                                                     entities=[{"entity": "community", "value": "荷花社区"}]))
    assert slots == {"community": "荷花社区"} and "荷花社区党群服务中心" in msgs[0]["text"]


def test_request_human_opens_a_case_at_the_residents_centre():
    from actions.human import ActionRequestHuman
    from api.core.db import SessionLocal
    from api.handoff.models import HandoffCase
    d = CollectingDispatcher()
    t = tracker("转人工", intent="request_human", slots={"community": "柳岸社区"}, history=["低保要什么材料"])
    events = ActionRequestHuman().run(d, t, {})
    assert "柳岸社区党群服务中心" in d.messages[0]["text"]
    with SessionLocal() as s:
        case = s.query(HandoffCase).filter_by(sender="s1").order_by(HandoffCase.id.desc()).first()
        assert case.centre.name == "柳岸社区党群服务中心" and case.messages[0].text == "低保要什么材料"
        # the stack's clock starts on a Tuesday morning: someone can take it now, so the bot pauses
        assert case.status == "waiting" and any(e.get("event") == "pause" for e in events)


def test_asking_for_a_person_with_a_complaint_about_staff_goes_over_as_sensitive():
    """Whichever intent the NLU gives it, a complaint about staff is handed over as such, not as a
    plain request for a person (and with no talk of danger)."""
    from actions.human import ActionRequestHuman
    from api.core.db import SessionLocal
    from api.handoff.models import HandoffCase
    d = CollectingDispatcher()
    t = tracker("窗口那个工作人员故意刁难我，跑了三趟都不给办", intent="request_human")
    t.sender_id = "s-staff-complaint"  # a conversation of its own: s1 has a case open already
    ActionRequestHuman().run(d, t, {})
    assert "工作人员亲自处理" in d.messages[0]["text"] and "人身危险" not in d.messages[0]["text"]
    with SessionLocal() as s:
        case = s.query(HandoffCase).filter_by(sender="s-staff-complaint").one()
        assert case.reason == "sensitive"


def test_backend_down_is_told_politely(monkeypatch):
    from actions.service import ActionAnswerService
    monkeypatch.setenv("RSA_BACKEND_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    msgs, slots = run(ActionAnswerService(), tracker("低保要什么材料"))
    assert get_settings().hotline in msgs[0]["text"] and slots == {}


def test_ask_affirmation_is_in_chinese_with_yes_no_buttons():
    from actions.fallback import ActionDefaultAskAffirmation
    msgs, _ = run(ActionDefaultAskAffirmation(), tracker("嗯那个啥", intent="ask_service"))
    assert "咨询办事指南" in msgs[0]["text"]
    assert [b["title"] for b in msgs[0]["buttons"]] == ["是的", "不是"]


def test_misunderstood_twice_hands_over_with_that_reason():
    from actions.human import ActionDefaultFallback
    from api.core.db import SessionLocal
    from api.handoff.models import HandoffCase
    d = CollectingDispatcher()
    t = Tracker("s-fallback", {"community": "南湖社区"}, {"text": "嗯嗯那个", "intent": {"name": "nlu_fallback"}},
                [{"event": "user", "text": "嗯嗯那个"}], False, None, None, None)
    ActionDefaultFallback().run(d, t, {})
    assert "没能理解" in d.messages[0]["text"] and "南湖社区党群服务中心" in d.messages[1]["text"]
    with SessionLocal() as s:
        assert s.query(HandoffCase).filter_by(sender="s-fallback").one().reason == "misunderstood"


def test_a_complaint_about_staff_goes_to_people_not_the_bot():
    from actions.service import ActionAnswerService
    from api.core.db import SessionLocal
    from api.handoff.models import HandoffCase
    d = CollectingDispatcher()
    t = Tracker("s-complaint", {"community": "文昌社区"},
                {"text": "我要投诉你们窗口的工作人员态度太差", "intent": {"name": "ask_service"}, "entities": []},
                [{"event": "user", "text": "我要投诉你们窗口的工作人员态度太差"}], False, None, None, None)
    ActionAnswerService().run(d, t, {})
    assert "工作人员亲自处理" in d.messages[0]["text"] and "文昌社区党群服务中心" in d.messages[1]["text"]
    with SessionLocal() as s:
        assert s.query(HandoffCase).filter_by(sender="s-complaint").one().reason == "sensitive"


def test_a_bare_community_after_a_guide_gets_where_that_item_is_done():
    """The whole guide said "在社区党群服务中心办理。告诉我您住在哪个社区"; the answer is the
    community alone, and the item is not forgotten."""
    from actions.service import ActionAnswerService
    msgs, slots = run(ActionAnswerService(), tracker("我们是青山街道桃源社区的", intent="inform",
                                                     slots={"service_code": "MZ-20-0007"}))
    text = "\n".join(m["text"] for m in msgs)
    assert "【老年人优待证】" in text and "桃源社区党群服务中心" in text and "请问要办什么事" not in text
    assert slots["community"] == "桃源社区"


def test_a_clarifying_question_answered_in_words_files_the_report_with_both_messages():
    """After "您是要反映一个需要处理的问题，还是提个建议？" the resident types where and a phone number:
    the report is filed from both messages, not lost to "请问您想咨询哪项办事服务"."""
    from actions.incidents import ActionStartIncident
    from actions.service import ActionAnswerService
    first, then = "12路公交车司机经常不停站 老人招手都不停 意见很大", "就是湖滨路口那个站 我电话13511112222"
    events = [{"event": "user", "text": first, "timestamp": 1.0,
               "parse_data": {"intent_ranking": [{"name": "report_incident", "confidence": 0.7}]}},
              {"event": "bot", "text": "您是要反映一个需要处理的问题，还是提个建议？",
               "data": {"buttons": [{"title": "反映问题", "payload": "/report_incident"},
                                    {"title": "提建议", "payload": "/make_suggestion"}]}},
              {"event": "user", "text": then, "timestamp": 2.0}]
    latest = {"text": then, "intent": {"name": "inform", "confidence": 0.8}, "entities": [],
              "intent_ranking": [{"name": "inform", "confidence": 0.8}]}
    d = CollectingDispatcher()
    handed = ActionAnswerService().run(d, Tracker("s-clarified", {}, latest, events, False, None, None, None), {})
    assert {"event": "followup", "name": "action_start_incident"} in [
        {"event": e["event"], "name": e.get("name")} for e in handed] and not d.messages
    # handed the turn by action_answer_service (Tracker's last argument: the latest action)
    t = Tracker("s-clarified", {}, latest, events + [{"event": "action", "name": "action_answer_service"}],
                False, None, None, "action_answer_service")
    msgs, slots = run(ActionStartIncident(), t)
    assert slots["incident_description"] == f"{first}\n{then}" and slots["contact_phone"] == "13511112222"
    assert "登记" in msgs[-1]["text"]


def test_two_questions_about_two_items_answer_the_first_and_offer_the_second():
    from actions.service import ActionAnswerService
    # (where the second is done depends on the community, not told yet)
    msgs, slots = run(ActionAnswerService(), tracker("生育津贴咋领 还有准生证在哪办"))
    assert "生育津贴" in msgs[0]["text"] and slots["service_code"]
    assert "您还问了【生育登记】" in msgs[-1]["text"] and "生育登记" in msgs[-1]["buttons"][0]["payload"]
