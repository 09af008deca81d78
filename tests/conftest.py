"""Test set-up: one throw-away data directory per test session, migrated and seeded once.

The environment is set before anything imports `api`, because settings are read at import.
"""
import os
import shutil
import tempfile
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

E2E_PORTS = {"RSA_API_PORT": "18000", "RSA_ACTIONS_PORT": "15055", "RSA_RASA_PORT": "15005"}


@pytest.fixture(scope="session")
def stack():
    from scripts.stack import Stack
    model = ROOT / "models" / "current.tar.gz"
    if not model.exists():
        pytest.fail("no trained model: run scripts/test (it trains one when missing)")
    env = dict(os.environ, **E2E_PORTS)
    env.update(RSA_BACKEND_URL=f"http://127.0.0.1:{E2E_PORTS['RSA_API_PORT']}",
               RSA_ACTION_URL=f"http://127.0.0.1:{E2E_PORTS['RSA_ACTIONS_PORT']}/webhook",
               RSA_RASA_URL=f"http://127.0.0.1:{E2E_PORTS['RSA_RASA_PORT']}")
    s = Stack(env=env).start()
    yield {"api": env["RSA_BACKEND_URL"], "rasa": env["RSA_RASA_URL"], "log_dir": s.log_dir}
    s.stop()


@pytest.fixture
def talk(stack):
    """talk(text) → list of bot messages, in one conversation per test (Rasa's REST webhook)."""
    import uuid

    import requests
    sender = "t" + uuid.uuid4().hex[:16]

    def send(text):
        r = requests.post(f"{stack['rasa']}/webhooks/h5/webhook", json={"sender": sender, "message": text}, timeout=60)
        assert r.status_code == 200, r.text
        return r.json()

    send.sender = sender
    return send
