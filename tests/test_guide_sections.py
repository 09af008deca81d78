"""Service guides as the resident reads them on a phone: short parts instead of one long text,
what to bring before what to bring only if it applies, alternatives told once, the aspects not
yet told offered as follow-up questions, and addresses and phones on lines of their own."""
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.core.db import SessionLocal
from api.guide.models import ServiceItem
from api.main import app
from tests.conftest import SERVICE

client = TestClient(app, headers=SERVICE)  # the action server's calls


def ask(**kw):
    r = client.post("/api/assist/service-answer", json=kw)
    assert r.status_code == 200, r.text
    return r.json()


def materials(name):
    with SessionLocal() as s:
        return s.scalars(select(ServiceItem).where(ServiceItem.name == name)).one().materials


def where(parts, needle):
    return next(i for i, p in enumerate(parts) if needle in p)


def test_materials_come_in_short_parts_what_to_bring_first():
    res = ask(text="居住证要带什么材料")
    parts = res["sections"]
    assert res["status"] == "answered" and len(parts) >= 3
    assert all(len(p) < len(res["text"]) / 2 for p in parts)  # no part is most of the answer
    optional = [m["name"] for m in materials("居住证申领") if "代办" in m["name"]]
    assert optional, "the seed has an 如有 material (the agent's ID)"
    # What everyone brings comes first; what only some bring comes after, under its own heading.
    assert where(parts, "居民身份证（") < where(parts, optional[0])
    if_any = parts[where(parts, optional[0])]
    assert "如有" in if_any.splitlines()[0] and "居民身份证（" not in if_any
    assert "【如有】" not in res["text"]  # no longer a tag at the end of a line that looks like the others


def test_alternatives_are_told_once_as_a_group():
    res = ask(text="居住证要带什么材料")
    parts = res["sections"]
    assert res["text"].count("三选一") == 1
    group = parts[where(parts, "三选一")]
    lines = group.splitlines()
    # One numbered item among what to bring (the numbering runs on from the part before it),
    # the alternatives under it.
    assert re.match(r"3\. .*三选一.*一种", lines[0])
    assert where(parts, "居民身份证（") < where(parts, "三选一") < where(parts, "如有")
    for line, name in zip(lines[1:], ("合法稳定住所证明", "合法稳定就业证明", "连续就读证明")):
        assert line.startswith("  · " + name)


def test_follow_up_questions_offer_what_was_not_told():
    res = ask(text="居住证要带什么材料")
    offered = {f["aspect"]: f["title"] for f in res["follow_ups"]}
    assert offered.get("time") == "要多久" and offered.get("place") == "在哪办" and offered.get("online") == "能网上办吗"
    assert "materials" not in offered
    res = ask(text="那要多久能拿到", context_code=res["service_code"])
    assert "time" not in {f["aspect"] for f in res["follow_ups"]} and "materials" in {f["aspect"] for f in res["follow_ups"]}


def test_the_whole_guide_is_split_into_materials_where_how_long_fees_online():
    res = ask(text="居住证", community="柳岸社区")
    parts = res["sections"]
    assert res["aspect"] == "general" and len(parts) >= 6
    order = [where(parts, "居民身份证（"), where(parts, "柳岸社区党群服务中心"), where(parts, "承诺时限"),
             where(parts, "不收费"), where(parts, "网上")]
    assert order == sorted(order) and len(set(order)) == len(order)
    # Everything above is told already: the buttons offer the rest.
    assert {f["aspect"] for f in res["follow_ups"]} == {"process", "conditions"}
    assert res["text"] == "\n\n".join(parts)


def test_address_and_phone_stand_on_lines_of_their_own():
    res = ask(text="柳岸", aspect_hint="place", context_code=ask(text="居住证在哪里办")["service_code"],
              community="柳岸", answers_question=True)
    lines = "\n".join(res["sections"]).splitlines()
    assert "地址：柳岸路35号" in lines
    assert any(re.fullmatch(r"电话：0\d{2,3}-\d{7,8}", x) for x in lines)


def test_questions_back_and_the_voice_channel_stay_one_message():
    assert ask(text="居住证在哪里办")["sections"] == [ask(text="居住证在哪里办")["text"]]  # which community?
    res = ask(text="居住证要带什么材料", channel="voice")
    assert res["sections"] == [res["text"]] and "\n" not in res["text"] and res["follow_ups"] == []


def test_household_items_are_sent_to_the_police_station_not_the_street_centre():
    # 身份证 and 户口 are done at the 户籍 window of a police station: a resident sent to the street
    # centre with them crosses town for nothing.
    res = ask(text="身份证丢了要去哪里补", community="柳岸社区")
    assert res["service_code"] == "GA-07-0005"
    assert "湖滨派出所户籍窗口" in res["text"] and "地址：湖滨路136号" in res["text"]
    assert "便民服务中心办理" not in res["text"] and "湖滨路120号" not in res["text"]
    assert "也可以到其他派出所或受理点办理" in res["text"]  # 跨省通办
    res = ask(text="户口簿丢了怎么补办", community="翠苑社区")
    assert "青山派出所" in res["text"] and "青山街道便民服务中心" not in res["text"]
    assert "户口所在地的派出所" in res["text"]  # the station of where they live is not always theirs
    # Not told the community yet: the kind of place, not a street centre.
    assert "在派出所户籍窗口办理" in ask(text="户口簿丢了去哪里补办")["text"]
    # Items of the street centre stay there.
    assert "湖滨街道便民服务中心" in ask(text="法律援助在哪里申请", community="柳岸社区")["text"]



def test_a_district_seeded_before_police_stations_gets_them_on_the_next_seed():
    from api.core.db import WriteSession
    from api.places import directory
    from api.places.models import Street
    from shared.settings import get_settings
    with WriteSession() as s:
        s.scalars(select(Street).where(Street.name == "望江街道")).one().police = None
        s.commit()
    assert "在派出所户籍窗口办理" in ask(text="户口簿丢了怎么补办", community="江畔社区")["text"]
    with WriteSession() as s:
        directory.load_places(s, get_settings().seed_dir / "places.json")
    assert "望江派出所户籍窗口" in ask(text="户口簿丢了怎么补办", community="江畔社区")["text"]
