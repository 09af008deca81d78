"""Addresses in residents' own words (issue #11): the rules of shared/addresses.py find the place
wherever it is written, however long the message; the backend's locate returns it as the
report's address, and the Rasa component gives it to the conversation as an `address` entity.
The place names come from the seeded places directory, as at run time."""
import pytest
from fastapi.testclient import TestClient
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from api import cli
from api.core.db import SessionLocal
from api.main import app
from api.places.locate import place_names
from shared.addresses import addresses, find_places
from tests.conftest import SERVICE

# A resident's letter without a place in it: 1,450 characters of complaint before the address.
FILLER = ("这件事已经拖了快半年了，实在没办法才在这里留言。每天晚上吵到凌晨一两点，老人孩子都睡不好，"
          "白天上班也没精神，打过几次电话说会处理，可是过几天又是老样子，希望这次能真正解决。") * 18


@pytest.fixture(scope="module")
def names():
    with SessionLocal() as s:
        return place_names(s)


def found(text, names):
    return [p.text for p in addresses(text, names)]


@pytest.mark.parametrize("text, place", [
    ("柳岸新村6幢2单元楼下的垃圾好几天没人清理了", "柳岸新村6幢2单元楼下"),
    ("荷花苑3栋502室旁边有人在楼道里养狗", "荷花苑3栋502室旁边"),
    ("文昌路150号门口的井盖没了，很危险", "文昌路150号门口"),
    ("望江新村五幢二单元楼道灯坏了", "望江新村五幢二单元楼道"),  # numbers in characters
    ("南湖菜场门口天天有人乱摆摊", "南湖菜场门口"),
    ("我家住在阳光小区5号楼，楼下烧烤店油烟太大", "阳光小区5号楼"),  # a name the district does not know
    ("文昌路和青山路路口的红绿灯坏了", "文昌路和青山路路口"),
    ("书香名邸5幢楼下有人占用消防通道", "书香名邸5幢楼下"),  # 名邸: known to the directory only
    ("桃源县青石镇桃花村3组的路塌了一半", "桃源县青石镇桃花村3组"),
])
def test_the_address_is_found_as_the_resident_wrote_it(names, text, place):
    assert found(text, names) == [place]


def test_a_place_at_the_end_of_a_long_letter_is_found_with_its_offsets(names):
    text = "您好，我想反映楼下烧烤店的问题。" + FILLER + "我家在望江新村16幢3单元，烧烤店就在楼下。谢谢！"
    assert len(text) > 1500
    (p,) = addresses(text, names)
    assert p.text == "望江新村16幢3单元" and text[p.start:p.end] == p.text and p.start > 1400


def test_several_places_are_all_found_in_order(names):
    text = "南湖菜场门口天天乱摆摊，另外柳岸路20号旁边的路灯也不亮了，还有荷花苑11幢楼下垃圾没人清。"
    assert found(text, names) == ["南湖菜场门口", "柳岸路20号旁边", "荷花苑11幢楼下"]


@pytest.mark.parametrize("text", ["楼下烧烤店油烟太大了，晚上根本睡不着", "我们小区门口的路灯坏了好几天",
                                  "请问学校的学费怎么收", "走投无路了，工资半年没发", "3号那天我去办过一次"])
def test_no_address_is_made_up(names, text):
    assert found(text, names) == []


def test_a_community_named_in_a_service_question_is_a_region_not_an_address(names):
    text = "我是柳岸社区的，办居住证要带什么材料？"
    assert found(text, names) == []
    assert [(p.text, p.kind) for p in find_places(text, names)] == [("柳岸社区", "region")]


@pytest.fixture(scope="module")
def client():
    with TestClient(app) as c:
        yield c


def test_locate_reads_the_whole_long_report_and_returns_the_written_address(client):
    text = "您好，我想反映楼下烧烤店油烟太大的问题。" + FILLER + "地址是柳岸新村6幢2单元楼下，麻烦尽快处理。"
    r = client.post("/api/incidents/locate", json={"text": text}, headers=SERVICE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "found" and body["grid"] == "柳岸1号网格"
    assert body["place"] == "柳岸新村6幢2单元楼下"


def test_locate_takes_the_address_that_finds_a_grid_among_several_places(client):
    # 柳岸新村 alone is two grids (1-12幢, 13-26幢); the written address settles it.
    text = "柳岸新村最近很多地方垃圾乱堆，尤其柳岸新村20幢楼下最严重。"
    body = client.post("/api/incidents/locate", json={"text": text}, headers=SERVICE).json()
    assert body["status"] == "found" and body["grid"] == "柳岸2号网格" and body["place"] == "柳岸新村20幢楼下"


def test_locate_without_an_address_says_so(client):
    body = client.post("/api/incidents/locate", json={"text": "楼下烧烤店油烟太大了"}, headers=SERVICE).json()
    assert body["status"] == "unknown" and body["place"] == ""


def test_the_report_keeps_the_written_address_not_the_first_200_characters(monkeypatch):
    from actions import backend
    from actions.incidents import ActionStartIncident
    text = "您好，我想反映楼下烧烤店的问题。" + FILLER + "地址是柳岸新村6幢2单元楼下。"
    with TestClient(app) as c:
        def post(path, text):
            return c.post(path, json={"text": text}, headers=SERVICE).json()
        monkeypatch.setattr(backend, "locate", lambda t: post("/api/incidents/locate", t[:5000]))
        monkeypatch.setattr(backend, "classify_incident", lambda t: post("/api/incidents/classify", t[:5000]))
        monkeypatch.setattr("actions.incidents.people_should_answer", lambda *a, **k: None)
        latest = {"text": text, "intent": {"name": "report_incident", "confidence": 0.9}, "entities": []}
        t = Tracker("s-addr", {}, latest, [{"event": "user", "text": text}], False, None, {}, "h5")
        events = ActionStartIncident().run(CollectingDispatcher(), t, {})
    address = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == "incident_address"]
    assert address[-1] == "柳岸新村6幢2单元楼下"


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory):
    """The jieba dictionary as `python -m api.cli nlu-resources` writes it from the directory."""
    path = tmp_path_factory.mktemp("jieba") / "catalogue.txt"
    with SessionLocal() as s:
        words = cli.dictionary_words(s)
    path.write_text("".join(f"{w} 2000 {pos}\n" for w, pos in sorted(words.items())), encoding="utf-8")
    return path.parent


def test_the_rasa_component_adds_the_address_entity(dictionary):
    from bot.components.address_extractor import AddressExtractor
    extractor = AddressExtractor({**AddressExtractor.get_default_config(), "dictionary_path": str(dictionary)})
    text = "您好，" + FILLER + "麻烦看一下书香名邸5幢楼下的垃圾。"
    msg = Message(data={"text": text, "entities": [{"entity": "phone", "start": 0, "end": 2, "value": "x"}]})
    extractor.process([msg, Message(data={"text": "/affirm"}), Message(data={"text": "居住证要带什么材料"})])
    address = [e for e in msg.get("entities") if e["entity"] == "address"]
    assert [(e["value"], e["extractor"]) for e in address] == [("书香名邸5幢楼下", "AddressExtractor")]
    assert text[address[0]["start"]:address[0]["end"]] == "书香名邸5幢楼下"
    assert [e["entity"] for e in msg.get("entities")] == ["phone", "address"]  # what other extractors found stays
