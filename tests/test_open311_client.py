"""A real third-party Open311 client, `georeport` (pinned in requirements.lock), against the
running backend over HTTP, in JSON and in XML: what a civic-tech app built on it would show.

georeport 0.3.1 reads (services, a service definition, requests, one request) but has no
discovery and cannot file a request: those two steps are done here as the GeoReport v2 spec
describes them (the spec-based tests are in tests/test_open311.py). In XML it hands back what
xmltodict makes of the document: every value a string, and a single element instead of a list
when only one request matches, which `as_list` smooths over as an app would have to.

The backend runs as its own process (the one `scripts/start` runs), with an Open311 key: the
end-to-end stack has none, so it refuses every POST.
"""
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import requests
import xmltodict
from georeport import GeoReport

from tests.conftest import SERVICE

ROOT = Path(__file__).resolve().parent.parent
KEY = "client-test-key"
STAFF = {**SERVICE, "X-Admin-Token": "test-admin-token"}
FORMATS = ("json", "xml")


@pytest.fixture(scope="module")
def api(var_dir):
    port = 18037 + int(os.environ.get("RSA_TEST_PORT_OFFSET", "0"))
    env = {**os.environ, "RSA_OPEN311_KEYS": KEY, "RSA_API_PORT": str(port), "PYTHONPATH": str(ROOT)}
    log = open(var_dir / f"open311-client-backend-{port}.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port",
                             str(port), "--log-level", "warning"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"the backend did not start: see {log.name}")
            time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def as_list(x):
    """georeport's XML results: one matching element comes back as a dict, not a list of one."""
    return x if isinstance(x, list) else [x]


def listed(c: GeoReport, **filters) -> list:
    """get_service_requests as a list; georeport fails on an empty XML list (<service_requests/>
    parses to None), which an app must take as "none"."""
    try:
        return as_list(c.get_service_requests(**filters))
    except TypeError:
        if c.output_format != "xml":
            raise
        return []


def client(api, fmt, **kw) -> GeoReport:
    return GeoReport(f"{api}/open311/v2", output_format=fmt, **kw)


def file_request(api, fmt, **form) -> str:
    """POST requests.{fmt} as the spec has it (form-encoded); georeport cannot file."""
    r = requests.post(f"{api}/open311/v2/requests.{fmt}", data={"api_key": KEY, **form}, timeout=30)
    assert r.status_code == 200, r.text
    if fmt == "json":
        [row] = r.json()
    else:
        row = xmltodict.parse(r.content)["service_requests"]["request"]
    assert row["service_notice"].startswith("办理时限至")
    return row["service_request_id"]


def service_code(api, name) -> str:
    return next(s["service_code"] for s in client(api, "json").get_service_list() if s["service_name"] == name)


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_leads_the_client_to_this_server(api, fmt):
    r = requests.get(f"{api}/open311/discovery.{fmt}", timeout=30)
    assert r.status_code == 200
    if fmt == "json":
        [endpoint] = r.json()["endpoints"]
        formats = endpoint["formats"]
    else:
        endpoint = xmltodict.parse(r.content)["discovery"]["endpoints"]["endpoint"]
        formats = as_list(endpoint["formats"]["format"])
    assert endpoint["url"] == f"{api}/open311/v2" and endpoint["specification"].endswith("GeoReport_v2")
    assert {"application/json", "text/xml"} <= set(formats)
    # an app configured from the discovery document lists the services
    names = [s["service_name"] for s in GeoReport(endpoint["url"], output_format=fmt).get_service_list()]
    assert "路灯不亮" in names


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_service_list_an_app_offers(api, fmt):
    services = client(api, fmt, jurisdiction="minghu").get_service_list()  # a jurisdiction_id is tolerated
    assert len(services) >= 40 and len({s["service_code"] for s in services}) == len(services)
    lamp = next(s for s in services if s["service_name"] == "路灯不亮")
    assert lamp["group"] and lamp["description"] and "路灯" in lamp["keywords"]
    assert lamp["type"] == "realtime" and str(lamp["metadata"]).lower() == "false"  # no extra questions to ask


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_has_no_extra_questions(api, fmt):
    code = service_code(api, "井盖缺失破损")
    definition = client(api, fmt).get_service_definition(code)
    assert definition["service_code"] == code
    assert not definition["attributes"]  # [] in JSON, an empty <attributes/> in XML
    with pytest.raises(requests.HTTPError) as e:
        client(api, fmt).get_service_definition("no-such-service")
    assert e.value.response.status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_filed_request_reads_back_as_an_app_shows_it(api, fmt):
    code = service_code(api, "路灯不亮")
    rid = file_request(api, fmt, service_code=code, address_string="文昌路150号", phone="13857100031",
                       description="文昌路150号门口路灯晚上不亮，张先生住3单元")
    got = client(api, fmt).get_service_request(rid)
    assert got["service_request_id"] == rid and got["status"] == "open"
    assert got["service_name"] == "路灯不亮" and got["service_code"] == code
    assert got["agency_responsible"] == "明湖区住房和城乡建设局"
    assert got["address"] == "湖滨街道文昌社区（文昌3号网格）" and got["address_id"] == "文昌3号网格"
    assert "路灯晚上不亮" in got["description"] and "张先生" not in got["description"]  # no names for the public
    assert "13857100031" not in str(got) and "phone" not in got
    assert got["status_notes"]
    assert got["requested_datetime"].endswith("+08:00") and got["expected_datetime"] > got["requested_datetime"]
    assert 30 < float(got["lat"]) < 31 and 120 < float(got["long"]) < 121  # a map pin in the district


@pytest.mark.parametrize("fmt", FORMATS)
def test_listing_requests_with_the_spec_s_filters(api, fmt):
    code = service_code(api, "乱张贴小广告")
    here, there = {"json": ("松竹苑3幢", "江畔花园2幢"), "xml": ("荷花苑3幢", "文昌苑3幢")}[fmt]  # no merging
    open_id = file_request(api, fmt, service_code=code, address_string=here,
                           description="单元门口贴满了小广告", phone="13857100032")
    closed_id = file_request(api, fmt, service_code=code, address_string=there,
                             description="电线杆上贴满了小广告", phone="13857100033")
    for action in ("签收", "办理", "办结"):
        r = requests.post(f"{api}/api/tickets/{closed_id}/actions", json={"action": action, "actor": "网格员", "note": "已清除"},
                          headers=STAFF, timeout=30)
        assert r.status_code == 200, r.text
    c = client(api, fmt)
    ids = lambda rows: [x["service_request_id"] for x in as_list(rows)]  # noqa: E731
    day = {"start_date": "2026-11-23T16:00:00Z", "end_date": "2026-11-25T00:00:00+08:00"}  # any offset
    listed = c.get_service_requests(service_code=code, **day)
    assert {open_id, closed_id} <= set(ids(listed))
    assert all(x["service_code"] == code for x in as_list(listed))
    assert open_id in ids(c.get_service_requests(service_code=code, status="open"))
    closed = as_list(c.get_service_requests(service_code=code, status="closed"))
    assert closed_id in ids(closed) and open_id not in ids(closed)
    done = next(x for x in closed if x["service_request_id"] == closed_id)
    assert done["status"] == "closed" and "已清除" in done["status_notes"]
    # ids given: those requests, whatever the other filters say
    both = c.get_service_requests(service_request_id=f"{open_id},{closed_id}", status="closed",
                                  service_code="no-such-service")
    assert sorted(ids(both)) == sorted([open_id, closed_id])
    # nothing in the window: JSON gives an empty list, XML an empty document georeport cannot read
    past = {"start_date": "2025-01-01T00:00:00+08:00", "end_date": "2025-01-02T00:00:00+08:00"}
    if fmt == "json":
        assert c.get_service_requests(service_code=code, **past) == []
    else:
        r = requests.get(f"{api}/open311/v2/requests.xml", params={"service_code": code, **past}, timeout=30)
        assert xmltodict.parse(r.content)["service_requests"] is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_second_report_is_listed_under_the_status_it_shows(api, fmt):
    """A duplicate (并单) shows the status of the request it joined; the status filter agrees,
    so an app listing open requests does not lose it while the problem is being handled."""
    code = service_code(api, "公共座椅损坏")
    place = {"json": "松竹苑", "xml": "江畔花园"}[fmt]
    first = file_request(api, fmt, service_code=code, address_string=f"{place}3幢", description="长椅坐板断了",
                         phone="13857100034")
    second = file_request(api, fmt, service_code=code, address_string=f"{place}5幢", description="小区长椅坏了",
                          phone="13857100035")
    c = client(api, fmt)
    ids = lambda rows: [x["service_request_id"] for x in as_list(rows)]  # noqa: E731
    shown = c.get_service_request(second)
    assert shown["status"] == "open" and f"工单{first}" in shown["status_notes"]
    assert {first, second} <= set(ids(c.get_service_requests(service_code=code, status="open")))
    for action in ("签收", "办理", "办结"):
        r = requests.post(f"{api}/api/tickets/{first}/actions", json={"action": action, "actor": "住建局", "note": "已更换坐板"},
                          headers=STAFF, timeout=30)
        assert r.status_code == 200, r.text
    assert c.get_service_request(second)["status"] == "closed"
    closed = ids(c.get_service_requests(service_code=code, status="closed"))
    assert {first, second} <= set(closed)
    assert second not in ids(listed(c, service_code=code, status="open"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_is_a_404_the_client_raises(api, fmt):
    with pytest.raises(requests.HTTPError) as e:
        client(api, fmt).get_service_request("WG000000000000")
    assert e.value.response.status_code == 404
