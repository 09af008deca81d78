"""Service answers as the resident reads them: complete, from context, at the right centre."""
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.core.db import SessionLocal
from api.guide.assist import names_no_subject
from api.guide.models import ServiceItem
from api.main import app
from shared.settings import get_settings
from tests.conftest import SERVICE

client = TestClient(app, headers=SERVICE)  # the action server's calls


def ask(**kw):
    r = client.post("/api/assist/service-answer", json=kw)
    assert r.status_code == 200, r.text
    return r.json()


def item(name):
    with SessionLocal() as s:
        return s.scalars(select(ServiceItem).where(ServiceItem.name == name)).one()


@pytest.mark.parametrize("text", ["老年证怎么办", "残疾证咋办", "居住证怎么申请",
                                  # two things asked at once: the whole guide tells both
                                  "电瓶车上牌要收钱吗 要带发票伐", "护照在哪里办 要多久能拿到",
                                  "今年的城乡医保在哪里交 手机上能交伐"])
def test_how_do_i_get_it_is_answered_with_the_whole_guide(text):
    """一次性告知: materials, place and time limit at once, not the steps alone."""
    res = ask(text=text)
    assert res["status"] == "answered" and res["aspect"] == "general"
    assert "材料" in res["text"] and "时限" in res["text"]


@pytest.mark.parametrize("text", ["社保卡放裤兜里给洗衣机洗了 芯片坏了 要补咋弄 收钱伐", "公租房我们这种能申请伐 要排多久"])
def test_how_to_or_who_may_asked_beside_one_aspect_gets_the_whole_guide(text):
    res = ask(text=text)
    assert res["status"] == "answered" and res["aspect"] == "general" and "材料" in res["text"] and "收费" in res["text"]


def test_an_item_done_online_is_not_told_to_carry_its_papers_to_a_window():
    res = ask(text="就业创业证怎么办", community="柳岸社区")
    assert "零跑动" in res["text"] and "网上办理时按提示上传" in res["text"] and "请一次带齐以下材料" not in res["text"]
    assert "不方便网上办的，也可以到" in res["text"]


def test_materials_are_told_in_one_go():
    res = ask(text="居住证要带什么材料")
    assert res["status"] == "answered" and res["aspect"] == "materials"
    for m in item("居住证申领").materials:
        assert m["name"] in res["text"] and m["form"] in res["text"]


@pytest.mark.parametrize("text, hint, said", [
    ("老头子身份证过期好久了 他中风了走不动路 能不能派人上门给他办", "place", "预约上门"),
    ("我妈瘫在床上 养老金认证能上门吗", None, "工作人员上门认证"),
])
def test_a_home_visit_asked_for_is_told_as_the_guide_has_it(text, hint, said):
    res = ask(text=text, aspect_hint=hint)
    assert res["status"] == "answered" and res["aspect"] == "home" and said in res["text"], res["text"]


def test_no_home_visit_is_promised_where_the_guide_has_none():
    res = ask(text="户口本补办能上门吗", community="柳岸社区")
    assert res["aspect"] == "home" and "没有上门办理的安排" in res["text"], res["text"]
    # where to go instead, and a number to ask on
    assert "湖滨派出所" in res["text"] and re.search(r"0571-\d{8}", res["text"])


@pytest.mark.parametrize("text, aspect, field", [
    ("那要多久能拿到", "time", "承诺时限"),
    ("要钱吗", "fee", "收费"),
    ("网上能办吗", "online", None),
    ("要跑几趟", "visits", None),
    ("需要什么条件", "conditions", "申请条件"),
    ("流程是怎样的", "process", "办理流程"),
])
def test_follow_ups_keep_the_item(text, aspect, field):
    code = item("居住证申领").code
    res = ask(text=text, context_code=code)
    assert res["status"] == "answered" and res["service_code"] == code and res["aspect"] == aspect
    if field:
        assert field in res["text"]


@pytest.mark.parametrize("item_name, text, aspect, field", [
    ("最低生活保障", "要多久能批下来", "time", "承诺时限"),
    ("老年人优待证", "要照片吗", "materials", None),
    ("残疾人证", "那我老伴能帮我去办吗", "materials", "代为申请"),
    ("老年人优待证", "我妈瘫在床上去不了，我能帮她办吗", "materials", None),
    # the items only hinted at (外地户口 → 户口迁入 …) are not what is asked about
    ("最低生活保障", "我是外地户口能申请吗", "conditions", "申请条件"),
    # how soon, whether in person: said around the question, about nothing else
    ("往来港澳通行证及签注", "大概多久能拿到 有加急伐", "time", "承诺时限"),
    ("就业创业证", "要本人去伐 我白天走不开", "materials", None),
    ("义务教育入学", "要他爸妈本人来伐", "materials", None),
    # who asks (八十: 高龄津贴's keyword; 户口不在: no 户口簿 by sound) of the item under discussion
    ("退役军人优待证", "我八十多了腿脚不好 能不能叫社区的人上门来办", "home", "上门"),
    ("老年人优待证", "她户口不在这里 在江西 能办伐", "conditions", "居住证"),
    # how much, by the year or the month, in residents' words
    ("城乡居民医保参保", "一年要交多少钱的", "fee", "缴费标准"),
    ("公共租赁住房", "租金一个月大概多少", "fee", "租金"),
    ("居家养老服务补贴", "一个月能补多少钞票", "conditions", None),
])
def test_follow_ups_in_residents_words_keep_the_item(item_name, text, aspect, field):
    code = item(item_name).code
    res = ask(text=text, context_code=code)
    assert res["status"] == "answered" and res["service_code"] == code and res["aspect"] == aspect, res["text"]
    if field:
        assert field in res["text"]


@pytest.mark.parametrize("item_name, text, meant", [
    ("居住证申领", "快到期了咋办", "居住证签注"),
    ("结婚登记", "要是以后弄丢了怎么办", "补领婚姻登记证"),
    # a benefit asked of the document's holders
    ("残疾人证", "办了以后每个月有补贴伐", "残疾人两项补贴"),
    ("残疾人证", "证办下来以后有啥好处 能拿钱伐", "残疾人两项补贴"),
    ("老年人优待证", "有了这个证还有补助吗", "高龄津贴"),
])
def test_a_follow_up_telling_what_happened_to_the_document_finds_the_item_for_it(item_name, text, meant):
    res = ask(text=text, context_code=item(item_name).code)
    assert res["status"] == "answered" and res["service_name"] == meant, res["text"]


def test_a_new_question_hinting_at_other_items_is_not_taken_for_a_follow_up():
    res = ask(text="办户口要什么材料", context_code=item("居住证申领").code)
    assert res["status"] == "ambiguous" and "居住证申领" not in [c["name"] for c in res["candidates"]]


def test_follow_up_naming_something_unknown_does_not_reuse_context():
    res = ask(text="那办驾照要带什么", context_code=item("居住证申领").code)
    assert res["status"] == "unknown"
    assert get_settings().hotline in res["text"] and "人工" in res["text"]


def test_place_asks_for_the_community_then_names_its_centre():
    res = ask(text="居住证在哪里办")
    assert res["status"] == "need_community"
    res = ask(text="柳岸", aspect_hint="place", context_code=res["service_code"], community="柳岸", answers_question=True)
    assert res["status"] == "answered" and res["community"] == "柳岸社区"
    it = item("居住证申领")
    expected = {"community": "柳岸社区党群服务中心", "street": "湖滨街道便民服务中心", "district": "明湖区政务服务中心"}[it.handled_at]
    assert expected in res["text"] and "电话" in res["text"] and "办公时间" in res["text"]


def test_another_question_asked_instead_of_the_community_is_answered():
    """"请问您住在哪个社区？" answered by "登记好了能领失业金伐": it was told "没有找到这个社区"."""
    text = "登记好了能领失业金伐 我交了八年社保"
    res = ask(text=text, aspect_hint="place", context_code=item("失业登记").code, community=text, answers_question=True)
    assert res["status"] == "answered" and res["service_name"] == "失业保险金申领" and "没有找到" not in res["text"]


def test_unknown_community_is_asked_again_with_the_list():
    res = ask(text="火星社区", aspect_hint="place", context_code=item("老年人优待证").code, community="火星社区",
              answers_question=True)
    if item("老年人优待证").handled_at != "district":
        assert res["status"] == "need_community" and "柳岸社区" in res["text"]


@pytest.mark.parametrize("text", ["社区服务中心几点上班，周六开门吗", "你们街道中午休息吗", "办事大厅的办公时间是几点到几点"])
def test_opening_hours_asked_with_no_item_are_told_for_the_residents_own_centres(text):
    res = ask(text=text)
    assert res["status"] == "need_community" and "明湖区政务服务中心" in res["text"] and "办公时间：工作日" in res["text"]
    assert "哪个社区" in res["text"] and not res.get("service_code")
    res = ask(text="柳岸社区", aspect_hint="place", community="柳岸社区", answers_question=True)
    assert res["status"] == "answered" and res["community"] == "柳岸社区"
    assert "柳岸社区党群服务中心" in res["text"] and "湖滨街道便民服务中心" in res["text"]
    assert "工作日 8:30-11:30，13:30-17:00；周六上午值班" in res["text"] and "电话：" in res["text"]
    assert "没有找到这个社区" in ask(text="火星社区", community="火星社区", answers_question=True)["text"]


def test_opening_hours_with_the_community_named_are_told_at_once():
    res = ask(text="柳岸社区服务中心周六开门吗")
    assert res["status"] == "answered" and "周六上午值班" in res["text"]
    assert ask(text="医院几点上班")["status"] == "unknown"  # not the centres' hours


def test_ambiguous_question_offers_candidates():
    res = ask(text="办户口要什么材料")
    assert res["status"] == "ambiguous" and len(res["candidates"]) >= 2


def test_voice_channel_gets_a_short_answer():
    res = ask(text="居住证要带什么材料", channel="voice")
    assert res["status"] == "answered" and len(res["text"]) < 120 and "\n" not in res["text"]


@pytest.mark.parametrize("text, expected", [
    ("那要多久能拿到", True), ("在哪里办", True), ("要钱吗", True), ("办驾照要带什么", False), ("考研报名", False),
])
def test_follow_up_detection(text, expected):
    assert names_no_subject(text) is expected


def test_bad_requests_are_rejected_politely():
    assert client.post("/api/assist/service-answer", json={"text": "居" * 3000}).status_code == 422
    assert client.post("/api/assist/service-answer", json={"text": "x", "channel": "fax"}).status_code == 422


@pytest.mark.parametrize("text, aspect", [
    ("老人免费体检在哪做", "place"),     # 免费 is part of what is named, not a question about the fee
    ("老年证办理免费吗", "fee"),
])
def test_free_in_an_items_name_is_no_question_about_the_fee(text, aspect):
    assert ask(text=text, community="柳岸社区")["aspect"] == aspect


def test_how_much_a_benefit_pays_is_its_standard_not_its_fee():
    res = ask(text="我妈九十一了 高龄补贴咋领 一个月多少钱")
    assert res["service_name"] == "高龄津贴" and "每人每月300元" in res["text"] and "收费：不收费" not in res["text"]
    assert ask(text="老年证要钱吗")["aspect"] == "fee"
    # a benefit whose standard the province sets: that, not "收费：不收费"
    res = ask(text="义务兵家庭优待金一年多少钱")
    assert "优待金标准按省、市规定执行" in res["text"] and "收费：不收费" not in res["text"]
    assert ask(text="养老金认证要多少钱")["aspect"] == "fee"   # a check, not a payment


def test_where_asked_after_a_guide_with_ones_address_is_where_that_item_is_done_there():
    res = ask(text="我们住翠苑三区7幢的 去哪里报", context_code=item("老年人优待证").code)
    assert res["status"] == "answered" and res["service_name"] == "老年人优待证" and "翠苑社区党群服务中心" in res["text"]


def test_opening_days_asked_after_a_guide_are_the_centres_hours():
    res = ask(text="礼拜六开门伐", context_code=item("老年人优待证").code, community="柳岸社区")
    assert res["aspect"] == "place" and "柳岸社区党群服务中心" in res["text"] and "周六" in res["text"]


def test_two_things_asked_beat_the_one_the_nlu_picked_out():
    assert ask(text="要收钱吗 要带发票伐", aspect_hint="materials", context_code=item("老年人优待证").code)["aspect"] == "general"


def test_a_benefit_asked_of_no_one_offers_the_kinds_and_a_choice_answered_in_words_is_taken():
    """"我想问一下补贴的事" was "没能对应"; then "就是老人的" and "我八十五了" went nowhere."""
    res = ask(text="我想问一下补贴的事")
    names = [c["name"] for c in res["candidates"]]
    assert res["status"] == "ambiguous" and "给谁的" in res["text"]
    assert {"高龄津贴", "残疾人两项补贴", "最低生活保障"} <= set(names)
    for said, meant in [("就是老人的", "高龄津贴"), ("我八十五了", "高龄津贴"), ("残疾人", "残疾人两项补贴")]:
        answered = ask(text=said, choices=names)
        assert (answered["status"], answered["service_name"]) == ("answered", meant), said
    # a new question after the choice is answered as asked
    assert ask(text="算了 我问下居住证怎么办", choices=names)["service_name"] == "居住证申领"
    # a benefit of someone named is no vague question
    assert "给谁的" not in ask(text="老人有什么补贴")["text"]


def test_too_many_choices_are_refused_clearly():
    r = client.post("/api/assist/service-answer", json={"text": "就是老人的", "choices": ["高龄津贴"] * 11})
    assert r.status_code == 422


@pytest.mark.parametrize("text, item, aspect", [
    # the online way is no way for this resident: the whole guide (the window, who may help)
    ("羊老金认证我手机上弄不来 儿子在外地 能叫社区的人帮我弄伐", "养老金领取资格认证", "general"),
    # two things asked, one with Wu's 伐: both told
    ("我想在菜市场租个摊位卖水果 要办营业执照伐 个人能办伐 要多少钱", "个体工商户登记", "general"),
    # "家里每年有优待金" tells of a benefit, not of a document held
    ("儿子今年九月去当兵了 在西藏 听讲家里每年有优待金 要我们自己去申请伐 给多少", "义务兵家庭优待金", None),
    # three questions, one of them the fee: the whole guide, not its fee line alone
    ("我家养了条柯基 要不要办狗证 要先打疫苗伐 一年多少钱", "养犬登记", "general"),
])
def test_what_residents_ask_beside_the_item_gets_what_they_need(text, item, aspect):
    res = ask(text=text)
    assert res["status"] == "answered" and res["service_name"] == item
    assert aspect is None or res["aspect"] == aspect


@pytest.mark.parametrize("item_name, text, said, unsaid", [
    # the guide's photo line, with how many when asked, not the whole list or "I don't know"
    ("退役军人优待证", "照片要几张 白底的还是蓝底的", "白底免冠彩色证件照（电子版，1份）", "户口簿"),
    ("养犬登记", "狗的照片要拍几张", "犬只照片（电子版，3份）", "狂犬病"),
    # a material the guide asks for, named in a question about another item's name
    ("退役军人优待证", "身份证要复印件吗", "本人身份证（原件", "证件照"),
    ("养犬登记", "身份证要复印件吗", "养犬人居民身份证", "犬只照片"),
    ("退役军人优待证", "户口本要带原件吗", "户口簿（原件", "证件照"),
])
def test_a_material_asked_about_after_its_guide_is_answered_by_its_own_line(item_name, text, said, unsaid):
    res = ask(text=text, context_code=item(item_name).code)
    assert res["status"] == "answered" and res["service_name"] == item_name, res["text"]
    assert said in res["text"] and unsaid not in res["text"], res["text"]
    assert res["follow_ups"][0]["title"] == "要带什么材料"  # the whole list, one press away


@pytest.mark.parametrize("item_name, text, meant", [
    ("退役军人优待证", "那办身份证要带什么材料", "居民身份证申领换领补领"),   # all the materials of another item
    ("退役军人优待证", "身份证过期了怎么办", "居民身份证申领换领补领"),       # not a material question
])
def test_a_document_asked_about_for_itself_is_its_own_item(item_name, text, meant):
    res = ask(text=text, context_code=item(item_name).code)
    assert res["service_name"] == meant, res["text"]


def test_a_community_told_after_a_guide_gets_its_centre_for_that_item():
    """"阿拉住荷花苑" after the 老年助餐 guide (which asked for the community) got "没能对应"."""
    res = ask(text="阿拉住荷花苑", context_code=item("老年助餐服务").code)
    assert res["status"] == "answered" and res["service_name"] == "老年助餐服务"
    assert "荷花社区党群服务中心" in res["text"] and "荷花池路8号" in res["text"]


def test_a_document_the_guide_does_not_ask_for_is_said_not_needed():
    """"户口本一定要带吗" after the 结婚登记 guide (which needs no 户口簿) got the 户口簿补领换领 guide."""
    res = ask(text="户口本一定要带吗 他女朋友户口本在老家", context_code=item("结婚登记").code)
    assert res["service_name"] == "结婚登记" and "不用带户口本" in res["text"], res["text"]
    # a document a guide's note asks for in some cases is told with that note, never "not needed"
    res = ask(text="户口本要带吗", context_code=item("出入境证件申领（护照）").code)
    assert res["service_name"] == "出入境证件申领（护照）" and "不用带" not in res["text"]
    assert "未满16周岁未办身份证的，提供户口簿" in res["text"]


@pytest.mark.parametrize("item_name, text", [
    ("多人口家庭阶梯水量核增", "丈母娘户口不在一起的也能算伐"),
    ("百岁老人长寿保健金", "她户口在青山社区 要本人去吗"),
])
def test_where_someones_hukou_is_told_of_the_item_under_discussion(item_name, text):
    """户口 there says where someone is registered; it offered five household items to choose from."""
    res = ask(text=text, context_code=item(item_name).code)
    assert res["status"] == "answered" and res["service_name"] == item_name, res["text"]
    assert "户口簿（原件" not in res["text"].split("\n")[0]  # not the 户口簿 line as the answer


def test_the_one_item_offered_answered_with_a_community_is_told_where_to_go():
    """"您是想问【65岁及以上老年人免费健康体检】吗？" answered "我住在新塘家园" got "没能对应"."""
    name = "65岁及以上老年人免费健康体检"
    res = ask(text="我住在新塘家园", choices=[name])
    assert res["status"] == "answered" and res["service_name"] == name, res["text"]
    assert "新塘" in res["text"]


def test_a_document_the_family_has_is_no_question_about_it():
    """"…我们是外地户口有居住证 报名要准备啥" asks about school, not 居住证申领 (the family has one)."""
    res = ask(text="孩子明年上一年级 我们是外地户口有居住证 报名要准备啥 什么时候报")
    assert res.get("service_name") != "居住证申领"
    assert "义务教育入学" in [res.get("service_name"), *[c["name"] for c in res["candidates"]]]


@pytest.mark.parametrize("item_name, text, said, unsaid", [
    # questions the guide's own sentences answer, which got "没能对应到具体的办事事项"
    ("医保异地就医备案", "备案一次管多久", "有效期一般不少于6个月", "承诺时限"),
    ("医保异地就医备案", "备案了能直接结算伐 还是要先垫钱回来报", "可直接结算", "承诺时限"),
    ("养老金领取资格认证", "多久认证一次 忘了认证会怎样", "认证周期为12个月", "承诺时限"),
    ("养老金领取资格认证", "多久认证一次 忘了认证会怎样", "养老金会暂停发放", "承诺时限"),
    ("养老金领取资格认证", "他不会弄手机 我在这边能帮他刷脸吗", "子女可以在自己手机上添加老人", "材料"),
    ("企业职工退休申请（基本养老金申领）", "是厂里办还是自己办", "单位职工一般由单位经办人统一申报", "材料"),
    ("离婚登记", "孩子归谁民政局管不管", "子女抚养", "材料"),
    # a point of the guide asked how long: that point, not how long the registry takes
    ("离婚登记", "冷静期要多久", "30天冷静期", "承诺时限"),
    # when it starts: the guide's own day, not its summary
    ("城乡居民医保参保", "交了啥时候开始能用", "从次年1月1日起", "为没有参加职工医保"),
    # told, not asked: contributions in another province have a line of their own
    ("企业职工退休申请（基本养老金申领）", "我以前在江苏也交过几年", "在外省也交过养老保险的", "达到最低缴费年限"),
    # needed first, hinted at by another item's keyword (老年痴呆 → 老年人能力评估): the guide's own step
    ("养老机构入住申请", "他有点老年痴呆了 要先做评估吗", "没有评估的由评估机构上门评估", "自理能力"),
    # what a benefit may be spent on
    ("居家养老服务补贴", "能拿来请保姆伐", "不发现金", "承诺时限"),
])
def test_a_follow_up_the_guide_answers_in_its_own_words_is_quoted(item_name, text, said, unsaid):
    res = ask(text=text, context_code=item(item_name).code)
    assert res["status"] == "answered" and res["service_name"] == item_name, res["text"]
    assert said in res["text"] and unsaid not in res["text"], res["text"]
    assert f"关于【{item_name}】，办事指南里是这样写的" in res["text"]
    assert [f["title"] for f in res["follow_ups"]] == ["要带什么材料", "在哪办", "怎么办理"]


@pytest.mark.parametrize("text, said", [("要多久", "承诺时限"), ("离婚登记要带什么材料", "结婚证")])
def test_an_aspect_asked_after_a_guide_is_still_that_aspect(text, said):
    res = ask(text=text, context_code=item("离婚登记").code)
    assert said in res["text"] and "办事指南里是这样写的" not in res["text"], res["text"]


@pytest.mark.parametrize("item_name, text", [
    ("离婚登记", "民政局食堂饭好吃伐"),
    ("个体工商户登记", "18657113344"),    # "18" is no point of the guide (年满18周岁)
    ("个体工商户登记", "确认提交"),        # nothing asked
])
def test_a_follow_up_the_guide_does_not_answer_is_not_quoted_at_random(item_name, text):
    res = ask(text=text, context_code=item(item_name).code)
    assert "办事指南里是这样写的" not in res["text"], res["text"]


@pytest.mark.parametrize("text", ["阿拉两家头都是明湖户口", "我们都是本地户口", "我是退休工人"])
def test_something_told_after_a_guide_keeps_that_item(text):
    """"阿拉两家头都是明湖户口" after the 护照 guide got "请问您想咨询哪项办事服务" or a choice of
    five household items (户口)."""
    name = "出入境证件申领（护照）"
    res = ask(text=text, context_code=item(name).code)
    assert res["status"] == "answered" and res["service_name"] == name and not res["candidates"], res["text"]
    assert f"关于【{name}】您还想了解什么" in res["text"]
    assert {"要带什么材料", "在哪办", "谁能办"} <= {f["title"] for f in res["follow_ups"]}
    # asked, it is answered
    res = ask(text="户口在外地能办吗", context_code=item(name).code)
    assert res["aspect"] == "conditions" and "还想了解什么" not in res["text"]


def test_a_choice_answered_with_something_told_is_offered_again():
    """"店就十几平米" after a choice of four business items got "没能对应…"."""
    choices = ["个体工商户登记", "小餐饮登记", "食品经营许可"]
    res = ask(text="店就十几平米", choices=choices)
    assert res["status"] == "ambiguous" and [c["name"] for c in res["candidates"]] == choices
    assert ask(text="就是开个小店", choices=choices)["service_name"] == "个体工商户登记"
    # asked how long, each item's time limit; asked what to bring, which one first
    res = ask(text="要多久能办下来", choices=choices)
    assert res["status"] == "ambiguous" and [c["name"] for c in res["candidates"]] == choices
    assert res["text"].splitlines()[:3] == [f"【{n}】承诺时限{d}" for n, d in (
        ("个体工商户登记", "1个工作日，法定时限3个工作日。"), ("小餐饮登记", "5个工作日。"),
        ("食品经营许可", "3个工作日，法定时限10个工作日。"))]
    res = ask(text="要带什么材料", choices=choices)
    assert res["status"] == "ambiguous" and "请先点一下您要办的那一项" in res["text"]


@pytest.mark.parametrize("text, names", [
    ("哦不对 他说是什么居住登记 跟居住证是一回事吗", ["居住登记", "居住证申领"]),
    ("高龄津贴和长寿金有什么不同", ["高龄津贴", "百岁老人长寿保健金"]),
])
def test_two_items_asked_apart_are_each_said_and_offered(text, names):
    """"…居住登记 跟居住证是一回事吗" got the 居住证 guide again, the correction unheard."""
    res = ask(text=text, context_code=item("居住证申领").code)
    assert res["status"] == "ambiguous" and [c["name"] for c in res["candidates"]] == names, res["text"]
    assert res["text"].startswith("这两项分别是")
    assert all(f"【{n}】{item(n).summary}" in res["text"] for n in names)


def test_how_long_asked_in_a_hurry_is_told_what_the_guide_says_for_a_hurry():
    """"身份证掉了 下个礼拜三要坐高铁 补办来得及伐": 15 working days, and the temporary card."""
    res = ask(text="身份证掉了 下个礼拜三要坐高铁 补办来得及伐")
    assert res["aspect"] == "time" and "承诺时限15个工作日" in res["text"]
    assert "急用的可同时申领临时身份证。" in res["text"]
    assert "急用" not in ask(text="护照要多久能拿到")["text"]   # a guide with nothing for a hurry


def test_how_long_a_queue_is_told_with_what_the_time_limit_leaves_out():
    """"要排多久" (养老院) got only "承诺时限20个工作日", as if a bed came in 20 working days."""
    res = ask(text="想把我爸送公办养老院 要排多久")
    assert res["aspect"] == "time" and "普通轮候等待时间视床位情况而定" in res["text"], res["text"]


def test_someone_from_elsewhere_asking_if_it_can_be_done_here_is_told_who_may():
    """"我户口是湖南的 能在这边开吗 要几天能拿到": the guide left out 本区户籍，或办了居住登记的."""
    res = ask(text="单位让我开无犯罪证明 我户口是湖南的 能在这边开吗 要几天能拿到")
    assert res["service_name"] == "无犯罪记录证明" and res["aspect"] == "general"
    assert res["sections"][1].startswith("申请条件：") and "在本区办理了居住登记的人员" in res["sections"][1]
    assert "承诺时限" in res["text"] and "谁能办" not in [f["title"] for f in res["follow_ups"]]
    assert "申请条件" not in ask(text="老年证怎么办")["text"]


def test_the_other_item_of_the_same_document_asked_after_a_guide_needs_no_confirming():
    """"那临时的要多少钱" after the 身份证 guide got "您是想问【临时居民身份证申领】吗？"."""
    res = ask(text="那临时的要多少钱", context_code=item("居民身份证申领换领补领").code)
    assert res["status"] == "answered" and res["service_name"] == "临时居民身份证申领" and "10元" in res["text"]


def test_who_goes_to_apply_is_the_guides_step_that_says_so():
    res = ask(text="要我们自己去申请吗", context_code=item("义务兵家庭优待金").code)
    assert "义务兵家属带材料到户籍所在社区退役军人服务站" in res["text"], res["text"]


@pytest.mark.parametrize("item_name, text, said", [
    # asked instead of naming the community: a question about the item, not "没有找到这个社区"
    ("高龄津贴", "一个月多少钱", "每人每月100元"),
    ("高龄津贴", "跟尊老金是一样的伐", "年满80周岁"),
    # how many years, asked: the guide's sentence, not "好的，知道了"
    ("食品经营许可", "许可证管几年", "有效期5年"),
    ("城乡居民养老保险参保", "要交满几年才能拿养老金", "累计缴费满15年"),
    # the resident's circumstances hint at other items (低保户, 外地户口): the item under discussion
    ("城乡居民医保参保", "我们是外地户口 有居住证的", "申请条件"),
    ("住房公积金提取", "我老婆名下有套房子 我还能租房提吗", "本人及配偶在本市无自有住房"),
])
def test_follow_ups_residents_write_stay_with_the_item(item_name, text, said):
    res = ask(text=text, context_code=item(item_name).code, answers_question=True)
    assert res["status"] == "answered" and res["service_name"] == item_name, res["text"]
    assert said in res["text"] and "还想了解什么" not in res["text"], res["text"]


def test_a_community_told_with_ones_circumstances_is_where_for_the_item():
    res = ask(text="我是外地户口 跟儿子住在翠苑社区", context_code=item("老年人优待证").code)
    assert res["service_name"] == "老年人优待证" and "翠苑社区党群服务中心" in res["text"], res["text"]


@pytest.mark.parametrize("item_name, text, said", [
    ("残疾人证", "评残要去医院吗 他出不了门的", "行动不便的重度残疾人可以申请上门评定"),
    ("居住证签注", "我已经过期两个月没弄 咋办", "逾期未签注的，居住证暂停使用"),
    ("养老金领取资格认证", "要是过了时间没认证会咋样", "养老金会暂停发放"),
    ("老年助餐服务", "吃一顿能便宜多少", "60～79周岁每餐补助2元"),
    ("老年助餐服务", "我老伴走不动 能送上门吗", "可以送餐上门"),
    ("新生儿入户", "孩子爸在外地上班 两个人都要去吗", "一方不能到场的，带上其身份证原件"),
    ("新生儿入户", "孩子都两个月了 还能上吗", "超过一个月的仍可办理"),
    ("个体工商户登记", "在自己家里开行不行", "利用住宅从事经营的"),
    ("食品经营许可", "我店面才30平米 也要办这个吗", "50平方米以下的小餐饮店"),
    ("参保人员死亡待遇领取（丧葬补助金、抚恤金）", "我们兄妹三个 谁去领", "由一人领取"),
])
def test_what_residents_ask_after_a_guide_is_the_line_that_answers_it(item_name, text, said):
    """QA8: each got "没能对应" or the whole guide again."""
    res = ask(text=text, context_code=item(item_name).code)
    assert res["service_name"] == item_name and said in res["text"], res["text"]
    assert "要带的材料" not in res["text"]


def test_an_expired_document_asked_about_after_its_guide_is_that_guide_again():
    res = ask(text="身份证过期了怎么办", context_code=item("居民身份证申领换领补领").code)
    assert "办事指南里是这样写的" not in res["text"] and "材料" in res["text"], res["text"]


def test_how_much_a_disability_benefit_pays_and_help_for_one_who_cannot_use_a_phone():
    res = ask(text="我儿子二级残疾 残疾人补贴一个月能拿多少")
    assert res["service_name"] == "残疾人两项补贴" and "240元" in res["text"] and "收费：不收费" not in res["text"]
    res = ask(text="退休工资要认证了 咋弄啊 我不太会弄手机")
    assert res["aspect"] == "general" and "社区" in res["text"], res["text"]


@pytest.mark.parametrize("item_name, text, yes", [
    ("高龄津贴", "跟尊老金是一样的伐", "是的，尊老金就是【高龄津贴】"),
    ("居住证申领", "暂住证跟这个是一回事吗", "是的，暂住证就是【居住证申领】"),
])
def test_another_name_asked_to_be_the_same_gets_a_plain_yes_before_the_guide(item_name, text, yes):
    res = ask(text=text, context_code=item(item_name).code)
    assert res["service_name"] == item_name and res["text"].startswith(yes), res["text"]
    assert res["sections"][0].startswith(yes)


def test_another_item_asked_to_be_the_one_under_discussion_is_shown_beside_it():
    res = ask(text="这个就是长寿金吧", context_code=item("高龄津贴").code)
    assert res["status"] == "ambiguous" and "这两项分别是" in res["text"], res["text"]
    assert [c["name"] for c in res["candidates"]] == ["高龄津贴", "百岁老人长寿保健金"]
    assert "是的" not in res["text"]


def test_another_item_named_outright_after_a_guide_is_that_items_guide():
    res = ask(text="老年人能力评估怎么做", context_code=item("养老机构入住申请").code)
    assert res["service_name"] == "老年人能力评估" and "办事指南里是这样写的" not in res["text"]


def test_money_a_stay_elsewhere_needs_is_the_filing_for_treatment_elsewhere():
    assert ask(text="我要去上海住院 医保怎么弄")["service_name"] == "医保异地就医备案"
