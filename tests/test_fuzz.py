"""A bounded fuzz of every route in the backend's OpenAPI description (schemathesis): whatever
arrives, the answer is never a 500 and never hangs. In process, against the ASGI app, with a
fixed seed and a fixed number of examples per operation. Internal /api/ routes get the service
token and the console routes a signed-in supervisor, so the fuzz reaches past the doors. Plus
the inputs that gave 500s before (issue #9, item 11)."""
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.python import asgi
from sqlalchemy import select

from api.core.db import WriteSession
from api.core.ratelimit import RateLimiter
from api.main import app
from api.staff import routes as staff_routes
from api.staff.auth import hash_password
from api.staff.models import StaffUser
from shared.settings import get_settings
from tests.conftest import SERVICE, database_copy

EXAMPLES = 12          # per operation: ~50 operations, well under a minute on 2 cores
REQUEST_SECONDS = 20   # a request taking longer than this is a hang
PASSWORD = "fuzz-supervisor-pass"

schema = schemathesis.openapi.from_dict(app.openapi())


@pytest.fixture(scope="module", autouse=True)
def own_database(var_dir):
    """The fuzz files cases, tickets and call-backs by the hundred: it works on a copy of the
    suite's database, so no other test finds them in its queue."""
    with database_copy(var_dir / "fuzz.db"):
        yield


@pytest.fixture(scope="module")
def fuzzer(own_database):
    name = "fuzz" + uuid.uuid4().hex[:8]
    with WriteSession() as s:
        if not s.scalars(select(StaffUser).where(StaffUser.username == name)).first():
            s.add(StaffUser(username=name, display_name="测试主管", password_hash=hash_password(PASSWORD),
                            role="supervisor"))
            s.commit()
    return name


@pytest.fixture
def client(fuzzer, monkeypatch):
    # Random sign-ins must not use up the suite's sign-in failure allowance for its one address.
    monkeypatch.setattr(staff_routes, "account_failures", RateLimiter(burst=10 ** 6, per_second=1))
    monkeypatch.setattr(staff_routes, "address_failures", RateLimiter(burst=10 ** 6, per_second=1))
    # Not entered as a context manager: no lifespan, so no background loop in the test process.
    c = asgi.get_client(app)
    r = c.post("/console/api/login", json={"username": fuzzer, "password": PASSWORD}, timeout=REQUEST_SECONDS)
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf"]
    c.headers.update(SERVICE)
    # Work-order actions too (not the catalogue import: a random catalogue would still be a catalogue).
    c.headers["X-Admin-Token"] = "test-admin-token"
    return c


def served(status: int) -> bool:
    return status < 500 or status == 503  # 503: "try again later" is an honest answer, not a fault


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_route_answers_500_or_hangs(case, client):
    # Past the doors: generated credentials would only ever meet a 401 (the doors have their own tests).
    if case.headers:
        for h in ("X-Service-Token", "X-CSRF-Token", "X-Admin-Token"):
            case.headers.pop(h, None)
    if case.operation.path == "/api/catalogue/import":
        case.headers = {**(case.headers or {}), "X-Admin-Token": "not-the-token"}
    if case.cookies:
        case.cookies.pop("rsa_staff", None)
    if "fmt" in (case.path_parameters or {}):  # a made-up format is only ever a 400
        case.path_parameters["fmt"] = "xml" if len(repr(case.query)) % 2 else "json"
    r = client.request(**case.as_transport_kwargs(base_url="http://testserver"), timeout=REQUEST_SECONDS)
    assert served(r.status_code), f"{r.status_code} {r.text[:300]}\n{case.as_curl_command()}"


# ---- the ones found by hand (item 11) ------------------------------------------------------------

@pytest.mark.parametrize("start_date", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "2026-13-01"])
def test_open311_dates_out_of_range_are_a_400(client, start_date):
    r = client.get("/open311/v2/requests.json", params={"start_date": start_date})
    assert r.status_code == 400 and "start_date" in r.json()[0]["description"]


@pytest.mark.parametrize("lat", ["inf", "1e309", "nan", "-inf", "91", "abc"])
def test_open311_coordinates_must_be_real_numbers_on_earth(client, monkeypatch, lat):
    monkeypatch.setenv("RSA_OPEN311_KEYS", "fuzz-key")
    get_settings.cache_clear()
    code = client.get("/open311/v2/services.json").json()[0]["service_code"]
    r = client.post("/open311/v2/requests.json", data={"api_key": "fuzz-key", "service_code": code, "lat": lat,
                                                      "long": "120.1745", "description": "路灯不亮"})
    get_settings.cache_clear()
    assert r.status_code == 400 and "lat" in r.json()[0]["description"], r.text


@pytest.mark.parametrize("lat", ["inf", "1e309", "nan"])
def test_locating_with_impossible_coordinates_is_refused_not_a_500(client, lat):
    r = client.post("/api/incidents/locate", data=f'{{"text": "", "lat": {lat}, "lon": 120.1}}'.replace(
        "inf", "Infinity").replace("nan", "NaN"), headers={"Content-Type": "application/json"})
    assert r.status_code == 422


@pytest.mark.parametrize("before", ["99999999999999999999999", "-1", "0"])
def test_audit_log_page_past_sqlite_integers_is_a_400(client, before):
    r = client.get("/console/api/audit", params={"before": before})
    assert r.status_code in (400, 422), r.text


def test_audit_log_largest_id_still_works(client):
    assert client.get("/console/api/audit", params={"before": 2 ** 63 - 1, "limit": 3}).status_code == 200


@pytest.mark.parametrize("path", ["/static/chat.js%00.html", "/static/%00", "/static/chat.js%00"])
def test_nul_in_a_static_path_is_not_found(client, path):
    assert client.get(path).status_code == 404
    assert client.get("/static/chat.js").status_code == 200


# ---- Open311 POST: a form the OpenAPI description does not describe --------------------------------

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
COORD = st.one_of(st.floats().map(repr), TEXT, st.sampled_from(["30.2545", "120.1745", "", "1e309", "-0"]))


@pytest.fixture
def open311_key(monkeypatch):
    monkeypatch.setenv("RSA_OPEN311_KEYS", "fuzz-key")
    monkeypatch.setenv("RSA_OPEN311_PER_MINUTE", "100000")
    get_settings.cache_clear()
    yield "fuzz-key"
    monkeypatch.undo()
    get_settings.cache_clear()


@settings(max_examples=60, derandomize=True, database=None, deadline=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
@given(form=st.fixed_dictionaries({}, optional={
    "service_code": st.one_of(TEXT, st.just("streetlight")), "description": TEXT, "address_string": TEXT,
    "lat": COORD, "long": COORD, "phone": TEXT, "device_id": TEXT, "account_id": TEXT, "email": TEXT}),
    upload=st.sampled_from([None, "description", "lat", "service_code", "api_key"]),
    fmt=st.sampled_from(["json", "xml"]))
def test_open311_post_never_answers_500(client, open311_key, form, upload, fmt):
    codes = [s["service_code"] for s in client.get("/open311/v2/services.json").json()]
    if form.get("service_code") == "streetlight":
        form["service_code"] = codes[0]
    data = {"api_key": open311_key, **form}
    files = {upload: ("x.txt", b"\x00\xff" * 10)} if upload else None
    if files:
        data.pop(upload, None)
    r = client.post(f"/open311/v2/requests.{fmt}", data=data, files=files, timeout=REQUEST_SECONDS)
    assert served(r.status_code), f"{r.status_code} {r.text[:300]} for {data} {upload}"
