"""Catalogue search: residents' words, old names, typos, homophones, traditional characters
and full-width digits resolve to the right item; unrelated questions resolve to nothing."""
import pytest
from fastapi.testclient import TestClient

from api.core.db import SessionLocal
from api.guide.search import CatalogueIndex, decide, prepare_query
from api.main import app
from tests.conftest import SERVICE


@pytest.fixture(scope="module")
def index():
    with SessionLocal() as s:
        return CatalogueIndex.from_db(s)


def resolve(index, text):
    decision, chosen = decide(index.search(text))
    return decision, [m.name for m in chosen]


@pytest.mark.parametrize("text, expected", [
    ("居住证要带什么材料", "居住证申领"),
    ("暂住证怎么办", "居住证申领"),
    ("居住正要带什么", "居住证申领"),            # homophone typo
    ("居住證要帶什麼材料", "居住证申领"),          # traditional characters
    ("居住证签注要什么材料", "居住证签注"),        # the longer name wins over 居住证
    ("居住证到期了要续签", "居住证签注"),
    ("居主证办了快一年了 要去签注 在哪签", "居住证签注"),  # the document, then what is done to it
    ("港澳通行证也是一起办的伐", "往来港澳通行证及签注"),
    ("我想去澳门旅游 要办啥", "往来港澳通行证及签注"),
    ("我家六口人 水费老是超阶梯 能申请多点水量伐", "多人口家庭阶梯水量核增"),  # a household, not 计划用水
    # a document or a status already held says who asks, not what
    ("我老公眼睛瞎了 办了二级残疾证 听说残疾人每个月有护理补贴和生活补贴 咋领", "残疾人两项补贴"),
    ("我家老二读高中 我家是低保户 学费住宿费有减免伐 咋申请", "家庭经济困难学生资助"),
    ("我孙子十一岁了 学校让他办身份证 小孩子办身份证要大人陪着去伐 要带户口本吗", "居民身份证申领换领补领"),
    ("办护照要带身份证吗", "出入境证件申领（护照）"),
    # a decade is no one's age (八十 → 高龄津贴)
    ("我家是八十年代自己盖的三层楼 想在顶上再加一层租出去 听说现在要先搞啥安全排查 咋申报", "居民自建房安全排查申报"),
    ("我是农村户口 今年五十三 年轻时候没交过养老保险 现在交还来得及伐 一年最少交多少", "城乡居民养老保险参保"),
    ("我跟老伴今年冬天想去海南住半年 老伴有高血压要一直配药 医保在那边能用伐 要弄啥手续", "医保异地就医备案"),
    ("退休了养老金怎么认证", "养老金领取资格认证"),  # an alias's words with a question word between
    ("我爸八十五了有啥补贴", "高龄津贴"),
    ("我爸８５岁了有补贴吗", "高龄津贴"),          # full-width digits
    ("老年证在哪里办", "老年人优待证"),
    ("低宝怎么申请", "最低生活保障"),              # homophone
    ("吃低保要什么条件", "最低生活保障"),
    ("五保户", "特困人员救助供养"),
    ("残疾正怎么办", "残疾人证"),
    ("狗证去哪办", "养犬登记"),
    ("准生证", "生育登记"),
    ("社保卡丢了怎么补", "社保卡申领补换"),
    ("身份证过期了换一个", "居民身份证申领换领补领"),
    ("办营业执照开个小店", "个体工商户登记"),
    ("租房备案", "房屋租赁登记备案"),
    ("养老金认证", "养老金领取资格认证"),
    # residents' own words for items they ask about
    ("开个小饭店要办哪些证", "小餐饮登记"),
    ("外来务工人员子女读书问题", "义务教育入学"),
    ("退休老人去世了丧葬费怎么领", "参保人员死亡待遇领取（丧葬补助金、抚恤金）"),
    ("医保卡里的钱能给家里人用吗", "职工医保个人账户家庭共济"),
    ("住院自己垫的钱怎么报", "医疗费用手工（零星）报销"),
    ("我老伴上个月走了，她的户口要去哪里销掉", "死亡注销户口"),
    ("公司让我开个证明说我没有犯过罪，去哪开", "无犯罪记录证明"),
    ("我家养了条泰迪 要办证吗", "养犬登记"),
    ("我有高血压糖尿病 常年吃药 听说可以办个啥门诊能多报点", "门诊慢特病认定"),
    ("老年人免费体检在哪里做", "65岁及以上老年人免费健康体检"),
    ("我明年就到年龄了，退休要办什么手续", "企业职工退休申请（基本养老金申领）"),
    # numbers as the query reads them (4050 → 四千零五十) in aliases and keywords alike
    ("听说4050人员交社保有补贴 我四十六了 能拿伐", "灵活就业社保补贴"),
    # the grandson's insurance, not his hukou
    ("我外孙女刚生的 医保怎么给她交", "城乡居民医保参保"),
    # what happened to a document, told apart from it, says which item is meant
    ("结婚证搬家的时候弄丢了 要补一个", "补领婚姻登记证"),
    ("户口本被老鼠咬坏了", "户口簿补领换领"),
    ("我们家生了老三 是个儿子 还要去登记伐 网上能弄伐", "生育登记"),
    # "听人讲有居住证以后" holds no 居住证: it is what is asked about
    ("听人讲有居住证以后孩子上学看病都方便 他在这住了才三个月 能办伐", "居住证申领"),
    # the register a person is to be put on is where, not what: "挂我家户口本上"
    ("女婿户口在老家 想把户口迁过来 是迁到自己房子上还是挂我家户口本上 要啥手续", "户口迁入"),
    ("当年结婚证早不晓得塞哪去了 现在办房贷要用 在这边能补伐", "补领婚姻登记证"),
    ("去年在上海看病没刷医保卡 全是自己掏的 发票都在 回来还能报伐", "医疗费用手工（零星）报销"),
    # what someone is, said last, is who the question is for ("她们是居民医保")
    ("我职工医保个人账户里钱蛮多的 能不能给我老婆孩子用 她们是居民医保", "职工医保个人账户家庭共济"),
    # residents' words for the item's matter
    ("我侄子爸妈都没了 现在跟着我过 能领什么补贴吗", "孤儿基本生活费"),
    ("上个月去杭州出差急诊 自己垫了三千多 回来怎么报销", "医疗费用手工（零星）报销"),
    ("我家六口人 水费老是跳到第二档第三档 能不能申请多点水量", "多人口家庭阶梯水量核增"),
])
def test_resolves(index, text, expected):
    decision, names = resolve(index, text)
    assert (decision, names[:1]) == ("confident", [expected])


@pytest.mark.parametrize("text", ["办驾照要带什么", "买火车票", "今天天气怎么样", "信用卡怎么办", "😀😀", "",
                                  "医保余额怎么查",
                                  # a phone number is no age: "9999" once read as 九十九岁 → 高龄津贴
                                  "就是望江门小学 我电话136****9999", "我电话13605719999",
                                  # 护理 in 护理员 is no 护理补贴 (老年人能力评估's keyword)
                                  "想去学养老护理员 有没有补贴",
                                  # "我是企业退休的" says who asks; the reward asked about is no catalogue item
                                  "我是企业退休的 独生子女父母奖励怎么领",
                                  # a taxi's plate is no electric bike's (车牌 was 电动自行车登记上牌's keyword)
                                  "打车被绕路了 车牌是浙A T8721 有人管伐"])
def test_unrelated_questions_resolve_to_nothing(index, text):
    assert resolve(index, text)[0] == "unknown"


def test_two_plausible_items_ask_which(index):
    decision, names = resolve(index, "办户口")
    assert decision == "ambiguous"
    assert {"新生儿入户", "户口迁入"} <= set(names)


def test_normalisation():
    assert prepare_query("居住證 ８５岁") == "居住证八十五岁"


def test_search_endpoint_ranks_with_scores():
    r = TestClient(app, headers=SERVICE).get("/api/search", params={"q": "暂住证"}).json()
    assert r["decision"] == "confident"
    top = r["candidates"][0]
    assert top["name"] == "居住证申领" and 0 < top["score"] <= 1
    assert all(a["score"] >= b["score"] for a, b in zip(r["candidates"], r["candidates"][1:]))


def test_search_endpoint_rejects_overlong_query():
    assert TestClient(app, headers=SERVICE).get("/api/search", params={"q": "居" * 3000}).status_code == 422


def test_an_item_that_ends_a_thing_is_no_item_for_the_thing_alone(index):
    """"开个小面馆 要办哪些证 营业执照…" offered 个体工商户注销 beside 登记; 注销 is still found when asked."""
    from api.guide.search import decide
    status, chosen = decide(index.search("我想在翠苑菜场边上开个小面馆 要办哪些证 营业执照 食品许可什么的"))
    assert "个体工商户注销" not in [m.name for m in chosen]
    status, chosen = decide(index.search("营业执照怎么注销"))
    assert status == "confident" and chosen[0].name == "个体工商户注销"
