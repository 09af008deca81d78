"""No open internal doors (issue #9, items 1, 2, 7, 8, 13): the service token on every
machine-to-machine route, body caps before parsing, per-address and per-key limits,
sign-in throttling that rotating addresses or names cannot walk around, security headers
and the Secure cookie; and, with the three processes running, the action server and Rasa's
h5 webhook on loopback behind the token."""
import re
import select as io_select
import socket
import time
import uuid
from pathlib import Path

import pytest
import requests
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.core.db import SessionLocal, WriteSession
from api.incidents.models import Ticket
from api.main import app
from api.places.models import Community
from api.staff.auth import hash_password
from api.staff.models import StaffUser
from shared.settings import get_settings
from tests.conftest import SERVICE

STATIC = Path(__file__).resolve().parent.parent / "api" / "static"
PUBLIC_API = ("/api/chat", "/api/chat/info", "/api/chat/updates", "/api/chat/history")
INTERNAL = sorted({(r.path, m) for r in app.routes if isinstance(r, APIRoute) and r.path.startswith("/api/")
                   and r.path not in PUBLIC_API for m in r.methods})


def address(n: int) -> tuple:
    """A client address of its own, so one test's counts never meet another's."""
    return (f"198.51.100.{n}", 40000)


def settings(monkeypatch, **env):
    for k, v in env.items():
        monkeypatch.setenv(f"RSA_{k.upper()}", str(v))
    get_settings.cache_clear()


def tickets() -> int:
    with SessionLocal() as s:
        return s.scalar(select(func.count(Ticket.id)))


# ---- item 2: the service token ---------------------------------------------------------------

def test_there_are_internal_routes_to_check():
    assert ("/api/tickets", "POST") in INTERNAL and ("/api/handoff", "POST") in INTERNAL and len(INTERNAL) >= 15


@pytest.mark.parametrize("path, method", INTERNAL)
def test_every_internal_route_refuses_a_caller_without_the_service_token(path, method):
    url = re.sub(r"\{[^}]+\}", "WG202611240001", path)
    c = TestClient(app)
    refused = c.request(method, url, params={"sender": "resident-a", "text": "x"}, json={})
    assert refused.status_code == 401 and refused.json()["detail"] == "内部接口需要服务令牌"
    wrong = c.request(method, url, params={"sender": "resident-a"}, json={}, headers={"X-Service-Token": "guess"})
    assert wrong.status_code == 401
    # With the token the route itself answers (whatever it makes of this empty request); routes
    # for staff tools go on to ask for the admin token.
    r = c.request(method, url, params={"sender": "resident-a", "text": "x"}, json={}, headers=SERVICE)
    assert r.status_code != 401 or r.json()["detail"] == "管理令牌无效"


def test_reading_a_residents_reports_needs_the_token():
    c = TestClient(app)
    filed = c.post("/api/tickets", headers=SERVICE, json={"description": "小区门口井盖没了", "address": "柳岸新村5幢",
                                                           "phone": "13912345678", "sender": "resident-door"}).json()
    leaked = c.get("/api/tickets", params={"sender": "resident-door"})
    assert leaked.status_code == 401 and "1391" not in leaked.text and filed["number"] not in leaked.text
    assert c.get("/api/tickets", params={"sender": "resident-door"}, headers=SERVICE).json()[0]["number"] == filed["number"]


def test_staff_tools_holding_the_admin_token_get_in_and_the_pages_need_nothing():
    c = TestClient(app)
    assert c.get("/api/district", headers={"X-Admin-Token": "test-admin-token"}).status_code == 200
    assert c.get("/api/district", headers={"X-Admin-Token": "wrong"}).status_code == 401
    for path in ("/", "/console", "/static/chat.js", "/healthz", "/api/chat/info", "/open311/v2/services.json"):
        assert c.get(path).status_code == 200, path


def test_without_a_service_token_configured_internal_routes_are_closed(monkeypatch):
    settings(monkeypatch, service_token="")
    r = TestClient(app).get("/api/district", headers={"X-Service-Token": ""})
    assert r.status_code == 503 and "RSA_SERVICE_TOKEN" in r.json()["detail"]


# ---- item 2: bodies are capped before parsing ------------------------------------------------

def test_a_body_over_the_cap_is_refused_by_its_length_and_nothing_is_filed():
    before = tickets()
    big = b'{"description": "' + b"x" * (70 * 1024) + b'", "phone": "13912345678"}'
    r = TestClient(app).post("/api/tickets", content=big, headers={**SERVICE, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["detail"].startswith("请求内容太大")
    r = TestClient(app).post("/api/chat", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert tickets() == before


def test_a_streamed_body_without_length_is_counted_and_refused():
    before = tickets()

    def chunks():  # chunked transfer: no Content-Length to go by
        yield b'{"phone": "13912345678", "address": "", "description": "'
        for _ in range(40):
            yield b"y" * 4096
        yield b'"}'

    r = TestClient(app).post("/api/tickets", content=chunks(), headers={**SERVICE, "Content-Type": "application/json"})
    assert r.status_code == 413 and "请求内容太大" in r.json()["detail"]
    form = (b"x" * 4096 for _ in range(40))
    r = TestClient(app).post("/open311/v2/requests.json", content=form,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert tickets() == before


def test_the_catalogue_import_may_be_larger_but_not_without_bound():
    admin = {"X-Admin-Token": "test-admin-token", "Content-Type": "application/json"}
    middling = b'{"services": [], "pad": "' + b"z" * (200 * 1024) + b'"}'
    assert TestClient(app).post("/api/catalogue/import", content=middling, headers=admin).status_code != 413
    huge = b'{"pad": "' + b"z" * (1100 * 1024) + b'"}'
    assert TestClient(app).post("/api/catalogue/import", content=huge, headers=admin).status_code == 413


def test_a_small_body_still_gets_through():
    r = TestClient(app).post("/api/incidents/classify", headers=SERVICE, json={"text": "小区门口井盖没了"})
    assert r.status_code == 200


# ---- item 7: per-address and per-key limits ---------------------------------------------------

def test_one_address_is_slowed_down_on_public_routes(monkeypatch):
    settings(monkeypatch, address_burst=3, address_per_second=0.01)
    c = TestClient(app, client=address(1))
    assert [c.get("/api/chat/info").status_code for _ in range(3)] == [200] * 3
    r = c.get("/open311/v2/services.json")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1 and "请求太频繁" in r.json()["detail"]
    # Making up X-Forwarded-For changes nothing unless the peer is a trusted proxy.
    assert c.get("/", headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 429
    # Another address is not held up, nor are the action server's calls (behind the token).
    assert TestClient(app, client=address(2)).get("/api/chat/info").status_code == 200
    assert c.get("/api/district", headers=SERVICE).status_code == 200


def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_bucket(monkeypatch):
    settings(monkeypatch, address_burst=2, address_per_second=0.01, trusted_proxies="10.9.0.0/16")
    proxy = TestClient(app, client=("10.9.0.1", 40000))
    first = [proxy.get("/healthz", headers={"X-Forwarded-For": "203.0.113.10"}).status_code for _ in range(3)]
    assert first == [200, 200, 429]
    assert proxy.get("/healthz", headers={"X-Forwarded-For": "203.0.113.11"}).status_code == 200


def test_one_open311_key_cannot_flood_the_work_orders(monkeypatch):
    key = "k-" + uuid.uuid4().hex
    settings(monkeypatch, open311_keys=f"{key},other-key", open311_per_minute=2)
    c = TestClient(app)
    form = {"api_key": key, "service_code": "no-such-code", "address_string": "文昌路150号"}
    assert [c.post("/open311/v2/requests.json", data=form).status_code for _ in range(2)] == [404, 404]
    r = c.post("/open311/v2/requests.json", data=form)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1 and r.json()[0]["code"] == 429
    assert c.post("/open311/v2/requests.json", data={**form, "api_key": "other-key"}).status_code == 404


# ---- item 8: sign-in throttling -----------------------------------------------------------------

PASSWORD = "security-test-password-7"


def staff(name: str) -> str:
    with WriteSession() as s:
        if not s.scalars(select(StaffUser).where(StaffUser.username == name)).first():
            centre = s.scalars(select(Community).where(Community.name == "柳岸社区")).one().centre_id
            s.add(StaffUser(username=name, display_name=name, password_hash=hash_password(PASSWORD), role="staff",
                            centre_id=centre))
            s.commit()
    return name


def login(c, name, password, **headers):
    return c.post("/console/api/login", json={"username": name, "password": password}, headers=headers)


def test_rotating_forwarded_addresses_gives_no_more_guesses():
    name = staff("sec-rotate")
    c = TestClient(app, client=address(10))
    codes = [login(c, name, f"guess-{i}", **{"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(8)]
    assert codes == [401] * 5 + [429] * 3
    r = login(c, name, PASSWORD, **{"X-Forwarded-For": "203.0.113.200"})
    assert r.status_code == 429 and "秒后再试" in r.json()["detail"] and int(r.headers["Retry-After"]) >= 1


def test_guesses_from_many_addresses_count_against_the_one_account():
    name = staff("sec-many-addresses")
    codes = [login(TestClient(app, client=address(20 + i)), name, f"guess-{i}").status_code for i in range(6)]
    assert codes == [401] * 5 + [429]
    # Even the right password, from yet another address, waits: guessing then succeeding is impossible.
    assert login(TestClient(app, client=address(40)), name, PASSWORD).status_code == 429
    assert login(TestClient(app, client=address(40)), staff("sec-bystander"), PASSWORD).status_code == 200


def test_one_password_against_many_names_is_limited_per_address():
    real = staff("sec-sprayed")
    c = TestClient(app, client=address(50))
    codes = [login(c, f"sec-nobody-{i}", "Spring2026!").status_code for i in range(21)]
    assert codes == [401] * 20 + [429]
    assert login(c, real, PASSWORD).status_code == 429
    assert login(TestClient(app, client=address(51)), real, PASSWORD).status_code == 200


def test_a_success_clears_the_names_count():
    name = staff("sec-typo")
    c = TestClient(app, client=address(60))
    assert [login(c, name, "typo").status_code for _ in range(4)] == [401] * 4
    assert login(c, name, PASSWORD).status_code == 200
    assert [login(c, name, "typo").status_code for _ in range(5)] == [401] * 5


# ---- item 13: headers and the Secure cookie -------------------------------------------------------

@pytest.mark.parametrize("method, path", [("GET", "/"), ("GET", "/console"), ("GET", "/static/chat.js"),
                                          ("GET", "/api/chat/info"), ("GET", "/no-such-page"), ("GET", "/api/district")])
def test_every_answer_carries_the_security_headers(method, path):
    h = TestClient(app).request(method, path).headers
    csp = h["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("page", ["chat.html", "console.html"])
def test_the_pages_need_no_inline_script_or_style(page):
    html = (STATIC / page).read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html and not re.search(r"\sstyle=", html) and not re.search(r"\son[a-z]+=", html)


def test_the_staff_cookie_is_secure_behind_https(monkeypatch):
    name = staff("sec-cookie")
    plain = login(TestClient(app, client=address(70)), name, PASSWORD)
    assert plain.status_code == 200 and "secure" not in plain.headers["set-cookie"].lower()
    # X-Forwarded-Proto from anyone but a trusted proxy is not believed …
    forged = login(TestClient(app, client=address(71)), name, PASSWORD, **{"X-Forwarded-Proto": "https"})
    assert "secure" not in forged.headers["set-cookie"].lower()
    # … from the configured proxy it is, and HTTPS straight to the backend counts too.
    settings(monkeypatch, trusted_proxies="10.8.0.1")
    proxied = login(TestClient(app, client=("10.8.0.1", 40000)), name, PASSWORD,
                    **{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"})
    assert "; secure" in proxied.headers["set-cookie"].lower()
    direct = login(TestClient(app, base_url="https://testserver", client=address(72)), name, PASSWORD)
    assert "; secure" in direct.headers["set-cookie"].lower()


# ---- item 1 and the rest, with the three processes running -----------------------------------------

def listening(port: int) -> set:
    """Local addresses listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            host, hexport = local.split(":")
            if state == "0A" and int(hexport, 16) == port:
                found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(host)[::-1]) if len(host) == 8 else host)
    return found


def raw_post(port: int, path: str, head: str, chunks) -> str:
    """Send a request on a bare socket; return the status line, read as soon as the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode())
        for chunk in chunks:
            if io_select.select([s], [], [], 0.01)[0]:  # answered already: stop sending
                break
            s.sendall(chunk)
        return s.recv(65536).decode("utf-8", "replace").split("\r\n")[0]


def test_with_the_processes_running_internal_doors_are_shut(stack):
    api_port = int(stack["api"].rsplit(":", 1)[1])
    rasa_port = int(stack["rasa"].rsplit(":", 1)[1])
    actions_port = rasa_port + 50  # tests/conftest.py: 15005 + offset and 15055 + offset
    actions = f"http://127.0.0.1:{actions_port}"
    # Every process listens on loopback only.
    for port in (api_port, actions_port, rasa_port):
        assert listening(port) == {"127.0.0.1"}, (port, listening(port))

    # A made-up action call for another resident's report status: refused, nothing run.
    forged = {"next_action": "action_incident_status", "sender_id": "resident-door", "version": "3.6.21",
              "tracker": {"sender_id": "resident-door", "slots": {}, "latest_message": {"text": "我的报修怎么样了"},
                          "events": [], "paused": False, "followup_action": None, "active_loop": {},
                          "latest_action_name": None},
              "domain": {}}
    r = requests.post(actions + "/webhook", json=forged, timeout=10)
    assert r.status_code == 401 and "events" not in r.text and "responses" not in r.text
    assert requests.post(actions + "/webhook", json=forged, headers={"X-Service-Token": "guess"}, timeout=10).status_code == 401
    assert requests.get(actions + "/actions", timeout=10).status_code == 401
    assert requests.get(actions + "/health", timeout=10).status_code == 200

    # Rasa's h5 webhook answers the backend only.
    r = requests.post(stack["rasa"] + "/webhooks/h5/webhook", json={"sender": "resident-door", "message": "你好"}, timeout=30)
    assert r.status_code == 401

    # The backend's internal routes want the token; the chat page's do not.
    assert requests.get(stack["api"] + "/api/tickets", params={"sender": "resident-door"}, timeout=10).status_code == 401
    assert requests.get(stack["api"] + "/api/district", headers=SERVICE, timeout=10).status_code == 200

    # A 500 MB body is refused at once by its declared length, and a chunked one after 64 KB.
    before = tickets()
    t0 = time.monotonic()
    status = raw_post(api_port, "/api/chat", "Content-Type: application/json\r\nContent-Length: 524288000\r\n",
                      [b'{"text": "' + b"x" * 65536])
    assert " 413 " in status and time.monotonic() - t0 < 10
    head = f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Service-Token: {SERVICE['X-Service-Token']}\r\n"
    piece = b"y" * 32768
    chunks = [b"%x\r\n%s\r\n" % (len(p), p) for p in [b'{"phone": "13912345678", "description": "'] + [piece] * 64]
    status = raw_post(api_port, "/api/tickets", head, chunks)
    assert " 413 " in status
    assert tickets() == before
    # The assistant still answers through the backend after all that.
    assert requests.get(stack["api"] + "/healthz", timeout=10).status_code == 200


def test_the_action_server_answers_rasa_with_the_token(talk):
    """Rasa shows the token (bot/endpoints.yml): a conversation that runs actions still works."""
    assert any("材料" in (m.get("text") or "") for m in talk("居住证要带什么材料"))

