"""The router end to end (issue #11): the three processes running, the real model, the h5
webhook. What a resident notices: a question about an expiring card is answered, not looked up
as a report; a letter about unpaid wages starts a report; a complaint about a department's
handling reaches a person; a progress query needs something to be about; a question asked
along with a report is answered before the report is taken."""
import pytest

from tests.test_e2e_incidents import text_of, tickets_of

pytestmark = pytest.mark.e2e

NOT_FOUND = "没有查到您反映过的问题"
REPORT_STARTED = "我来帮您登记"

WAGES_LETTER = (
    "反映明湖区文昌路一家装修公司拖欠农民工工资的问题\n"
    "尊敬的领导：您好！我们是在文昌路150号一家装修公司干活的十几个农民工，从去年九月干到今年一月，"
    "老板一直说工程款没结下来，答应过年前把工资发给我们，结果到现在一分钱都没拿到。"
    + "我们每个人被欠的钱从八千到两万不等，家里老人要看病，孩子要交学费，实在等不起了。"
    + "我们去公司找过很多次，老板要么不接电话，要么说再等等，后来干脆把办公室搬走了，我们连人都找不到。" * 6
    + "恳请有关部门帮我们讨回血汗钱。"
)


def test_an_expiring_card_is_a_question_not_a_progress_query(talk):
    reply = text_of(talk("身份证快到期了怎么办"))
    assert NOT_FOUND not in reply and "身份证" in reply and REPORT_STARTED not in reply


def test_a_broken_card_is_a_question_not_a_report(talk):
    reply = text_of(talk("社保卡坏了去哪换"))
    assert "社保卡" in reply and REPORT_STARTED not in reply


def test_a_long_letter_about_unpaid_wages_starts_a_report_with_its_whole_text(talk):
    assert len(WAGES_LETTER) > 400  # a letter, as real residents write them
    reply = text_of(talk(WAGES_LETTER))
    assert "感谢您的建议" not in reply and NOT_FOUND not in reply
    # A wage dispute goes to the community's mediator with the report so far, or the form asks on.
    assert REPORT_STARTED in reply or "调解员" in reply


def test_progress_words_without_a_report_say_so_and_with_one_tell_its_progress(talk):
    assert NOT_FOUND in text_of(talk("我上周反映的路灯什么时候修好"))
    talk("柳岸新村5幢门口的路灯坏了，晚上黑乎乎的")
    talk("13857112345")
    filed = text_of(talk("/affirm"))
    [number] = [t.number for t in tickets_of(talk.sender)]
    assert number in filed
    # Progress words alone now have this conversation's work order to be about.
    reply = text_of(talk("处理得怎么样了"))
    assert NOT_FOUND not in reply and REPORT_STARTED not in reply and f"工单{number}" in reply and "当前状态" in reply


def test_a_complaint_about_a_departments_handling_reaches_a_person(talk):
    reply = text_of(talk("投诉区住建局对我们小区的违建问题推诿拖延"))
    assert "工作人员" in reply and REPORT_STARTED not in reply


def test_a_question_asked_with_a_report_is_answered_first_and_the_report_filed_in_its_own_words(talk):
    reply = text_of(talk("问一下老年证怎么办，还有我家楼下路灯坏了"))
    assert "老年人优待证" in reply and "要带的材料" in reply and "我来帮您登记【路灯不亮】" in reply
    assert reply.index("要带的材料") < reply.index(REPORT_STARTED)  # the question first, then the report's form
    talk("柳岸新村5幢")
    talk("13857112345")
    assert "工单号" in text_of(talk("/affirm"))  # filed (or merged into the same street light's)
    [ticket] = tickets_of(talk.sender)
    assert ticket.description == "我家楼下路灯坏了"
