"""Personal data in what residents type: masked before a conversation is stored, and taken out
altogether from the text the public sees.

- mask_personal: phone numbers become 139****5678 (the resident still recognises their number,
  the real one stays in the backend's phone vault), ID numbers become asterisks and are never kept.
- public_text: a description fit for Open311 and for strangers asking about a work order: no
  phone or ID numbers, no names the resident gave, no flat or room numbers; the problem and the
  general place stay.
- mask_for_review: what admins read in the review inbox (and what their labels train on): phone
  and ID numbers masked, names the resident gave replaced by asterisks, everything else kept.
"""
import re
from typing import Dict, Tuple

from shared.patterns import MASKED_PHONE, PHONE, mask

# 18-digit 身份证号 (last character may be X), not part of a longer number.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")
ID_MASK = "*" * 18


def mask_personal(text: str) -> Tuple[str, Dict[str, str]]:
    """(the text with phone and ID numbers masked, {masked phone: real phone})."""
    phones: Dict[str, str] = {}
    text = ID_NUMBER.sub(ID_MASK, text or "")  # first: an ID number contains phone-like digit runs

    def _phone(m: re.Match) -> str:
        real = m.group(1).replace("-", "")
        masked = mask(real)
        phones[masked] = real
        return masked

    return PHONE.sub(_phone, text), phones


def without_numbers(text: str) -> str:
    """The text with phone and ID numbers (clear or masked) left out: to read what is asked,
    where "电话136****9999" must not count as 九十九 (an age) or an amount."""
    masked, _ = mask_personal(text)
    return re.sub(rf"{MASKED_PHONE.pattern}|\*{{18}}", " ", masked)


_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
             "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_HONORIFIC = "先生|女士|小姐|阿姨|大爷|大妈|大姐|大哥|师傅|老师|奶奶|爷爷|叔叔|老伯|阿婆"
_CN = r"[\u4e00-\u9fa5]"
_STOP = r"(?=[，,。；;！!？?\s、]|$)"
_LABEL = r"(?:我的|本人)?(?:联系)?(?:电话|手机|手机号|号码|联系方式|身份证|身份证号)(?:号码|号)?(?:是|为|:|：)?\s*"
_RULES = [
    # 电话13912345678 / 139****5678 / 身份证号…: the number and what introduces it.
    re.compile(rf"{_LABEL}(?:{PHONE.pattern}|{MASKED_PHONE.pattern}|{ID_NUMBER.pattern}|\*{{18}})"),
    PHONE, MASKED_PHONE, ID_NUMBER, re.compile(r"\*{18}"),
    # 我是302的张三 / 我叫李四 / 本人王五: a name (2-4 characters) the resident gave, with its flat.
    # Bounded, and each repeat ends in its unit: "(\d+)*\d*" would try every split of a digit run
    # ("我是" + 25 digits took 22 s).
    re.compile(rf"(?:我|本人)(?:是|叫|姓)?\s*(?:\d{{1,5}}(?:号楼|幢|栋|座|单元|室|号)){{0,4}}\d{{0,5}}的?\s*{_CN}{{2,4}}{_STOP}"),
    re.compile(rf"(?:我|本人)(?:叫|姓){_CN}{{1,3}}"),
    # 张先生 / 王阿姨 / 李女士
    re.compile(rf"[{_SURNAMES}](?:{_HONORIFIC})"),
    # 302室 / 5幢302 / 3号楼502 / 302的: the flat, not the building.
    re.compile(r"(?<!\d)\d{3,4}(?:室|房间|号房|房)"),
    re.compile(r"(?<=[幢栋座楼元])\s*\d{3,4}(?!\d)(?:号)?"),
    re.compile(r"(?<!\d)\d{3,4}(?=的)"),
]
_PUNCT = re.compile(r"[，,；;、]\s*(?=[，,。；;！!？?、]|$)")


def public_text(text: str) -> str:
    """What the resident typed, without the people in it (see the module's docstring)."""
    out = text or ""
    for rule in _RULES:
        out = rule.sub("", out)
    out = re.sub(r"(?<=[，,。；;！!？?])\s*的\s*", "", out)  # 的 left behind by a removed flat number
    prev = None
    while prev != out:
        prev, out = out, _PUNCT.sub("", out)
    out = re.sub(r"^[\s，,。；;、]+", "", out).strip()
    return out


# Names for mask_for_review: the same cues as public_text's rules, but only the name itself is
# starred, so the sentence still reads ("我叫张三，楼下漏水" → "我叫**，楼下漏水") and admins can label it.
# "我是" alone introduces a name only when a surname follows ("我是王芳，" but not "我是外地人，").
_NAME_CUES = [
    re.compile(rf"(?:我叫|本人叫|名字叫|名字是|姓名[:：是]?|联系人(?:是|为|:|：)?)\s*(?!什么|啥|电话|手机|方式|号码)({_CN}{{2,3}}?)"
               rf"(?=[，,。；;！!？?\s、想要住在家的电手0-9]|$)"),
    re.compile(rf"(?:(?<=我姓)|(?<=本人姓))({_CN})"),
    re.compile(rf"(?:我是|本人是|本人)(?:\d{{1,5}}(?:号楼|幢|栋|座|单元|室|号)){{0,4}}\d{{0,5}}的?\s*"
               rf"([{_SURNAMES}]{_CN}{{1,2}}?){_STOP}"),
    re.compile(rf"([{_SURNAMES}])(?:{_HONORIFIC})"),
]


def mask_names(text: str) -> str:
    """Names a resident typed, starred one star a character: 我叫张三 → 我叫**, 王阿姨 → *阿姨."""
    out = text or ""
    for rule in _NAME_CUES:
        out = rule.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)] + "*" * len(m.group(1))
                       + m.group(0)[m.end(1) - m.start(0):], out)
    return out


def mask_for_review(text: str) -> str:
    """Phones, ID numbers and names masked (see the module's docstring)."""
    return mask_names(mask_personal(text)[0])
