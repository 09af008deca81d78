"""Catalogue import/export: the documented format round-trips, and bad records are rejected
whole with a message naming the record and the field."""
import copy
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.core.db import SessionLocal
from api.guide import catalogue
from api.guide.models import ServiceItem
from api.main import app
from tests.conftest import SERVICE


@pytest.fixture(scope="module")
def exported():
    with SessionLocal() as s:
        return catalogue.export_catalogue(s)


def count_items():
    with SessionLocal() as s:
        return s.scalar(select(func.count(ServiceItem.id)))


def test_seed_has_the_required_items(exported):
    names = {s["name"] for s in exported["services"]}
    required = """居住证申领 居住证签注 新生儿入户 户口迁入 居民身份证申领换领补领 生育登记 最低生活保障 特困人员救助供养 临时救助
    高龄津贴 老年人优待证 残疾人证 残疾人两项补贴 城乡居民医保参保 城乡居民养老保险参保 灵活就业人员参保 社保卡申领补换 失业登记
    就业创业证 退役军人优待证 公共租赁住房 房屋租赁登记备案 养犬登记 门牌号申请 义务教育入学 计划生育特别扶助金 居家养老服务补贴
    结婚登记 惠民殡葬补贴 法律援助 人民调解 个体工商户登记 食品经营许可 养老金领取资格认证""".split()
    assert not set(required) - names
    assert len(names) >= 80


def test_every_seed_item_is_complete(exported):
    for s in exported["services"]:
        assert s["materials"] or s["visits"] == 0, s["name"]
        assert s["steps"] and s["conditions"], s["name"]
        assert len(s["voice_text"]) <= 80, s["name"]
        if s["online"]:
            assert s["online_channel"], s["name"]


def test_export_import_round_trip_changes_nothing():
    with SessionLocal() as s:
        before = catalogue.export_catalogue(s)
    with SessionLocal() as s:
        catalogue.import_catalogue(s, copy.deepcopy(before))
    with SessionLocal() as s:
        again = catalogue.export_catalogue(s)
    assert again == before


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d["services"][3].pop("materials"), "services[3]"),
    (lambda d: d["services"][5].update(type="行政审批"), "'type'"),
    (lambda d: d["services"][7].update(promised_limit_days=999), "'promised_limit_days'"),
    (lambda d: d["services"][2]["materials"][0].update(form="影印件"), "'materials.0.form'"),
    (lambda d: d["services"][9].update(department="XX"), "unknown department"),
    (lambda d: d["services"][10].update(code=d["services"][11]["code"]), "duplicate"),
    (lambda d: d["services"][12].update(voice_text="很长" * 50), "'voice_text'"),
    (lambda d: d["services"][4]["aliases"].append(d["services"][6]["name"]), "'aliases'"),
    (lambda d: d.update(format="something-else"), "'format'"),
])
def test_bad_record_is_rejected_and_nothing_is_written(exported, mutate, where):
    doc = copy.deepcopy(exported)
    # A valid new item first, so a half-import would be visible as one more item.
    extra = copy.deepcopy(doc["services"][0])
    extra.update(code="ZZ-99-0001", name="测试新增事项", aliases=[], keywords=[])
    doc["services"].insert(0, extra)
    mutate(doc)
    before = count_items()
    with pytest.raises(catalogue.CatalogueError) as e:
        with SessionLocal() as s:
            catalogue.import_catalogue(s, doc)
    assert where in str(e.value)
    assert count_items() == before


def test_import_over_http_needs_the_admin_token(exported):
    client = TestClient(app, headers=SERVICE)
    assert client.post("/api/catalogue/import", json=exported).status_code == 401
    bad = copy.deepcopy(exported)
    bad["services"][0]["visits"] = "twice"
    r = client.post("/api/catalogue/import", json=bad, headers={"X-Admin-Token": "test-admin-token"})
    assert r.status_code == 422
    assert "services[0]" in r.json()["detail"] and "visits" in r.json()["detail"]
    r = client.post("/api/catalogue/import", content=b"{not json", headers={"X-Admin-Token": "test-admin-token"})
    assert r.status_code == 422


def test_import_adds_a_new_item_that_search_then_finds(exported):
    doc = {"format": catalogue.FORMAT, "departments": [], "services": [copy.deepcopy(exported["services"][0])]}
    doc["services"][0].update(code="MZ-20-0999", name="社区老年大学报名", aliases=["老年大学"], keywords=[])
    client = TestClient(app, headers=SERVICE)
    r = client.post("/api/catalogue/import", json=doc, headers={"X-Admin-Token": "test-admin-token"})
    assert r.status_code == 200, r.text
    found = client.get("/api/search", params={"q": "老年大学怎么报名"}).json()
    assert found["decision"] == "confident" and found["candidates"][0]["name"] == "社区老年大学报名"


def test_cli_import_reports_the_bad_field(tmp_path, exported, capsys):
    from api import cli
    bad = copy.deepcopy(exported)
    del bad["services"][1]["steps"]
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    assert cli.main(["import", str(f)]) == 2
    assert "services[1]" in capsys.readouterr().err
