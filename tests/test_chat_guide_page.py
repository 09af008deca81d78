"""A service guide on a phone-sized chat page (390x844) in headless Chromium, on the real
stack: several short bubbles instead of one screen-filling one, what to bring before what to
bring only if it applies, alternatives told once, follow-up buttons that get answered, and
phone numbers and addresses that can be tapped."""
import time
from urllib.parse import quote

import pytest

from tests.browser import open_chat, phone_browser, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = (390, 844)


@pytest.fixture(scope="module")
def browser():
    d = phone_browser()
    yield d
    d.quit()


def bubbles(d):
    return d.find_elements("css selector", ".row.bot .bubble")


def wait_for_more(d, before, what, wait=60):
    deadline = time.time() + wait
    while time.time() < deadline:
        now = bubbles(d)
        if len(now) > before:
            time.sleep(0.3)  # the parts of one answer arrive together; let the buttons follow
            return bubbles(d)[before:]
        time.sleep(0.2)
    raise AssertionError(f"no answer to {what!r} within {wait}s")


def ask(d, text):
    before = len(bubbles(d))
    d.find_element("id", "text").send_keys(text)
    d.find_element("id", "send").click()
    return wait_for_more(d, before, text)


def tap(d, title):
    before = len(bubbles(d))
    last = d.find_elements("css selector", ".choices")[-1]
    button = next(b for b in last.find_elements("css selector", "button") if b.text == title)
    assert button.size["height"] >= 44
    button.click()
    return wait_for_more(d, before, title)


def index_of(texts, needle):
    return next(i for i, t in enumerate(texts) if needle in t)


def test_a_guide_in_short_parts_with_follow_ups_and_tappable_contacts(stack, browser, var_dir):
    browser.delete_all_cookies()  # a conversation of its own
    open_chat(browser, stack["api"] + "/")
    parts = ask(browser, "居住证要带什么材料")
    texts = [p.text for p in parts]
    # Several bubbles, none of them filling the screen.
    assert len(parts) >= 3
    assert max(p.size["height"] for p in parts) < PHONE[1] * 0.6
    # What everyone brings first; what only some bring after it, visibly marked as such.
    assert index_of(texts, "居民身份证") < index_of(texts, "代办人居民身份证")
    if_any = texts[index_of(texts, "代办人居民身份证")]
    assert if_any.startswith("如有") and "居民身份证（" not in if_any.replace("代办人居民身份证", "")
    # "三选一" once, over the group of alternatives.
    assert "\n".join(texts).count("三选一") == 1
    group = texts[index_of(texts, "三选一")]
    assert all(name in group for name in ("合法稳定住所证明", "合法稳定就业证明", "连续就读证明"))
    browser.execute_script("arguments[0].scrollIntoView()", parts[0])
    screenshot(browser, var_dir, "chat-guide-materials.png")

    # Follow-up questions as buttons under the answer.
    titles = [b.text for b in browser.find_elements("css selector", ".choices")[-1].find_elements("css selector", "button")]
    assert {"要多久", "在哪办", "能网上办吗"} <= set(titles)
    asked = tap(browser, "在哪办")
    assert "哪个社区" in asked[-1].text
    place = ask(browser, "柳岸社区")
    assert any("柳岸社区党群服务中心" in p.text for p in place)

    # The centre's phone dials, its address opens a map.
    tel = browser.find_elements("css selector", '.row.bot .bubble a[href^="tel:"]')
    assert any(a.get_attribute("href") == "tel:057186031101" and a.text == "0571-86031101" for a in tel)
    maps = [a for a in browser.find_elements("css selector", ".row.bot .bubble a[href^='https://uri.amap.com/search?keyword=']")
            if a.text == "柳岸路35号"]
    assert maps and maps[-1].get_attribute("target") == "_blank" and "noopener" in maps[-1].get_attribute("rel")
    # Searched within the district: "柳岸路35号" alone could be in any city.
    assert maps[-1].get_attribute("href").endswith("keyword=" + quote("江州市明湖区柳岸路35号"))
    screenshot(browser, var_dir, "chat-guide-place.png")

    answered = tap(browser, "要多久")
    assert any("居住证申领" in p.text and "承诺时限" in p.text for p in answered)


LINKS = """
var el = document.createElement("div");
chatLinks.fill(el, arguments[0]);
return {html: Array.prototype.map.call(el.querySelectorAll("a"), function (a) {
          return [a.getAttribute("href"), a.textContent]; }),
        text: el.textContent, elements: el.querySelectorAll("*").length};
"""


def test_links_are_made_of_text_only_and_only_for_phones_and_address_lines(stack, browser):
    open_chat(browser, stack["api"] + "/")
    text = ("地址：湖滨路120号街道办事处一楼\n电话：0571-86031001，热线96345或12345，手机13857100003，86012345\n"
            "工单WG202611150023，期限2026-12-02 17:30，补贴95000元，第120条\n"
            "路过地址不在行首：柳岸路35号\n<img src=x onerror=\"window.pwned=1\">地址")
    got = browser.execute_script(LINKS, text)
    assert got["text"] == text  # nothing added, nothing lost: markup stays text
    assert got["elements"] == len(got["html"])  # links and nothing else
    assert got["html"] == [
        ["https://uri.amap.com/search?keyword=" + quote("江州市明湖区湖滨路120号街道办事处一楼"), "湖滨路120号街道办事处一楼"],
        ["tel:057186031001", "0571-86031001"], ["tel:96345", "96345"], ["tel:12345", "12345"],
        ["tel:13857100003", "13857100003"], ["tel:86012345", "86012345"]]
    assert browser.execute_script("return window.pwned === undefined")
