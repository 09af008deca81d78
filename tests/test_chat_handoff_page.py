"""The resident's chat page while a person has the conversation (issue #10, resident items 1-3),
in headless Chromium at phone size; the staff member works through the console's API. Before:
"抱歉，我暂时没有回复" after every message, staff as an anonymous avatar, no word that someone took
the case, the hand-back drawn as a staff message, and a reload lost it all."""
import time

import pytest
import requests

from tests.browser import ensure_staff, open_chat, phone_browser, screenshot
from tests.test_chat_history import lines, reload, say, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
PASSWORD = "wang-fang-2026"
RELAYED = "已转给工作人员，您的消息会直接给到TA"
NO_ANSWER = "我暂时没有回复"


@pytest.fixture(scope="module")
def wang_fang(stack):
    ensure_staff("wangfang", "王芳", PASSWORD, community="松竹社区")
    console = requests.Session()
    r = console.post(stack["api"] + "/console/api/login", json={"username": "wangfang", "password": PASSWORD})
    assert r.status_code == 200, r.text
    console.headers["X-CSRF-Token"] = r.json()["csrf"]
    return console


@pytest.fixture(scope="module")
def phone():
    d = phone_browser()
    yield d
    d.quit()


def send_only(d, text):
    """Send while a person has the conversation; what the page added (the assistant is quiet)."""
    n = len(lines(d))
    d.find_element("id", "text").send_keys(text)
    d.find_element("id", "send").click()
    wait_for(lambda: len(lines(d)) > n and not d.find_element("id", "send").get_attribute("disabled"),
             what=f"{text!r} sent")
    time.sleep(1.5)
    return lines(d)[n:]


def test_with_a_person_the_page_says_who_and_keeps_it_all_over_a_reload(stack, wang_fang, phone, var_dir):
    api = stack["api"]
    phone.delete_all_cookies()
    open_chat(phone, api + "/")
    say(phone, "我住松竹社区")
    say(phone, "转人工")
    assert "已为您转接" in lines(phone)[-1][1]
    # Waiting: where the words go is said once, and never "no answer".
    assert say(phone, "还在吗") == [("notice", RELAYED + "。")]
    assert send_only(phone, "我想问问老年证") == [("me", "我想问问老年证")]
    assert not any(NO_ANSWER in t for _, t in lines(phone))

    case = next(c for c in wang_fang.get(api + "/console/api/queue").json() if c["last_resident_text"] == "我想问问老年证")
    wang_fang.post(f"{api}/console/api/cases/{case['id']}/claim")
    wait_for(lambda: any("工作人员王芳已接入" in t for who, t in lines(phone) if who == "notice"), what="the claim notice")
    wang_fang.post(f"{api}/console/api/cases/{case['id']}/reply", json={"text": "您好，我是王芳，老年证在社区办"})
    wait_for(lambda: any(who == "staff" for who, _ in lines(phone)), what="the staff line")
    staff = phone.find_element("css selector", ".row.staff")
    assert staff.find_element("css selector", ".who").text == "工作人员 王芳"
    assert staff.find_element("css selector", ".avatar").text == "王"
    assert send_only(phone, "好的谢谢") == [("me", "好的谢谢")]  # told once already: nothing more, no fallback
    screenshot(phone, var_dir, "chat-with-staff.png")

    before = lines(phone)
    reload(phone)
    assert lines(phone) == before[1:]  # all of it but the greeting, each staff line once
    wang_fang.post(f"{api}/console/api/cases/{case['id']}/reply", json={"text": "还有别的问题吗？"})
    wait_for(lambda: lines(phone)[-1] == ("staff", "还有别的问题吗？"), what="a staff line after the reload")
    assert [t for who, t in lines(phone) if who == "staff"] == ["您好，我是王芳，老年证在社区办", "还有别的问题吗？"]
    assert len(phone.find_elements("css selector", ".row.staff .who")) == 2

    wang_fang.post(f"{api}/console/api/cases/{case['id']}/handback")
    wait_for(lambda: lines(phone)[-1] == ("notice", "工作人员已把对话交回智能助手，您可以继续提问。"),
             what="the hand-back notice")
    assert len(phone.find_elements("css selector", ".row.staff")) == 2  # a notice, not a staff message
    screenshot(phone, var_dir, "chat-handed-back.png")
    answer = "\n".join(t for _, t in say(phone, "居住证要带什么材料"))
    assert "居住证申领" in answer
