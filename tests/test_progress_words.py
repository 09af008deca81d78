"""Progress replies in words a resident understands (issue #10, item 6): no status codes
(已并单, 督办, 派单), and a report merged into another one is told how that one is going."""
import datetime as dt
import re
import uuid

import pytest
import requests
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.core import clock
from api.core.db import SessionLocal
from api.incidents.models import Ticket
from api.main import app
from tests.conftest import SERVICE

client = TestClient(app, headers=SERVICE)  # the action server's calls
STAFF = {"X-Admin-Token": "test-admin-token"}
JARGON = ("并单", "督办", "签收", "状态：派单", "办理：")  # the staff's status codes
DISTRICT_TIME = re.compile(r"办理时限：\d{1,2}月\d{1,2}日\d\d:\d\d前")


def file(description, address, sender, phone="13857112345"):
    r = client.post("/api/tickets", json={"description": description, "address": address, "phone": phone,
                                          "sender": sender})
    assert r.status_code == 200, r.text
    return r.json()


def progress(number, sender=None):
    return client.get(f"/api/tickets/{number}", params={"sender": sender} if sender else {}).json()["progress"]


def act(number, action, note=""):
    r = client.post(f"/api/tickets/{number}/actions", json={"action": action, "actor": "承办人", "note": note},
                    headers=STAFF)
    assert r.status_code == 200, r.text


def merged(place, first_words, second_words):
    """Two residents report the same broken fitness equipment: the second report is merged.
    (The first may itself have joined an earlier one: the one handling both is whichever it points at.)"""
    first = file(first_words, f"{place}3幢", "pw-first-" + uuid.uuid4().hex[:6])
    sender = "pw-second-" + uuid.uuid4().hex[:6]
    second = file(second_words, f"{place}5幢", sender, phone="13900001111")
    handling = first["merged_into"] or first["number"]
    assert second["merged_into"] == handling
    return second, sender, handling


def test_a_merged_report_says_plainly_it_is_handled_with_the_other_and_how_that_one_goes():
    second, sender, handling = merged("桃源新村", "桃源新村3幢旁边的健身器材坏了，扶手断了", "桃源新村那边健身器材断了好危险")
    act(handling, "签收")
    act(handling, "办理", note="已联系厂家更换扶手")
    text = progress(second["number"], sender)
    assert text.startswith(f"工单{second['number']}")
    assert f"已有人反映过，现在和工单{handling}合在一起处理" in text
    # the progress of the ticket being handled: who has it, what was done and when, and the deadline
    assert "当前状态：青山街道办事处正在处理" in text  # the street's office by name, not 街道办事处（属地街道）
    assert "开始处理：已联系厂家更换扶手" in text and "11月24日" in text
    assert DISTRICT_TIME.search(text)
    assert "您反映的内容：桃源新村那边健身器材断了好危险" in text
    assert not any(w in text for w in JARGON), text
    # someone else asking about the same number sees the progress, not the resident's words
    stranger = progress(second["number"])
    assert f"工单{handling}" in stranger and "正在处理" in stranger and "您反映的内容" not in stranger


def test_when_the_other_ticket_is_done_the_merged_report_says_so():
    second, sender, handling = merged("荷花苑", "荷花苑3幢旁边的健身器材坏了，扶手断了", "荷花苑3幢的健身器材也太危险了")
    for action, note in (("签收", ""), ("办理", ""), ("办结", "扶手已更换")):
        act(handling, action, note)
    text = progress(second["number"], sender)
    assert "当前状态：已办结" in text and "处理完毕：扶手已更换" in text
    assert "办理时限" not in text and not any(w in text for w in JARGON), text


def test_the_ticket_others_joined_says_so_and_hides_no_one_s_words():
    # A problem at its own place: nothing earlier to merge into.
    first = file("文昌苑3幢楼下的消防栓坏了一直在漏水", "文昌苑3幢", "pw-hydrant-a")
    if first["merged_into"]:
        pytest.skip("an earlier test reported this hydrant already")
    file("文昌苑那个消防栓坏了在漏水", "文昌苑5幢", "pw-hydrant-b", phone="13900002222")
    text = progress(first["number"], "pw-hydrant-a")
    assert "当前状态：已派到" in text and "等对方接手处理" in text
    assert "另有1条反映说的是同一个问题，已合在一起处理。" in text
    assert "您反映的内容：文昌苑3幢楼下的消防栓坏了一直在漏水" in text and "文昌苑那个消防栓" not in text
    assert not any(w in text for w in JARGON), text


def test_overdue_is_said_in_plain_words():
    t = file("江畔花园门口的信号灯坏了", "江畔花园3幢", "pw-signal")
    number = t["merged_into"] or t["number"]
    with SessionLocal() as s:
        row = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        row.deadline = clock.now() - dt.timedelta(hours=1)
        s.commit()
    client.post("/api/tickets/supervise", headers=STAFF)
    text = progress(number)
    assert "已超过办理时限，区里已督促" in text and "抓紧办理" in text
    assert not any(w in text for w in JARGON), text


def test_a_small_problem_goes_to_the_community_s_grid_worker_by_name():
    t = file("楼道里有人把电瓶车推上去充电", "柳岸新村5幢", "pw-grid")
    text = progress(t["merged_into"] or t["number"])
    assert "柳岸社区的网格员" in text and "社区网格工作站（属地社区）" not in text


# ---- what the resident sees in the real assistant --------------------------------------------

@pytest.mark.e2e
def test_in_the_chat_a_merged_report_asks_progress_and_hears_the_other_ticket_s(stack, talk):
    def say(sender, text):
        r = requests.post(f"{stack['rasa']}/webhooks/h5/webhook", json={"sender": sender, "message": text},
                          headers=SERVICE, timeout=60)
        assert r.status_code == 200, r.text
        return "\n".join(m.get("text", "") for m in r.json())

    neighbour = "pw" + uuid.uuid4().hex[:12]
    for text in ("翠苑二区门口路面坑坑洼洼，好几个大坑", "13857100021", "/affirm"):
        filed = say(neighbour, text)
    assert "工单号" in filed
    for text in ("翠苑二区2幢边上的路面有个大坑", "13857100022"):
        talk(text)
    joined = "\n".join(m.get("text", "") for m in talk("/affirm"))
    assert "已经有人反映过" in joined, joined
    reply = "\n".join(m.get("text", "") for m in talk("进度"))
    handling = re.search(r"现在和工单(WG\d{12})合在一起处理", reply)
    assert handling, reply
    assert "当前状态：" in reply and DISTRICT_TIME.search(reply) and "您反映的内容" in reply
    assert "已并单" not in reply and "督办" not in reply
