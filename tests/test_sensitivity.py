"""Which messages people should answer (api/sensitivity.py), on messages it never learnt from:
the held-out set, and the assistant's own held-out NLU test messages (ordinary ones)."""
import pytest

from api.handoff import sensitivity
from bench.handoff import held_out, score


def test_held_out_residents_at_risk_and_angry_residents_reach_a_person():
    r = score(held_out(), sensitivity.assess)
    assert r["handed"]["sensitive"] >= 0.88, r["missed"]
    assert r["handed"]["angry"] >= 0.75, r["missed"]
    assert r["handed"]["none"] <= 0.08, r["false_alarms"]  # hard negatives, sharing words with the rest


def test_ordinary_messages_stay_with_the_assistant():
    from pathlib import Path
    ordinary = [(text, label) for text, label in sensitivity.ordinary_messages(Path(__file__).parent / "data")]
    r = score(ordinary, sensitivity.assess)
    assert len(ordinary) > 250 and r["handed"]["none"] <= 0.03, r["false_alarms"]


@pytest.mark.parametrize("text, reason", [
    ("我不是要投诉，就是想问问残疾证怎么办", None),
    ("12345投诉电话是多少", None),
    ("社区有没有反家暴的讲座", None),
    ("?", None),
    ("   ", None),
    ("谢谢你们！！！", None),
    ("银行要我证明我是我妈的女儿，这个证明去哪开", None),  # 妈的 there is a family tie
    ("他妈的，又没约上", "angry"),
    ("出生证上妈妈的名字打错了一个字 这个咋改", None),
    # "有没有人管" in a report asks who is in charge; at us, it is anger
    ("楼顶那户人家搭了个铁皮房子 天天在电焊 有没有人管的", None),
    ("网格员收了饭店老板的钱 油烟一直不来查", "sensitive"),
    ("窗口那个工作人员故意刁难我，材料齐了也不给办", "sensitive"),
    ("我实在活不下去了", "sensitive"),
    ("你们这个破系统，问三遍了还答非所问", "angry"),
    # A family member's wages or insurance is a dispute, not violence at home; a blow still is.
    ("我儿子在外地打工，工地老板欠了他三个月工资不给", None),
    ("我女儿打电话给我说公司不给她交社保", None),
    ("我儿子在工地被老板打了一顿", "sensitive"),
    ("我老公喝了酒就打我", "sensitive"),
    # passed from desk to desk by a property company is the report's matter; by us, anger
    ("楼上卫生间漏水到我家，找物业，物业推来推去，怎么办啊", None),
    ("你们推来推去的，到底谁管", "angry"),
])
def test_patterns_and_what_they_leave_alone(text, reason):
    assert sensitivity.assess(text) == reason


# A resident's formal letter about a broken road (written for this test, in the style of the real
# message board): long, full of 反映/投诉/强烈要求/严重, and nothing in it for a person at once.
ROAD = (
    "关于明湖区柳岸路长期破损严重、出行困难的反映\n"
    "尊敬的领导：您好！我是明湖区柳岸社区的一名普通居民，在此向您反映柳岸路（从柳岸小区东门到明湖中学路口一段）"
    "路面长期破损的问题，恳请有关部门重视并尽快解决。"
    "柳岸路是附近三个小区、一所中学和一个农贸市场的必经之路，每天早晚高峰有大量居民、学生和电动车通行。"
    "自去年雨季以来，这段路面出现大面积坑洼，最深的坑有十几厘米，井盖周边塌陷，路边排水沟堵塞，"
    "一下雨整段路就积水，行人只能踩着砖头过去，电动车和自行车经常在积水坑里打滑，老人和孩子出行尤其不便。"
    "晚上路灯有一半不亮，看不清路面，隐患非常大。"
    "我们小区业主曾多次通过12345热线投诉，也向社区和街道反映过，每次得到的答复都是已转交相关部门，"
    "但是到现在已经八个多月了，路面仍然没有任何修补，只是在最大的坑旁边放了一个锥桶，后来锥桶也不见了。"
    "今年以来施工车辆进出频繁，重车碾压，破损越来越严重，路面已经开裂到人行道上。"
    "为此，我们强烈要求：一、请住建和城管部门尽快派人现场查看，对破损路面和塌陷井盖进行修复；"
    "二、疏通路边排水沟，解决雨天积水问题；三、修复不亮的路灯，保障夜间出行安全；"
    "四、在修好之前设置警示标志，提醒过往车辆和行人注意；五、对施工重车的通行时间和路线加强管理。"
    "我们理解道路维修需要经费和时间，也愿意配合施工期间的交通安排，但希望有个明确的维修时间表，"
    "并在社区公告栏公示，让居民心里有数。"
    "柳岸路的问题关系到几千名居民的日常出行，希望领导在百忙之中关注此事，督促相关部门落实，"
    "早日还我们一条平整、安全的道路。"
)
ROAD += (
    "具体情况补充如下：一是柳岸小区东门外五十米处有一处长约三米的塌陷，去年十一月曾有居民骑车经过时摔倒，"
    "所幸只是擦伤；二是明湖中学门口的人行道砖块大面积松动翘起，学生上下学只能走到机动车道上；"
    "三是农贸市场旁边的雨水井常年堵塞，污水漫到路面，气味很大，夏天蚊虫滋生；"
    "四是这段路没有划设人行横道，早上送孩子的家长和车辆混在一起，秩序比较混乱。"
    "今年三月，社区网格员来现场拍过照片，说会上报街道，五月份又有两位工作人员来量过尺寸，"
    "之后就没有了消息。我们打电话询问，街道说这条路归区住建局管，住建局说要等年度维修计划批下来，"
    "具体什么时候修谁也说不清楚。我们也理解各部门有各自的职责分工，但这样来回转，问题始终得不到解决，"
    "居民意见很大，业主群里每天都有人发积水和坑洼的照片。"
    "另外，听说柳岸路东段已经列入明年的道路提质改造计划，如果确实如此，"
    "希望能先对最危险的几处做临时修补，不要等到明年整体改造时再一起处理。"
    "如果需要居民配合，比如施工期间临时改道、车辆停放调整，我们小区业委会愿意协助做好宣传和组织工作。"
    "我们还注意到，柳岸路西段去年已经重新铺设了沥青路面，划了标线，装了新的路灯，通行条件很好，"
    "而东段同属一条路，情况却相差很大，居民们对此很不理解。东段沿线有两个老旧小区，住着很多上了年纪的居民，"
    "他们去农贸市场买菜、去社区卫生服务站看病都要经过这段路，雨天路滑，积水没过脚面，很不安全。"
    "附近的明湖中学有一千多名学生，家长们也多次在家长群里反映，希望学校和有关部门一起想想办法。"
    "我们查阅了区政府网站公布的城市道路养护标准，路面坑槽应当在发现后及时修补，"
    "这段路的情况显然已经超出了正常养护的范围。希望有关部门按照标准落实养护责任，定期巡查，"
    "不要等到居民反复投诉才处理。"
)
ROAD += "以上情况属实，特此反映，盼复为感！"


def test_a_long_formal_letter_about_a_broken_road_stays_with_the_assistant():
    assert 1300 <= len(ROAD) <= 1700
    assert sensitivity.assess(ROAD) is None


def test_the_same_letter_ending_in_a_risk_to_life_goes_to_a_person():
    assert sensitivity.assess(ROAD + "我已经走投无路了，再不解决我就不想活了。") == "sensitive"
    # said in other words than the patterns know, in the middle of the letter
    middle = ROAD.index("为此")
    said = ROAD[:middle] + "我把攒下的安眠药都放在枕头底下了，这日子我也不想过了。" + ROAD[middle:]
    assert sensitivity.assess(said) == "sensitive"


@pytest.mark.parametrize("told", ["后来我又上访到县信访局，县信访局领导指派副镇长来处理此事，到现在也没有下文。",
                                  "我方部分业主多次想以拉横幅的方式维权，但我们还是相信政府能解决。"])
def test_a_petition_told_as_past_in_a_letter_stays_with_the_assistant(told):
    middle = ROAD.index("为此")
    assert sensitivity.by_pattern(ROAD[:middle] + told + ROAD[middle:]) is None


@pytest.mark.parametrize("ahead", ["再不解决，我们下个月就集体拉横幅。", "再不修，我们准备到市信访局上访。",
                                   "实在不行我们只能去北京上访了。"])
def test_a_petition_about_to_be_made_in_a_letter_goes_to_a_person(ahead):
    assert sensitivity.by_pattern(ROAD + ahead) == "sensitive"


def test_a_long_complaint_about_a_named_window_clerk_goes_to_a_person():
    clerk = (
        "投诉明湖区政务服务中心3号窗口工作人员王某某\n"
        "尊敬的领导：本人于本月12日上午到明湖区政务服务中心办理居住证，材料按照网上公布的清单准备齐全。"
        "3号窗口的女工作人员王某某接过材料翻了一下，说少一份证明，我问她少哪一份，她头也不抬，"
        "说自己去看墙上的告示。我看了告示，材料是齐的，回去跟她解释，她很不耐烦，把材料扔回给我，"
        "说今天办不了，让我下午再来。下午我再去，她又说要房东本人到场，可是告示上并没有这条要求。"
        "我请她把要求写下来，她说没这个义务，还当着其他群众的面骂我听不懂人话。"
        "我前后跑了三趟，请了两天假，到现在居住证还没办下来。"
        "旁边窗口的工作人员看不下去，悄悄告诉我这些材料是够的。"
        "我认为这名工作人员故意刁难群众，服务态度恶劣，严重损害了政务服务中心的形象。"
        "恳请领导调查处理，给我一个答复。"
    )
    assert len(clerk) > 300
    assert sensitivity.assess(clerk) == "sensitive"


def test_a_long_message_is_judged_in_short_windows_that_cover_it():
    pieces = sensitivity.windows(sensitivity._prepare(ROAD))
    assert len(pieces) > 10 and all(len(p) <= 100 for p in pieces)
    assert "".join(p for p in sensitivity.sentences(sensitivity._prepare(ROAD))) == sensitivity._prepare(ROAD).replace("\n", "")


@pytest.mark.parametrize("text", [
    "我跟他过不下去了 两个人都同意离 要带点啥去办 是不是还要等一个月",
    "当年结婚证早不晓得塞哪去了 现在办房贷要用 我们是在安徽老家领的证 在这边能补伐",
    "我妈今年养老金要认证了 她住养老院躺床上出不来 咋弄 不认证是不是钱就停了",
    "我把楼下的房子租给外地人了 听说要去备案 不备案会罚款伐",
])
def test_a_question_about_a_named_item_in_troubled_words_is_answered_not_handed_over(text):
    """The classifier alone, not sure, hears trouble in "过不下去", "躺床上", "罚款"; the resident
    asks about an item the catalogue has, and gets its guide."""
    from fastapi.testclient import TestClient

    from api.main import app
    from tests.conftest import SERVICE
    judged = TestClient(app, headers=SERVICE).post("/api/handoff/assess", json={"text": text}).json()
    assert judged["reason"] is None


def test_a_risk_said_with_a_question_about_an_item_still_goes_to_a_person():
    from fastapi.testclient import TestClient

    from api.main import app
    from tests.conftest import SERVICE
    for text in ("我老公天天打我 离婚要带啥材料", "我不想活了 低保怎么申请"):
        assert TestClient(app, headers=SERVICE).post("/api/handoff/assess", json={"text": text}).json()["reason"] == "sensitive"
