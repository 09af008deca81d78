"""Hardship without risk to life (#11): a resident describing it is told the two or three benefits
that answer it (who qualifies, where to apply) and offered a person; a risk to life still goes to a
person first; a resident naming an item still gets its guide."""
import pytest
from fastapi.testclient import TestClient

from api.handoff import sensitivity
from api.main import app
from tests.conftest import SERVICE

ISSUE = "没收入，一个人带孩子，政府能管不"

# The same hardship, once without and once with a risk to life, a person in danger or violence.
PAIRS = [
    (ISSUE, "没收入，一个人带孩子，我真的撑不住了，不想活了"),
    ("厂里裁员我没了工作，房租也交不上了，有没有什么救助", "厂里裁员我没了工作，房租也交不上了，房东叫人把我锁在屋里"),
    ("我是肢体残疾，一直找不到工作，家里生活困难", "我是肢体残疾，我老公喝多了就打我，家里生活困难"),
    ("老伴中风卧床，我自己也是一身病，看病的钱都凑不齐，政府能帮帮吗", "老伴中风卧床，我也病倒了起不来，家里好几天没吃的了"),
    ("我七十多了无儿无女，没有退休金，能申请什么补助", "我七十多了无儿无女，一个人住，摔倒在地上好几天了没人管"),
]


@pytest.mark.parametrize("hardship, risk", PAIRS)
def test_hardship_is_answered_and_the_same_hardship_with_a_risk_goes_to_a_person(hardship, risk):
    assert sensitivity.judge(hardship) == "hardship" and sensitivity.assess(hardship) is None
    assert sensitivity.judge(risk) == "sensitive" and sensitivity.assess(risk) == "sensitive"


# (The last pair's risk, an old man fallen and alone, tells no hardship beyond living alone.)
@pytest.mark.parametrize("hardship, risk", PAIRS[:-1])
def test_the_hardship_told_with_a_risk_gets_its_benefits_once_a_person_has_it(hardship, risk):
    assert not hardship_answer(risk)["hardship"]
    with_risk = TestClient(app, headers=SERVICE).post("/api/handoff/hardship", json={"text": risk, "with_risk": True}).json()
    assert with_risk["hardship"] and len(with_risk["benefits"]) >= 2
    # a risk with no hardship told gets no list
    assert not TestClient(app, headers=SERVICE).post("/api/handoff/hardship", json={"text": "我老公喝多了就打我", "with_risk": True}).json()["hardship"]


@pytest.mark.parametrize("text", ["低保要带什么材料", "失业金怎么领", "残疾证在哪里办", "我想给我妈办张老年卡",
                                  "我一个人带孩子去打疫苗要带什么",
                                  "我妈今年八十一了 听人家说有啥老人补贴的 咋领啊"])
def test_ordinary_questions_are_no_hardship(text):
    assert sensitivity.judge(text) is None


def hardship_answer(text, community=None):
    r = TestClient(app, headers=SERVICE).post("/api/handoff/hardship", json={"text": text, "community": community})
    assert r.status_code == 200, r.text
    return r.json()


def test_the_issue_message_gets_the_matching_benefits_in_one_short_list():
    res = hardship_answer(ISSUE)
    names = [b["name"] for b in res["benefits"]]
    assert res["hardship"] and 2 <= len(names) <= 3 and names[:2] == ["最低生活保障", "临时救助"]
    for i, b in enumerate(res["benefits"], 1):
        # name and one line: who qualifies, where to apply
        assert f"{i}. 【{b['name']}】" in res["text"] and b["who"] in res["text"] and "申请" in b["where"]
    assert "可以申请低保" in res["benefits"][0]["who"] and "工作人员" in res["text"]


@pytest.mark.parametrize("text, specific", [
    ("我七十多了无儿无女，没有退休金，能申请什么补助", "特困人员救助供养"),
    ("我是肢体残疾，一直找不到工作，家里生活困难", "残疾人两项补贴"),
    ("两个孩子都在上学，学费交不起了，家里收入也低", "家庭经济困难学生资助"),
    ("查出来尿毒症要长期透析，医药费太多了，能申请什么", "慈善救助申请"),
    ("我老伴瘫痪在床，我自己也七十多了，照顾不过来，有什么补助吗", "居家养老服务补贴"),
    # no pension and living off bottles picked up: told as residents tell it, no plea needed
    ("我六十多了，没儿没女，也没退休金，每个月就靠捡瓶子卖点钱", "特困人员救助供养"),
    # grandparents left with a grandchild, living on a small pension
    ("我儿子儿媳离婚了 都不管孩子 孙子丢给我们老两口 我们七十多了 就靠我两千多块退休金 以后咋办哦", "困境儿童基本生活保障"),
    # what the household lives on (就靠农保) is no item asked about
    ("我七十了 一个人住在村里 没有退休工资 就靠农保一个月两百多 看病的钱都没有 有没有补助", "特困人员救助供养"),
    ("我儿子白血病住院半年了 花了三十多万 亲戚朋友都借遍了 政府有补助吗", "临时救助"),
])
def test_the_list_follows_the_hardship_described(text, specific):
    res = hardship_answer(text)
    assert res["hardship"] and specific in [b["name"] for b in res["benefits"]]


def test_illness_is_answered_first_by_medical_aid():
    """What the insurance left to pay is 医疗救助's; charity comes after the public aid."""
    res = hardship_answer("查出来尿毒症要长期透析，医药费太多了，能申请什么")
    names = [b["name"] for b in res["benefits"]]
    assert res["hardship"] and names[0] == "医疗救助" and "慈善救助申请" in names
    assert "街道便民服务中心" in res["benefits"][0]["where"]
    # bills and no money left ("实在拿不出来了"): the safety net and medical aid together
    res = hardship_answer("老伴查出肺癌要化疗，医保报完自己还要付好几万，家里实在拿不出来了")
    assert res["hardship"] and {"医疗救助", "临时救助"} <= {b["name"] for b in res["benefits"]}


def test_documents_that_cannot_be_got_are_no_hardship():
    """"凑不齐", "拿不出来" tell hardship of money only."""
    assert sensitivity.hardship_groups("材料凑不齐 能不能申请") == []
    assert sensitivity.hardship_groups("学费实在凑不齐了") == ["no_income"]


def test_an_old_parent_neglected_is_no_child_left_without_parents():
    """"儿子儿媳都不管我" got 困境儿童基本生活保障 (每月2000元) offered to an old man."""
    groups = sensitivity.hardship_groups("儿子儿媳都不管我 欠了一屁股债")
    assert "alone_elderly" in groups and "no_parents" not in groups
    assert "no_parents" in sensitivity.hardship_groups("儿子儿媳离婚了 都不管孩子")


def test_an_item_hinted_at_and_asked_about_leads_the_list():
    res = hardship_answer("我爸中风半边不能动 想给他做个评估 好申请护理补贴 咋弄")
    assert res["hardship"] and res["benefits"][0]["name"] == "老年人能力评估"


def test_odd_jobs_and_a_bedridden_husband_put_the_safety_net_first():
    """Two kinds of hardship each ask for their own items; 低保 answers any hardship, and odd
    jobs are no insured work that 失业保险金 could replace."""
    text = "老公瘫在床上，我打零工养活一家，实在撑不下去了"
    res = TestClient(app, headers=SERVICE).post("/api/handoff/hardship", json={"text": text, "with_risk": True}).json()
    names = [b["name"] for b in res["benefits"]]
    assert names[0] == "最低生活保障" and "失业保险金申领" not in names


def test_the_residents_community_names_the_centre_to_apply_at():
    res = hardship_answer(ISSUE, community="柳岸社区")
    assert res["benefits"][0]["where"].startswith("到柳岸社区党群服务中心")


@pytest.mark.parametrize("text", ["我想了解一下低保的申请条件，我们家比较困难", "没收入，一个人带孩子，我不想活了",
                                  "低保要带什么材料"])
def test_a_named_item_a_risk_or_an_ordinary_question_gets_no_list(text):
    assert hardship_answer(text) == {"hardship": False, "text": "", "benefits": []}


# ---- over the webhook and on the phone page, with the real model, actions and backend ----------

def text_of(messages):
    return "\n".join(m.get("text", "") for m in messages)


@pytest.mark.e2e
def test_hardship_conversation_lists_benefits_then_a_person_on_request(talk, stack):
    reply = talk(ISSUE)
    said = text_of(reply)
    assert "最低生活保障" in said and "临时救助" in said and "已为您转接" not in said
    buttons = [b for m in reply for b in m.get("buttons") or []]
    assert {"title": "找工作人员", "payload": "/request_human"} in buttons
    # an item's button gives its whole guide ...
    guide = text_of(talk(next(b["payload"] for b in buttons if b["title"] == "最低生活保障")))
    assert "最低生活保障" in guide and "户口簿" in guide
    # ... and the person on offer is one press away.
    assert "已为您转接" in text_of(talk("/request_human"))

    # The same hardship with a risk to life: a person at once, with the safety lines (the
    # emergency numbers and the psychological assistance hotline) first; the benefits after them.
    import requests
    r = requests.post(f"{stack['rasa']}/webhooks/h5/webhook", headers=SERVICE, timeout=60,
                      json={"sender": talk.sender + "-risk", "message": PAIRS[0][1]})
    said = text_of(r.json())
    assert "110" in said and "12356" in said and "已为您转接" in said
    assert said.index("最低生活保障") > said.index("已为您转接") > said.index("12356")


@pytest.mark.e2e
@pytest.mark.browser
def test_hardship_on_the_phone_page_offers_items_and_a_person(stack, var_dir):
    import time

    from tests.browser import open_chat, phone_browser, screenshot, wait_for
    d = phone_browser()
    try:
        open_chat(d, stack["api"] + "/")
        before = len(d.find_elements("css selector", ".row.bot .bubble"))
        d.find_element("id", "text").send_keys(ISSUE)
        d.find_element("id", "send").click()
        wait_for(lambda: len(d.find_elements("css selector", ".row.bot .bubble")) > before, 60, "the benefits")
        time.sleep(0.5)  # the buttons follow their bubble
        answer = d.find_elements("css selector", ".row.bot .bubble")[-1]
        assert "1. 【最低生活保障】" in answer.text and "2. 【临时救助】" in answer.text
        buttons = d.find_elements("css selector", ".choices")[-1].find_elements("css selector", "button")
        titles = [b.text for b in buttons]
        assert titles[:2] == ["最低生活保障", "临时救助"] and titles[-1] == "找工作人员"
        assert all(b.size["height"] >= 44 for b in buttons)
        d.execute_script("arguments[0].scrollIntoView()", answer)
        screenshot(d, var_dir, "chat-hardship.png")
    finally:
        d.quit()


@pytest.mark.e2e
@pytest.mark.parametrize("text, handed", [(ISSUE, False), ("家里没收入日子难过，帮我转人工", True)])
def test_a_typed_plea_read_as_a_request_for_a_person_gets_the_benefits_unless_a_person_is_asked_for(
        stack, monkeypatch, text, handed):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.human import ActionRequestHuman
    from shared.settings import get_settings
    monkeypatch.setenv("RSA_BACKEND_URL", stack["api"])
    get_settings.cache_clear()
    t = Tracker(f"s-hardship-{handed}", {}, {"text": text, "intent": {"name": "request_human"}, "entities": []},
                [{"event": "user", "text": text}], False, None, None, "h5")
    d = CollectingDispatcher()
    events = ActionRequestHuman().run(d, t, {})
    assert any(e.get("event") == "pause" for e in events) is handed
    assert ("最低生活保障" in d.messages[0]["text"]) is not handed


@pytest.mark.parametrize("text, specific", [
    # a cancer named as such, and a debt told in 万
    ("我今年五十八 老公去年肝癌走了 治病欠了十几万 我腰椎间盘突出干不了重活 现在给人家打扫卫生一个月一千五 这日子过不下去了",
     "最低生活保障"),
    # a child whose parents are in prison: 事实无人抚养
    ("我侄子爸妈都进去了 判了好几年 孩子才八岁 现在跟着我 我自己也有两个孩子 这孩子能有啥补助伐", "困境儿童基本生活保障"),
    # a mother alone with "个三岁的娃" (words between 带 and 娃), out of work
    ("我刚离婚 一个人带个三岁的娃 前夫一分钱抚养费都不给 我没工作 在外面租房子 真的快撑不下去了", "最低生活保障"),
])
def test_hardship_told_in_residents_words_gets_its_benefits_even_once_a_person_has_it(text, specific):
    res = TestClient(app, headers=SERVICE).post("/api/handoff/hardship", json={"text": text, "with_risk": True}).json()
    assert res["hardship"] and specific in [b["name"] for b in res["benefits"]]


def test_a_son_worried_about_his_forgetful_father_gets_care_not_the_childless_benefit():
    """QA7 C11: the father (82, alone, forgetting meals and the gas) was offered 特困人员救助供养, which
    is for old people with no children to support them; his son wrote."""
    text = "我爸八十二了 一个人住在望江新村 我在外地上班 他最近老是忘事 有时候饭都忘了吃 煤气也忘关 我很担心 社区能帮点什么忙吗"
    res = TestClient(app, headers=SERVICE).post("/api/handoff/hardship", json={"text": text}).json()
    names = [b["name"] for b in res["benefits"]]
    assert res["hardship"] and "老年人能力评估" in names and "居家养老服务补贴" in names
    assert "特困人员救助供养" not in names
