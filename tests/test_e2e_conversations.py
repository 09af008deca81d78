"""Whole conversations over Rasa's REST webhook (the h5 channel), with the real model, the
action server and the backend running as separate processes."""
import json
import os
import sqlite3

import pytest
import requests
from sqlalchemy import select

from api.core.db import SessionLocal
from api.guide.models import ServiceItem
from api.places.models import Community
from shared.settings import get_settings
from tests.conftest import SERVICE

pytestmark = pytest.mark.e2e


def text_of(messages):
    return "\n".join(m.get("text", "") for m in messages)


def stored_user_texts(sender):
    """What Rasa's tracker store (SQLite) holds of the resident's messages."""
    with sqlite3.connect(os.environ["RSA_TRACKER_DB"]) as db:
        return [json.loads(d)["text"] for (d,) in db.execute(
            "select data from events where sender_id = ? and type_name = 'user'", (sender,))]


def materials_of(name):
    with SessionLocal() as s:
        return [m["name"] for m in s.scalars(select(ServiceItem).where(ServiceItem.name == name)).one().materials]


def test_materials_then_follow_ups_keep_the_item(talk):
    reply = text_of(talk("居住证要带什么材料"))
    for m in materials_of("居住证申领"):
        assert m in reply
    assert "承诺时限" in text_of(talk("那要多久能拿到"))
    assert "收费" in text_of(talk("要钱吗"))
    reply = text_of(talk("网上能办吗"))
    assert "网上" in reply and "居住证申领" in reply


def test_indirect_description_resolves(talk):
    reply = text_of(talk("我爸八十五了有啥补贴"))
    assert "高龄津贴" in reply


@pytest.mark.parametrize("text, name", [("暂住证怎么办", "居住证申领"), ("老年证要什么材料", "老年人优待证"),
                                        ("低宝怎么申请", "最低生活保障"), ("居住正要带什么", "居住证申领")])
def test_old_names_and_typos(talk, text, name):
    assert name in text_of(talk(text))


def test_place_asks_for_community_then_names_the_centre(talk):
    assert "哪个社区" in text_of(talk("老年证在哪里办"))  # handled by each community's own centre
    reply = text_of(talk("荷花社区"))
    with SessionLocal() as s:
        centre = s.scalars(select(Community).where(Community.name == "荷花社区")).one().centre
        name, address, phone = centre.name, centre.address, centre.phone
    assert name in reply and address in reply and phone in reply


def test_two_plausible_items_get_buttons_and_the_choice_is_answered(talk):
    msgs = talk("办户口要带什么材料")
    buttons = [b for m in msgs for b in m.get("buttons", [])]
    titles = {b["title"] for b in buttons}
    assert {"新生儿入户", "户口迁入"} <= titles
    choice = next(b for b in buttons if b["title"] == "户口迁入")
    reply = text_of(talk(choice["payload"]))
    for m in materials_of("户口迁入"):
        assert m in reply


def test_unknown_item_is_said_honestly(talk):
    reply = text_of(talk("办驾照要带什么材料"))
    assert get_settings().hotline in reply and "12345" not in reply  # the configured hotline, 96345
    assert not any(name in reply for name in ["居住证", "身份证申领"])


@pytest.mark.parametrize("text, expect", [
    ("你好", "便民服务助手"),
    ("谢谢你", "不客气"),
    ("你是机器人吗", "不是真人"),
    ("小区门口井盖没了", "井盖缺失破损"),
    ("我上周报的那个井盖怎么样了", "工单号"),
    ("转人工", "明湖区政务服务中心"),
])
def test_other_intents_are_recognised(talk, text, expect):
    assert expect in text_of(talk(text))


@pytest.mark.parametrize("text, expect", [
    ("", "还没有输入内容"),
    ("   \u0000\u0007  ", "还没有输入内容"),
    ("居" * 10000, "有点长"),
    ("😀😀😀👍", "只能看懂文字"),
    ("<script></script><b></b>", "还没有输入内容"),
])
def test_bad_input_gets_a_clear_reply_and_nothing_is_stored(stack, talk, text, expect):
    assert expect in text_of(talk(text))
    talk("你好")  # a real message afterwards, so the tracker store surely has this conversation
    assert stored_user_texts(talk.sender) == ["你好"]


def test_script_tags_never_reach_the_tracker_store(talk):
    reply = text_of(talk("<script>alert(1)</script>"))
    assert reply and "<script>" not in reply
    stored = stored_user_texts(talk.sender)
    assert stored and not any("<" in t for t in stored)


def test_markup_around_a_question_is_stripped_and_answered(talk):
    reply = text_of(talk("<b>居住证</b>要带什么材料"))
    assert "<b>" not in reply and materials_of("居住证申领")[0] in reply


def test_traditional_characters_and_control_characters(talk):
    reply = text_of(talk("居住證要帶什麼材料\u0007"))
    assert materials_of("居住证申领")[0] in reply


def test_malformed_webhook_requests_are_refused(stack):
    url = f"{stack['rasa']}/webhooks/h5/webhook"
    assert requests.post(url, data="not json", headers={**SERVICE, "Content-Type": "application/json"}).status_code == 400
    assert requests.post(url, json={"message": "你好"}, headers=SERVICE).status_code == 400
    assert requests.post(url, json={"sender": "<x>", "message": "你好"}, headers=SERVICE).status_code == 400


@pytest.mark.parametrize("text, intro", [
    ("你好，我老公喝了酒又打我", "妇女维权热线12338"),
    ("谢谢，可是我真的活不下去了", "心理援助热线12356"),
    ("你们这个破系统到底能不能用！！！", None),  # angry, or read as asking for a person: either way, a person
    ("你这个机器人脑子进水了吧，答非所问", "非常抱歉"),
    ("窗口那个工作人员故意刁难我，跑了三趟都不给办", "工作人员亲自处理"),
    ("老伴一个人住 好几天联系不上了", "如果有人身危险"),
])
def test_residents_at_risk_and_angry_residents_get_a_person(talk, text, intro):
    reply = text_of(talk(text))
    assert (intro is None or intro in reply) and ("已为您转接" in reply or "工作人员上班后" in reply), reply
    assert talk("还在吗") == []  # paused: the assistant stays quiet while people take over


@pytest.mark.parametrize("text", ["你好", "谢谢你！", "好的 再见", "对 我就是这个意思"])
def test_small_talk_is_not_handed_over(talk, text):
    reply = text_of(talk(text))
    assert reply and "转接" not in reply and "工作人员上班后" not in reply


def test_out_of_hours_the_resident_can_leave_a_number_to_be_called_back(talk):
    import datetime as dt

    from api.core.db import WriteSession
    from api.handoff import cases as handoff
    from api.handoff.models import HandoffCase
    talk("你好")
    with WriteSession() as s:  # asked for a person on a Saturday night
        cid = handoff.open_case(s, sender=talk.sender, channel="h5", reason="asked", community="柳岸社区", context={},
                                transcript=[], at=dt.datetime(2026, 11, 28, 21, 0)).id
    reply = text_of(talk("13800001234"))
    assert "电话138****1234也记下了" in reply and "13800001234" not in reply
    with WriteSession() as s:
        assert s.get(HandoffCase, cid).context["callback_phone"] == "13800001234"


def test_a_statement_after_a_guide_keeps_the_item_and_a_follow_up_gets_the_guides_own_sentence(talk):
    """"阿拉两家头都是明湖户口" after the 护照 guide got "请问您想咨询哪项办事服务"; "备案一次管多久" after
    the 异地就医备案 guide got "没能对应"."""
    talk("护照哪能办 要跑几趟")
    messages = talk("阿拉两家头都是明湖户口")
    assert "关于【出入境证件申领（护照）】您还想了解什么" in text_of(messages)
    assert "要带什么材料" in [b["title"] for b in messages[-1].get("buttons") or []]
    talk("异地就医备案怎么办")
    reply = text_of(talk("备案一次管多久"))
    assert "有效期一般不少于6个月" in reply and "没能对应" not in reply
