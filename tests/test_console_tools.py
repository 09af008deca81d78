"""Staff console API for the desk's tools (issue #10, console items 10-13): queue views, centre
filter, search and counts; the centres' own canned phrases; what the assistant understood in
words rather than codes; the resident's contact panel."""
import datetime as dt
import random
import re
import string
import uuid

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.core.db import WriteSession
from api.guide.models import ServiceItem
from api.handoff import cases as handoff
from api.handoff.understood import INTENT_NAMES
from api.incidents import vault
from api.incidents.states import TicketStatus
from api.main import app
from api.staff.models import AuditEntry
from shared.settings import ROOT
from tests.conftest import SERVICE
from tests.test_console import OPEN_TIME, centre_id, signed_in, users  # noqa: F401  (users: the accounts)

PHONE_SHAPED = re.compile(r"1\d{10}")


def case_saying(community, text, sender=None, context=None, at=OPEN_TIME):
    with WriteSession() as s:
        return handoff.open_case(s, sender=sender or f"resident-{uuid.uuid4().hex}", channel="h5", reason="asked",
                                 community=community, context=context or {"intent": "request_human"},
                                 transcript=[{"author": "resident", "text": text}], at=at).id


def ids(client, **params):
    r = client.get("/console/api/queue", params=params)
    assert r.status_code == 200, r.text
    return [x["id"] for x in r.json()]


# ---- item 10: queue views, centre filter, search, counts ---------------------------------------

def words_only() -> str:
    """A search word that is only letters: a hex token's digit run can be masked as a phone or ID
    number in what staff see, and then (rightly) never found."""
    return "".join(random.choices(string.ascii_lowercase, k=10))


def test_queue_views_mine_and_unassigned_with_counts():
    token = words_only()
    mine, waiting, other = (case_saying("柳岸社区", f"垃圾桶满了 {token}") for _ in range(3))
    callback = case_saying("柳岸社区", f"晚上来问 {token}", at=dt.datetime(2026, 11, 28, 20, 0))
    liuan = signed_in("liuan")
    assert liuan.post(f"/console/api/cases/{mine}/claim").status_code == 200
    assert signed_in("boss").post(f"/console/api/cases/{other}/claim").status_code == 200
    assert set(ids(liuan, q=token)) == {mine, waiting, other, callback}
    assert ids(liuan, view="mine", q=token) == [mine]
    assert set(ids(liuan, view="unassigned", q=token)) == {waiting, callback}
    assert liuan.get("/console/api/queue/counts", params={"q": token}).json() == {"all": 4, "mine": 1, "unassigned": 2}
    # Mine is the signed-in person's: the supervisor holds another one.
    assert ids(signed_in("boss"), view="mine", q=token) == [other]
    # No parameters: the whole queue, as before.
    assert {mine, waiting, other, callback} <= set(ids(liuan))
    assert liuan.get("/console/api/queue", params={"view": "everything"}).status_code == 422


def test_queue_narrows_to_a_centre_and_finds_by_words_number_and_centre():
    token = words_only()
    liu = case_saying("柳岸社区", f"楼道灯坏了 {token}，电话13812345678")
    he = case_saying("荷花社区", f"我要找人 {token}")
    boss, liuan = signed_in("boss"), signed_in("liuan")
    assert ids(boss, q=token, centre_id=centre_id("荷花社区")) == [he]
    assert set(ids(boss, q=token)) == {liu, he}
    assert ids(liuan, q=token, centre_id=centre_id("荷花社区")) == []  # staff never see another centre's cases
    assert boss.get("/console/api/queue/counts", params={"q": token, "centre_id": centre_id("柳岸社区")}).json() == \
        {"all": 1, "mine": 0, "unassigned": 1}
    # The resident's words as staff see them: the masked number finds the case, the clear one does not.
    assert ids(boss, q="楼道灯坏了 " + token) == [liu]
    assert ids(boss, q=f"{token}，电话138****5678") == [liu]
    assert ids(boss, q=f"{token}，电话13812345678") == []
    # The case number (#12 is that case alone; 12 may be in someone's words too), the centre's name.
    assert ids(boss, q=f"#{he}") == [he] and he in ids(boss, q=str(he))
    assert he in ids(boss, q="荷花社区党群") and liu not in ids(boss, q="荷花社区党群")
    # A centre id no database can hold is refused, not a crash.
    assert boss.get("/console/api/queue", params={"centre_id": 2 ** 70}).status_code == 422


def test_queue_finds_a_case_by_its_work_order_number():
    cid = case_saying("柳岸社区", "隔壁装修太吵")
    staff = signed_in("liuan")
    staff.post(f"/console/api/cases/{cid}/claim")
    view = staff.post(f"/console/api/cases/{cid}/tickets", json={
        "description": "柳岸新村7幢装修噪音，晚上十点还在施工", "address": "柳岸新村7幢", "phone": "13800138111"}).json()
    number = view["tickets"][0]["number"]
    assert ids(staff, q=number.lower()) == [cid]


# ---- item 11: the centres' own canned phrases ---------------------------------------------------

def test_staff_get_the_district_phrases_and_their_centres_own():
    boss, liuan, hehua = signed_in("boss"), signed_in("liuan"), signed_in("hehua")
    texts = [p["text"] for p in liuan.get("/console/api/phrases").json()]
    assert "请稍等，我查一下。" in texts and "请问您住在哪个小区？" in texts
    title = "柳岸停车-" + uuid.uuid4().hex[:6]
    r = boss.post("/console/api/phrases", json={"title": title, "text": "柳岸新村的临时停车请找物业登记。",
                                                "centre_id": centre_id("柳岸社区")})
    assert r.status_code == 200, r.text
    added = r.json()
    assert added["centre"] == "柳岸社区党群服务中心" and added["title"] == title
    assert title in [p["title"] for p in liuan.get("/console/api/phrases").json()]
    assert title not in [p["title"] for p in hehua.get("/console/api/phrases").json()]
    district = next(p for p in hehua.get("/console/api/phrases").json() if p["title"] == "请稍等")
    assert district["centre"] is None
    # hehua cannot even see liuan's phrase, so cannot be told it exists.
    assert boss.get("/console/api/phrases", params={"centre_id": centre_id("荷花社区")}).json() == \
        hehua.get("/console/api/phrases").json()


def test_only_supervisors_edit_phrases_and_every_edit_is_audited():
    boss, liuan = signed_in("boss"), signed_in("liuan")
    r = liuan.post("/console/api/phrases", json={"title": "我的", "text": "自己加的"})
    assert r.status_code == 403 and "主管" in r.json()["detail"]
    first = liuan.get("/console/api/phrases").json()[0]
    assert liuan.put(f"/console/api/phrases/{first['id']}", json={"title": "x", "text": "y"}).status_code == 403
    assert liuan.delete(f"/console/api/phrases/{first['id']}").status_code == 403
    assert boss.post("/console/api/phrases", json={"title": "空的", "text": "   "}).status_code == 422
    assert boss.post("/console/api/phrases", json={"title": "x", "text": "y", "centre_id": 999999}).status_code == 404

    title = "周末-" + uuid.uuid4().hex[:6]
    pid = boss.post("/console/api/phrases", json={"title": title, "text": "周末不办公，工作日再来。"}).json()["id"]
    changed = boss.put(f"/console/api/phrases/{pid}", json={"title": title, "text": "周末不办公，请工作日8:30以后来。"}).json()
    assert changed["text"] == "周末不办公，请工作日8:30以后来。" and changed["centre"] is None
    assert "周末不办公，请工作日8:30以后来。" in [p["text"] for p in liuan.get("/console/api/phrases").json()]
    assert boss.delete(f"/console/api/phrases/{pid}").status_code == 200
    assert pid not in [p["id"] for p in liuan.get("/console/api/phrases").json()]
    assert boss.put(f"/console/api/phrases/{pid}", json={"title": "x", "text": "y"}).status_code == 404
    with WriteSession() as s:
        done = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.target == f"常用语#{pid}"))]
    assert done == ["add phrase", "edit phrase", "delete phrase"]
    labels = boss.get("/console/api/labels").json()["AuditAction"]
    assert [labels[a] for a in done] == ["新增常用语", "修改常用语", "删除常用语"]


def test_seeding_again_keeps_the_supervisors_phrase_book():
    from api import cli
    boss = signed_in("boss")
    gone = next(p for p in boss.get("/console/api/phrases").json() if p["title"] == "致歉")
    boss.delete(f"/console/api/phrases/{gone['id']}")
    before = boss.get("/console/api/phrases").json()
    assert cli.seed(if_empty=True)["canned_phrases"] == 0
    assert boss.get("/console/api/phrases").json() == before


# ---- item 12: names, not codes ------------------------------------------------------------------

def test_every_intent_of_the_assistant_has_a_name():
    intents = set()
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        intents |= {i if isinstance(i, str) else next(iter(i)) for i in yaml.safe_load(path.read_text()).get("intents") or []}
    assert intents and not intents - set(INTENT_NAMES), f"intents without a name: {intents - set(INTENT_NAMES)}"


def test_what_the_assistant_understood_is_shown_in_words():
    with WriteSession() as s:
        code = s.scalars(select(ServiceItem).where(ServiceItem.name == "居住证申领")).one().code
    context = {"intent": "request_human", "confidence": 0.873,
               "entities": [{"entity": "community", "value": "柳岸"}],
               "slots": {"service_code": code, "aspect": "place", "community": "柳岸社区"},
               "incident": {"description": "垃圾桶满了没人清", "category": "SR-02", "grade": "一般",
                            "phone": "13900001111"}}
    cid = case_saying("柳岸社区", "我要找人", context=context)
    staff = signed_in("liuan")
    for view in (staff.get(f"/console/api/cases/{cid}").json(), staff.post(f"/console/api/cases/{cid}/open").json(),
                 staff.post(f"/console/api/cases/{cid}/claim").json()):
        rows = {r["label"]: r["value"] for r in view["understood"]}
        assert rows["意图"] == "要求人工服务" and rows["把握"] == "87%"
        assert rows["事项"] == f"居住证申领（{code}）" and rows["问的方面"] == "办理地点"
        assert rows["事件类别"] == "垃圾满溢" and rows["联系电话"] == "139****1111"
        assert rows["识别到的词"] == "社区：柳岸"
        assert not any(PHONE_SHAPED.search(r["value"]) for r in view["understood"])
        assert view["context"]["intent"] == "request_human"  # the raw context stays for older pages
    assert staff.get(f"/console/api/cases/{cid}/canned").json()[0]["title"] == "居住证申领·所需材料"


def test_staff_lines_carry_the_name_of_who_wrote_them():
    cid = case_saying("柳岸社区", "我要找人")
    staff = signed_in("liuan")
    staff.post(f"/console/api/cases/{cid}/claim")
    lines = staff.post(f"/console/api/cases/{cid}/reply", json={"text": "您好"}).json()["messages"]
    assert (lines[0]["author"], lines[0]["staff"]) == ("resident", None)
    assert (lines[-1]["author"], lines[-1]["text"], lines[-1]["staff"]) == ("staff", "您好", "liuan")


# ---- item 13: the contact panel -----------------------------------------------------------------

def test_contact_panel_shows_masked_phone_earlier_work_orders_and_conversations():
    sender = f"resident-{uuid.uuid4().hex}"
    number = TestClient(app, headers=SERVICE).post("/api/tickets", json={
        "description": "柳岸新村9幢路灯不亮", "address": "柳岸新村9幢", "phone": "13700007777", "sender": sender}).json()["number"]
    boss = signed_in("boss")
    earlier = case_saying("柳岸社区", "上次的事", sender=sender)
    boss.post(f"/console/api/cases/{earlier}/claim")
    boss.post(f"/console/api/cases/{earlier}/resolve", json={"reason": "已电话告知"})
    now = case_saying("柳岸社区", "还是那个路灯", sender=sender)
    with WriteSession() as s:
        vault.keep(s, sender, {"139****5678": "13912345678"})
    staff = signed_in("liuan")
    panel = staff.get(f"/console/api/cases/{now}/contact").json()
    assert panel["phone"] == "139****5678"
    assert [t["number"] for t in panel["tickets"]] == [number]
    assert panel["tickets"][0]["status"] in TicketStatus.labels().values()  # in words, e.g. 已派给承办单位
    assert [(c["id"], c["status"], c["reason"], c["resolution"]) for c in panel["conversations"]] == \
        [(earlier, "已结束", "居民要求", "已电话告知")]
    assert not PHONE_SHAPED.search(str(panel))
    # From the earlier case, the later one is the other conversation.
    assert [c["id"] for c in staff.get(f"/console/api/cases/{earlier}/contact").json()["conversations"]] == [now]
    assert signed_in("hehua").get(f"/console/api/cases/{now}/contact").status_code == 404
    # Someone else's conversation knows nothing of this resident.
    stranger = staff.get(f"/console/api/cases/{case_saying('柳岸社区', '你好')}/contact").json()
    assert stranger == {"phone": None, "tickets": [], "conversations": []}


def test_contact_panel_masks_the_call_back_number():
    with WriteSession() as s:
        cid = handoff.open_case(s, sender=f"resident-{uuid.uuid4().hex}", channel="h5", reason="asked",
                                community="柳岸社区", context={"callback_phone": "13800001234"}, transcript=[],
                                at=dt.datetime(2026, 11, 28, 20, 0)).id
    assert signed_in("liuan").get(f"/console/api/cases/{cid}/contact").json()["phone"] == "138****1234"
