"""Messages that people, not the assistant, should answer: complaints about staff, petitions
(信访), residents at risk, and residents who are clearly angry."""
import re
from typing import Optional

from api.textnorm import clean, normalise

SENSITIVE = [
    # complaints about staff and integrity
    "投诉工作人员", "投诉你们", "投诉窗口", "态度差", "态度恶劣", "态度很差", "故意刁难", "刁难我", "吃拿卡要", "收红包", "要好处费",
    # petitions
    "信访", "上访", "集体访", "写举报信",
    # residents at risk
    "不想活", "活不下去", "想不开", "轻生", "自杀", "被家暴", "家暴", "被打了", "没人管我", "孤老没人管",
]
ANGRY = ["气死", "太过分", "什么破", "垃圾系统", "废物", "有没有人管", "投诉无门", "踢皮球", "推来推去", "跑了好几趟"]
SHOUTING = re.compile(r"[!！?？]{3,}")


def assess(text: str) -> Optional[str]:
    """'sensitive', 'angry' or None."""
    t = normalise(clean(text))
    if any(w in t for w in SENSITIVE):
        return "sensitive"
    if any(w in t for w in ANGRY) or SHOUTING.search(t):
        return "angry"
    return None
