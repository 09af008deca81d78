"""Reporting grid incidents and asking about them, over the REST webhook with the real model,
action server and backend running."""
import re
import uuid
from types import SimpleNamespace

import pytest
import requests
from sqlalchemy import select

from api.core.db import SessionLocal
from api.incidents.models import Ticket
from api.incidents.tickets import reporter_ref
from tests.conftest import SERVICE

pytestmark = pytest.mark.e2e


def text_of(messages):
    return "\n".join(m.get("text", "") for m in messages)


def tickets_of(sender):
    """The sender's work orders as plain records (number, grade, address, phone, grid, description)."""
    with SessionLocal() as s:
        rows = s.scalars(select(Ticket).where(Ticket.reporter_ref == reporter_ref(sender))).all()
        return [SimpleNamespace(number=t.number, grade=t.grade, address=t.address, reporter_phone=t.reporter_phone,
                                description=t.description,
                                grid=SimpleNamespace(name=t.grid.name if t.grid else None)) for t in rows]


def test_full_report_asks_only_for_what_is_missing_and_files(talk):
    reply = text_of(talk("楼下烧烤店油烟太大了，熏得不行"))
    assert "餐饮油烟扰民" in reply and "什么地方" in reply
    assert "联系电话" in text_of(talk("柳岸新村5幢"))
    readback = text_of(talk("13857112345"))
    assert "请核对" in readback and "柳岸新村5幢" in readback and "138****2345" in readback and "13857112345" not in readback
    reply = text_of(talk("/affirm"))
    assert "工单号" in reply and "办理时限" in reply
    # the read-back named the unit the work order went to
    assert "承办：" + re.search(r"承办单位：(\S+)", reply).group(1) in readback
    [t] = tickets_of(talk.sender)
    assert t.number in reply and t.grid.name == "柳岸1号网格" and t.reporter_phone == "13857112345"
    # the same confirmation delivered again files nothing new
    talk("/affirm")
    assert len(tickets_of(talk.sender)) == 1


def test_place_in_the_first_message_and_a_correction_before_confirming(talk):
    reply = text_of(talk("荷花苑3幢门口的井盖没了"))
    assert "联系电话" in reply and "什么地方" not in reply
    talk("我电话是0571-86012345")
    reply = text_of(talk("地址写错了，应该是荷花苑13幢"))
    assert "荷花苑13幢" in reply and "请核对" in reply
    assert "工单号" in text_of(talk("/affirm"))
    [t] = tickets_of(talk.sender)
    assert "13幢" in t.address and t.grid.name == "荷花2号网格"


def test_danger_words_first_tell_to_call_emergency_numbers(talk):
    msgs = talk("楼道里电动车起火了")
    assert "119" in msgs[0]["text"]
    talk("翠苑一区5幢")
    talk("13900001111")
    talk("/affirm")
    [t] = tickets_of(talk.sender)
    assert t.grade == "重大"


def test_someone_shut_in_a_lift_is_also_given_the_lift_rescue_line(talk):
    reply = text_of(talk("电梯又坏了，困了一个老人在里面"))
    assert "119" in reply and "96333" in reply


def test_a_smell_of_gas_gets_what_to_do_at_once(talk):
    reply = text_of(talk("楼道里好大一股煤气味 是不是哪家漏气了 我好怕"))
    assert "119" in reply and "不要开关电灯" in reply and "撤到室外" in reply


def test_a_resident_who_will_not_leave_a_phone_still_gets_the_report_filed(talk):
    talk("荷花苑门口有个大坑，下雨天全是水")
    talk("荷花苑3幢")
    reply = text_of(talk("不想留电话可以吗"))
    assert "已取消" not in reply and "不留电话也可以提交" in reply and "请核对" in reply
    assert "工单号" in text_of(talk("确认提交"))
    [t] = tickets_of(talk.sender)
    assert t.reporter_phone is None and "荷花苑3幢" in t.address


def test_a_phone_or_a_confirmation_typed_when_the_place_is_asked_is_no_place(talk):
    talk("小区门口的井盖被人偷了，晚上很危险")
    reply = text_of(talk("电话 138 0571 6688"))
    assert "什么地方" in reply and "没找到" not in reply
    talk("确认提交")
    reply = text_of(talk("不对，地址是荷花苑11幢门口"))
    assert "请核对" in reply and "地点：荷花苑11幢门口" in reply and "138****6688" in reply


def test_a_crossing_is_taken_as_told_and_a_confirmation_asks_for_the_place_again(talk):
    talk("路口的红绿灯坏了，一直闪黄灯")
    reply = text_of(talk("确认提交"))
    assert "什么地方" in reply and "还有什么可以帮您" not in reply
    reply = text_of(talk("就是望江路江畔路交叉口"))
    assert "指挥中心核实" in reply and "联系电话" in reply


@pytest.mark.parametrize("text, place", [("望江路和江畔路那个路口的红绿灯坏了", "望江路和江畔路那个路口"),
                                         ("湖滨公园里面的路灯坏了一排", "湖滨公园里面")])
def test_a_crossing_or_a_landmark_in_the_first_message_is_not_asked_for_again(talk, text, place):
    reply = text_of(talk(text))
    assert "指挥中心核实" in reply and "联系电话" in reply and "什么地方" not in reply
    assert f"地点：{place}" in text_of(talk("13857112345"))


def test_a_better_place_told_when_the_phone_is_asked_replaces_the_place(talk):
    talk("楼下垃圾桶满了好几天没人收")
    assert "联系电话" in text_of(talk("桃源新村"))
    reply = text_of(talk("桃源新村2幢1单元"))
    assert "号码好像不对" not in reply and "联系电话" in reply
    reply = text_of(talk("13857112345"))
    assert "请核对" in reply and "地点：桃源新村2幢1单元" in reply


def test_bad_phone_is_asked_again(talk):
    talk("小区门口垃圾堆了好几天没人清")
    talk("桃源新村")
    assert "号码好像不对" in text_of(talk("12345"))
    assert "请核对" in text_of(talk("13857112345"))


def test_a_smiley_at_the_read_back_files_nothing_until_the_resident_confirms(talk):
    talk("小区门口垃圾堆了好几天没人清")
    talk("桃源新村")
    assert "请核对" in text_of(talk("13857112345"))
    for smiley in ("[微笑]", "duang"):  # (an emoji alone never reaches the NLU: the channel answers it)
        reply = text_of(talk(smiley))
        assert "没看明白" in reply and "确认提交" in reply
        assert tickets_of(talk.sender) == []
    assert "工单号" in text_of(talk("/affirm"))
    assert len(tickets_of(talk.sender)) == 1


def test_cancel_mid_form_files_nothing(talk):
    talk("隔壁工地半夜还在施工")
    assert "已取消" in text_of(talk("/deny"))
    assert tickets_of(talk.sender) == []


def test_a_question_in_the_middle_then_back_to_the_report(talk):
    talk("文昌路上路灯不亮")
    reply = text_of(talk("居住证要带什么材料"))
    assert "居住证申领" in reply and ("什么地方" in reply or "门牌号" in reply)
    assert "联系电话" in text_of(talk("文昌路150号"))


def test_status_for_the_reporter_and_for_a_stranger(stack, talk):
    talk("松竹苑5幢楼下有人占道摆摊卖菜")
    talk("13857112345")
    talk("/affirm")
    [t] = tickets_of(talk.sender)
    mine = text_of(talk("我刚才反映的摆摊的事怎么样了"))
    assert t.number in mine and "当前状态" in mine and "您反映的内容" in mine
    stranger = "s" + uuid.uuid4().hex[:12]
    r = requests.post(f"{stack['rasa']}/webhooks/h5/webhook", json={"sender": stranger, "message": f"查一下{t.number}"}, headers=SERVICE)
    other = text_of(r.json())
    assert t.number in other and "当前状态" in other
    assert "您反映的内容" not in other and "松竹苑5幢" not in other and "1385711" not in other


@pytest.mark.parametrize("text", ["楼上邻居天天半夜吵，说了也不听，想请社区来调解一下",
                                  "房东不退押金，找他好几次都不理"])
def test_a_dispute_goes_to_the_community_mediators_with_the_report(talk, text):
    from api.handoff.models import HandoffCase
    reply = text_of(talk(text))
    assert "调解员" in reply and ("已为您转接" in reply or "工作人员上班后" in reply)
    assert not tickets_of(talk.sender)  # people file it, from the console, after talking to the resident
    with SessionLocal() as s:
        case = s.scalars(select(HandoffCase).where(HandoffCase.sender == talk.sender)).one()
        assert case.reason == "dispute" and case.context["incident"]["description"] == text
