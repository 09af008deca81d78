"""The layout holds: imports go one way (contracts in pyproject.toml), the Alembic migrations
build exactly the schema the models describe, and GET requests never write."""
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, select

import api.admin.models  # noqa: F401  (each import registers its tables)
import api.channels.models  # noqa: F401
import api.guide.models  # noqa: F401
import api.handoff.models  # noqa: F401
import api.incidents.models  # noqa: F401
import api.places.models  # noqa: F401
import api.routing.models  # noqa: F401
import api.staff.models  # noqa: F401
from api import cli
from api.core.db import Base, WriteSession, engine
from api.handoff import cases
from api.main import app
from api.staff.auth import hash_password
from api.staff.models import StaffUser
from shared.settings import ROOT
from tests.conftest import SERVICE

BIN = Path(sys.executable).parent


def test_imports_go_one_way():
    r = subprocess.run([str(BIN / "lint-imports"), "--config", "pyproject.toml", "--no-cache"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


def test_migrations_build_the_schema_the_models_describe(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("RSA_DATABASE_URL", url)
    cli.migrate()
    fresh = create_engine(url)
    with fresh.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_reading_routes_do_not_write():
    """Every GET a resident, staff tool or Open311 client makes leaves the database as it was."""
    writes = []

    def spy(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement.split()[0:3])

    with WriteSession() as s:
        if not s.scalars(select(StaffUser).where(StaffUser.username == "get-spy")).first():
            s.add(StaffUser(username="get-spy", display_name="只读检查", password_hash=hash_password("get-spy-password"),
                            role="supervisor"))
            s.add(StaffUser(username="get-spy-admin", display_name="只读检查管理员",
                            password_hash=hash_password("spy-admin-passphrase"), role="admin"))
            s.commit()
        case = cases.open_case(s, sender="get-spy-case", channel="h5", reason="asked", community="柳岸社区",
                               context={}, transcript=[{"author": "resident", "text": "转人工"}])
    event.listen(engine, "before_cursor_execute", spy)
    try:
        c = TestClient(app, headers=SERVICE)
        number = c.post("/api/tickets", json={"description": "路灯不亮了", "address": "柳岸新村5幢",
                                              "phone": "13857100002", "sender": "get-spy-1"}).json()["number"]
        staff = TestClient(app)
        assert staff.post("/console/api/login", json={"username": "get-spy", "password": "get-spy-password"}).status_code == 200
        admin = TestClient(app)
        assert admin.post("/console/api/login", json={"username": "get-spy-admin",
                                                      "password": "spy-admin-passphrase"}).status_code == 200
        writes.clear()
        for path in (f"/api/tickets/{number}", "/api/tickets?sender=get-spy-1", "/open311/v2/requests.json",
                     f"/open311/v2/requests/{number}.json", "/api/district", "/api/communities", "/api/services",
                     "/api/search?q=居住证", "/api/chat/info", "/healthz"):
            assert c.get(path).status_code == 200, path
        for path in ("/me", "/queue", f"/cases/{case.id}", f"/cases/{case.id}/canned", "/labels", "/staff", "/centres",
                     "/audit"):
            assert staff.get("/console/api" + path).status_code == 200, path
        for path in ("/inbox", "/inbox?status=labelled", "/intents", "/training", "/models", "/services?q=居住证",
                     "/services/GA-07-0001", "/categories", "/catalogue/form", "/catalogue/export", "/categories/export"):
            assert admin.get("/console/api/admin" + path).status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert writes == []
