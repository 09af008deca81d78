"""Hardship without risk to life. A resident describing hardship ("没收入，一个人带孩子，政府能管不") is told the two or three
benefits that answer it, in one short list, and offered a person. Whether a message is hardship
rather than a risk to life is decided once, in api.handoff.sensitivity.judge: a risk still goes
to a person first, and a resident who names an item ("低保怎么申请，我家困难") gets its guide."""
import re
from collections import defaultdict
from typing import Dict, List, Optional

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.guide.answers import LEVEL_NAME
from api.guide.models import ServiceItem
from api.guide.search import CANDIDATE, CatalogueIndex, asks, asks_about_item, decide, prepare_query
from api.handoff import sensitivity
from api.places import directory as places

# What each kind of hardship (sensitivity.HARDSHIP) asks the catalogue for, most fitting first:
# catalogue names and aliases, so an item missing from the catalogue is simply not offered.
ASKS = {
    "no_income": ["最低生活保障", "临时救助", "低保边缘家庭认定"],
    "single_parent": ["最低生活保障", "临时救助", "困境儿童基本生活保障"],
    "illness": ["医疗救助", "临时救助", "慈善救助申请"],
    "disability": ["残疾人两项补贴", "最低生活保障", "残疾人就业创业扶持"],
    "care": ["居家养老服务补贴", "残疾人两项补贴", "养老机构入住申请"],
    "memory": ["老年人能力评估", "老年助餐服务", "居家养老服务补贴"],
    "no_parents": ["困境儿童基本生活保障", "孤儿基本生活费", "临时救助"],
    "alone_elderly": ["特困人员救助供养", "居家养老服务补贴", "最低生活保障"],
    "lost_job": ["失业保险金申领", "最低生活保障", "失业登记"],
    "housing": ["公共租赁住房", "临时救助"],
    "schooling": ["家庭经济困难学生资助", "临时救助"],
}
GENERAL = ["最低生活保障", "临时救助", "特困人员救助供养"]  # hardship the groups do not name
RANK_WEIGHT = (1.0, 0.8, 0.6)
WORDS_WEIGHT = 0.5  # the resident's own words: a hint, the hardship itself leads
# Any hardship may ask for the safety net (低保 …): it breaks ties between the groups' own items.
GENERAL_WEIGHT = 0.3
LIMIT = 3


class HardshipRequest(BaseModel):
    text: str = Field("", max_length=2000)
    community: Optional[str] = Field(None, max_length=50)
    # Already handed to a person for a risk: the hardship told with it still gets its benefits.
    with_risk: bool = False


class Benefit(BaseModel):
    code: str
    name: str
    who: str    # who qualifies, in one line
    where: str  # where to apply, in one line


class HardshipResponse(BaseModel):
    hardship: bool
    text: str = ""
    benefits: List[Benefit] = []


def ranked(index: CatalogueIndex, text: str) -> List[str]:
    """Item codes answering the hardship in `text`, best first: the kinds of hardship it
    describes ask for their items, the resident's own words add to those they match."""
    score: Dict[str, float] = defaultdict(float)
    for group in sensitivity.hardship_groups(text) or ["general"]:
        for weight, name in zip(RANK_WEIGHT, ASKS.get(group, GENERAL)):
            status, chosen = decide(index.search(name, limit=1))
            if status == "confident":
                score[chosen[0].code] += weight
    for weight, name in zip(RANK_WEIGHT, GENERAL):
        status, chosen = decide(index.search(name, limit=1))
        if status == "confident":
            score[chosen[0].code] += GENERAL_WEIGHT * weight
    for m in index.search(text, limit=8):
        if m.score >= CANDIDATE and m.code in score:
            score[m.code] += WORDS_WEIGHT * m.score
    if CHILD_WRITES.search(text):
        # "我爸八十二了 一个人住": the old man has a son, who writes; 特困 is for those with none.
        for name in FOR_THE_CHILDLESS:
            status, chosen = decide(index.search(name, limit=1))
            if status == "confident":
                score.pop(chosen[0].code, None)
    return sorted(score, key=lambda code: -score[code])[:LIMIT]


# The writer's own parent: someone with a child to support them.
CHILD_WRITES = re.compile(r"我(爸|妈|老爸|老妈|父亲|母亲|爹|娘|公公|婆婆|岳父|岳母|丈母娘|老丈人)")
FOR_THE_CHILDLESS = ["特困人员救助供养"]


# "就靠农保一个月两百多块钱": what the household lives on, not what it asks about.
LIVES_ON = re.compile(r"(靠|靠着|吃|领着|拿着)$")


def told_of(text: str, match) -> bool:
    """Whether the item found is part of the hardship told ("就靠农保…", "我一个人打零工"), not
    something asked for."""
    q = prepare_query(text)
    runs = [(min(match.covered), max(match.covered) + 1)] if match.covered else []
    spans = [m.span() for p in sensitivity.HARDSHIP_PATTERNS for m in p.finditer(q)]
    # within a hardship's words ("打零工"), not a name that holds one ("失业金" holds 失业)
    return any(LIVES_ON.search(q[:a]) or any(x <= a and b <= y for x, y in spans) for a, b in runs)


def who_line(item: ServiceItem) -> str:
    """Who may apply, from the plain-words guide: its first real sentence ("过去叫“五保户”" is
    none), up to the first "；"."""
    sentences = [x.strip() for x in re.split(r"[。！]", item.simple_text or item.summary or "")]
    line = next((x for x in sentences if len(x) >= 12), sentences[0])
    return line.split("；")[0]


def where_line(session: Session, item: ServiceItem, community_name: Optional[str]) -> str:
    community = places.find_community(session, community_name or "")
    centre = places.centre_for(session, item.handled_at, community) if community else None
    place = centre.name if centre else LEVEL_NAME[item.handled_at]
    window = re.split(r"[（(；;]", item.window or "")[0]  # "学生资助窗口（…）；在校学生…": the window's name
    line = f"到{place}{window}申请"
    return line + ("（也可网上申请）" if item.online else "")


def answer(session: Session, index: CatalogueIndex, req: HardshipRequest) -> HardshipResponse:
    judged = sensitivity.judge(req.text, asks_about_item(index, req.text))
    if not (judged == "hardship" or (req.with_risk and judged == "sensitive" and sensitivity.describes_hardship(req.text))):
        return HardshipResponse(hardship=False)
    status, chosen = decide(index.search(req.text))
    told = told_of(req.text, chosen[0]) if status == "confident" else False
    if status == "confident" and chosen[0].kind in ("name", "alias") and not told:
        return HardshipResponse(hardship=False)  # "低保怎么申请，我家困难": the guide answers it
    codes = ranked(index, req.text)
    if status == "confident" and asks(req.text) and not told:
        # An item only hinted at and asked about leads the list ("我爸中风… 想给他做个评估 好申请护理补贴
        # 咋弄": 老年人能力评估); the hardship's own benefits follow.
        codes = [chosen[0].code, *[c for c in codes if c != chosen[0].code]][:LIMIT]
    items = {it.code: it for it in session.scalars(select(ServiceItem).where(ServiceItem.code.in_(codes)))}
    benefits = [Benefit(code=c, name=items[c].name, who=who_line(items[c]),
                        where=where_line(session, items[c], req.community)) for c in codes if c in items]
    lines = [f"{i}. 【{b.name}】{b.who}。\n{b.where}。" for i, b in enumerate(benefits, 1)]
    text = "\n".join(["听您说的情况，这几项帮扶可能用得上：", *lines,
                      "能不能办要看家里的具体情况。点下面的事项可以看完整的办事指南；"
                      "也可以找社区工作人员，帮您一起看看能申请哪些。"])
    return HardshipResponse(hardship=True, text=text, benefits=benefits)
