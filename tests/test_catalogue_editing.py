"""Admins edit the service catalogue and the incident categories in the console: validated like
the import, refused in Chinese naming the field, live at once (search, the incident classifier,
the jieba dictionary and the lookup tables), a stale edit refused, audited, exported; admins only.

Every test puts the catalogue back as it found it, and the generated NLU files go to a
temporary folder: the repository's bot/jieba/ and nlu_data/generated/ stay untouched."""
import hashlib
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from api.core import clock
from api.core.db import SessionLocal, WriteSession
from api.guide import catalogue, index
from api.incidents import categories
from api.incidents.models import IncidentCategory
from api.main import app
from api.staff.audit import AuditAction
from api.staff.models import AuditEntry
from shared.settings import ROOT, get_settings
from tests.browser import ensure_staff
from tests.conftest import SERVICE

PASSWORD = "catalogue-editor-2026"
LOW_INCOME = "MZ-05-0001"  # 最低生活保障 (低保)
FARMING = "HB-01"           # 养殖污染
NEW_ALIAS = "兜底补助金"     # no item answers to it in the seed catalogue


def _digest(path):
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.exists()}


@pytest.fixture(scope="module", autouse=True)
def repository_files_untouched():
    watched = [ROOT / "bot" / "jieba", ROOT / "nlu_data" / "generated"]
    before = [_digest(p) for p in watched]
    yield
    assert [_digest(p) for p in watched] == before, "a test changed the repository's generated NLU files"


@pytest.fixture(autouse=True)
def generated_files(tmp_path, monkeypatch):
    """The jieba dictionary and the lookup tables are written here, not into the repository."""
    monkeypatch.setenv("RSA_JIEBA_DICT", str(tmp_path / "jieba" / "catalogue.txt"))
    monkeypatch.setenv("RSA_NLU_DIR", str(tmp_path / "nlu"))
    get_settings.cache_clear()
    return {"dictionary": tmp_path / "jieba" / "catalogue.txt",
            "lookups": tmp_path / "nlu" / "generated" / "catalogue_lookups.yml"}


@pytest.fixture(autouse=True)
def catalogue_restored():
    """Other test modules share this database: put back the items and categories as they were."""
    with SessionLocal() as s:
        services = catalogue.export_catalogue(s)
        cats = categories.export_categories(s)
    yield
    with SessionLocal() as s:
        catalogue.import_catalogue(s, services, replace=True)
    with WriteSession() as s:
        s.execute(delete(IncidentCategory).where(IncidentCategory.code.not_in([c["code"] for c in cats])))
        for rec in cats:
            categories.save_category(s, rec, editing=rec["code"],
                                     version=catalogue.version_of(categories.category_record(
                                         categories.get_category(s, rec["code"]))))
        s.commit()
    index.invalidate()
    categories.invalidate()


def signed_in(username, role, community=None):
    ensure_staff(username, username, PASSWORD, role=role, community=community)
    c = TestClient(app)
    r = c.post("/console/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf"]
    return c


@pytest.fixture(scope="module")
def admin():
    return signed_in("cat-admin", "admin")


@pytest.fixture(scope="module")
def second_admin():
    return signed_in("cat-admin-2", "admin")


def opened(client, path):
    r = client.get("/console/api/admin" + path)
    assert r.status_code == 200, r.text
    return r.json()


def search(q):
    return TestClient(app).get("/api/search", params={"q": q}, headers=SERVICE).json()


def with_alias(client, alias=NEW_ALIAS):
    got = opened(client, f"/services/{LOW_INCOME}")
    got["record"]["aliases"].append(alias)
    return client.put(f"/console/api/admin/services/{LOW_INCOME}", json=got)


# ---- live at once ---------------------------------------------------------------------------

def test_an_alias_saved_in_the_console_is_found_by_search_at_once(admin, generated_files):
    assert search(f"{NEW_ALIAS}怎么申请")["decision"] != "confident"

    r = with_alias(admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["changed"] == ["aliases"]
    assert NEW_ALIAS in body["record"]["aliases"]
    assert body["live"]["note"] == "查询表已更新，重新训练后生效"

    found = search(f"{NEW_ALIAS}怎么申请")
    assert found["decision"] == "confident" and found["chosen"] == [LOW_INCOME]
    # The chat's guide answers come from the same index.
    answer = TestClient(app).post("/api/assist/service-answer", headers=SERVICE,
                                  json={"text": f"{NEW_ALIAS}要带什么材料", "community": "柳岸社区"}).json()
    assert answer["status"] == "answered" and answer["service_code"] == LOW_INCOME
    # Segmentation (the Rasa tokenizer watches this file) and the lookup tables, from the database.
    assert f"{NEW_ALIAS} 2000 nz\n" in generated_files["dictionary"].read_text(encoding="utf-8")
    assert f"    - {NEW_ALIAS}\n" in generated_files["lookups"].read_text(encoding="utf-8")


def test_a_category_keyword_added_in_the_console_classifies_at_once(admin):
    text = "隔壁天台上有人养鸽子，味道很大"
    classify = lambda: TestClient(app).post("/api/incidents/classify", json={"text": text}, headers=SERVICE).json()  # noqa: E731
    assert classify()["category_code"] != FARMING

    got = opened(admin, f"/categories/{FARMING}")
    got["record"]["keywords"].append("养鸽子")
    r = admin.put(f"/console/api/admin/categories/{FARMING}", json=got)
    assert r.status_code == 200, r.text
    assert r.json()["changed"] == ["keywords"]
    assert classify()["category_code"] == FARMING


def test_a_new_service_item_and_a_new_category_are_added(admin):
    rec = opened(admin, f"/services/{LOW_INCOME}")["record"]
    rec.update(code="MZ-05-0999", name="临时困难救助金发放", aliases=["急难救助金"], keywords=[])
    r = admin.post("/console/api/admin/services", json={"record": rec})
    assert r.status_code == 201, r.text
    assert search("急难救助金")["chosen"] == ["MZ-05-0999"]
    assert [s["code"] for s in opened(admin, "/services?q=急难救助金")] == ["MZ-05-0999"]
    again = admin.post("/console/api/admin/services", json={"record": rec})
    assert again.status_code == 409 and "MZ-05-0999 已经有了" in again.json()["detail"]

    cat = opened(admin, f"/categories/{FARMING}")["record"]
    cat.update(code="HB-99", name="鸽舍扰民", open311_code="pigeon-loft", keywords=["鸽舍"])
    r = admin.post("/console/api/admin/categories", json={"record": cat})
    assert r.status_code == 201, r.text
    assert categories.classifier().classify("楼顶搭了个鸽舍").category.code == "HB-99"


# ---- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, says", [
    ("visits", 5, "跑动次数（visits）：不能大于3"),
    ("type", "便民服务", "事项类型（type）：只能是："),
    ("name", "居住证申领", "名称（name）：「居住证申领」已是 居住证申领（GA-07-0001）的名称"),
    ("aliases", ["居住证"], "别名（aliases）：「居住证」已是 居住证申领（GA-07-0001）的别名"),
    ("aliases", ["低保", " "], "别名第2项（aliases.1）：不能有空白的一项"),
    ("materials", [{"name": "身份证", "form": "照片", "count": 1}], "申请材料第1项·形式（materials.0.form）"),
    ("promised_limit_days", 99, "承诺时限（promised_limit_days）：99天超过了法定时限30天"),
    ("online_channel", "", "网办渠道（online_channel）：能网上办理的事项要写明网办渠道"),
    ("steps", [], "办理流程（steps）：至少要有1项"),
    ("voice_text", "长" * 81, "语音版（voice_text）：最多80个字"),
    ("department", "XX", "实施部门（department）：没有编码为 XX 的部门"),
    ("code", "MZ-05-0002", "编码（code）：编码不能修改"),
    ("colour", "red", "（colour）：不是这个格式里的字段"),
])
def test_an_invalid_service_record_is_refused_naming_the_field(admin, field, value, says):
    got = opened(admin, f"/services/{LOW_INCOME}")
    got["record"][field] = value
    r = admin.put(f"/console/api/admin/services/{LOW_INCOME}", json=got)
    assert r.status_code == 422, r.text
    assert says in r.json()["detail"]
    assert opened(admin, f"/services/{LOW_INCOME}")["version"] == got["version"]  # nothing written


def test_the_import_still_refuses_the_same_records_in_its_own_words():
    """One set of rules: the record the console refuses, the import refuses too."""
    with SessionLocal() as s:
        doc = catalogue.export_catalogue(s)
    doc["services"][0]["aliases"] = [doc["services"][1]["name"]]
    with pytest.raises(catalogue.CatalogueError, match=r"services\[0\] .*field 'aliases': .* also names services\[1\]"):
        catalogue.validate(doc)


@pytest.mark.parametrize("field, value, says", [
    ("default_grade", "特大", "默认等级（default_grade）：只能是 小微、一般、较大、重大"),
    ("keywords", [], "关键词（keywords）：至少要有1项"),
    ("open311_code", "Exposed Garbage!", "Open311 编码（open311_code）：格式不对"),
    ("lead_department", "XX", "牵头部门（lead_department）：没有编码为 XX 的部门"),
    ("name", "暴露垃圾", "名称（name）：「暴露垃圾」已被 暴露垃圾（SR-01）使用"),
    ("time_limits", {"小微": {"value": 24, "unit": "hours"}}, "处置时限（time_limits）：小微、一般、较大、重大四个等级都要有时限"),
])
def test_an_invalid_category_is_refused_naming_the_field(admin, field, value, says):
    got = opened(admin, f"/categories/{FARMING}")
    got["record"][field] = value
    r = admin.put(f"/console/api/admin/categories/{FARMING}", json=got)
    assert r.status_code == 422, r.text
    assert says in r.json()["detail"]


def test_unknown_codes_are_not_found(admin):
    for path in ("/services/ZZ-00-0000", "/categories/ZZ-00"):
        r = admin.get("/console/api/admin" + path)
        assert r.status_code == 404 and "没有编码为" in r.json()["detail"]
    rec = opened(admin, f"/services/{LOW_INCOME}")["record"]
    r = admin.put("/console/api/admin/services/ZZ-00-0000", json={"version": "x", "record": rec})
    assert r.status_code == 404


def test_an_over_long_body_is_refused_by_the_guard(admin):
    got = opened(admin, f"/services/{LOW_INCOME}")
    got["record"]["summary"] = "很长" * 40_000
    r = admin.put(f"/console/api/admin/services/{LOW_INCOME}", json=got)
    assert r.status_code == 413


# ---- two admins -----------------------------------------------------------------------------

def test_a_save_over_another_admins_newer_edit_is_refused(admin, second_admin):
    mine = opened(admin, f"/services/{LOW_INCOME}")
    theirs = opened(second_admin, f"/services/{LOW_INCOME}")
    theirs["record"]["fee"] = "不收费（含邮寄）"
    assert second_admin.put(f"/console/api/admin/services/{LOW_INCOME}", json=theirs).status_code == 200

    mine["record"]["window"] = "社会救助窗口"
    r = admin.put(f"/console/api/admin/services/{LOW_INCOME}", json=mine)
    assert r.status_code == 409
    assert r.json()["detail"] == "这条记录已被其他管理员修改，请刷新后再改"
    now = opened(admin, f"/services/{LOW_INCOME}")["record"]
    assert now["fee"] == "不收费（含邮寄）" and now["window"] != "社会救助窗口"

    del mine["version"]
    r = admin.put(f"/console/api/admin/services/{LOW_INCOME}", json=mine)
    assert r.status_code == 422 and "version" in r.json()["detail"]


def test_a_stale_category_edit_is_refused_too(admin, second_admin):
    mine = opened(admin, f"/categories/{FARMING}")
    theirs = opened(second_admin, f"/categories/{FARMING}")
    theirs["record"]["description"] += "（含家禽散养）"
    assert second_admin.put(f"/console/api/admin/categories/{FARMING}", json=theirs).status_code == 200
    r = admin.put(f"/console/api/admin/categories/{FARMING}", json=mine)
    assert r.status_code == 409 and "其他管理员修改" in r.json()["detail"]


# ---- who may ------------------------------------------------------------------------------

@pytest.mark.parametrize("role, community", [("staff", "柳岸社区"), ("supervisor", None)])
def test_staff_and_supervisors_may_not_edit_or_read_the_catalogue_here(admin, role, community):
    other = signed_in(f"cat-{role}", role, community)
    rec = opened(admin, f"/services/{LOW_INCOME}")
    for method, path, body in [("GET", "/services", None), ("GET", f"/services/{LOW_INCOME}", None),
                               ("PUT", f"/services/{LOW_INCOME}", rec), ("POST", "/services", rec),
                               ("GET", "/categories", None), ("PUT", f"/categories/{FARMING}", rec),
                               ("GET", "/catalogue/export", None), ("GET", "/categories/export", None)]:
        r = other.request(method, "/console/api/admin" + path, json=body)
        assert r.status_code == 403, (method, path)
        assert r.json()["detail"] == "只有管理员可以使用此功能"
    assert TestClient(app).get("/console/api/admin/services").status_code == 401


def test_a_save_without_the_csrf_token_is_refused(admin):
    got = opened(admin, f"/services/{LOW_INCOME}")
    got["record"]["fee"] = "收费"
    r = admin.put(f"/console/api/admin/services/{LOW_INCOME}", json=got, headers={"X-CSRF-Token": ""})
    assert r.status_code == 403
    assert opened(admin, f"/services/{LOW_INCOME}")["record"]["fee"] == "不收费"


# ---- audit and export -----------------------------------------------------------------------

def audit_rows(action):
    with SessionLocal() as s:
        return s.scalars(select(AuditEntry).options(joinedload(AuditEntry.user))
                         .where(AuditEntry.action == action.value).order_by(AuditEntry.id)).all()


def test_each_save_is_audited_with_the_fields_that_changed_not_their_text(admin):
    n = len(audit_rows(AuditAction.EDIT_SERVICE))
    got = opened(admin, f"/services/{LOW_INCOME}")
    got["record"]["aliases"].append(NEW_ALIAS)
    got["record"]["hours_note"] = "周六上午也可办理"
    assert admin.put(f"/console/api/admin/services/{LOW_INCOME}", json=got).status_code == 200
    rows = audit_rows(AuditAction.EDIT_SERVICE)[n:]
    assert len(rows) == 1
    entry = rows[0]
    assert entry.target == f"办事指南 {LOW_INCOME}" and entry.user.username == "cat-admin"
    assert entry.detail == "最低生活保障：修改了 别名、时间说明"
    assert NEW_ALIAS not in entry.detail and "周六" not in entry.detail
    listed = {s["code"]: s for s in opened(admin, "/services?q=最低生活")}
    assert listed[LOW_INCOME]["updated"] == entry.at.isoformat(timespec="seconds")

    # Saving what is already there changes nothing and writes no entry.
    same = opened(admin, f"/services/{LOW_INCOME}")
    r = admin.put(f"/console/api/admin/services/{LOW_INCOME}", json=same)
    assert r.status_code == 200 and r.json()["changed"] == []
    assert len(audit_rows(AuditAction.EDIT_SERVICE)) == n + 1

    m = len(audit_rows(AuditAction.EDIT_CATEGORY))
    cat = opened(admin, f"/categories/{FARMING}")
    cat["record"]["default_grade"] = "较大" if cat["record"]["default_grade"] == "一般" else "一般"
    assert admin.put(f"/console/api/admin/categories/{FARMING}", json=cat).status_code == 200
    [entry] = audit_rows(AuditAction.EDIT_CATEGORY)[m:]
    assert entry.target == f"事件分类 {FARMING}" and entry.detail.endswith("修改了 默认等级")


def test_the_export_downloads_what_was_saved_in_the_import_format(admin):
    assert with_alias(admin).status_code == 200
    r = admin.get("/console/api/admin/catalogue/export")
    assert r.status_code == 200
    assert r.headers["content-disposition"] == f'attachment; filename="catalogue-{clock.now():%Y-%m-%d}.json"'
    doc = r.json()
    deps, items = catalogue.validate(doc)  # the import takes it back as it is
    assert NEW_ALIAS in next(i for i in items if i.code == LOW_INCOME).aliases
    assert len(items) == len(opened(admin, "/services"))

    cat = opened(admin, f"/categories/{FARMING}")
    cat["record"]["keywords"].append("养鸽子")
    assert admin.put(f"/console/api/admin/categories/{FARMING}", json=cat).status_code == 200
    r = admin.get("/console/api/admin/categories/export")
    assert r.headers["content-disposition"].startswith('attachment; filename="incident-categories-')
    exported = {c["code"]: c for c in r.json()}
    assert "养鸽子" in exported[FARMING]["keywords"]
    for rec in exported.values():  # the seed file's format, field for field
        categories.CategoryIn.parse_obj(rec)
    seed = json.loads((ROOT / "api" / "seed" / "incident_categories.json").read_text(encoding="utf-8"))
    assert set(exported) == {c["code"] for c in seed}


def test_the_form_offers_the_allowed_values_and_the_departments(admin):
    form = opened(admin, "/catalogue/form")
    assert form["services"]["choices"]["tongban"] == ["全区通办", "全市通办", "全省通办", "跨省通办", "不通办"]
    assert "原件(核验后退回)" in form["services"]["choices"]["materials.form"]
    assert form["services"]["labels"]["aliases"] == "别名"
    assert form["categories"]["grades"] == ["小微", "一般", "较大", "重大"]
    assert {"code": "MZ", "name": "明湖区民政局"} in form["departments"]


# ---- the running Rasa server's segmentation ----------------------------------------------------

def test_the_rasa_tokenizer_takes_new_dictionary_words_while_it_runs(tmp_path):
    """What the console writes (atomically) reaches a loaded tokenizer at its next check."""
    import jieba

    from bot.components.tokenizer import DictionaryWatch
    word, line = "翠柳兜底补助站", "翠柳兜底补助站要带什么"
    path = tmp_path / "catalogue.txt"
    path.write_text("低保 2000 nz\n", encoding="utf-8")
    watch = DictionaryWatch(path, every=0)
    assert watch.check()  # the file as it is now: it may be newer than the model's copy
    assert word not in jieba.lcut(line)
    assert not watch.check()  # unchanged: nothing loaded again

    replacement = tmp_path / "new.txt"
    replacement.write_text(f"低保 2000 nz\n{word} 2000 nz\n", encoding="utf-8")
    replacement.replace(path)
    assert watch.check()
    assert word in jieba.lcut(line)

    slow = DictionaryWatch(path, every=3600)
    assert slow.check()
    path.write_text(f"{word} 2000 nz\n", encoding="utf-8")
    assert not slow.check()  # changed, but at most one look at the file per period
