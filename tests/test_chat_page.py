"""The resident chat page in a real headless Chromium: ask, see the answer, markup stays text."""
import time

import pytest

from tests.browser import make_browser, open_chat

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def browser():
    d = make_browser()
    yield d
    d.quit()


def bot_bubbles(d):
    return [e.text for e in d.find_elements("css selector", ".row.bot .bubble")]


def ask(d, text, wait=60):
    before = len(bot_bubbles(d))
    box = d.find_element("id", "text")
    box.send_keys(text)
    d.find_element("id", "send").click()
    deadline = time.time() + wait
    while time.time() < deadline:
        if len(bot_bubbles(d)) > before:
            return bot_bubbles(d)[before:]
        time.sleep(0.2)
    raise AssertionError(f"no answer to {text!r} within {wait}s")


def test_resident_asks_and_sees_the_answer(stack, browser, var_dir):
    open_chat(browser, stack["api"] + "/")
    # The district's name and the hotline come from the backend (RSA_HOTLINE=96345 in the tests).
    assert browser.title == "明湖区便民服务助手"
    greeting = bot_bubbles(browser)[0]
    assert "明湖区便民服务助手" in greeting and "96345" in greeting and "12345" not in greeting
    answer = "\n".join(ask(browser, "居住证要带什么材料"))
    assert "居住证申领" in answer and "身份证" in answer
    browser.save_screenshot(str(var_dir / "chat.png"))


def test_typed_markup_is_shown_as_text_and_never_runs(stack, browser):
    open_chat(browser, stack["api"] + "/")
    ask(browser, '<img src=x onerror="window.pwned=1">居住证')
    mine = [e.text for e in browser.find_elements("css selector", ".row.me .bubble")]
    assert any("<img src=x" in t for t in mine)
    assert browser.execute_script("return window.pwned === undefined")
    assert not browser.find_elements("css selector", "#log img")


def test_buttons_are_clickable(stack, browser):
    open_chat(browser, stack["api"] + "/")
    ask(browser, "办户口要什么材料")
    buttons = browser.find_elements("css selector", ".choices button")
    assert len(buttons) >= 2
    before = len(bot_bubbles(browser))
    buttons[0].click()
    deadline = time.time() + 60
    while len(bot_bubbles(browser)) == before and time.time() < deadline:
        time.sleep(0.2)
    assert "材料" in bot_bubbles(browser)[-1]


def test_too_fast_says_so_and_keeps_the_text(stack, browser):
    import threading

    import requests
    open_chat(browser, stack["api"] + "/")
    cookies = {"rsa_chat": browser.get_cookie("rsa_chat")["value"]}  # HttpOnly: only the driver sees it
    stop = threading.Event()

    def flood():  # another tab (or a stuck key) keeps this conversation's bucket empty
        while not stop.is_set():
            # Blank messages count against the bucket but are answered at once by the channel,
            # so the flooder takes every token as it refills instead of waiting on the assistant.
            requests.post(stack["api"] + "/api/chat", json={"text": " "}, cookies=cookies, timeout=60)
            time.sleep(0.02)

    flooder = threading.Thread(target=flood)
    flooder.start()
    try:
        time.sleep(3)
        answer = "\n".join(ask(browser, "居住证在哪办"))
    finally:
        stop.set()
        flooder.join()
    assert "太快" in answer and "没有发出" in answer
    assert browser.find_element("id", "text").get_attribute("value") == "居住证在哪办"
    assert browser.find_elements("css selector", ".row.me.failed")
