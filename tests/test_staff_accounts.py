"""Staff accounts on the command line (add, reset a password, deactivate, sign out everywhere),
the password policy, and who may transfer a claimed case."""
import os
import subprocess
import sys
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.core.db import SessionLocal, WriteSession
from api.handoff import cases as handoff
from api.main import app
from api.places.models import Community
from api.staff.auth import hash_password, password_problem
from api.staff.models import AuditEntry, StaffUser
from tests.conftest import ROOT

PASSWORD = "correct horse battery"


def cli(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "api.cli", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=os.environ.copy(), timeout=120)


def sign_in(username, password=PASSWORD):
    c = TestClient(app)
    r = c.post("/console/api/login", json={"username": username, "password": password})
    if r.status_code == 200:
        c.headers["X-CSRF-Token"] = r.json()["csrf"]
    return c, r.status_code


def audited(username):
    with SessionLocal() as s:
        return [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.target == username))]


@pytest.mark.parametrize("password", [
    "short1!", "aaaaaaaaaa", "abcabcabcabc", "1234567890", "13912345678", "abcdefghij", "qwertyuiop",
    "1qaz2wsx3edc", "Password123", "admin12345", "woaini1314!", "xiaoming-2026x"])
def test_trivially_weak_passwords_are_refused(password):
    assert password_problem(password, "xiaoming") is not None


@pytest.mark.parametrize("password", [PASSWORD, "柳岸社区的春天终于来了", "t7#Lw9-qe2Vb"])
def test_reasonable_passwords_pass(password):
    assert password_problem(password, "xiaoming") is None


def test_add_staff_succeeds_and_refuses_weak_passwords():
    name = "u" + uuid.uuid4().hex[:8]
    weak = cli("add-staff", name, "--name", "小王", "--community", "柳岸社区", stdin="aaaaaaaaaa\n")
    assert weak.returncode == 2 and "password refused" in weak.stderr and "Traceback" not in weak.stderr
    out = cli("add-staff", name, "--name", "小王", "--community", "柳岸社区", stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr and f"created staff {name} at 柳岸社区" in out.stdout
    assert sign_in(name)[1] == 200
    assert "add staff" in audited(name)
    again = cli("add-staff", name, "--name", "小王", "--community", "柳岸社区", stdin=PASSWORD + "\n")
    assert again.returncode == 2 and "already exists" in again.stderr


@pytest.fixture
def colleague():
    name = "u" + uuid.uuid4().hex[:8]
    with WriteSession() as s:
        centre = s.scalars(select(Community).where(Community.name == "柳岸社区")).one().centre_id
        s.add(StaffUser(username=name, display_name="小李" + name[-3:], password_hash=hash_password(PASSWORD),
                        role="staff", centre_id=centre))
        s.commit()
    return name


def test_reset_password_signs_out_and_only_the_new_one_works(colleague):
    c, _ = sign_in(colleague)
    assert c.get("/console/api/queue").status_code == 200
    assert cli("reset-password", colleague, stdin="1234567890\n").returncode == 2  # the policy holds here too
    out = cli("reset-password", colleague, stdin="new-harbour-lantern\n")
    assert out.returncode == 0 and "ended 1 session" in out.stdout, out.stdout + out.stderr
    assert c.get("/console/api/queue").status_code == 401
    assert sign_in(colleague)[1] == 401 and sign_in(colleague, "new-harbour-lantern")[1] == 200
    assert "reset password" in audited(colleague)


def test_end_sessions_and_deactivate(colleague):
    first, _ = sign_in(colleague)
    second, _ = sign_in(colleague)
    out = cli("end-sessions", colleague)
    assert out.returncode == 0 and "ended 2 sessions" in out.stdout, out.stdout + out.stderr
    assert first.get("/console/api/queue").status_code == 401 and second.get("/console/api/queue").status_code == 401
    third, _ = sign_in(colleague)  # may sign in again
    out = cli("deactivate-staff", colleague)
    assert out.returncode == 0 and "ended 1 session" in out.stdout
    assert third.get("/console/api/queue").status_code == 401 and sign_in(colleague)[1] == 401
    assert {"end sessions", "deactivate staff"} <= set(audited(colleague))
    assert cli("end-sessions", "nobody-" + colleague).returncode == 2


def test_only_the_holder_or_a_supervisor_transfers_a_claimed_case(colleague):
    holder, _ = sign_in(colleague)
    with WriteSession() as s:
        other = "u" + uuid.uuid4().hex[:8]
        s.add(StaffUser(username=other, display_name="小赵", password_hash=hash_password(PASSWORD), role="staff",
                        centre_id=s.scalars(select(Community).where(Community.name == "柳岸社区")).one().centre_id))
        boss = "u" + uuid.uuid4().hex[:8]
        s.add(StaffUser(username=boss, display_name="主管", password_hash=hash_password(PASSWORD), role="supervisor"))
        s.commit()
        cid = handoff.open_case(s, sender=f"resident-{uuid.uuid4().hex}", channel="h5", reason="asked",
                                community="柳岸社区", context={}, transcript=[{"author": "resident", "text": "找人"}]).id
        other_id = s.scalars(select(StaffUser.id).where(StaffUser.username == other)).one()
        holder_id = s.scalars(select(StaffUser.id).where(StaffUser.username == colleague)).one()
    assert holder.post(f"/console/api/cases/{cid}/claim").status_code == 200
    taker, _ = sign_in(other)
    grab = taker.post(f"/console/api/cases/{cid}/transfer", json={"staff_id": other_id})
    assert grab.status_code == 409 and "只有认领人或主管可以转交" in grab.json()["detail"]
    assert taker.get(f"/console/api/cases/{cid}").json()["assignee"].startswith("小李")
    supervisor, _ = sign_in(boss)
    moved = supervisor.post(f"/console/api/cases/{cid}/transfer", json={"staff_id": other_id})
    assert moved.status_code == 200 and moved.json()["assignee"] == "小赵"
    # Now the holder, 小赵 may pass it on (straight to a person: it stays out of the waiting queue).
    back = taker.post(f"/console/api/cases/{cid}/transfer", json={"staff_id": holder_id})
    assert back.status_code == 200 and back.json()["assignee"].startswith("小李")
