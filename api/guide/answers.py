"""Service-guide answers: which aspect a question is about, and the complete answer.

Answers follow 一次性告知: everything a resident needs for that aspect in one go, told in
short parts (one message each) rather than one screen-filling text, with the aspects not yet
told offered as follow-up buttons. The voice channel gets one short sentence instead.
"""
import re
from typing import Dict, List, Optional, Tuple

import jieba

from api.guide.models import ServiceItem
from api.places.models import Community, ServiceCentre

ASPECTS = ("materials", "process", "time", "fee", "place", "online", "visits", "home", "conditions", "general")

# "我妈瘫在床上去不了，我能帮她办吗": always about the item under discussion, whatever else is said.
PROXY_CUES = ["代办", "代领", "代替", "替我", "替他", "替她", "帮我办", "帮他办", "帮她办", "帮我去", "帮他去", "帮她去",
              "本人去", "本人来", "本人到场", "亲自去", "亲自来", "走不开"]
# Checked in this order: the first aspect with a cue in the question wins.
ASPECT_CUES = [
    # Done at home for someone who cannot come ("他中风了走不动路 能不能派人上门给他办").
    ("home", ["上门", "到家里来", "来家里", "派人来", "派个人来"]),
    ("visits", ["跑几趟", "跑几次", "几趟", "跑一次", "跑几回", "要跑", "去几次", "几次现场"]),
    ("online", ["网上", "线上", "手机上", "手机办", "网办", "浙里办", "小程序", "app", "不用去", "不出门", "在家办"]),
    # Someone else doing it for the resident (PROXY_CUES): the guide's materials name what a proxy brings.
    ("materials", ["材料", "带什么", "带啥", "证件", "资料", "准备什么", "准备啥", "要带", "拿什么", "提交什么", "照片",
                   "相片", "白底", "蓝底", "红底", "底色", "一寸", "二寸", "两寸", "复印件", "原件",
                   *PROXY_CUES]),
    ("time", ["多久", "几天", "多长时间", "多少天", "什么时候能", "啥时候能", "时限", "多快", "拿到", "批下来", "办下来", "到账", "加急",
              "来得及", "来不及", "赶得上", "赶不上", "排多久", "要排", "轮候", "排队"]),
    # "免费体检在哪做" names the item (免费 is in its name); "免费吗" asks about the fee.
    ("fee", ["多少钱", "收费", "要钱", "费用", "花钱", "免费吗", "免费的吗", "免不免费", "是不是免费", "收钱", "工本费", "交钱",
             "租金"]),
    ("place", ["哪里", "哪儿", "在哪", "去哪", "地址", "地点", "哪个窗口", "窗口", "几点", "上班时间", "电话"]),
    ("conditions", ["条件", "资格", "符合", "能不能办", "能办吗", "能申请", "可以申请", "谁能", "够不够", "要求"]),
    # "老年证怎么办" asks for the whole guide (一次性告知), not its steps alone: only the steps are the steps.
    ("process", ["流程", "步骤", "程序", "第一步", "怎么操作"]),
]

# A clause that asks: "要不要办狗证 办证要先打狂犬疫苗伐 一年多少钱" asks three things, the whole
# guide answers them (伐 is read as 吗 before this is looked for).
ASKS_CLAUSE = re.compile(r"[吗呢么]$|要不要|是不是|能不能|可不可以|还是|怎么|咋|啥|什么|哪|多少|几|多久")
# "证办下来以后有啥好处" tells when, it does not ask how long ("多久能办下来").
AFTERWARDS = re.compile(r"(办|批|拿|领)(下来|到|好)了?(以后|之后|后)")

LEVEL_NAME = {"community": "社区党群服务中心", "street": "街道便民服务中心", "police": "派出所户籍窗口",
              "district": "区政务服务中心"}


def detect_aspect(text: str, hint: Optional[str] = None) -> str:
    """What the question asks about. Two things at once ("在哪里交 手机上能交伐", "要收钱吗 要带
    发票伐") get the whole guide, which tells them all."""
    # 伐 is Wu's 吗 ("个人能办伐"); "手机上弄不来" says the online way is no way for this resident.
    t = AFTERWARDS.sub("", (text or "").lower().replace("伐", "吗"))
    if CANNOT_ONLINE.search(t):
        return "general"
    asked = [aspect for aspect, cues in ASPECT_CUES if any(c in t for c in cues)]
    if {"online", "place"} & set(asked):
        # "网上能办吗" asks whether it can be done online; "能办吗" alone asks who may.
        asked = [a for a in asked if a != "conditions" or any(c in t for c in STRONG_CONDITIONS)] or asked
    asking = [c for c in re.split(r"[\s，,。；;！!？?]+", t) if ASKS_CLAUSE.search(c)]
    # several questions, one of them about no aspect ("是单位去办还是我们自己去办"), not "多久能拿到 有加急伐"
    several = len(asking) >= 2 and any(not any(cue in c for _, cues in ASPECT_CUES for cue in cues) for c in asking)
    if len(asked) > 1 or (asked and asked != ["home"] and (HOW_TO.search(t) or several)):
        # "我们这种能申请伐 要排多久", "要补咋弄 收钱伐": the whole guide tells both
        return "general"  # whatever one of them the NLU picked out
    if asked == ["home"]:
        return "home"  # the NLU knows no such aspect, and reads "上门办" as some other
    if hint in ASPECTS and hint != "general":
        return hint
    if len(asked) == 1:
        return asked[0]
    return "general" if asked or hint not in ASPECTS else hint


CANNOT_ONLINE = re.compile(r"(手机|网上|app|浙里办|线上)(上)?.{0,2}(弄|搞|办|操作|用|整)不(来|了|好|会|懂)|不(太)?会(弄|用|玩|操作)(智能)?手机|不会上网|"
                           r"不会(用|弄|搞|操作|玩)(手机|智能手机|网上|电脑)|不会上网|没有?智能手机")
STRONG_CONDITIONS = ("条件", "资格", "符合", "谁能", "够不够", "要求")
# How to get it done, asked beside one aspect: the whole guide (一次性告知).
HOW_TO = re.compile(r"(咋|怎么|如何)(弄|搞|申请|补|领|办(?!理))")
# A free item whose conditions state sums of money pays them (高龄津贴 每月100元): asked "多少钱",
# the resident wants to know how much, which the conditions tell.
HOW_MUCH = re.compile(r"多少钱|几块钱|多少块|给多少|发多少|领多少|补多少|拿多少|补助多少|便宜多少|一个月多少|每月多少|有多少")


# … as does a free item whose name says it pays (义务兵家庭优待金: "标准按省、市规定执行"), not "收费：不收费".
PAYS = re.compile(r"补贴|津贴|补助|抚恤|扶助金|优待金|保健金|生活费|奖励|奖补|保险金|丧葬")


def asks_how_much_it_pays(s: ServiceItem, text: str) -> bool:
    return (s.fee.startswith("不收费") and (any("元" in c for c in s.conditions) or bool(PAYS.search(s.name)))
            and bool(HOW_MUCH.search(text or "")))


def _days(n: Optional[int]) -> str:
    return "当场办结（即办）" if n == 0 else f"{n}个工作日"


def _time_text(s: ServiceItem) -> str:
    text = f"承诺时限{_days(s.promised_limit_days)}"
    if s.legal_limit_days is not None:
        text += f"，法定时限{_days(s.legal_limit_days)}"
    return text


URGENT = re.compile(r"急用|加急|急需|立等")


def _when_urgent(s: ServiceItem) -> List[str]:
    """The guide's own words on what to do in a hurry ("急用的可同时申领临时身份证"), told with its time limit."""
    clauses = [c for x in [*s.conditions, *s.steps] for c in re.split(r"[；;]", x)]
    return [c.strip().rstrip("。") + "。" for c in clauses if URGENT.search(c)][:2]


def _time_note(s: ServiceItem) -> List[str]:
    """The guide's note on what its time limit leaves out ("普通轮候等待时间视床位情况而定")."""
    return [s.hours_note.rstrip("。") + "。"] if TIME_NOTE.search(s.hours_note or "") else []


TIME_NOTE = re.compile(r"时限|轮候|等待|审核时间")


def _visits_text(s: ServiceItem) -> str:
    if s.visits == 0:
        return "零跑动：全程网上办理，不用到现场。"
    if s.visits == 1:
        return "最多跑一次：材料齐全的话，到现场一次就能办好。"
    return f"需要到现场{s.visits}次。"


def _online_text(s: ServiceItem) -> str:
    if s.online:
        return f"可以网上办，在{s.online_channel}申请。"
    return "这个事项暂时不能网上办理，需要到窗口办理。"


def centre_text(c: ServiceCentre, window: str = "", hours_note: str = "") -> str:
    # "地址：" and "电话：" open their own lines: the chat page turns those into a map link and a
    # tap-to-call link (api/static/chat-links.js).
    lines = [f"地址：{c.address}", f"窗口：{window or c.window}", f"办公时间：{c.hours}"]
    if hours_note:
        lines.append(f"时间提示：{hours_note}")
    lines.append(f"电话：{c.phone}")
    return "\n".join(lines)


def _where_intro(s: ServiceItem, centre: ServiceCentre, community: Optional[Community]) -> str:
    if s.visits == 0:
        return f"不方便网上办的，也可以到{centre.name}办理："
    if community is not None and s.handled_at == "street":
        return f"请到{community.name}所属的{centre.name}办理："
    if community is not None and s.handled_at == "community":
        return f"请到您所在的{centre.name}办理："
    if community is not None and s.handled_at == "police":
        return f"{community.name}归{centre.name}管，请到{centre.name}户籍窗口办理："
    return f"请到{centre.name}办理："


def _where_section(s: ServiceItem, centre: Optional[ServiceCentre], community: Optional[Community],
                   head: str = "") -> str:
    if centre is None:
        return (f"{head}在{LEVEL_NAME[s.handled_at]}办理。告诉我您住在哪个社区（例如“柳岸社区”），"
                "我把具体地址、窗口和电话发给您。")
    text = f"{head}{_where_intro(s, centre, community)}\n{centre_text(centre, s.window, s.hours_note)}"
    if s.handled_at == "police" and s.tongban == "不通办" and any("户籍地" in step for step in s.steps):
        # The station named is the one of where they live; the guide's own steps may ask for 户籍地.
        text += "\n户口不在这里的，请到户口所在地的派出所办理，具体见办理流程。"
    if s.tongban in ("全区通办", "全市通办", "全省通办", "跨省通办"):
        elsewhere = "派出所或受理点" if s.handled_at == "police" else "便民服务中心"
        text += f"\n本事项{s.tongban}，也可以到其他{elsewhere}办理。"
    return text


def place_text(s: ServiceItem, centre: Optional[ServiceCentre], community: Optional[Community]) -> str:
    return _where_section(s, centre, community, f"【{s.name}】")


# "住所、就业、就读证明三选一": materials whose notes end with the same such sentence are
# alternatives — one of them is needed, so the group is told once, among what to bring.
ALTERNATIVES = re.compile(r"(?:^|[。；;])\s*([^。；;]*(?:[二两三四五六七八九十]|\d+)选一)[。；;]?\s*$")


def _alternative(m: dict) -> Optional[str]:
    found = ALTERNATIVES.search(m.get("notes") or "")
    return found.group(1) if found else None


def _material_line(m: dict, notes: str, one: bool = False) -> str:
    line = f"{m['name']}（{m['form']}"
    if m.get("count") and (m["count"] > 1 or one):
        line += f"，{m['count']}份"
    line += "）"
    return f"{line}：{notes}" if notes else line


def _material_groups(s: ServiceItem) -> Tuple[List[Tuple[str, List[str]]], List[str]]:
    """(what to bring: (line, sub-lines of a group of alternatives), what to bring only if it
    applies), each in catalogue order; a group stands where its first member stood."""
    groups: Dict[str, List[dict]] = {}
    for m in s.materials:
        key = _alternative(m)
        if key:
            groups.setdefault(key, []).append(m)
    needed: List[Tuple[str, List[str]]] = []
    if_any: List[str] = []
    told = set()
    for m in s.materials:
        key = _alternative(m)
        if key and len(groups[key]) > 1:
            if key not in told:
                told.add(key)
                subs = [_material_line(x, ALTERNATIVES.sub("", x.get("notes") or "").strip())
                        for x in groups[key]]
                needed.append((f"{key}，带其中一种即可：", subs))
        elif m.get("required", True):
            needed.append((_material_line(m, m.get("notes") or ""), []))
        else:
            if_any.append(_material_line(m, m.get("notes") or ""))
    return needed, if_any


# A material asked about by name after its guide ("照片要几张 白底还是蓝底", "身份证要复印件吗"):
# that material's own line answers it; the whole list is one button away. A photo is asked about
# in many words (寸, 底色); other materials by a word of their name.
PHOTO_ASKED = re.compile(r"照片|相片|证件照|寸照|[一二两1-2]寸|[白蓝红]底|底色|背景色")
PHOTO_NAMED = re.compile(r"照片|相片|证件照|合影")
# Words of materials' names that name no material ("本人身份证": 身份证 does).
NOT_A_MATERIAL = {"本人", "近期", "彩色", "免冠", "原件", "复印件", "证明", "材料", "申请", "申请人", "申请书", "申请表",
                  "情况", "或者", "以及", "双方", "家庭", "成员", "代办人", "监护人", "老人", "居民", "社会", "保障",
                  "户口"}  # "她户口在青山社区" says where, not which paper
SAME_MATERIAL = {"户口本": "户口簿", "社保卡": "社会保障卡", "相片": "照片"}
ALL_MATERIALS = ("材料", "带什么", "带啥", "准备什么", "准备啥", "拿什么", "提交什么", "资料", "哪些东西", "啥东西", "什么东西")
ASKS_HOW_MANY = re.compile(r"几(张|份|个|本|套)|多少(张|份)")
# Documents residents ask whether to bring ("户口本要带吗"), by the words for them in questions
# and in the catalogue's material names (the names and notes say whether an item asks for one).
DOCUMENTS = {"户口簿": ("户口簿", "户口本"), "身份证": ("身份证",), "结婚证": ("结婚证",), "离婚证": ("离婚证",),
             "居住证": ("居住证",), "社会保障卡": ("社会保障卡", "社保卡"), "银行卡": ("银行卡",), "残疾人证": ("残疾人证", "残疾证"),
             "营业执照": ("营业执照",), "不动产权证书": ("不动产权证", "房产证"), "出生医学证明": ("出生医学证明", "出生证"),
             "退休证": ("退休证",), "驾驶证": ("驾驶证", "驾照"), "毕业证书": ("毕业证",), "护照": ("护照",)}
DOCUMENT_OF = {w: d for d, words in DOCUMENTS.items() for w in words}
# A note saying a document is not needed ("不需要户口簿") asks for none.
NOT_NEEDED = re.compile(r"(不需要|不用|无需|免)(提供|带|交|提交)?[\u4e00-\u9fff]{2,6}?(证|簿|本|卡|执照|证明|证书)")


def material_words(name: str) -> List[str]:
    """The words of a material's name that name it ("本人身份证" → 身份证)."""
    return [w for w in jieba.lcut_for_search(name, HMM=False) if len(w) >= 2 and w not in NOT_A_MATERIAL]


def documents_named(text: str) -> List[str]:
    """The documents a question names, in its own words (社保卡), one word for each."""
    t = (text or "").lower()
    return [next(w for w in words if w in t) for words in DOCUMENTS.values() if any(w in t for w in words)]


def materials_named(s: ServiceItem, text: str) -> List[dict]:
    """The materials a question names, unless it asks for them all (要带什么)."""
    t = (text or "").lower()
    for said, name in SAME_MATERIAL.items():
        t = t.replace(said, name)
    if any(c in t for c in ALL_MATERIALS):
        return []
    if PHOTO_ASKED.search(t):
        return [m for m in s.materials if PHOTO_NAMED.search(m["name"])]
    said = [w for d in documents_named(t) for w in DOCUMENTS[DOCUMENT_OF[d]]]
    return [m for m in s.materials if any(w in t and w not in s.name for w in material_words(m["name"]))
            # "户口本要带吗" for a passport: "未办身份证的，提供户口簿" in a note
            or any(w in NOT_NEEDED.sub("", m.get("notes") or "") and w not in s.name for w in said)]


def asks_for(s: ServiceItem, document: str) -> bool:
    """Whether the item's materials name the document (a word of DOCUMENTS): in a name, or as an
    alternative in a note ("未办身份证的，提供户口簿"), not as one not needed ("不需要户口簿")."""
    said = "".join(f"{m['name']}。{m.get('notes') or ''}。" for m in s.materials)
    return any(w in NOT_NEEDED.sub("", said) for w in DOCUMENTS[DOCUMENT_OF[document]])


def not_needed_section(s: ServiceItem, documents: List[str]) -> str:
    """Documents asked about that the item's guide does not ask for ("户口本一定要带吗" for 结婚登记)."""
    return (f"办理【{s.name}】不用带{'、'.join(documents)}，办事指南要的材料里没有{'它' if len(documents) == 1 else '这些'}。"
            "要带的材料点“要带什么材料”可以看全。")


def named_materials_section(s: ServiceItem, named: List[dict], text: str = "") -> str:
    """The named materials' lines; with the count said even when it is one, if asked ("要几张")."""
    how_many = ASKS_HOW_MANY.search(text or "")
    lines = [_material_line(m, m.get("notes") or "", one=bool(how_many)) for m in named]
    head = f"【{s.name}】" + ("要准备" if s.visits == 0 else "要带")
    if len(lines) == 1:
        return f"{head}：{lines[0]}。"
    return head + "：\n" + "\n".join(f"· {x}" for x in lines)


IF_ANY_HEADING = "如有以下情况再带（不涉及的不用带）"


def materials_sections(s: ServiceItem, general: bool = False) -> List[str]:
    """What to bring first, then what to bring only if it applies, each its own short text."""
    name = "" if general else f"办理【{s.name}】"
    if not s.materials:
        return [f"{name}不需要提交纸质材料。"]
    needed, if_any = _material_groups(s)
    out: List[str] = []
    if needed:
        # A group of alternatives is a part of its own (it is long); the numbering runs on.
        if s.visits == 0:
            # Done online: what to have ready, not what to carry (the window is the other way).
            lines = [f"{name}要准备的材料（网上办理时按提示上传；到窗口办的请一次带齐）："]
        else:
            lines = ["要带的材料（请一次带齐）：" if general else f"{name}请一次带齐以下材料："]
        for i, (line, subs) in enumerate(needed, 1):
            if subs and i > 1:
                out.append("\n".join(lines))
                lines = []
            lines.append(f"{i}. {line}")
            lines.extend(f"  · {x}" for x in subs)
            if subs:
                out.append("\n".join(lines))
                lines = []
        if lines:
            out.append("\n".join(lines))
    else:
        out.append(f"{name}没有必须带的材料。")
    if if_any:
        out.append("\n".join([f"{IF_ANY_HEADING}："] + [f"· {x}" for x in if_any]))
    return out


def materials_text(s: ServiceItem) -> str:
    return "\n\n".join(materials_sections(s) + [_visits_text(s)])


# Follow-up questions offered as buttons under an answer: the aspect and what the button says.
FOLLOW_UPS = {"place": "在哪办", "time": "要多久", "fee": "要钱吗", "online": "能网上办吗",
              "materials": "要带什么材料", "process": "怎么办理", "conditions": "谁能办"}


def sections(s: ServiceItem, aspect: str, centre: Optional[ServiceCentre] = None,
             community: Optional[Community] = None) -> List[str]:
    """The text-channel answer as short parts, one message each."""
    head = f"【{s.name}】"
    if aspect == "materials":
        return materials_sections(s) + [_visits_text(s)]
    if aspect == "process":
        steps = "\n".join(f"{i}. {x}" for i, x in enumerate(s.steps, 1))
        return [f"{head}办理流程：\n{steps}", _visits_text(s)]
    if aspect == "time":
        return [f"{head}{_time_text(s)}。" + "".join(f"\n{x}" for x in [*_when_urgent(s), *_time_note(s)])]
    if aspect == "fee":
        return [f"{head}收费：{s.fee}。"]
    if aspect == "place":
        return [place_text(s, centre, community)]
    if aspect == "online":
        return [f"{head}{_online_text(s)}"]
    if aspect == "visits":
        return [f"{head}{_visits_text(s)}{_online_text(s) if s.online else ''}"]
    if aspect == "conditions":
        conds = "\n".join(f"{i}. {x}" for i, x in enumerate(s.conditions, 1)) or "无特别条件。"
        return [f"{head}申请条件：\n{conds}"]
    if aspect == "home":
        return [f"{head}{_home_text(s, centre)}"]
    # The whole guide (一次性告知), each part short: what it is, what to bring, where, how long,
    # what it costs, online or not.
    return ([f"{head}{s.summary}\n{_visits_text(s)}"]
            + materials_sections(s, general=True)
            + [_where_section(s, centre, community),
               f"多久办好：{_time_text(s)}。",
               f"收费：{s.fee}。",
               _online_text(s)])


def _home_text(s: ServiceItem, centre: Optional[ServiceCentre]) -> str:
    """Whether someone comes to the resident's home: the guide's own lines about it, else where to
    go and whom to ask (a promise the guide does not make is not made here)."""
    said = [x for x in [*s.conditions, *s.steps] if "上门" in x]
    if said:
        return "\n".join(said) + "。"
    where, phone = (centre.name, centre.phone) if centre is not None else (LEVEL_NAME[s.handled_at], s.phone)
    return (f"办事指南里没有上门办理的安排，需要到{where}办理。"
            f"家里人行动不便的，可以先打{phone or '12345'}问问能不能上门，或者由家属代办。")


def follow_ups(aspect: str, centre: Optional[ServiceCentre] = None) -> List[str]:
    """The aspects an answer did not tell, to offer as buttons."""
    shown = {aspect}
    if aspect == "general":
        shown |= {"materials", "time", "fee", "online"} | ({"place"} if centre is not None else set())
    return [a for a in FOLLOW_UPS if a not in shown]


def compose(s: ServiceItem, aspect: str, centre: Optional[ServiceCentre] = None,
            community: Optional[Community] = None, channel: str = "text") -> str:
    """The answer as one text: the voice channel's short sentence, or the parts joined."""
    if channel == "voice":
        return _voice(s, aspect, centre)
    return "\n\n".join(sections(s, aspect, centre, community))


def _to_bring(s: ServiceItem, most: int = 3) -> str:
    """What to bring, as said on the phone: the first three things everyone brings, a group of
    alternatives as one ("住所、就业、就读证明三选一")."""
    needed, _ = _material_groups(s)
    names = [re.split(r"[（，:：]", line)[0] for line, _ in needed][:most]
    if not names:
        return "不用带纸质材料"
    # "住所、就业、就读证明三选一" has commas of its own: the things are told apart by "，".
    return "：" + "，".join(names) if any("、" in n for n in names) else "、".join(names)


def _voice(s: ServiceItem, aspect: str, centre: Optional[ServiceCentre]) -> str:
    """One or two short sentences for the ear; the whole guide goes by SMS if the caller wants it."""
    if aspect == "materials":
        return f"办{s.name}要带{_to_bring(s)}。"
    if aspect == "general":
        where = centre.name if centre is not None else LEVEL_NAME[s.handled_at]
        days = "当场就能办好" if s.promised_limit_days == 0 else f"{_days(s.promised_limit_days)}办好"
        return f"办{s.name}要带{_to_bring(s)}。到{where}办，{days}。"
    if aspect == "time":
        return f"{s.name}{_time_text(s)}。"
    if aspect == "fee":
        return f"{s.name}收费：{s.fee}。"
    if aspect == "place" and centre is not None:
        return f"{s.name}请到{centre.name}，地址{centre.address}。"
    if aspect == "online":
        return _online_text(s)
    if aspect == "home":
        return _home_text(s, centre)
    return s.voice_text
