"""The staff console's desk at 1366×768 in headless Chromium on the real stack (#10 console
items 7, 9, 10, 11, 12, 13, 15): a transcript that keeps the agent's place and selection, queue
and case that scroll apart with the actions in view, queue views with counts, search, a centre
filter and an alert, the centre's phrases behind "/", names instead of codes, the resident's
contact panel, and a visible, retrying error when the backend fails."""
import base64
import json
import re
import threading
import time
import urllib.request
import uuid

import pytest
from sqlalchemy import select

from api.core.db import WriteSession
from api.handoff import cases as handoff
from api.handoff import relay
from api.handoff.models import HandoffCase
from api.handoff.states import CaseStatus
from api.staff.models import StaffUser
from tests.browser import ensure_staff, make_browser, screenshot
from tests.test_console_page import PASSWORD, SUPERVISOR_PASSWORD, click_when_ready, duty_officer, wait_for  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def sign_in(d, stack, username, password):
    # The laptop screen the issue was seen on: 1366×768, whatever the window manager adds.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1366, "height": 768, "deviceScaleFactor": 1,
                                                             "mobile": False})
    d.get(stack["api"] + "/console")
    wait_for(lambda: d.find_element("id", "login").is_displayed(), what="login form")
    d.find_element("id", "username").send_keys(username)
    d.find_element("id", "password").send_keys(password)
    d.find_element("css selector", "#login-form button").click()
    wait_for(lambda: d.find_element("id", "desk").is_displayed(), what="the desk")


@pytest.fixture(scope="module")
def desk(stack, duty_officer):  # noqa: F811 — the fixture imported above
    """桃源社区's duty officer (staff: sees that centre's cases)."""
    d = make_browser()
    sign_in(d, stack, "taoyuan", PASSWORD)
    yield d
    d.quit()


@pytest.fixture(scope="module")
def boss(stack):
    """The street's supervisor (sees every centre's cases, keeps the phrases)."""
    ensure_staff("zhuguan", "街道主管老周", SUPERVISOR_PASSWORD, role="supervisor")
    d = make_browser()
    sign_in(d, stack, "zhuguan", SUPERVISOR_PASSWORD)
    yield d
    d.quit()


def new_case(text, *, community="桃源社区", sender=None, context=None, transcript=None, reason="asked"):
    with WriteSession() as s:
        c = handoff.open_case(s, sender=sender or "desk-" + uuid.uuid4().hex[:12], channel="h5", reason=reason,
                              community=community, context=context or {"intent": "request_human"},
                              transcript=transcript or [{"author": "resident", "text": text}])
        return c.id


def say(sender, text):
    """The resident writes while the case is open (what the chat page's POST /api/chat records)."""
    with WriteSession() as s:
        relay.record_resident_message(s, sender, text)


def open_in_console(d, case_id):
    # Scroll the item into the queue's view first: it may be far down a long queue.
    def go():
        item = d.find_elements("css selector", f'#queue li[data-id="{case_id}"]')
        if not item:
            return False
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", item[0])
        item[0].click()
        return True
    wait_for(go, what=f"case {case_id} in the queue")
    wait_for(lambda: d.find_element("id", "case-title").text.startswith(f"#{case_id} "), what=f"case {case_id} open")


def at_bottom(d):
    return d.execute_script("var t = document.getElementById('transcript');"
                            "return t.scrollHeight - t.scrollTop - t.clientHeight < 30;")


def test_transcript_adds_new_lines_and_keeps_the_agents_selection_and_place(stack, desk, var_dir):
    d, sender = desk, "desk-tx-" + uuid.uuid4().hex[:8]
    lines = [{"author": "resident" if i % 2 else "bot", "text": f"第{i}句：我家的情况是这样的，请您仔细看一下。"} for i in range(40)]
    lines[3] = {"author": "resident", "text": "我住桃源新村12幢3单元402室，白天都在家"}
    cid = new_case("", sender=sender, transcript=lines)
    open_in_console(d, cid)
    wait_for(lambda: "第39句" in d.find_element("id", "transcript").text, what="the transcript")
    assert at_bottom(d)  # a case opens at its newest line

    # The agent scrolls up and selects the address to copy it.
    d.execute_script("""
        var t = document.getElementById('transcript'); t.scrollTop = 0;
        var walk = document.createTreeWalker(t, NodeFilter.SHOW_TEXT), node;
        while ((node = walk.nextNode()) && node.textContent.indexOf('402室') < 0) {}
        var at = node.textContent.indexOf('桃源新村');
        var r = document.createRange(); r.setStart(node, at); r.setEnd(node, node.textContent.indexOf('，'));
        getSelection().removeAllRanges(); getSelection().addRange(r);""")
    assert d.execute_script("return getSelection().toString()") == "桃源新村12幢3单元402室"
    say(sender, "还有，楼道灯也坏了")
    wait_for(lambda: "楼道灯也坏了" in d.find_element("id", "transcript").text, what="the new line", timeout=10)
    time.sleep(3.2)  # two more polls
    assert d.execute_script("return getSelection().toString()") == "桃源新村12幢3单元402室"
    assert d.execute_script("return document.getElementById('transcript').scrollTop") == 0  # still where the agent reads
    pill = d.find_element("id", "new-messages")
    assert pill.is_displayed() and "有新消息" in pill.text
    assert d.find_element("id", "transcript").text.count("第5句") == 1  # appended, not doubled
    screenshot(d, var_dir, "desk-transcript-reading.png")

    pill.click()
    assert at_bottom(d) and not pill.is_displayed()
    say(sender, "麻烦尽快派人来看看")  # at the bottom, the transcript follows
    wait_for(lambda: "尽快派人" in d.find_element("id", "transcript").text, what="the next line", timeout=10)
    wait_for(lambda: at_bottom(d), what="the transcript following the new line", timeout=3)
    assert not pill.is_displayed()


def test_queue_and_case_scroll_apart_and_the_actions_stay_in_view(stack, boss, var_dir):
    d = boss
    ids = [new_case(f"第{i}位居民想问问社保卡补办的事", community="江畔社区") for i in range(30)]
    wait_for(lambda: len(d.find_elements("css selector", "#queue li")) >= 30, what="a long queue")
    open_in_console(d, ids[-1])  # low in the queue
    layout = d.execute_script("""
        var r = function (id) { var b = document.getElementById(id).getBoundingClientRect(); return [b.top, b.bottom]; };
        var q = document.getElementById('queue'), page = document.scrollingElement;
        return {inner: [innerWidth, innerHeight], pageScroll: [page.scrollHeight, page.clientHeight, scrollY],
                wide: [page.scrollWidth, page.clientWidth], queue: [q.scrollHeight, q.clientHeight, q.scrollTop],
                caseTop: r('case')[0], controls: ['claim', 'reply', 'reply-text', 'resolve', 'handback', 'transcript'].map(r)};""")
    assert layout["inner"] == [1366, 768]
    assert layout["pageScroll"][0] <= layout["pageScroll"][1] and layout["pageScroll"][2] == 0, layout  # the page never scrolls
    assert layout["wide"][0] <= layout["wide"][1], layout  # no sideways scrollbar
    assert layout["queue"][0] > layout["queue"][1] and layout["queue"][2] > 0, layout  # the queue scrolled on its own
    assert layout["caseTop"] < 120, layout  # the case right there beside it
    for top, bottom in layout["controls"]:
        assert 0 <= top and bottom <= 768, layout  # claim, reply, resolve, hand back: all above the fold
    screenshot(d, var_dir, "desk-1366x768.png")


def queue_ids(d):
    """{case id: its meta line} in the queue's order, read in one go (the list updates under us)."""
    return dict(d.execute_script("return [].map.call(document.querySelectorAll('#queue li'), function (li) {"
                                 " return [li.dataset.id, li.querySelector('.meta').textContent]; })"))


def count(d, view):
    text = d.find_element("id", "count-" + view).text
    return int(text) if text.isdigit() else None


def test_queue_views_counts_search_centre_filter_and_an_alert_for_a_new_case(stack, desk, boss, var_dir):
    d = desk
    mark = uuid.uuid4().hex[:6]
    mine = new_case(f"我想问问老年证的事{mark}")
    open_in_console(d, mine)
    d.find_element("id", "claim").click()
    wait_for(lambda: "处理中" in d.find_element("id", "case-title").text, what="claimed")

    d.find_element("css selector", '.tabs [data-view="mine"]').click()
    wait_for(lambda: str(mine) in queue_ids(d) and all(m.endswith("桃源社区小陈") for m in queue_ids(d).values())
             and count(d, "mine") == len(queue_ids(d)), what="my cases, counted")
    d.find_element("css selector", '.tabs [data-view="unassigned"]').click()
    wait_for(lambda: str(mine) not in queue_ids(d) and all("桃源社区小陈" not in m for m in queue_ids(d).values())
             and count(d, "unassigned") == len(queue_ids(d)), what="the unassigned cases, counted")
    assert count(d, "all") >= count(d, "mine") + count(d, "unassigned")

    # Search: the case's own words find it.
    d.find_element("css selector", '.tabs [data-view="all"]').click()
    d.find_element("id", "queue-search").send_keys(mark)
    wait_for(lambda: list(queue_ids(d)) == [str(mine)] and count(d, "all") == 1, what="the search narrowing the queue")
    d.find_element("id", "queue-search").clear()
    d.find_element("id", "queue-search").send_keys(" ")  # input event after clear()
    wait_for(lambda: len(queue_ids(d)) > 1, what="the whole queue back")
    assert not d.find_element("id", "queue-centre").is_displayed()  # staff see their own centre only

    # A case arrives: the title counts it, the item is highlighted, a tone plays (once the page was touched).
    d.execute_script("""window.tones = 0; var start = OscillatorNode.prototype.start;
                        OscillatorNode.prototype.start = function () { window.tones++; return start.apply(this, arguments); };""")
    d.find_element("css selector", ".bar .title").click()  # the first touch lets the page make sound
    before = d.title
    n = int(re.match(r"\((\d+)\)", before).group(1)) if before.startswith("(") else 0
    arrived = new_case("你好，我要找工作人员")
    wait_for(lambda: d.title == f"({n + 1}) 工作人员台 · 便民服务", what="the title counting the new case", timeout=10)
    item = d.find_element("css selector", f'#queue li[data-id="{arrived}"]')
    assert "fresh" in item.get_attribute("class")
    assert d.execute_script("return window.tones") == 1
    screenshot(d, var_dir, "desk-new-case.png")
    open_in_console(d, arrived)
    assert d.title == (f"({n}) 工作人员台 · 便民服务" if n else "工作人员台 · 便民服务")
    assert "fresh" not in d.find_element("css selector", f'#queue li[data-id="{arrived}"]').get_attribute("class")

    # Muted, the next arrival is counted but silent.
    d.find_element("id", "mute").click()
    assert d.find_element("id", "mute").text == "提示音：关"
    new_case("再问一下，工作人员在吗")
    wait_for(lambda: d.title.startswith(f"({n + 1})"), what="the second arrival counted", timeout=10)
    assert d.execute_script("return window.tones") == 1
    d.find_element("id", "mute").click()

    # A supervisor narrows the queue to one centre.
    b = boss
    select = b.find_element("id", "queue-centre")
    assert select.is_displayed()
    click_when_ready(b, "#queue-centre option", "桃源社区党群服务中心")
    wait_for(lambda: (lambda centres: centres and all(c.startswith("桃源社区党群服务中心") for c in centres))(
        b.execute_script("return [].map.call(document.querySelectorAll('#queue li .meta'), function (m) { return m.textContent; })")),
        what="only 桃源's cases")
    screenshot(b, var_dir, "desk-centre-filter.png")
    click_when_ready(b, "#queue-centre option", "全部服务中心")


def test_phrases_behind_slash_and_a_reply_box_that_grows(stack, desk, boss, var_dir):
    d = desk
    cid = new_case("那个事你们管不管啊", context={"intent": "nlu_fallback"})  # no service item: no guide sections
    open_in_console(d, cid)
    d.find_element("id", "claim").click()
    wait_for(lambda: "处理中" in d.find_element("id", "case-title").text, what="claimed")
    assert not d.find_element("id", "manage-phrases").is_displayed()  # staff use phrases, supervisors keep them
    box = d.find_element("id", "reply-text")
    height = box.size["height"]
    box.send_keys("/")
    wait_for(lambda: d.find_element("id", "phrase-picker").is_displayed(), what="the phrase picker")
    wait_for(lambda: "请稍等" in d.find_element("id", "phrase-list").text, what="the centre's phrases")
    box.send_keys("稍等")
    wait_for(lambda: all("稍等" in li.get_attribute("title") or "稍等" in li.text
                         for li in d.find_elements("css selector", "#phrase-list li")), what="the filtered phrases")
    screenshot(d, var_dir, "desk-phrases.png")
    wanted = d.find_element("css selector", "#phrase-list li.active").get_attribute("title")
    box.send_keys("\n")  # Enter takes the highlighted phrase
    assert box.get_attribute("value") == wanted and not d.find_element("id", "phrase-picker").is_displayed()

    # Everything that will be sent is in view, up to 40% of the case pane.
    box.send_keys("\n" + "\n".join(f"第{i}点说明" for i in range(1, 5)))
    assert box.size["height"] > height + 60
    assert d.execute_script("var t = arguments[0]; return t.scrollHeight <= t.clientHeight + 2", box)
    box.send_keys("\n" + "\n".join(f"第{i}点说明" for i in range(5, 40)))
    pane = d.find_element("id", "case").size["height"]
    assert box.size["height"] <= pane * 0.4 + 2
    assert d.find_element("id", "reply").is_displayed()
    d.find_element("id", "reply").click()
    wait_for(lambda: "第39点说明" in d.find_element("id", "transcript").text, what="the reply sent")
    wait_for(lambda: box.size["height"] < height + 10, what="the box back to its size")

    # A supervisor adds a phrase; the desk's picker has it next time.
    b, title = boss, "测试" + uuid.uuid4().hex[:6]
    open_in_console(b, cid)
    b.find_element("id", "phrases").click()
    b.find_element("id", "manage-phrases").click()
    wait_for(lambda: b.find_element("id", "phrase-admin").is_displayed(), what="the phrase dialog")
    b.find_element("id", "phrase-title").send_keys(title)
    b.find_element("id", "phrase-text").send_keys("您反映的情况我们已记录，今天下班前给您回电。")
    b.find_element("id", "phrase-save").click()
    wait_for(lambda: title in b.find_element("id", "phrase-rows").text, what="the new phrase listed")
    screenshot(b, var_dir, "desk-phrase-admin.png")
    b.find_element("id", "phrase-close").click()
    box.send_keys("/" + title)
    wait_for(lambda: title in d.find_element("id", "phrase-list").text, what="the new phrase at the desk")
    box.send_keys("\n")
    assert box.get_attribute("value") == "您反映的情况我们已记录，今天下班前给您回电。"
    box.clear()


def test_what_the_assistant_understood_in_names_not_codes(stack, desk, var_dir):
    d = desk
    cid = new_case("居住证在哪里办，我要找人工", context={"intent": "request_human", "confidence": 0.91,
                                                "slots": {"service_code": "GA-07-0001", "aspect": "place", "community": "桃源社区"}})
    open_in_console(d, cid)
    text = wait_for(lambda: d.find_element("id", "understood").text, what="what the assistant understood")
    assert "居住证申领" in text and "91%" in text
    for code in ("request_human", "service_code", "\nplace", "aspect"):
        assert code not in text, text
    screenshot(d, var_dir, "desk-understood.png")


def test_contact_panel_shows_the_masked_phone_earlier_work_orders_and_conversations(stack, desk, var_dir):
    from api.incidents.categories import classifier
    d, sender = desk, "desk-contact-" + uuid.uuid4().hex[:8]
    # Earlier, the same resident talked to staff, who filed a work order and closed the case.
    earlier = new_case("楼下的路灯坏了一个星期了", sender=sender,
                       context={"intent": "report_incident", "callback_phone": "13912345678"})
    with WriteSession() as s:
        officer = s.scalars(select(StaffUser).where(StaffUser.username == "taoyuan")).one()
        case = s.get(HandoffCase, earlier)
        handoff.claim(s, officer, case)
        handoff.file_ticket(s, officer, case, classifier(s), description="桃源新村5幢门口路灯坏了一个星期",
                            address="桃源新村5幢", phone="13912345678")
        handoff.close(s, officer, case, CaseStatus.RESOLVED, "已登记工单，路灯所派人修")
        number = case.tickets[0].number
    cid = new_case("路灯还是没修好", sender=sender, context={"intent": "request_human", "callback_phone": "13912345678"})
    open_in_console(d, cid)
    box = d.find_element("id", "contact-box")
    wait_for(lambda: number in box.text, what="the contact panel")
    text = box.text
    assert "139****5678" in text and "13912345678" not in text
    assert f"#{earlier}" in text and "已结束" in text and "路灯所派人修" in text
    assert f"#{cid} " not in text  # not the case itself
    screenshot(d, var_dir, "desk-contact.png")
    click_when_ready(d, "#contact-conversations button", f"#{earlier}")  # an earlier conversation opens
    wait_for(lambda: d.find_element("id", "case-title").text.startswith(f"#{earlier} "), what="the earlier case")


class FailingBackend:
    """While active, the page's calls matching `pattern` get `status` and an HTML body, as from a
    crashed server or a proxy (Chrome DevTools protocol: Fetch.requestPaused → fulfillRequest)."""

    def __init__(self, driver, pattern, status=500, body="<html><body><h1>Internal Server Error</h1></body></html>"):
        from selenium.webdriver.common.bidi import cdp
        self.cdp, self.pattern, self.status, self.body = cdp, pattern, status, body
        addr = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
        with urllib.request.urlopen(f"http://{addr}/json/version") as r:
            self.ws = json.load(r)["webSocketDebuggerUrl"]
        self.page = driver.current_url
        self.version = driver.capabilities["browserVersion"].split(".")[0]
        self.ready, self.stop, self.failed = threading.Event(), threading.Event(), []

    def __enter__(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(20), "no DevTools session"
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(20)

    def _run(self):
        import trio
        cdp = self.cdp
        dt = cdp.import_devtools(self.version)  # or the newest selenium has: Fetch has not changed

        async def main():
            async with cdp.open_cdp(self.ws) as conn:
                targets = await conn.execute(dt.target.get_targets())
                page = next(t for t in targets if t.type_ == "page" and t.url == self.page)
                async with conn.open_session(page.target_id) as session:
                    await session.execute(dt.fetch.enable(patterns=[dt.fetch.RequestPattern(url_pattern=self.pattern)]))
                    self.ready.set()
                    async with trio.open_nursery() as nursery:
                        async def answer():
                            async for ev in session.listen(dt.fetch.RequestPaused):
                                self.failed.append(ev.request.url)
                                await session.execute(dt.fetch.fulfill_request(
                                    request_id=ev.request_id, response_code=self.status,
                                    response_headers=[dt.fetch.HeaderEntry(name="Content-Type", value="text/html")],
                                    body=base64.b64encode(self.body.encode()).decode()))
                        nursery.start_soon(answer)
                        await trio.to_thread.run_sync(self.stop.wait)
                        nursery.cancel_scope.cancel()
                    await session.execute(dt.fetch.disable())
        trio.run(main)


def test_a_failing_backend_is_shown_and_retried_until_it_answers(stack, desk, var_dir):
    d = desk
    banner = d.find_element("id", "conn-error")
    assert not banner.is_displayed()
    with FailingBackend(d, "*/console/api/queue*") as failing:
        wait_for(lambda: banner.is_displayed(), what="the error banner", timeout=10)
        assert "连接后台出错，正在重试" in banner.text and "500" in banner.text, banner.text
        tries = len(failing.failed)
        wait_for(lambda: len(failing.failed) > tries, what="another try", timeout=10)
        assert banner.is_displayed()
        screenshot(d, var_dir, "desk-backend-error.png")
    arrived = new_case("后台恢复以后来的居民")
    wait_for(lambda: not banner.is_displayed(), what="the banner gone once a retry succeeds", timeout=10)
    wait_for(lambda: d.find_elements("css selector", f'#queue li[data-id="{arrived}"]'), what="the queue moving again")
