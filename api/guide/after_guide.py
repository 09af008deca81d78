"""What residents say after a guide, answered about the item under discussion: a sentence of its
own quoted ("备案一次管多久"), something told noted ("阿拉两家头都是明湖户口"), another name asked to be
the same ("跟尊老金是一样的伐"), two items told apart, and a choice of items offered again."""
import re
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.guide import answers, passages
from api.guide.models import ServiceItem
from api.guide.replies import AnswerResponse, Candidate, FollowUp
from api.guide.search import CatalogueIndex, Match, asks_anything


def item_coded(session: Session, code: Optional[str]) -> Optional[ServiceItem]:
    return session.scalars(select(ServiceItem).where(ServiceItem.code == code)).first() if code else None


def material_of_context(session: Session, context_code: Optional[str], aspect: str, text: str) -> bool:
    """A material of the item under discussion asked about, or a document it does not ask for."""
    if aspect != "materials" or not context_code:
        return False
    item = item_coded(session, context_code)
    return bool(item and (answers.materials_named(item, text) or documents_not_needed(item, text)))


def documents_not_needed(item: ServiceItem, text: str) -> List[str]:
    """Documents a question names ("户口本一定要带吗") that this item's guide does not ask for;
    none when the question asks for all its materials."""
    if any(c in (text or "") for c in answers.ALL_MATERIALS):
        return []
    return [d for d in answers.documents_named(text) if not answers.asks_for(item, d)]


# Offered under a quoted sentence: the parts of the guide residents ask for next.
AFTER_A_QUOTE = ("materials", "place", "process")


def said_in_context(item: Optional[ServiceItem], text: str, channel: str) -> Optional[AnswerResponse]:
    """The sentences of the guide under discussion that answer a follow-up it names no aspect
    of, quoted as the guide's own words, with its phone for anything they leave open."""
    # Told, not asked, it is quoted only of another province ("我以前在江苏也交过几年"): guides
    # have lines for that, and a statement's other words pick sentences beside the point.
    asks = asks_anything(text)
    said = passages.said_in_guide(item, text) if item and (asks or passages.ELSEWHERE.search(text)) else []
    said = said if asks else [s for s in said if any(w in s for w in passages.ELSEWHERE_WORDS)]
    if not said:
        return None
    lines = "\n".join(f"· {s}" for s in said)
    text = (f"关于【{item.name}】，办事指南里是这样写的：\n{lines}\n"
            f"没说清楚的，可以打{item.phone}问一下。")
    if channel == "voice":
        text = f"关于{item.name}，办事指南里写着：{said[0]}"
    return AnswerResponse(status="answered", aspect="general", service_code=item.code, service_name=item.name,
                          text=text, follow_ups=[FollowUp(title=answers.FOLLOW_UPS[a], aspect=a) for a in AFTER_A_QUOTE])


# Two items named to be told apart ("居住登记跟居住证是一回事吗", "低保和特困有啥区别").
COMPARES = re.compile(r"一回事|一样(吗|不|伐|么|嘛)|区别|差别|(有|是)?(什么|啥)不(一样|同)|不同|就是.{1,12}(吧|吗|伐)")
# One name asked to be the same as the item under discussion ("跟尊老金是一样的伐", "这个就是暂住证吧").
SAME_ASKED = re.compile(r"一回事|一样|同一(个|项|种)|就是.{1,12}(吧|吗|伐|么)|是不是就是")


def same_thing(item: ServiceItem, text: str) -> Optional[str]:
    """The other name of the item a resident asks to be the same thing ("尊老金" of 高龄津贴), or None."""
    if item.name in text or not SAME_ASKED.search(text):
        return None
    return next((a for a in sorted(item.aliases or [], key=len, reverse=True) if len(a) >= 2 and a in text), None)


def compared(session: Session, named_items: List[Match], aspect: str) -> AnswerResponse:
    """Each item named, in a line of its own (its summary), and the choice of which to go on with."""
    items = {i.code: i for i in session.scalars(select(ServiceItem).where(
        ServiceItem.code.in_([m.code for m in named_items])))}
    lines = [f"【{items[m.code].name}】{items[m.code].summary}" for m in named_items if m.code in items]
    text = f"这{'两' if len(lines) == 2 else '几'}项分别是：\n" + "\n".join(lines) + "\n想详细了解哪一项，请点一下："
    return AnswerResponse(status="ambiguous", aspect=aspect, text=text,
                          candidates=[Candidate(code=m.code, name=m.name, score=round(m.score, 3)) for m in named_items])


# Aspects told in a line: asked of several items at once, each item's line.
ONE_LINE = ("time", "fee", "online", "visits")
CHOOSE_AGAIN = "好的，知道了。您要办的是下面哪一项？请点一下，我把怎么办告诉您："
EACH_ITS_OWN = "这几项各有各的要求。请先点一下您要办的那一项，我把它的完整说明发给您："


def sibling_of(index: CatalogueIndex, context_code: Optional[str], code: str) -> bool:
    """Two items of one document (居民身份证申领换领补领, 临时居民身份证申领): names sharing three
    characters in a row or more."""
    if not context_code or context_code not in index.items or code not in index.items:
        return False
    a, b = index.items[context_code][0], index.items[code][0]
    return any(a[i:i + 3] in b for i in range(len(a) - 2))


def tells_only(text: str) -> bool:
    """Something told, nothing asked ("我们都是本地户口")."""
    return not (asks_anything(text) or answers.detect_aspect(text) != "general")


# Something asked to be needed first ("要先做评估吗", "是不是得先开证明"): a step of the guide.
FIRST_NEEDED = re.compile(r"(要|得|需要|必须)先|先(要|得)|是不是先")
# Cannot leave home: asked after a guide, what it says about home visits.
HOMEBOUND = re.compile(r"出不了门|出不去|下不了(床|楼)|瘫(在床|痪)|卧床|走不(动|了)(路)?|行动不便|腿脚不(好|便)")
# A deadline missed ("我已经过期两个月没弄 咋办", "过了时间没认证会咋样"): what the guide says then.
LAPSED = re.compile(r"过期|逾期|过了(时间|期限|日子)|超过.{0,4}(期限|时间)|忘(了|记)(去)?(办|弄|交|认证|签注)?")
LAPSE_TOLD = re.compile(r"逾期|超过|暂停|停发|作废")
# How long something lasts or how often ("这次换的能用几年", "多久认证一次"): not how long it takes.
PERIOD_ASKED = re.compile(r"(能用|管|有效)(几年|多久|多长时间)|多久.{0,4}一次|几年一次|每隔|有效期")


def noted(item: Optional[ServiceItem]) -> Optional[AnswerResponse]:
    """Something told about the item under discussion: noted, and its parts offered to ask about."""
    if item is None:
        return None
    return AnswerResponse(status="answered", aspect="general", service_code=item.code, service_name=item.name,
                          text=f"好的，知道了。关于【{item.name}】您还想了解什么？点下面的按钮，或者直接问我。",
                          follow_ups=[FollowUp(title=answers.FOLLOW_UPS[a], aspect=a) for a in answers.FOLLOW_UPS])
