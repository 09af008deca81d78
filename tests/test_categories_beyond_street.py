"""The category catalogue beyond the street (issue #11): schools, wages and social insurance,
hospitals, shops, taxis, housing … each reaches its own department, while street reports that
mention a school or a hospital keep their grid category, and an unclear report goes to the
command centre for manual dispatch."""
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import app
from tests.conftest import SERVICE

client = TestClient(app, headers=SERVICE)
ROOT = Path(__file__).resolve().parent.parent


def classify(text):
    return client.post("/api/incidents/classify", json={"text": text}).json()


@pytest.mark.parametrize("text, category, handler", [
    ("孩子学校每学期都要交三百块资料费，还强制买校服", "学校乱收费", "JY"),
    ("打了个出租车，司机拒载，说不加二十块不走", "出租车网约车服务", "JT"),
    ("公司两年了都没给我们交社保", "社保未缴", "RS"),
    ("在医院做完手术出了问题，医院推卸责任不管", "医疗服务纠纷", "WJ"),
    ("开发商说好去年交房，到现在还没交，合同上写得清清楚楚", "开发商违约延期交房", "ZJ"),
    ("培训机构收了一年学费跑路了", "校外培训机构", "JY"),
    ("有人在小区里开讲座推销保健品骗老人钱", "药品与保健品", "SJ"),
])
def test_reports_beyond_the_street_reach_their_department(text, category, handler):
    r = classify(text)
    assert (r["category"], r["first_handler"]) == (category, handler)
    assert r["lead_department"] != "区社会治理综合指挥中心"


@pytest.mark.parametrize("text, category, handler", [
    ("学校门口有人推车卖烤肠", "流动摊贩", "WG"),  # a school in the words, a street stall in fact
    ("学校门口的路灯坏了好几天了", "路灯不亮", "ZJ"),
    ("医院门口的垃圾桶满了没人收", "垃圾满溢", "WG"),
    ("老板拖欠工资三个月了", "劳资纠纷拖欠工资", "RS"),  # still the mediated wage dispute, not a new category
])
def test_street_reports_keep_their_grid_category(text, category, handler):
    r = classify(text)
    assert (r["category"], r["first_handler"]) == (category, handler)


def test_a_long_letter_is_read_by_what_it_says_not_by_a_stray_word():
    letter = ("关于我们小区开发商延期交房的问题。我们是某某花园的业主，购房合同约定去年十二月交房，"
              "开发商一拖再拖，到现在工地上还停着工，售楼部的人说年底再看。我们每个月还着房贷，还要在外面租房，"
              "孩子上学也因为没有房子落不了户，学校那边说要房产证。请有关部门督促开发商履行合同，尽快交房。")
    r = classify(letter)
    assert (r["category"], r["first_handler"]) == ("开发商违约延期交房", "ZJ")


def test_an_unclear_report_goes_to_the_command_centre_for_manual_dispatch():
    r = classify("我想反映一个情况")
    assert r["category"] is None and r["first_handler"] == "ZH"
    assert r["lead_department"] == "区社会治理综合指挥中心"


def test_every_department_the_hotline_dispatches_to_leads_a_category():
    cats = json.loads((ROOT / "api/seed/incident_categories.json").read_text(encoding="utf-8"))
    leads = {c["lead_department"] for c in cats}
    assert {"JY", "RS", "WJ", "YB", "SJ", "JT", "ZJ", "GA", "MZ", "SL", "HB", "ZF", "SW", "TY", "CL", "ZH"} <= leads
    assert len({c["name"] for c in cats}) == len(cats) and len({c["open311_code"] for c in cats}) == len(cats)


@pytest.mark.parametrize("text", ["办驾照要带什么材料", "驾驶证到期了怎么换", "车辆年检在哪里办", "养老保险怎么补缴",
                                  "社保卡坏了去哪换", "失业保险金怎么领"])
def test_a_question_about_getting_something_done_is_no_report(text):
    """The new categories name complaints, not the services they are about: asking how to get a
    licence or pay social insurance must not be filed as a report when the guide has no answer."""
    assert classify(text)["category"] is None
