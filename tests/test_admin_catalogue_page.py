"""The catalogue tabs of the admins' page in headless Chromium, against the three real processes:
an admin adds an alias to a service item and saves; a resident's chat question that uses the
alias gets that item's guide at once, without retraining; a bad value is shown next to the form.

The stack here is this module's own, so the jieba dictionary and the lookup tables it writes go
to a temporary folder (RSA_JIEBA_DICT, RSA_NLU_DIR), never into the repository."""
import os
import tempfile
from pathlib import Path

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException

from api.core.db import SessionLocal
from api.guide import catalogue
from tests.browser import ensure_staff, make_browser, open_chat, screenshot, wait_for
from tests.conftest import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
PASSWORD = "catalogue-admin-2026"
ITEM = "MZ-05-0001"  # 最低生活保障
ALIAS = "兜底生活费"  # no item answers to it in the seed catalogue


@pytest.fixture(scope="module")
def own_stack():
    from scripts.stack import Stack
    if not (ROOT / "models" / "current.tar.gz").exists():
        pytest.fail("no trained model: run scripts/test (it trains one when missing)")
    files = Path(tempfile.mkdtemp(prefix="rsa-catalogue-page-"))
    env = dict(os.environ, RSA_JIEBA_DICT=str(files / "jieba" / "catalogue.txt"), RSA_NLU_DIR=str(files / "nlu"))
    # Beside the suite's shared stack: not +50, which is the distance between its Rasa and action ports.
    off = int(os.environ.get("RSA_TEST_PORT_OFFSET", "0")) + 23
    with SessionLocal() as s:
        saved = catalogue.export_catalogue(s)
    # The full model, whatever another test may have activated in the shared data directory.
    s = Stack(env=env, log_dir=files / "logs", model=ROOT / "models" / "current.tar.gz",
              api=18000 + off, actions=15055 + off, rasa=15005 + off).start()
    yield {"api": s.api_url, "rasa": s.rasa_url, "files": files, "token": s.env["RSA_RASA_TOKEN"]}
    s.stop()
    with SessionLocal() as session:  # the suite's other modules see the catalogue as seeded
        catalogue.import_catalogue(session, saved, replace=True)


@pytest.fixture(scope="module")
def browser():
    d = make_browser()
    yield d
    d.quit()


def sign_in(d, url):
    ensure_staff("catalogue-admin", "区数据局小林", PASSWORD, role="admin")
    d.get(url + "/console/admin#services")
    wait_for(lambda: d.find_element("id", "login").is_displayed(), what="login form")
    d.find_element("id", "username").send_keys("catalogue-admin")
    d.find_element("id", "password").send_keys(PASSWORD)
    d.find_element("css selector", "#login-form button").click()
    wait_for(lambda: d.find_element("id", "admin").is_displayed(), what="the admin page")


def click_item(d, code):
    def go():
        try:
            for li in d.find_elements("css selector", "#svc-list li"):
                if li.get_attribute("data-code") == code:
                    li.click()
                    return True
        except StaleElementReferenceException:
            pass
        return False
    wait_for(go, what=f"{code} in the list")
    wait_for(lambda: d.find_elements("css selector", "#svc-form textarea[name=aliases]"), what="the form")


def field(d, name):
    return d.find_element("css selector", f"#svc-form [name={name}]")


def steady(check):
    """check() for wait_for, False while the form is being drawn again (its elements replaced)."""
    def go():
        try:
            return check()
        except StaleElementReferenceException:
            return False
    return go


def bubbles(d):
    return [e.text for e in d.find_elements("css selector", ".row.bot .bubble")]


def rasa_tokens(stack, text):
    """How the running Rasa server segments text: (start, end) of each token."""
    r = requests.post(f"{stack['rasa']}/model/parse", params={"token": stack["token"]}, json={"text": text}, timeout=30)
    assert r.status_code == 200, r.text
    return [tuple(t) for t in r.json()["text_tokens"]]


def test_an_alias_saved_on_the_page_answers_the_resident_at_once(own_stack, browser, var_dir):
    d = browser
    question = f"{ALIAS}要带什么材料"
    assert (0, len(ALIAS)) not in rasa_tokens(own_stack, question)  # jieba does not know the word yet
    sign_in(d, own_stack["api"])
    d.find_element("css selector", "[role=tab][data-panel=services]").click()
    d.find_element("id", "svc-q").send_keys("低保")
    click_item(d, ITEM)
    assert field(d, "name").get_attribute("value") == "最低生活保障"
    assert field(d, "code").get_attribute("readonly")
    assert field(d, "fee").get_attribute("value") == "不收费"
    assert len(d.find_elements("css selector", "#svc-form table.materials tbody tr")) == 9

    # A bad value is refused by the backend and shown next to the form, the field marked.
    visits = field(d, "visits")
    visits.clear()
    visits.send_keys("9")
    d.find_element("id", "svc-save").click()
    wait_for(lambda: "跑动次数（visits）：不能大于3" in d.find_element("id", "svc-error").text, what="the error")
    assert "invalid" in d.find_element("css selector", "#svc-form [data-field=visits]").get_attribute("class")
    screenshot(d, var_dir, "admin-catalogue-error.png")
    visits.clear()
    visits.send_keys("1")

    field(d, "aliases").send_keys("\n" + ALIAS)
    d.find_element("id", "svc-save").click()
    wait_for(steady(lambda: "查询表已更新，重新训练后生效" in d.find_element("id", "svc-status").text), what="saved")
    assert d.find_element("id", "svc-error").text == ""
    assert ALIAS in field(d, "aliases").get_attribute("value").split("\n")
    screenshot(d, var_dir, "admin-catalogue.png")

    # Another admin saves the same item meanwhile: this page's next save is refused, and the
    # record can be loaded again with their change.
    other = requests.Session()
    r = other.post(own_stack["api"] + "/console/api/login", json={"username": "catalogue-admin", "password": PASSWORD})
    other.headers["X-CSRF-Token"] = r.json()["csrf"]
    theirs = other.get(f"{own_stack['api']}/console/api/admin/services/{ITEM}").json()
    theirs["record"]["window"] = "社会救助窗口"
    assert other.put(f"{own_stack['api']}/console/api/admin/services/{ITEM}", json=theirs).status_code == 200
    field(d, "fee").send_keys("（工本费除外）")
    d.find_element("id", "svc-save").click()
    wait_for(lambda: d.find_element("id", "svc-error").text == "这条记录已被其他管理员修改，请刷新后再改", what="the stale save refused")
    d.find_element("css selector", "#svc-form button.reload").click()
    wait_for(steady(lambda: d.find_element("id", "svc-error").text == ""
                    and field(d, "window").get_attribute("value") == "社会救助窗口"), what="the record loaded again")
    assert field(d, "fee").get_attribute("value") == "不收费"

    # The download is the catalogue as saved, named with the district's date.
    href = d.find_element("id", "svc-export").get_attribute("href")
    cookie = {"rsa_staff": d.get_cookie("rsa_staff")["value"]}
    r = requests.get(href, cookies=cookie, timeout=30)
    assert r.headers["content-disposition"].startswith('attachment; filename="catalogue-2026-11-')
    assert ALIAS in next(s for s in r.json()["services"] if s["code"] == ITEM)["aliases"]

    # A resident asks with the new alias: the guide of that item, without retraining.
    open_chat(d, own_stack["api"] + "/")
    d.find_element("id", "text").send_keys(question)
    d.find_element("id", "send").click()
    wait_for(lambda: any("最低生活保障" in b for b in bubbles(d)), timeout=60, what="the guide of 最低生活保障")
    screenshot(d, var_dir, "admin-catalogue-chat.png")

    # The running Rasa server segments the new word as one token now (it checks the dictionary
    # file every few seconds), so the model sees the alias the way it sees the others.
    words = (own_stack["files"] / "jieba" / "catalogue.txt").read_text(encoding="utf-8")
    assert f"{ALIAS} 2000 nz\n" in words
    wait_for(lambda: (0, len(ALIAS)) in rasa_tokens(own_stack, question), timeout=20, every=1,
             what="the Rasa server segmenting the new alias as one word")
