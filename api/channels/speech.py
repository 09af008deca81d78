"""Words for the ear: what a caller said, as the assistant reads text, and what the assistant
wrote, as a caller can follow it on the phone.

- heard(): spoken numbers in a transcript become digits, so phone numbers are found (and masked)
  and addresses located: 幺三八 一二三四 五六七八 → 13812345678, 两千零二十六年 → 2026年,
  文昌路一百五十号 → 文昌路150号. Only digit runs and numbers before a measure word are touched
  ("问一下", "十分感谢" and "三选一" stay words).
- spoken(): one reply for the ear: the gist, the facts a caller must hear (a place, a phone or
  ticket number read digit by digit), the question, and the choices as "说‘确认提交’或按1";
  no emoji, brackets, examples in quotes or layout.
- choice_in(): which offered choice a caller's words or key press picked (homophones tolerated).
"""
import re
from typing import List, Optional

import cn2an
from pypinyin import lazy_pinyin

from shared.patterns import MASKED_PHONE, PHONE, TICKET_NUMBER
from shared.textnorm import clean, normalise

# ---- what the caller said --------------------------------------------------------------------

DIGIT = {"零": "0", "〇": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
         "六": "6", "七": "7", "八": "8", "九": "9"}
_DIGITS = "".join(DIGIT)
# Three or more digits said one by one (a phone number, a year, a house number), spoken or typed.
_RUN = re.compile(rf"[{_DIGITS}0-9]{{3,}}")
# A number with units before the words that count things in an address, a date or a sum.
_MEASURE = "号楼|号|幢|栋|楼|单元|室|弄|层|户|年|月|日|岁|元|块|个月|天|周|小时|分钟|路"
_COUNTED = re.compile(rf"[{_DIGITS}十百千万]{{1,12}}(?={_MEASURE})")
# Digit groups a recogniser separates (138 1234 5678 / 一三八，一二三四，五六七八): one number.
_GROUPS = re.compile(r"\d{2,4}(?:[\s,，、.。-]+\d{2,8}){1,3}")
_PHONE_LIKE = re.compile(r"^(?:1[3-9]\d{9}|0\d{9,11})$")


def _counted(m: re.Match) -> str:
    try:
        return str(cn2an.cn2an(m.group(0), "smart"))
    except (ValueError, KeyError, TypeError):  # "万万" and the like: not a number after all
        return m.group(0)


def _joined(m: re.Match) -> str:
    flat = re.sub(r"[\s,，、.。-]", "", m.group(0))
    return flat if _PHONE_LIKE.match(flat) else m.group(0)


def heard(transcript: str) -> str:
    """A recogniser's transcript as the assistant reads typed text (see the module's docstring)."""
    text = clean(normalise(transcript or ""))
    text = _RUN.sub(lambda m: "".join(DIGIT.get(c, c) for c in m.group(0)), text)
    text = _COUNTED.sub(_counted, text)
    return _GROUPS.sub(_joined, text)


# ---- what the caller hears -------------------------------------------------------------------

SAY_DIGIT = dict(zip("0123456789", "零幺二三四五六七八九"))
TICKET = re.compile(TICKET_NUMBER)
# A phone number as the assistant writes it: real, masked (138****5678) or with an area code.
_ANY_PHONE = re.compile(rf"{PHONE.pattern}|{MASKED_PHONE.pattern}")


def spell(number: str) -> str:
    """A number read digit by digit, in the groups people say it in: 幺三八，幺二三四，五六七八;
    a work-order number WG202611240001 as W G，二零二六，幺幺二四，零零零幺."""
    n = re.sub(r"[\s-]", "", number)
    if TICKET.fullmatch(n.upper()):
        letters, digits = n[:2].upper(), n[2:]
        return f"{letters[0]} {letters[1]}，" + "，".join(_say(digits[i:i + 4]) for i in range(0, len(digits), 4))
    if re.fullmatch(r"1\d{10}|\d{3}\*{4}\d{4}", n):
        groups = [n[:3], n[3:7], n[7:]]
    elif n.startswith("0") and len(n) > 8:
        area = 3 if n[1] in "12" else 4  # 010, 02x: three digits; others four
        rest = n[area:]
        groups = [n[:area]] + [rest[i:i + 4] for i in range(0, len(rest), 4)]
    else:
        groups = [n[i:i + 4] for i in range(0, len(n), 4)]
    return "，".join(_say(g) for g in groups if g)


def _say(digits: str) -> str:
    return "".join(SAY_DIGIT.get(c, "星" if c == "*" else c) for c in digits)


MAX_SENTENCE = 60   # characters of one spoken sentence (before numbers are spelled out)
MAX_CHOICES = 4     # more than this is more than a caller can keep in mind
# Read-back lines the caller must hear ("地点：…", "联系电话：…", "工单号：…"); other lines of a
# read-back (category, department) are on the work order and in the SMS, not on the phone.
SPOKEN_LABELS = ("问题", "地点", "地址", "联系电话", "电话", "回电号码", "工单号", "办理时限")
_LABEL_LINE = re.compile(r"^([\u4e00-\u9fff]{2,6})[：:](.+)$")
_EMOJI = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f\u200d]")
_PAREN = re.compile(r"（[^（）]*）|\([^()]*\)")
_EXAMPLES = re.compile(r"[，,]?\s*(?:比如|例如|如)[“\"][^。！？\n]*")
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
# Other numbers of three digits or more (119, the hotline) are read digit by digit too; not those
# that count (150号, 2026年) or are part of a date or a time.
_NUMBER_RUN = re.compile(r"(?<![\d\-:：.*])\d{3,}(?![\d\-:：.*年月日号幢栋楼室元岁层户天])")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::\d{2})?)?")


def _plain(text: str) -> str:
    text = _EMOJI.sub("", text)
    text = text.replace("【", "").replace("】", "")
    text = _PAREN.sub("", text)
    return _EXAMPLES.sub("", text)


def _trim(sentence: str) -> str:
    """A sentence cut back to its last clause that fits (a caller cannot scroll back)."""
    s = sentence.strip(" ，,、：:")
    if len(s) <= MAX_SENTENCE:
        return s
    cut = max(s.rfind(p, 0, MAX_SENTENCE) for p in "，,、；;：:")
    return (s[:cut] if cut > 10 else s[:MAX_SENTENCE]).rstrip("，,、；;：:") + "。"


def _end(s: str) -> str:
    return s if s[-1:] in "。！？!?" else s + "。"


def _sentences(messages: List[str], titles: List[str]) -> List[str]:
    out = []
    for text in messages:
        for line in _plain(text).split("\n"):
            line = line.strip()
            label = _LABEL_LINE.match(line)
            if label:
                if label.group(1) in SPOKEN_LABELS:
                    out.append(f"{label.group(1)}{label.group(2).strip()}")  # one phrase: 地点柳岸新村5幢
                continue
            for s in _SENTENCE.findall(line):
                s = s.strip()
                # "没问题请点“确认提交”": the spoken choices say that.
                if s and not any(f"“{t}”" in s or f"\"{t}\"" in s for t in titles):
                    out.append(s)
    return [s for s in out if re.search(r"[\w\u4e00-\u9fff]", s)]


def _keep(sentences: List[str]) -> List[str]:
    """The gist (first sentence), every sentence with a number to read out, and the question
    (the last sentence asking something, else the last one); in their order."""
    if len(sentences) <= 2:
        return sentences
    numbered = {i for i, s in enumerate(sentences) if re.search(r"\d{3,}|\d{3}\*{4}", s)}
    labelled = {i for i, s in enumerate(sentences) if s.startswith(SPOKEN_LABELS)}
    asks = [i for i, s in enumerate(sentences) if s.endswith(("？", "?")) or "请问" in s]
    last = asks[-1] if asks else len(sentences) - 1
    return [s for i, s in enumerate(sentences) if i in {0, last} | numbered | labelled]


def _date(m: re.Match) -> str:
    """2026-11-27 17:30 → 11月27日17点30分 (the year is this one or the next: not said)."""
    said = f"{int(m.group(2))}月{int(m.group(3))}日"
    if m.group(4):
        said += f"{int(m.group(4))}点" + (f"{int(m.group(5))}分" if int(m.group(5)) else "")
    return said


def choices_text(choices: List[dict]) -> str:
    """'请说‘确认提交’或按1，说‘取消’或按2。'"""
    if not choices:
        return ""
    parts = [f"说‘{c['title']}’或按{i}" for i, c in enumerate(choices, 1)]
    return "请" + "，".join(parts) + "。"


def spoken(messages: List[str], choices: List[dict], phones: Optional[dict] = None) -> str:
    """The assistant's reply as one short thing to say. `phones`: {masked: real} of this call,
    so the caller hears their own number back in full, digit by digit."""
    titles = [c["title"] for c in choices]
    kept = "".join(_end(_trim(s)) for s in _keep(_sentences(messages, titles)))
    ticket = TICKET.search(kept.upper())
    if ticket:  # a number to write down is said twice
        kept += f"再说一遍，工单号{ticket.group(0)}。"
    return speakable(kept, phones) + choices_text(choices)


def speakable(text: str, phones: Optional[dict] = None) -> str:
    """Numbers as a caller follows them: phone and work-order numbers digit by digit (this call's
    masked numbers in full), other long numbers digit by digit, dates as dates."""
    text = _ANY_PHONE.sub(lambda m: spell((phones or {}).get(m.group(0), m.group(0))), text)
    text = TICKET.sub(lambda m: spell(m.group(0)), text)
    text = _NUMBER_RUN.sub(lambda m: _say(m.group(0)), text)
    return _DATE.sub(_date, _plain(text))


# ---- what the caller picked -------------------------------------------------------------------

_SAID_DIGIT = {"一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PICK = re.compile(r"^(?:第|按|选)?([1-9一幺二两三四五六七八九])(?:个|号|项)?$")


def _bare(text: str) -> str:
    return re.sub(r"[\s，,。.！!？?、‘’“”'\"]", "", normalise(text or ""))


def choice_in(text: str, choices: List[dict]) -> Optional[dict]:
    """The choice a caller's words or key name, or None: '1', '第一个', '确认提交', or its sound
    ('确任提交' heard for 确认提交: the same pinyin)."""
    said = _bare(text)
    if not said or not choices:
        return None
    m = _PICK.match(said)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _SAID_DIGIT[m.group(1)]
        return choices[n - 1] if n <= len(choices) else None
    sound = lazy_pinyin(said)
    found = []
    for i, c in enumerate(choices):
        title = _bare(c["title"])
        at = said.find(title) if title else -1
        if at < 0 and len(title) >= 2:
            at = _sublist(sound, lazy_pinyin(title))
        if at >= 0:
            found.append((at, -len(title), i))
    # "不是的" holds both 不是 and 是的: the one said first is meant.
    return choices[min(found)[2]] if found else None


def _sublist(seq: List[str], part: List[str]) -> int:
    for i in range(len(seq) - len(part) + 1):
        if seq[i:i + len(part)] == part:
            return i
    return -1
