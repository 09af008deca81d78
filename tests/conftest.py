"""Test set-up: one throw-away data directory per test session, migrated and seeded once.

The environment is set before anything imports `api`. No test reads the real clock: the
district clock of this process and of the three processes the end-to-end tests start begins
at a fixed Tuesday morning (RSA_CLOCK_START), and tests that need another time freeze it.
The hotline is not the default, so tests show that the setting reaches every place.
"""
import os
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

_VAR = Path(tempfile.mkdtemp(prefix="rsa-test-"))
os.environ["RSA_VAR_DIR"] = str(_VAR)
os.environ["RSA_DATABASE_URL"] = f"sqlite:///{_VAR / 'backend.db'}"
os.environ["RSA_TRACKER_DB"] = str(_VAR / "tracker.db")
os.environ["RSA_TRACKER_DIALECT"] = "sqlite"
os.environ["RSA_ADMIN_TOKEN"] = "test-admin-token"
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ["RASA_TELEMETRY_ENABLED"] = "false"
os.environ["RSA_CLOCK_START"] = "2026-11-24T09:00:00"  # a Tuesday, centres open 8:30-11:30
os.environ["RSA_HOTLINE"] = "96345"
os.environ["RSA_SERVICE_TOKEN"] = "test-service-token"
SERVICE = {"X-Service-Token": "test-service-token"}  # what the action server sends to /api/
# Every test client starts conversations from one address; the limit itself is tested with its own value.
os.environ["RSA_NEW_CHATS_PER_HOUR"] = "100000"
# Likewise every request of the suite comes from one address (testclient, 127.0.0.1);
# tests/test_security.py tests the per-address limit with its own values.
os.environ["RSA_ADDRESS_BURST"] = "100000"
# Labels made in tests go to a copy of nlu_data/, never into the repository's; a training run
# started in a test uses the small fast configuration made for tests.
shutil.copytree(Path(__file__).resolve().parent.parent / "nlu_data", _VAR / "nlu_data")
os.environ["RSA_NLU_DIR"] = str(_VAR / "nlu_data")
(_VAR / "jieba").mkdir()
shutil.copy(Path(__file__).resolve().parent.parent / "bot" / "jieba" / "catalogue.txt", _VAR / "jieba" / "catalogue.txt")
os.environ["RSA_JIEBA_DICT"] = str(_VAR / "jieba" / "catalogue.txt")
os.environ["RSA_TRAIN_CONFIG"] = str(Path(__file__).resolve().parent / "data" / "train-fast.yml")

from api import cli  # noqa: E402

cli.migrate()
cli.seed()

ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_VAR, ignore_errors=True)


@pytest.fixture(scope="session")
def var_dir():
    return _VAR


# ---- the three real processes, for end-to-end tests ------------------------------------------

@pytest.fixture(scope="session")
def stack():
    from scripts.stack import Stack
    if not (ROOT / "models" / "current.tar.gz").exists():
        pytest.fail("no trained model: run scripts/test (it trains one when missing)")
    # RSA_TEST_PORT_OFFSET lets two test runs on one machine start their stacks side by side.
    off = int(os.environ.get("RSA_TEST_PORT_OFFSET", "0"))
    s = Stack(api=18000 + off, actions=15055 + off, rasa=15005 + off).start()
    yield {"api": s.api_url, "rasa": s.rasa_url, "log_dir": s.log_dir, "rasa_token": s.env["RSA_RASA_TOKEN"]}
    s.stop()


@pytest.fixture
def talk(stack):
    """talk(text) → list of bot messages, in one conversation per test (Rasa's REST webhook)."""
    import uuid

    import requests
    sender = "t" + uuid.uuid4().hex[:16]

    def send(text):
        r = requests.post(f"{stack['rasa']}/webhooks/h5/webhook", json={"sender": sender, "message": text},
                          headers=SERVICE, timeout=60)
        assert r.status_code == 200, r.text
        return r.json()

    send.sender = sender
    return send



@pytest.fixture(autouse=True)
def fresh_settings():
    """Settings are read once per process; a test that changes the environment with
    monkeypatch gets them read again, and the next test gets them back."""
    from shared.settings import get_settings
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@contextmanager
def database_copy(path: Path):
    """The backend works on a copy of the suite's database meanwhile (a fuzz files cases and
    tickets by the hundred; no other test should find them in its queue)."""
    from api.core import db
    with sqlite3.connect(db.engine.url.database) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    engine = db.make_engine(f"sqlite:///{path}")
    db.SessionLocal.configure(bind=engine)
    db.WriteSession.configure(bind=engine.execution_options(writer=True))
    try:
        yield
    finally:
        db.SessionLocal.configure(bind=db.engine)
        db.WriteSession.configure(bind=db.engine.execution_options(writer=True))
        engine.dispose()
