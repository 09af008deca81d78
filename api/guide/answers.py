"""Service-guide answers: which aspect a question is about, and the complete answer text.

Answers follow 一次性告知: everything a resident needs for that aspect in one message.
The voice channel gets shorter sentences without list formatting.
"""
from typing import Optional

from api.guide.models import ServiceItem
from api.places.models import Community, ServiceCentre

ASPECTS = ("materials", "process", "time", "fee", "place", "online", "visits", "conditions", "general")

# Checked in this order: the first aspect with a cue in the question wins.
ASPECT_CUES = [
    ("visits", ["跑几趟", "跑几次", "几趟", "跑一次", "跑几回", "要跑", "去几次", "几次现场"]),
    ("online", ["网上", "线上", "手机上", "手机办", "网办", "浙里办", "小程序", "app", "不用去", "不出门", "在家办"]),
    ("materials", ["材料", "带什么", "带啥", "证件", "资料", "准备什么", "准备啥", "要带", "拿什么", "提交什么"]),
    ("time", ["多久", "几天", "多长时间", "多少天", "什么时候能", "啥时候能", "时限", "多快", "拿到"]),
    ("fee", ["多少钱", "收费", "要钱", "费用", "花钱", "免费", "收钱", "工本费", "交钱"]),
    ("place", ["哪里", "哪儿", "在哪", "去哪", "地址", "地点", "哪个窗口", "窗口", "几点", "上班时间", "电话"]),
    ("conditions", ["条件", "资格", "符合", "能不能办", "能办吗", "能申请", "可以申请", "谁能", "够不够", "要求"]),
    ("process", ["流程", "步骤", "程序", "手续", "怎么办", "咋办", "怎么弄", "怎么申请", "如何办"]),
]

LEVEL_NAME = {"community": "社区党群服务中心", "street": "街道便民服务中心", "district": "区政务服务中心"}


def detect_aspect(text: str, hint: Optional[str] = None) -> str:
    if hint in ASPECTS and hint != "general":
        return hint
    t = (text or "").lower()
    for aspect, cues in ASPECT_CUES:
        if any(c in t for c in cues):
            return aspect
    return hint if hint in ASPECTS else "general"


def _days(n: Optional[int]) -> str:
    return "当场办结（即办）" if n == 0 else f"{n}个工作日"


def _time_text(s: ServiceItem) -> str:
    parts = [f"承诺时限：{_days(s.promised_limit_days)}"]
    if s.legal_limit_days is not None:
        parts.append(f"法定时限：{_days(s.legal_limit_days)}")
    return "；".join(parts)


def _visits_text(s: ServiceItem) -> str:
    if s.visits == 0:
        return "零跑动：全程网上办理，不用到现场。"
    if s.visits == 1:
        return "最多跑一次：材料齐全的话，到现场一次就能办好。"
    return f"需要到现场{s.visits}次。"


def _online_text(s: ServiceItem) -> str:
    if s.online:
        return f"可以网上办理：{s.online_channel}。"
    return "这个事项暂时不能网上办理，需要到窗口办理。"


def _centre_text(c: ServiceCentre, window: str, hours_note: str) -> str:
    lines = [f"办理地点：{c.name}（{c.address}）", f"窗口：{window or c.window}", f"办公时间：{c.hours}"]
    if hours_note:
        lines.append(f"时间提示：{hours_note}")
    lines.append(f"咨询电话：{c.phone}")
    return "\n".join(lines)


def place_text(s: ServiceItem, centre: Optional[ServiceCentre], community: Optional[Community]) -> str:
    head = f"【{s.name}】"
    if centre is None:
        return f"{head}在{LEVEL_NAME[s.handled_at]}办理。"
    if community is not None and s.handled_at == "street":
        intro = f"{head}请到{community.name}所属的{centre.name}办理。"
    elif community is not None and s.handled_at == "community":
        intro = f"{head}请到您所在的{centre.name}办理。"
    else:
        intro = f"{head}请到{centre.name}办理。"
    text = intro + "\n" + _centre_text(centre, s.window, s.hours_note)
    if s.tongban in ("全区通办", "全市通办", "全省通办", "跨省通办"):
        text += f"\n本事项{s.tongban}，也可以到其他便民服务中心办理。"
    return text


def materials_text(s: ServiceItem) -> str:
    if not s.materials:
        return f"【{s.name}】不需要提交纸质材料。"
    lines = [f"办理【{s.name}】请一次带齐以下材料："]
    for i, m in enumerate(s.materials, 1):
        line = f"{i}. {m['name']}（{m['form']}"
        if m.get("count"):
            line += f"，{m['count']}份"
        line += "）"
        if not m.get("required", True):
            line += "【如有】"
        if m.get("notes"):
            line += f"：{m['notes']}"
        lines.append(line)
    lines.append(_visits_text(s))
    return "\n".join(lines)


def compose(s: ServiceItem, aspect: str, centre: Optional[ServiceCentre] = None,
            community: Optional[Community] = None, channel: str = "text") -> str:
    if channel == "voice":
        return _voice(s, aspect, centre)
    head = f"【{s.name}】"
    if aspect == "materials":
        return materials_text(s)
    if aspect == "process":
        steps = "\n".join(f"{i}. {x}" for i, x in enumerate(s.steps, 1))
        return f"{head}办理流程：\n{steps}\n{_visits_text(s)}"
    if aspect == "time":
        return f"{head}{_time_text(s)}。"
    if aspect == "fee":
        return f"{head}收费：{s.fee}。"
    if aspect == "place":
        return place_text(s, centre, community)
    if aspect == "online":
        return f"{head}{_online_text(s)}"
    if aspect == "visits":
        return f"{head}{_visits_text(s)}{_online_text(s) if s.online else ''}"
    if aspect == "conditions":
        conds = "\n".join(f"{i}. {x}" for i, x in enumerate(s.conditions, 1)) or "无特别条件。"
        return f"{head}申请条件：\n{conds}"
    return (f"{head}{s.simple_text}\n{_time_text(s)}；收费：{s.fee}；{_visits_text(s)}\n"
            "您可以接着问：要带什么材料、在哪里办、多久能拿到、网上能不能办。")


def _voice(s: ServiceItem, aspect: str, centre: Optional[ServiceCentre]) -> str:
    if aspect == "materials":
        names = "、".join(m["name"] for m in s.materials if m.get("required", True))
        return f"办{s.name}要带：{names}。"
    if aspect == "time":
        return f"{s.name}{_time_text(s)}。"
    if aspect == "fee":
        return f"{s.name}收费：{s.fee}。"
    if aspect == "place" and centre is not None:
        return f"{s.name}请到{centre.name}，地址{centre.address}。"
    if aspect == "online":
        return _online_text(s)
    return s.voice_text
