"""What the assistant says about a service question: resolve the item, the aspect and the
place, keeping the item from context for follow-ups, and never guessing an unrelated item."""
import re
from typing import List, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.guide import answers, passages
from api.guide.after_guide import (
    CHOOSE_AGAIN,
    COMPARES,
    EACH_ITS_OWN,
    FIRST_NEEDED,
    HOMEBOUND,
    LAPSE_TOLD,
    LAPSED,
    ONE_LINE,
    PERIOD_ASKED,
    SAME_ASKED,
    compared,
    documents_not_needed,
    item_coded,
    material_of_context,
    noted,
    said_in_context,
    same_thing,
    sibling_of,
    tells_only,
)
from api.guide.answers import ASPECT_CUES
from api.guide.models import ServiceItem
from api.guide.replies import AnswerRequest, AnswerResponse, Candidate, FollowUp
from api.guide.search import MARGIN, CatalogueIndex, Match, asks, asks_anything, decide, named, prepare_query
from api.places import directory as places
from shared.settings import get_settings

# Words that carry no subject: with only these (and aspect cues) left, a question is a
# follow-up about the item already under discussion.
FOLLOW_UP_WORDS = set("""
那 那个 这个 这 那么 还有 还 再 就是 嗯 啊 呀 吧 吗 呢 哦 哈 噢 额 呃 的 了 么 嘛 哪 我 我们 咱 咱们 你 你们 您 他 她 想 想问 问 问一下 请问 一下
老伴 家人 家里人 家属 妈 爸 我妈 我爸 儿子 女儿 老婆 老公 孩子 小孩 他 她 它 本人 亲自 下来 批 办好
要 需要 得 能 能不能 可以 可不可以 会 办 办理 去 到 弄 申请 做 拿 给 交 带 是 不是 有 没有 多少 什么 啥 怎么 怎样 如何 几 个 都 也 又 就 先 然后
操作 搞 准备 东西 情况 问题 事 事情 一样 还是 怎么样 样
现在 今天 大概 一般 总共 一共 最 好 行 还要 这边 那边 自己 本人 帮 帮忙 请 谢谢 麻烦 具体 详细 说说 讲讲 告诉 知道 清楚 一次 次 趟 天 钱 时候
伐 来 回 领 加急 急用 着急 急 当天 当场 马上 明天 后天 过两天 这两天 白天 晚上 上班 走不开 没空 没时间 爸妈 父母 他爸妈 一定
一年 每年 一个月 每个月 每月 年 月 补 钞票 钞 住进去 住进 进去 地方 在 大约 差不多 换证 补证 办证 领证 拿证
""".split())
_FOLLOW_UP_LONGEST_FIRST = sorted(FOLLOW_UP_WORDS, key=len, reverse=True)
HAN = re.compile(r"[\u4e00-\u9fff]")
# Where someone's 户口 is ("丈母娘户口不在一起的", "她户口在青山社区"): who asks, not what.
WHOSE_HUKOU = re.compile(r"(户口|户籍)(本|簿)?(也|都|还|又)?(不)?(在|是)")
# Someone from elsewhere asking whether it can be done here ("我户口是湖南的 能在这边开吗"): who
# may is part of the answer.
FROM_ELSEWHERE = re.compile(r"外地(户口|户籍|人|的)|(户口|户籍)(是|在)(外地|老家|外省|[\u4e00-\u9fff]{2,3}的)|非本(地|区|市)|"
                            r"(能|可以)在(这边|这里|本地|这儿)")


def names_no_subject(text: str) -> bool:
    """True when the question names nothing beyond question words and aspect cues."""
    t = prepare_query(text)
    for _, cues in ASPECT_CUES:
        for c in cues:
            t = t.replace(c, " ")
    for w in _FOLLOW_UP_LONGEST_FIRST:
        t = t.replace(w, " ")
    return len(HAN.findall(t)) < 2


# "我想问一下补贴的事": a benefit asked of no one. The kinds residents most often mean, to choose
# from (catalogue names: one missing from the catalogue is simply not offered).
BENEFIT_WORDS = re.compile(r"补贴|补助|津贴|救助|福利|优惠|政策|待遇")
BENEFIT_KINDS = ["高龄津贴", "居家养老服务补贴", "残疾人两项补贴", "最低生活保障", "临时救助", "家庭经济困难学生资助"]
WHICH_BENEFIT = "补贴有好几种，要看是给谁的。请点选，或者说说是给谁的（比如“八十五岁的老人”“残疾人”“孩子上学”）："


def benefits_of_no_one(index: CatalogueIndex, text: str) -> List[Candidate]:
    """The benefits to choose from when a question names a benefit and nothing else."""
    if not BENEFIT_WORDS.search(prepare_query(text)) or not names_no_subject(BENEFIT_WORDS.sub(" ", text)):
        return []
    out = []
    for name in BENEFIT_KINDS:
        status, chosen = decide(index.search(name, limit=1))
        if status == "confident":
            out.append(Candidate(code=chosen[0].code, name=chosen[0].name, score=round(chosen[0].score, 3)))
    return out


def chosen_among(index: CatalogueIndex, text: str, choices: List[str]) -> Tuple[str, List[Match]]:
    """A choice answered in words ("就是老人的", "我八十五了"): the offered items the words point
    to, however faintly (they answer our question), as decide() would say it."""
    names = set(choices)
    among = [m for m in index.search(text, limit=60) if m.name in names]
    if not among:
        return "unknown", []
    if len(among) == 1 or among[0].score - among[1].score >= MARGIN:
        return "confident", among[:1]
    return "ambiguous", [m for m in among if among[0].score - m.score < MARGIN]


def unknown_text() -> str:
    return ("抱歉，这个问题我没能对应到具体的办事事项，怕给您说错，就不乱回答了。"
            f"您可以换个说法再问一次，或者拨打政务服务热线{get_settings().hotline}，也可以回复“转人工”找社区工作人员。")


# When the service centres are open ("社区服务中心几点上班，周六开门吗"), asked with no item.
CENTRE_HOURS = re.compile(
    r"(几点|什么时[候间]|啥时候)(钟)?(上班|下班|开门|关门|办公|开始办)|(上班|下班|办公|工作|开门|营业)时间|"
    r"(周六|周日|星期六|星期天|星期日|礼拜六|礼拜天|周末|节假日|假期|中午)(上班|开门|办公|有人|能办|可以办|办不办|能领|可以领|休息)|"
    r"(开门|开着|有人上班)(吗|没|不)|(元旦|春节|过年|国庆|五一|清明|端午|中秋|放假)(那几天|期间|的时候)?.{0,4}(上班|开门|办公|能办|休息)")
# … of the centres: not a hospital's or a museum's hours.
CENTRE_WORDS = re.compile(r"社区|街道|服务中心|大厅|窗口|你们|政务|便民|办事|居委")


def asks_centre_hours(text: str) -> bool:
    """When the centres are open, asked of the centres (not of a hospital or a museum)."""
    return bool(CENTRE_HOURS.search(text) and CENTRE_WORDS.search(text))


def centre_hours(session: Session, req: AnswerRequest) -> AnswerResponse:
    """The opening hours of the resident's community centre and street centre; without a
    community, the district centre's, and the question which community."""
    community = places.find_community(session, req.community or "") or places.find_community(session, req.text)
    if community is None and req.answers_question:
        text = f"没有找到这个社区。{places.district(session).name}的社区有：{'、'.join(places.community_names(session))}。请问您住在哪个社区？"
        return AnswerResponse(status="need_community", aspect="place", text=text)
    if community is None:
        district = places.district_centre(session)
        parts = [f"{district.name}：\n{answers.centre_text(district)}",
                 "社区党群服务中心和街道便民服务中心的办公时间各不相同。告诉我您住在哪个社区（例如“柳岸社区”），"
                 "我把您那里服务中心的地址、办公时间和电话发给您。"]
        return AnswerResponse(status="need_community", aspect="place", text="\n\n".join(parts), sections=parts)
    parts = [f"{c.name}：\n{answers.centre_text(c)}" for c in (community.centre, community.street.centre)]
    return AnswerResponse(status="answered", aspect="place", community=community.name, text="\n\n".join(parts),
                          sections=parts)


def answer(session: Session, index: CatalogueIndex, req: AnswerRequest) -> AnswerResponse:
    matches = index.search(req.text)
    status, chosen = decide(matches)
    if (req.answers_question and (asks_anything(req.text) or FROM_ELSEWHERE.search(req.text))
            and not places.find_community(session, req.text)):
        # "登记好了能领失业金伐", "一个月多少钱", "我们是外地户口" said instead of the community: a
        # question (about another item or the same) or who asks, not a place.
        req = req.copy(update={"answers_question": False, "aspect_hint": None, "community": None})
    aspect = answers.detect_aspect(req.text, req.aspect_hint)
    if req.choices and status != "confident":
        picked = chosen_among(index, req.text, req.choices)
        status, chosen = picked if picked[0] != "unknown" else (status, chosen)
        if status != "confident" and len(req.choices) == 1 and places.find_community(session, req.text):
            # "您是想问【65岁…体检】吗？" answered "我住在新塘家园": yes, and where to go for it.
            status, chosen = decide(index.search(req.choices[0]))
            aspect = "place" if aspect == "general" else aspect
    if status != "confident" and req.service_hint:
        hint_status, hint_chosen = decide(index.search(req.service_hint))
        if hint_status == "confident" or status == "unknown":
            status, chosen = hint_status, hint_chosen
    if status == "unknown" and req.context_code and not req.service_hint:
        # "快到期了咋办" after the 居住证 guide asks about 居住证签注.
        status, chosen = index.said_of(req.context_code, req.text) or (status, chosen)
    code = None
    if material_of_context(session, req.context_code, aspect, req.text):
        # "身份证要复印件吗", "狗的照片要拍几张" after a guide: a material that guide asks for.
        code = req.context_code
    elif (status == "confident" and req.context_code in index.items and chosen[0].kind == "keyword"
            and (aspect in ("home", "conditions") or any(c in req.text for c in answers.PROXY_CUES))):
        # "我八十多了腿脚不好 能不能叫社区的人上门来办" after the 优待证 guide: who asks (八十, 高龄津贴's
        # keyword) and how, of the item under discussion; another item is named, not hinted at.
        code = req.context_code
    elif (status == "confident" and req.context_code in index.items and chosen[0].kind == "keyword"
          and FIRST_NEEDED.search(req.text)
          and (said := said_in_context(item_coded(session, req.context_code), req.text, req.channel))
          and any(chosen[0].name[i:i + 2] in said.text for i in range(len(chosen[0].name) - 1))):
        # "他有点老年痴呆了 要先做评估吗" after the 养老院 guide: a step of that guide (能力评估：没有
        # 评估的由评估机构上门评估), not the 能力评估 guide it hints at.
        return said
    elif status == "confident":
        code = chosen[0].code
    elif status == "ambiguous" and req.context_code in {m.code for m in chosen}:
        code = req.context_code
    elif status == "ambiguous" and len(chosen) == 1 and sibling_of(index, req.context_code, chosen[0].code):
        # "那临时的要多少钱" after the 居民身份证 guide: 临时居民身份证申领, no "您是想问…吗？" first.
        code = chosen[0].code
    elif status == "ambiguous" and req.context_code and not any(map(named, chosen)) and WHOSE_HUKOU.search(req.text):
        # "丈母娘户口不在一起的也能算伐", "她户口在青山社区 要本人去吗": where someone's 户口 is, told
        # of the item under discussion (who counts, who may: its conditions, unless something else
        # is asked); "办户口要什么材料" asks about another.
        code = req.context_code
        aspect = "conditions" if aspect == "general" else aspect
    elif (status == "ambiguous" and req.context_code and not any(map(named, chosen))
          and places.find_community(session, req.text) and not asks(req.text)):
        # "我是外地户口 跟儿子住在翠苑社区" after the 优待证 guide: where, for that item.
        code = req.context_code
        aspect = "place"
    elif status == "ambiguous" and req.context_code and not any(map(named, chosen)) and (
            aspect == "conditions" or aspect == "general" and asks_anything(req.text)):
        # "我是外地户口能申请吗" after the 低保 guide, "我们家不是低保户 也能领伐" after the 两项补贴
        # guide: the resident's own circumstances only hint at other items (外地户口, 低保户); the
        # item under discussion is asked about. "办户口要什么材料" names another.
        code = req.context_code
    elif status == "unknown" and req.context_code and not req.service_hint and (
            req.answers_question or names_no_subject(places.strip_community_names(session, req.text))
            or any(c in req.text for c in answers.PROXY_CUES) or aspect in ("place", "home")):
        # … or where, asked of nothing the catalogue knows ("我们住翠苑三区7幢的 去哪里报")
        code = req.context_code
    elif status == "unknown" and req.context_code and not req.service_hint and places.find_community(session, req.text):
        # "阿拉住荷花苑" after a guide done at the community's centre: which centre, for that item.
        code = req.context_code
        aspect = "place" if aspect == "general" else aspect
    if (code is None and status == "unknown" and req.choices and (tells_only(req.text) or aspect != "general")
            and not asks_centre_hours(req.text)):
        # "店就十几平米" after a choice of 个体工商户登记, 小餐饮登记…: told, not which one; asked again.
        # "要多久能办下来": that, for each of them; "要带什么材料": each its own, so which one first.
        offered = session.scalars(select(ServiceItem).where(ServiceItem.name.in_(req.choices))).all()
        offered.sort(key=lambda i: req.choices.index(i.name))
        if aspect in ONE_LINE:
            # each item's own line (its notes belong to its guide, not under the others')
            text = "\n".join(answers.sections(i, aspect)[0].split("\n")[0] for i in offered) + "\n想详细了解哪一项，请点一下："
        else:
            text = CHOOSE_AGAIN if tells_only(req.text) else EACH_ITS_OWN
        if offered:
            return AnswerResponse(status="ambiguous", aspect=aspect, text=text,
                                  candidates=[Candidate(code=i.code, name=i.name, score=0.0) for i in offered])
    if (code is None and req.context_code and status in ("unknown", "ambiguous") and not any(map(named, chosen))
            and not (req.answers_question or req.choices or req.service_hint) and tells_only(req.text)
            and not places.find_community(session, req.text)):
        # "阿拉两家头都是明湖户口", "店就十几平米" after a guide: told, not asked; the item stays the one
        # under discussion (no choice of household items for 户口, no "没能对应").
        if FROM_ELSEWHERE.search(req.text) and req.context_code in index.items:
            # "我们是外地户口 有居住证的": who may, of the item under discussion.
            code, aspect = req.context_code, "conditions"
        else:
            item = item_coded(session, req.context_code)
            return (said_in_context(item, req.text, req.channel) or noted(item)
                    or AnswerResponse(status="unknown", aspect=aspect, text=unknown_text()))
    both = [m for m in matches if named(m)][:3]
    if (len(both) == 1 and both[0].code != req.context_code and req.context_code in index.items
            and SAME_ASKED.search(req.text) and not req.choices):
        # "这个就是长寿金吧" after the 高龄津贴 guide: the one under discussion beside the one named.
        both = [Match(req.context_code, index.items[req.context_code][0], 0.0, "", "context"), both[0]]
    if len(both) >= 2 and COMPARES.search(req.text) and not req.choices:
        # "居住登记跟居住证是一回事吗", "高龄津贴和长寿金有什么不同": what each is, then which to go on with.
        return compared(session, both, aspect)
    if code is None and status == "ambiguous":
        text = (f"您是想问【{chosen[0].name}】吗？是的话请点一下：" if len(chosen) == 1
                else "您想问的是下面哪一项？请点选或直接回复名称：")
        return AnswerResponse(status="ambiguous", aspect=aspect, text=text,
                              candidates=[Candidate(code=m.code, name=m.name, score=round(m.score, 3)) for m in chosen])
    item = item_coded(session, code)
    # Hours asked with no item, or the community told after that question (no item under discussion).
    if item is None and (asks_centre_hours(req.text) or (req.answers_question and not req.context_code)):
        return centre_hours(session, req)
    if status == "unknown" and req.context_code and CENTRE_HOURS.search(req.text):
        return centre_hours(session, req)  # "礼拜六开门伐" after a guide: the centres' hours
    if item is None and status == "unknown" and not req.context_code and (kinds := benefits_of_no_one(index, req.text)):
        return AnswerResponse(status="ambiguous", aspect=aspect, text=WHICH_BENEFIT, candidates=kinds)
    if item is None and status == "unknown" and req.context_code and not req.answers_question:
        # "备案一次管多久" after the 异地就医备案 guide: a sentence of that guide may answer it.
        said = said_in_context(item_coded(session, req.context_code), req.text, req.channel)
        if said:
            return said
    if item is None:
        return AnswerResponse(status="unknown", aspect=aspect, text=unknown_text())
    if aspect in ("fee", "general") and answers.asks_how_much_it_pays(item, req.text):
        aspect = "conditions"
    if item.code == req.context_code and aspect == "general" and HOMEBOUND.search(req.text):
        # "评残要去医院吗 他出不了门的" after the guide: what it says about coming to the home.
        aspect = "home"
    follow_up = item.code == req.context_code and aspect in ("general", "time") and not req.answers_question
    point = follow_up and bool(passages.names_a_point(item, req.text) or PERIOD_ASKED.search(req.text))
    if follow_up and (point or LAPSED.search(req.text)):
        # "冷静期要多久", "要两个人都到场吗" after the 离婚登记 guide: that point, not the guide again
        # or how long the registry takes.
        said = said_in_context(item, req.text, req.channel)
        # A lapse asked about is answered by what the guide says of one (逾期未签注的…暂停使用), not by
        # any sentence: "身份证过期了怎么办" is the guide again (换领).
        if said and (point or LAPSE_TOLD.search(said.text)):
            return said
    # The community told now ("我们住翠苑三区7幢的 去哪里报"), else the one known from before.
    community = places.find_community(session, req.community or "") or places.find_community(session, req.text)
    centre = places.centre_for(session, item.handled_at, community)
    base = dict(aspect=aspect, service_code=item.code, service_name=item.name,
                community=community.name if community else None)
    if aspect == "place" and centre is None:
        if req.community:
            text = f"没有找到这个社区。{places.district(session).name}的社区有：{'、'.join(places.community_names(session))}。请问您住在哪个社区？"
        else:
            text = (f"【{item.name}】在{answers.LEVEL_NAME[item.handled_at]}办理。请问您住在哪个社区？"
                    "告诉我社区名称（例如“柳岸社区”），我把具体地址、窗口和电话发给您。")
        return AnswerResponse(status="need_community", text=text, **base)
    if req.channel == "voice":
        return AnswerResponse(status="answered", **base, text=answers.compose(item, aspect, centre, community, "voice"))
    parts = answers.sections(item, aspect, centre, community)
    named_materials = answers.materials_named(item, req.text) if aspect == "materials" else []
    not_needed = documents_not_needed(item, req.text) if aspect == "materials" and not named_materials else []
    if named_materials or not_needed:
        # "照片要几张 白底还是蓝底": that material's line; "户口本一定要带吗" (结婚登记): not needed.
        # The whole list is the first button.
        parts = [answers.named_materials_section(item, named_materials, req.text) if named_materials
                 else answers.not_needed_section(item, not_needed)]
        return AnswerResponse(status="answered", **base, text=parts[0], sections=parts,
                              follow_ups=[FollowUp(title=answers.FOLLOW_UPS[a], aspect=a)
                                          for a in ["materials", *answers.follow_ups(aspect, centre)]])
    offer = answers.follow_ups(aspect, centre)
    if aspect == "general" and item.conditions and FROM_ELSEWHERE.search(req.text):
        # "我户口是湖南的 能在这边开吗 要几天能拿到": the whole guide, and who may (its conditions).
        parts = parts[:1] + [answers.sections(item, "conditions")[0].replace(f"【{item.name}】", "", 1)] + parts[1:]
        offer = [a for a in offer if a != "conditions"]
    if item.code == req.context_code and (alias := same_thing(item, req.text)):
        # A plain yes before the guide: "尊老金" is what residents call 高龄津贴.
        parts = [f"是的，{alias}就是【{item.name}】，只是叫法不同。"] + parts
    return AnswerResponse(status="answered", **base, text="\n\n".join(parts), sections=parts,
                          follow_ups=[FollowUp(title=answers.FOLLOW_UPS[a], aspect=a) for a in offer])
