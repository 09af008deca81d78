"""The admins' loop end to end, in headless Chromium, with all three processes really running:
residents write something the assistant does not understand (Cantonese thanks); an admin finds
both messages in the review inbox, labels them, trains with a small fast configuration made for
this test, reads the evaluation report, activates the model (knowingly overriding the gate, set
here so that no model passes it), and the live assistant now understands the new phrasing; after
a rollback it does not.

The stack here is this test's own (its own data folder, database, tracker store, models and a
copy of nlu_data/), so swapping models never touches the stack the other tests share."""
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
import requests

from tests.browser import make_browser, screenshot
from tests.browser import wait_for as browser_wait_for
from tests.conftest import ROOT, SERVICE

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
ADMIN, PASSWORD = "xunlian", "admin-trainer-2026"
# Cantonese thanks: nothing in the training data says it, so the live model cannot know it.
NEW_PHRASES = ("唔该晒", "唔该晒你哋")
THANKS = "不客气"  # the start of the answer to `thank` (bot/domain/chitchat.yml)


def wait_for(check, timeout=30, what="condition"):
    return browser_wait_for(check, timeout, what, every=0.3)


@pytest.fixture(scope="module")
def own_stack():
    from scripts.stack import Stack
    if not (ROOT / "models" / "current.tar.gz").exists():
        pytest.fail("no trained model: run scripts/test (it trains one when missing)")
    var = Path(tempfile.mkdtemp(prefix="rsa-retrain-"))
    nlu = var / "nlu_data"
    shutil.copytree(ROOT / "nlu_data", nlu)
    env = dict(os.environ, RSA_VAR_DIR=str(var), RSA_DATABASE_URL=f"sqlite:///{var / 'backend.db'}",
               RSA_TRACKER_DB=str(var / "tracker.db"), RSA_NLU_DIR=str(nlu),
               RSA_TRAIN_CONFIG=str(ROOT / "tests" / "data" / "train-fast.yml"),
               # Every message the live model is not entirely certain of reaches the inbox: a model
               # trained afresh may read Cantonese as anything, sometimes at 0.9.
               RSA_REVIEW_CONFIDENCE="1",
               # A gate no model passes (it must beat the live one by a whole 1.0), so the refusal and
               # the override are what the admin meets, whatever the two models happen to score: the
               # fast model is sometimes as good as the live one on the development set.
               RSA_GATE_TOLERANCE="-1")
    subprocess.run([sys.executable, "-c", "from api import cli; cli.migrate(); cli.seed(); "
                    f"cli.add_staff({ADMIN!r}, '训练管理员', 'admin', '', {PASSWORD!r})"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    off = int(os.environ.get("RSA_TEST_PORT_OFFSET", "0"))
    s = Stack(env=env, api=18600 + off, actions=15655 + off, rasa=15605 + off).start()
    yield {"api": s.api_url, "rasa": s.rasa_url, "var": var, "nlu": nlu}
    s.stop()
    shutil.rmtree(var, ignore_errors=True)


def chat(stack, sender, text):
    """What the assistant answers a resident, through the backend's chat relay as the page does."""
    r = requests.post(f"{stack['rasa']}/webhooks/h5/webhook", json={"sender": sender, "message": text},
                      headers=SERVICE, timeout=60)
    assert r.status_code == 200, r.text
    return " ".join(m.get("text") or "" for m in r.json())


def label_group(d, text, intent, shot=None):
    def open_group():  # the group whose message is exactly `text` (the list re-renders: wait_for retries)
        for li in d.find_elements("css selector", "#inbox-groups li"):
            shown = li.find_elements("css selector", ".text")
            if shown and shown[0].text == text:
                li.click()
                return True
        return False
    wait_for(open_group, what=f"the group {text!r}")
    wait_for(lambda: [e for e in d.find_elements("id", "inbox-text") if e.text == text], what=f"the message {text!r}")
    if shot:
        screenshot(d, *shot)
    d.find_element("css selector", f"#label-intent option[value={intent}]").click()
    d.execute_script("document.getElementById('notice').textContent = ''")
    d.find_element("id", "label-save").click()
    def error():  # read in one go: the form re-renders when the label is saved
        return d.execute_script("var e = document.getElementById('label-error'); return e ? e.innerText.trim() : '';")
    wait_for(lambda: "已标注" in d.find_element("id", "notice").text or error(), what="labelled")
    assert not error(), error()


def test_label_train_activate_understands_then_rollback(own_stack):
    before = [chat(own_stack, "r" + uuid.uuid4().hex[:12], t) for t in NEW_PHRASES]
    assert not any(THANKS in b for b in before), before  # the live model does not know them yet

    d = make_browser()
    try:
        d.get(own_stack["api"] + "/console/admin")
        wait_for(lambda: d.find_element("id", "login").is_displayed(), what="sign-in form")
        d.find_element("id", "username").send_keys(ADMIN)
        d.find_element("id", "password").send_keys(PASSWORD)
        d.find_element("css selector", "#login-form button").click()
        wait_for(lambda: d.find_element("id", "admin").is_displayed(), what="the admin page")
        wait_for(lambda: d.find_elements("id", "inbox-collect"), what="the inbox")
        d.find_element("id", "inbox-collect").click()
        label_group(d, NEW_PHRASES[0], "thank", shot=(own_stack["var"], "admin-inbox.png"))
        label_group(d, NEW_PHRASES[1], "thank")
        reviewed = (own_stack["nlu"] / "reviewed.yml").read_text(encoding="utf-8")
        assert all(t in reviewed for t in NEW_PHRASES) and "intent: thank" in reviewed, reviewed

        d.find_element("css selector", ".admin-tabs [data-panel=models]").click()
        wait_for(lambda: d.find_element("id", "train-start").is_enabled(), what="train button")
        d.find_element("id", "train-start").click()
        wait_for(lambda: "训练" in d.find_element("id", "train-stage").text, what="a run under way")
        # Fast configuration: a few minutes on two cores, evaluation included.
        wait_for(lambda: d.find_element("id", "model-report").is_displayed() and
                 d.find_elements("css selector", "#model-report img.confusion"), timeout=900, what="the report")
        report = d.find_element("id", "model-report").text
        assert "宏平均 F1" in report and "混淆矩阵" in report, report
        assert d.execute_script("return Array.prototype.every.call(document.querySelectorAll('#model-report img.confusion'),"
                                " function (i) { return i.complete && i.naturalWidth > 100; })")
        d.execute_script("document.getElementById('model-report').scrollIntoView()")
        screenshot(d, own_stack["var"], "admin-report.png")

        # The gate refuses; the admin overrides knowingly.
        new_row = d.find_elements("css selector", "#models tr[data-status=candidate]")[0]
        new_row.find_element("css selector", "button[data-activate]").click()
        wait_for(lambda: "没有启用" in d.find_element("id", "notice").text, what="the gate's refusal")
        wait_for(lambda: d.find_elements("id", "override-form"), what="the override offer")
        d.find_element("id", "override-ok").click()
        d.find_element("id", "override-reason").send_keys("端到端测试：验证新说法能被理解")
        d.find_element("css selector", "#override-form button").click()
        wait_for(lambda: "已启用模型" in d.find_element("id", "notice").text, timeout=120, what="activated")
        after = chat(own_stack, "r" + uuid.uuid4().hex[:12], NEW_PHRASES[0])
        assert THANKS in after, after

        d.find_element("id", "model-rollback").click()
        d.switch_to.alert.accept()
        wait_for(lambda: "已回滚" in d.find_element("id", "notice").text, timeout=180, what="rolled back")
        again = chat(own_stack, "r" + uuid.uuid4().hex[:12], NEW_PHRASES[0])
        assert THANKS not in again, again
        screenshot(d, own_stack["var"], "admin-models.png")
    finally:
        d.quit()
