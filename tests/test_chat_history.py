"""A reloaded chat page shows the conversation so far (issue #10, resident item 2): before, only
the greeting came back while the assistant carried on from the invisible thread, and a report's
confirm buttons were gone. Headless Chromium at phone size (390x844)."""
import time

import pytest

from tests.browser import open_chat, phone_browser, screenshot
from tests.browser import wait_for as browser_wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def phone():
    d = phone_browser()
    yield d
    d.quit()


def wait_for(check, timeout=60, what="condition"):
    return browser_wait_for(check, timeout, what)


def lines(d):
    """(who, text) of every line on the page, in order."""
    out = []
    for e in d.find_elements("css selector", "#log > .row, #log > .notice"):
        cls = e.get_attribute("class")
        who = "notice" if "notice" in cls else "me" if "me" in cls.split() else "staff" if "staff" in cls else "bot"
        out.append((who, e.find_element("css selector", ".bubble, span").text))
    return out


def say(d, text):
    n = len(lines(d))
    d.find_element("id", "text").send_keys(text)
    d.find_element("id", "send").click()
    wait_for(lambda: len(lines(d)) > n + 1 and not d.find_element("id", "send").get_attribute("disabled"),
             what=f"an answer to {text!r}")
    return lines(d)[n + 1:]


def reload(d):
    d.refresh()
    wait_for(lambda: d.find_elements("css selector", ".row.bot .bubble"), what="the page after the reload")
    time.sleep(0.5)  # the whole history is drawn at once; let it settle


def test_reload_in_the_middle_of_a_report_keeps_the_read_back_and_its_buttons(stack, phone, var_dir):
    phone.delete_all_cookies()
    open_chat(phone, stack["api"] + "/")
    say(phone, "小区门口井盖没了")
    say(phone, "柳岸新村5幢")
    say(phone, "13800001234")
    # The page shows the number as typed; what is kept (and redrawn) has it masked.
    before = [(who, t.replace("13800001234", "138****1234")) for who, t in lines(phone)]
    assert "请核对一下" in before[-1][1]
    reload(phone)
    after = lines(phone)
    assert after == before[1:]  # everything but the greeting, in order, nothing twice
    assert not any("您好！我是" in t for _, t in after)
    assert ("me", "138****1234") in after  # masked text only
    buttons = phone.find_elements("css selector", ".choices button")
    assert [b.text for b in buttons] == ["确认提交", "取消"]  # only the last question's, and live
    screenshot(phone, var_dir, "chat-reloaded-read-back.png")
    # Typed instead of pressed, the confirmation files the report.
    answer = "\n".join(t for _, t in say(phone, "确认提交"))
    assert "工单号" in answer and "没有查到" not in answer and "请核对一下" not in answer


def test_reload_keeps_what_the_assistant_is_answering(stack, phone, var_dir):
    phone.delete_all_cookies()
    open_chat(phone, stack["api"] + "/")
    say(phone, "居住证在哪里办")
    reload(phone)
    shown = lines(phone)
    assert shown[0] == ("me", "居住证在哪里办") and "哪个社区" in shown[1][1]
    answer = "\n".join(t for _, t in say(phone, "我住柳岸新村5幢"))
    assert "柳岸社区" in answer
    # A pressed button comes back as its title, not its payload.
    say(phone, "办户口要什么材料")
    wait_for(lambda: phone.find_elements("css selector", ".choices button"), what="choice buttons")
    n = len(lines(phone))
    pressed = phone.find_elements("css selector", ".choices")[-1].find_element("css selector", "button")
    title = pressed.text
    pressed.click()
    wait_for(lambda: len(lines(phone)) > n + 1, what="the answer to the pressed button")
    time.sleep(1)
    before = lines(phone)
    assert ("me", title) in before
    reload(phone)
    assert lines(phone) == before  # reloaded before: no greeting to leave out
    assert not any(t.startswith("/") for _, t in lines(phone))
    screenshot(phone, var_dir, "chat-reloaded.png")
