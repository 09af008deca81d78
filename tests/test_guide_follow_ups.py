"""A service guide reaches the resident as several short messages with follow-up buttons under
the last one, and a pressed button is answered about the item it came with: the action against
the real backend, and whole turns over Rasa's webhook with all three processes running."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from shared.settings import get_settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend_url(stack, monkeypatch):
    monkeypatch.setenv("RSA_BACKEND_URL", stack["api"])
    get_settings.cache_clear()


def tracker(text, intent="ask_service", entities=(), slots=None, history=(), buttons=()):
    events = [{"event": "user", "text": t} for t in history]
    if buttons:
        events.append({"event": "bot", "text": "……", "data": {"buttons": list(buttons)}})
    events.append({"event": "user", "text": text})
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)}
    return Tracker("s-follow", slots or {}, latest, events, False, None, None, "h5")


def run(t):
    from actions.service import ActionAnswerService
    d = CollectingDispatcher()
    events = ActionAnswerService().run(d, t, {})
    return d.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_one_message_per_part_and_the_buttons_under_the_last(backend_url):
    msgs, slots = run(tracker("居住证要带什么材料"))
    assert len(msgs) >= 3 and slots["aspect"] == "materials"
    assert all(not m.get("buttons") for m in msgs[:-1])
    buttons = {b["title"]: b["payload"] for b in msgs[-1]["buttons"]}
    assert buttons["要多久"] == '/ask_service{"aspect":"time","service_item":"居住证申领"}'
    assert {"在哪办", "能网上办吗"} <= set(buttons)


def test_a_pressed_button_is_answered_about_its_item_whatever_was_typed_before(backend_url):
    payload = '/ask_service{"aspect":"time","service_item":"居住证申领"}'
    t = tracker(payload, entities=[{"entity": "aspect", "value": "time"},
                                   {"entity": "service_item", "value": "居住证申领"}],
                slots={"service_code": "MZ-05-0001"}, history=["居住证要带什么材料", "低保要什么材料"])
    msgs, slots = run(t)
    text = "\n".join(m["text"] for m in msgs)
    assert "居住证申领" in text and "承诺时限" in text and "最低生活保障" not in text
    assert slots["aspect"] == "time"


def test_a_name_typed_after_follow_up_buttons_gets_the_overview(backend_url):
    # Follow-up buttons are no "which one did you mean?": the old aspect is not carried over.
    button = {"title": "要钱吗", "payload": '/ask_service{"aspect":"fee","service_item":"最低生活保障"}'}
    t = tracker("暂住证", intent="inform", entities=[{"entity": "service_item", "value": "暂住证"}],
                slots={"aspect": "fee"}, history=["低保要钱吗"], buttons=[button])
    msgs, slots = run(t)
    assert "居住证申领" in msgs[0]["text"] and slots["aspect"] == "general"


def test_the_centre_of_a_bare_community_has_its_address_on_a_line(backend_url):
    msgs, _ = run(tracker("我住荷花社区", intent="inform", entities=[{"entity": "community", "value": "荷花社区"}]))
    lines = msgs[0]["text"].splitlines()
    assert "地址：荷花池路8号" in lines and "电话：0571-86031102" in lines


def test_over_the_webhook_parts_then_a_button_press_answered(talk):
    msgs = talk("居住证要带什么材料")
    assert len([m for m in msgs if m.get("text")]) >= 3
    buttons = {b["title"]: b["payload"] for b in msgs[-1].get("buttons", [])}
    reply = talk(buttons["要多久"])
    text = "\n".join(m.get("text", "") for m in reply)
    assert "居住证申领" in text and "承诺时限" in text
    reply = talk({b["title"]: b["payload"] for b in reply[-1]["buttons"]}["能网上办吗"])
    assert "浙里办" in "\n".join(m.get("text", "") for m in reply)
