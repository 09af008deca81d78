"""A report's read-back is confirmed however the resident types it (issue #10, resident item 2):
"确认提交" was once read by the NLU as a progress query, so the form refused it, the status rule
answered "没有查到您反映过的问题" and the read-back came again. No backend needed."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.incidents import ActionAskIncidentConfirm, ValidateIncidentForm


def at_read_back(text, intent):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    slots = {"requested_slot": "incident_confirm", "incident_description": "小区门口井盖没了",
             "incident_address": "柳岸新村5幢", "contact_phone": "13800001234"}
    return Tracker("s1", slots, latest, [{"event": "user", "text": text}], False, None,
                   {"name": "incident_form"}, "h5")


def extract(slot, t):
    form = ValidateIncidentForm()
    return asyncio.run(getattr(form, f"extract_{slot}")(CollectingDispatcher(), t, {}))


@pytest.mark.parametrize("text", ["确认提交", "确认提交。", "提交", "提交！", "确认", "对", "对的", "是的", "没问题",
                                  "确定", "好的，提交吧", " 确认 提交 ", "👍", "好的👌", "[强]", "[OK]", "OK"])
@pytest.mark.parametrize("intent", ["affirm", "check_incident_status", "inform", "out_of_scope", "nlu_fallback"])
def test_typed_confirmation_files_the_report_whatever_the_nlu_said(text, intent):
    assert extract("incident_confirm", at_read_back(text, intent)) == {"incident_confirm": True}


@pytest.mark.parametrize("text, intent", [("不提交", "deny"), ("先别提交", "inform"), ("取消", "deny"),
                                          ("我提交的问题怎么样了", "check_incident_status"),
                                          ("我提交的问题", "check_incident_status"),
                                          ("电话改成13912345678", "inform"), ("居住证要带什么材料", "ask_service")])
def test_anything_else_is_not_a_confirmation(text, intent):
    assert extract("incident_confirm", at_read_back(text, intent)).get("incident_confirm") is not True


def test_a_bare_no_asks_what_to_change_and_is_neither_a_place_nor_a_cancellation():
    t = at_read_back("不对", "deny")
    assert extract("incident_address", t) == {}  # it used to become the address "不对" (没找到这个地点)
    assert extract("incident_confirm", t) == {"incident_confirm": None}  # the form goes on, not the cancel rule
    d = CollectingDispatcher()
    ActionAskIncidentConfirm().run(d, t, {})
    assert "哪里不对" in d.messages[0]["text"]
    assert [b["title"] for b in d.messages[0]["buttons"]] == ["确认提交", "取消"]


def test_a_correction_with_the_new_place_still_corrects_it():
    assert extract("incident_address", at_read_back("不对，应该是柳岸新村6幢", "inform")) == {"incident_address": "柳岸新村6幢"}


@pytest.mark.parametrize("text", ["😀", "🌧🌧", "[微笑]", "duang", "？？", "..."])
def test_a_smiley_read_as_affirm_files_nothing_and_the_read_back_asks_again(text):
    t = at_read_back(text, "affirm")  # how the NLU reads such replies, at 0.84–0.91
    assert extract("incident_confirm", t) == {"incident_confirm": None}  # the form stays on the read-back
    d = CollectingDispatcher()
    ActionAskIncidentConfirm().run(d, t, {})
    assert d.messages[0]["text"].startswith("没看明白您的意思")
    assert [b["title"] for b in d.messages[0]["buttons"]] == ["确认提交", "取消"]


def test_the_button_and_words_the_nlu_reads_as_affirm_still_file_it():
    for text in ("/affirm", "要得", "中", "嗯呐"):
        assert extract("incident_confirm", at_read_back(text, "affirm")) == {"incident_confirm": True}
