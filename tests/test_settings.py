"""One validated settings object: the README lists exactly its variables, a wrong value stops
start-up with the variable's name, and the hotline and the district come from settings and
data (the tests run with RSA_HOTLINE=96345), never from code."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.core.db import WriteSession
from api.handoff import relay
from api.main import app
from shared.settings import ROOT, Settings, SettingsError, env_names, get_settings
from tests.conftest import SERVICE

client = TestClient(app, headers=SERVICE)  # the action server's calls


def readme_variables():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return sorted(set(re.findall(r"^\| `(RSA_[A-Z0-9_]+)`", section, flags=re.M)))


def test_the_readme_lists_every_setting_and_no_other():
    assert readme_variables() == env_names()


def test_no_code_reads_rsa_variables_behind_the_settings_back():
    offenders = []
    for folder in ("api", "actions", "bot", "shared"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name != "settings.py" and re.search(r"environ(\.get)?[\[(]\s*[\"']RSA_", path.read_text("utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.parametrize("name, value, says", [
    ("RSA_API_PORT", "eighty", "RSA_API_PORT"),
    ("RSA_TIMEZONE", "Mars/Olympus", "unknown time zone"),
    ("RSA_HOTLINE", "call us", "RSA_HOTLINE"),
    ("RSA_CHAT_PER_SECOND", "0", "RSA_CHAT_PER_SECOND"),
])
def test_a_wrong_value_is_named_at_start_up(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with pytest.raises(SettingsError) as e:
        get_settings()
    assert says in str(e.value)


def test_the_backend_refuses_to_start_with_a_wrong_value():
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "RSA_STAFF_SESSION_HOURS": "a long time"}
    r = subprocess.run([sys.executable, "-c", "from shared.settings import get_settings; get_settings()"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "RSA_STAFF_SESSION_HOURS" in r.stderr and "Traceback" not in r.stderr


def test_urls_between_the_processes_follow_the_ports(monkeypatch):
    for key in ("RSA_BACKEND_URL", "RSA_RASA_URL", "RSA_ACTION_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("RSA_API_PORT", "18123")
    monkeypatch.setenv("RSA_ACTIONS_PORT", "15123")
    s = Settings()
    assert s.backend_url == "http://127.0.0.1:18123" and s.action_url == "http://127.0.0.1:15123/webhook"


def test_the_hotline_setting_reaches_the_page_answers_and_call_backs(monkeypatch):
    assert get_settings().hotline == "96345"  # set by conftest, so "12345" anywhere below is hard-coded
    info = client.get("/api/chat/info").json()
    assert info == {"name": "明湖区", "city": "江州市", "province": "浙江省", "hotline": "96345",
                    "timezone": "Asia/Shanghai"}
    unknown = client.post("/api/assist/service-answer", json={"text": "办驾照要带什么材料"}).json()
    assert "96345" in unknown["text"] and "12345" not in unknown["text"]
    monkeypatch.setenv("RSA_RASA_URL", "http://127.0.0.1:9")  # the assistant is down
    get_settings.cache_clear()
    down = client.post("/api/chat", json={"sender": "hotline-check-1", "text": "你好"})
    assert down.status_code == 503 and "96345" in down.json()["messages"][0]["text"]


def test_the_call_back_notice_gives_the_configured_hotline():
    import datetime as dt

    from api.handoff import cases
    opened = dt.datetime(2026, 11, 24, 9, 0)
    with WriteSession() as s:
        case = cases.open_case(s, sender="hotline-check-2", channel="h5", reason="asked", community="新塘社区",
                               context={}, transcript=[], at=opened)
        relay.expire_unclaimed(s, "hotline-check-2", at=opened + dt.timedelta(minutes=15))
        notice = case.messages[-1].text
    assert "96345" in notice and "12345" not in notice and case.centre.phone in notice


def test_the_page_names_no_district_and_no_hotline_itself():
    for name in ("chat.html", "chat.js", "console.html", "console.js"):
        text = (Path(ROOT) / "api" / "static" / name).read_text(encoding="utf-8")
        assert "明湖" not in text, name
        assert "12345" not in text or name == "chat.js" and text.count("12345") == 1, name  # the offline default
