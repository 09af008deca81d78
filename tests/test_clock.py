"""One clock in the district's own time, whatever the server's zone: opening hours, deadlines,
Open311 dates and the times staff see agree with what residents are told, on any date."""
import datetime as dt
import os
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.core import clock
from api.core.db import WriteSession
from api.core.workdays import add_working_days
from api.handoff import cases
from api.main import app
from api.places.models import ServiceCentre
from shared.settings import get_settings
from tests.conftest import SERVICE

UTC = dt.timezone.utc
client = TestClient(app, headers=SERVICE)  # the action server's calls


@pytest.fixture
def utc_server(monkeypatch):
    """The server's own clock is set to UTC (as on most servers and containers), and the
    district clock follows the real instant rather than the tests' fixed start."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.delenv("RSA_CLOCK_START")
    get_settings.cache_clear()
    clock.reset()
    yield
    monkeypatch.undo()
    time.tzset()
    get_settings.cache_clear()
    clock.reset()


def at_instant(monkeypatch, utc_time):
    monkeypatch.setattr(clock, "_utc_now", lambda: utc_time.replace(tzinfo=UTC))


def test_the_district_clock_reads_beijing_time_on_a_utc_server(utc_server, monkeypatch):
    at_instant(monkeypatch, dt.datetime(2026, 12, 1, 13, 50))
    assert clock.now() == dt.datetime(2026, 12, 1, 21, 50)
    assert time.localtime().tm_gmtoff == 0  # the server itself really is on UTC here


def test_a_handoff_at_2150_beijing_time_becomes_a_call_back(utc_server, monkeypatch):
    at_instant(monkeypatch, dt.datetime(2026, 12, 1, 13, 50))  # a Tuesday; 13:50 would look like office hours
    sender = "late-" + uuid.uuid4().hex[:8]
    r = client.post("/api/handoff", json={"sender": sender, "reason": "asked", "community": "柳岸社区",
                                          "transcript": [{"author": "resident", "text": "转人工"}]})
    assert r.status_code == 200 and r.json()["status"] == "callback"
    with WriteSession() as s:
        case = s.scalars(select(cases.HandoffCase).where(cases.HandoffCase.sender == sender)).one()
        assert case.created_at == dt.datetime(2026, 12, 1, 21, 50)
        assert case.messages[0].at.strftime("%H:%M") == "21:50"  # what the console shows


def test_open311_expected_datetime_is_the_deadline_the_resident_was_told(utc_server, monkeypatch):
    monkeypatch.setenv("RSA_OPEN311_KEYS", "clock-key")
    get_settings.cache_clear()
    at_instant(monkeypatch, dt.datetime(2026, 12, 1, 13, 50))
    told = client.post("/api/tickets", json={"description": "小区门口井盖没了", "address": "柳岸新村5幢",
                                             "phone": "13857100001", "sender": "clock-" + uuid.uuid4().hex[:8]}).json()
    number, deadline = told["number"], dt.datetime.fromisoformat(told["deadline"])  # what the chat says
    got = client.get(f"/open311/v2/requests/{number}.json").json()[0]
    expected = dt.datetime.fromisoformat(got["expected_datetime"])
    assert expected.utcoffset() == dt.timedelta(hours=8)
    assert expected.replace(tzinfo=None) == deadline
    requested = dt.datetime.fromisoformat(got["requested_datetime"])
    assert requested.astimezone(UTC).replace(tzinfo=None) == dt.datetime(2026, 12, 1, 13, 50)
    # A window around the filing, given in UTC and in Beijing time, finds it; one before does not.
    inside_utc = {"start_date": "2026-12-01T13:00:00Z", "end_date": "2026-12-01T14:00:00Z"}
    inside_bj = {"start_date": "2026-12-01T21:00:00+08:00", "end_date": "2026-12-01T22:00:00+08:00"}
    before = {"start_date": "2026-12-01T05:00:00Z", "end_date": "2026-12-01T13:40:00Z"}
    for window, found in ((inside_utc, True), (inside_bj, True), (before, False)):
        ids = [x["service_request_id"] for x in client.get("/open311/v2/requests.json", params=window).json()]
        assert (number in ids) is found, window


LIUAN = "柳岸社区党群服务中心"  # 工作日 8:30-11:30，13:30-17:00


@pytest.mark.parametrize("at, open_, due", [
    # (when, is the centre open, the deadline of 3 working days from then)
    (dt.datetime(2026, 11, 28, 20, 0), False, dt.datetime(2026, 12, 2, 17, 30)),   # Saturday evening
    (dt.datetime(2026, 10, 1, 10, 0), False, dt.datetime(2026, 10, 10, 17, 30)),  # National Day; 10 Oct is worked
    (dt.datetime(2027, 3, 10, 10, 0), True, dt.datetime(2027, 3, 15, 17, 30)),     # a Wednesday in 2027
    (dt.datetime(2027, 3, 13, 10, 0), False, dt.datetime(2027, 3, 17, 17, 30)),    # a Saturday in 2027
    (dt.datetime(2026, 11, 17, 12, 0), False, dt.datetime(2026, 11, 20, 17, 30)),  # Tuesday lunch break
])
def test_hours_and_deadlines_on_fixed_dates(at, open_, due):
    with WriteSession() as s, clock.freeze(at):
        centre = s.scalars(select(ServiceCentre).where(ServiceCentre.name == LIUAN)).one()
        assert cases.is_open(centre, clock.now()) is open_
        assert add_working_days(clock.now(), 3) == due
        # No test signs in at these times (the suite's clock runs on 24 Nov 2026): closed means a call-back.
        assert cases.on_duty(s, centre, clock.now()) is open_


def test_a_session_signed_in_today_does_not_make_a_past_evening_look_staffed():
    with WriteSession() as s:
        centre = s.scalars(select(ServiceCentre).where(ServiceCentre.name == LIUAN)).one()
        from api.staff import auth
        from api.staff.models import StaffUser
        user = s.scalars(select(StaffUser).where(StaffUser.username == "clock-duty")).first()
        if user is None:
            user = StaffUser(username="clock-duty", display_name="值班", password_hash=auth.hash_password("clock-duty-pw"),
                             role="staff", centre_id=centre.id)
            s.add(user)
            s.commit()
        with clock.freeze(dt.datetime(2026, 11, 15, 19, 0)):  # signed in on a Sunday at 19:00 for 8 hours
            assert auth.sign_in(s, "clock-duty", "clock-duty-pw") is not None
        assert cases.on_duty(s, centre, dt.datetime(2026, 11, 15, 20, 0))       # on duty that evening
        assert not cases.on_duty(s, centre, dt.datetime(2026, 11, 15, 18, 0))   # not before signing in
        assert not cases.on_duty(s, centre, dt.datetime(2026, 11, 16, 4, 0))    # nor after the session ended


def test_the_fixed_clock_of_the_tests_is_set():
    assert os.environ["RSA_CLOCK_START"] and clock.now().year == 2026 and clock.now() < dt.datetime(2026, 11, 25)
