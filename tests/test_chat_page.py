"""The resident chat page in a real headless Chromium: ask, see the answer, markup stays text."""
import time

import pytest

from tests.browser import make_browser, open_chat, screenshot

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
    screenshot(browser, var_dir, "chat.png")


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
    # The choice just offered (a redrawn conversation may show an earlier answer's follow-up buttons).
    buttons = browser.find_elements("css selector", ".choices")[-1].find_elements("css selector", "button")
    assert len(buttons) >= 2
    before = len(bot_bubbles(browser))
    buttons[0].click()
    deadline = time.time() + 60
    while len(bot_bubbles(browser)) == before and time.time() < deadline:
        time.sleep(0.2)
    assert "材料" in "\n".join(bot_bubbles(browser)[before:])  # the answer comes in parts


CONTRAST = """
function lum(c) { var v = c.match(/\\d+/g).slice(0, 3).map(function (x) { x = x / 255;
  return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; }
var el = arguments[0], fg = lum(getComputedStyle(el).color), bg = lum(getComputedStyle(document.body).backgroundColor);
return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
"""
PLACEHOLDER_FITS = """
var box = arguments[0], ctx = document.createElement("canvas").getContext("2d"), cs = getComputedStyle(box);
ctx.font = cs.fontSize + " " + cs.fontFamily;
return ctx.measureText(box.placeholder).width <= box.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
"""


def test_readable_and_usable_on_a_phone_for_older_residents(stack, browser):
    """390x844: pinch zoom allowed, choice buttons at least 44 px tall, the typing indicator
    readable (contrast >= 4.5:1, not tiny), the placeholder not cut off, Chinese fonts named."""
    browser.set_window_size(390, 844)
    try:
        browser.delete_all_cookies()  # a new conversation: its first question gets the choice buttons
        open_chat(browser, stack["api"] + "/")
        viewport = browser.find_element("css selector", "meta[name=viewport]").get_attribute("content")
        assert "maximum-scale" not in viewport and "user-scalable=no" not in viewport
        ask(browser, "办户口要什么材料")
        buttons = browser.find_elements("css selector", ".choices button")
        assert buttons and min(b.size["height"] for b in buttons) >= 44
        typing = browser.find_element("id", "typing")
        assert browser.execute_script(CONTRAST, typing) >= 4.5
        assert float(browser.execute_script("return parseFloat(getComputedStyle(arguments[0]).fontSize)", typing)) >= 14
        assert browser.execute_script(PLACEHOLDER_FITS, browser.find_element("id", "text"))
        fonts = browser.execute_script("return getComputedStyle(document.body).fontFamily")
        assert "PingFang SC" in fonts and "Microsoft YaHei" in fonts and "Noto Sans CJK SC" in fonts
        assert fonts.rstrip().endswith("sans-serif")
    finally:
        browser.set_window_size(1100, 860)


def test_too_fast_says_so_and_keeps_the_text(stack, browser):
    import threading

    import requests
    open_chat(browser, stack["api"] + "/")
    cookies = {"rsa_chat": browser.get_cookie("rsa_chat")["value"]}  # HttpOnly: only the driver sees it
    stop, spent = threading.Event(), threading.Event()

    def flood():  # another tab (or a stuck key) keeps this conversation's bucket empty
        while not stop.is_set():
            # Blank messages count against the bucket but are answered at once by the channel,
            # so the flooder takes every token as it refills instead of waiting on the assistant.
            r = requests.post(stack["api"] + "/api/chat", json={"text": " "}, cookies=cookies, timeout=60)
            if r.status_code != 429:
                spent.set()  # the token that refilled is gone: the next refill is about a second away
            time.sleep(0.02)

    flooder = threading.Thread(target=flood)
    flooder.start()
    try:
        time.sleep(3)  # the burst is spent
        before = len(bot_bubbles(browser))
        browser.find_element("id", "text").send_keys("居住证在哪办")
        # Sent just after the flooder took a token, so the page's message cannot win the race
        # for the next one (sent at a random moment it did, now and then, on a busy machine).
        spent.clear()
        assert spent.wait(10)
        browser.find_element("id", "send").click()
        deadline = time.time() + 60
        while len(bot_bubbles(browser)) == before and time.time() < deadline:
            time.sleep(0.1)
        answer = "\n".join(bot_bubbles(browser)[before:])
    finally:
        stop.set()
        flooder.join()
    assert "太快" in answer and "没有发出" in answer
    assert browser.find_element("id", "text").get_attribute("value") == "居住证在哪办"
    assert browser.find_elements("css selector", ".row.me.failed")
