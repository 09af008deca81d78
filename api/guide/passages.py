"""A follow-up the guide answers in a sentence of its own: "备案一次管多久" after the 异地就医备案
guide is told "临时外出就医备案有效期一般不少于6个月…", "多久认证一次 忘了认证会怎样" after the
养老金认证 guide its 12-month period and what happens when it lapses. Such questions name no
aspect the answers know (materials, time, fee…) and no other item; the guide's conditions, steps
and notes hold the answer more often than not.

A sentence is chosen by the question's telling words it holds, each weighted by how rare it is
among the item's sentences (备案 is in all of them; 有效期 in one). How residents ask is not how
guides write, so a few ways of asking add the guide's words for the same thing (多久…一次 → 周期,
忘了 → 超过/未, 垫钱 → 自费). Nothing is made up: the sentences are the guide's own, quoted."""
import math
import re
from typing import List, Set, Tuple

import jieba

from api.guide.answers import ASPECT_CUES
from api.guide.models import ServiceItem

PROVINCES = ("北京|天津|河北|山西|内蒙古?|辽宁|吉林|黑龙江|上海|江苏|安徽|福建|江西|山东|河南|湖北|湖南|广东|广西|海南|重庆|四川|"
             "贵州|云南|西藏|陕西|甘肃|青海|宁夏|新疆")
ELSEWHERE = re.compile(rf"(在|去|到|回)({PROVINCES}|外省|外地|老家|别的省|其他省)")
ELSEWHERE_WORDS = ("外省", "省外", "异地")
# How residents ask → the words a guide uses for the same thing.
SENSES = [
    (re.compile(r"多久|多长时间|多长|几年|几个月|有效|管用"), ("有效期", "周期", "期限", "个月")),
    (re.compile(r"忘了|忘记|没(去|做|办|弄|认证|签注|交|缴|续)|过期|逾期|过了(时间|期限|日子)|晚了|来不及|超过"),
     ("超过", "逾期", "忘记", "暂停", "未")),
    (re.compile(r"便宜|优惠|补(助)?多少"), ("补助", "优惠", "每餐")),
    (re.compile(r"垫钱|垫付|先付|自己(付|出钱|掏钱)|自费|回来报"), ("自费", "垫付", "手工报销")),
    (re.compile(r"帮(他|她|我|老人|爸|妈)|替(他|她|我)|子女|儿子|女儿|家人|家属"), ("代办", "子女", "家属", "家人")),
    (re.compile(r"单位|厂里|公司|自己(去)?(办|申请|弄|跑)|谁(来|去)?(办|申请|弄)|(要|得)(我|我们)(自己)?去"),
     ("单位", "经办", "本人", "家属")),
    (re.compile(r"加急|快点|当天|当场|马上|急用|急着"), ("当场", "即时", "当天", "立等", "加急", "急用")),
    (re.compile(r"归谁|抚养|跟谁"), ("抚养",)),
    (re.compile(r"老婆|老公|爱人|媳妇|丈夫|妻子"), ("配偶",)),
    (re.compile(r"(交|缴)(满)?(几|多少)年|(几|多少)年(的)?社保"), ("缴费年限", "累计缴费", "缴费满", "年限")),
    (re.compile(r"社保"), ("社会保险",)),
    (re.compile(r"两个人|俩人|双方|都要去|都得去|一起去"), ("双方", "一方", "到场")),
    (re.compile(r"谁(去|来)?(领|拿)"), ("一人", "领取人", "代领")),
    (re.compile(r"(都|已经).{0,4}(个月|天|年)了|还能(上|办|报|补)"), ("超过", "仍可", "逾期")),
    (re.compile(r"家里|自己家|住的房子"), ("住宅", "住房")),
    (re.compile(r"平米|平方|面积|多大"), ("平方米", "面积")),
    (re.compile(r"(啥|什么)时候(开始)?(能用|生效|享受|有效|起)|开始能用"), ("享受", "待遇", "生效", "次年", "之日起", "当月")),
    # "我以前在江苏也交过几年": contributions or residence in another province.
    (ELSEWHERE, ELSEWHERE_WORDS),
    (re.compile(r"直接(结算|报|刷)|刷卡"), ("直接结算",)),
    (re.compile(r"退休金|养老金|能拿多少|拿多少"), ("核定",)),
    # What a benefit may be spent on ("能拿来请保姆伐"): what the guide says it is for, or not.
    (re.compile(r"拿来|用来|用在|能(买|请|用|换)|请(保姆|护工|人)|保姆|护工|钟点工|换(成)?(现金|钱)"),
     ("用于", "购买", "不发现金", "不能转让", "只能")),
]
# Words that ask, or say who asks: no sentence is chosen for holding them.
ASKING_WORDS = set("""
请问 问问 想问 一下 怎么 怎么样 怎样 如何 什么 多少 可以 能不能 是不是 还是 要不要 需要 需不需要 的话 会不会 这个 那个
我们 你们 他们 自己 一个 一次 一个月 每个月 个月 以后 之后 以前 现在 时候 已经 还要 就是 知道 这边 那边 办理 办事 问题 情况 事情 东西 时间 怎么办 有没有
""".split())
CUES = {c for _, cues in ASPECT_CUES for c in cues}
# Two characters or more, one of them Chinese, not ending in a particle ("养的"): "18" in a phone
# number is no point of a guide.
WORD = re.compile(r"^(?=.*[\u4e00-\u9fff])[\u4e00-\u9fffA-Za-z0-9]{2,}(?<![的了吗呢吧啊着过地得])$")
# A sentence is quoted when its words weigh this much: one word in about a quarter of the guide's
# sentences or fewer, or two commoner ones.
ENOUGH = 1.2
# A point of the guide: a word in at most this share of its sentences.
POINT = 1 / 3
LONGEST = 6   # characters in a word of the question looked for in the guide
MOST = 2      # sentences quoted: more and the one that answers is lost again


def sentences(item: ServiceItem) -> List[str]:
    """The guide's own sentences that may answer a follow-up: conditions, steps, notes."""
    out = [item.summary, *item.conditions, *item.steps]
    out += [f"{m['name']}：{m['notes']}" for m in item.materials if m.get("notes")]
    if item.hours_note:
        out.append(item.hours_note)
    return [s for s in out if s]


def _own_words(t: str, pool: List[str], names: List[str]) -> Set[str]:
    """The question's words the guide also uses, longest first at each place ("冷静期要多久" →
    冷静期). Words that ask, the aspects' cues (多久, 材料: the answers tell those) and the item's
    own name (离婚 in 离婚登记's guide) tell no sentence from another."""
    # Words start and end where jieba's do: "浙里办上" holds no 里办.
    bounds, at = {0}, 0
    for token in jieba.cut(t, HMM=False):
        at += len(token)
        bounds.add(at)
    words, i = set(), 0
    while i < len(t):
        n = next((n for n in range(min(LONGEST, len(t) - i), 1, -1)
                  if i in bounds and i + n in bounds and WORD.match(t[i:i + n]) and any(t[i:i + n] in s for s in pool)), 1)
        w = t[i:i + n]
        if n > 1 and w not in ASKING_WORDS and w not in CUES and not any(w in name for name in names):
            words.add(w)
        i += n
    return words


def _words(text: str, pool: List[str], names: List[str]) -> List[str]:
    """The question's own words in the guide, and the guide's words for how it asks."""
    t = _prepared(text)
    words = _own_words(t, pool, names)
    for asked, said in SENSES:
        if asked.search(t):
            words.update(w for w in said if any(w in s for s in pool))
    return sorted(words)


def _prepared(text: str) -> str:
    return (text or "").lower().replace("伐", "吗")


def names_a_point(item: ServiceItem, question: str) -> bool:
    """The question names a point of the guide in its own words (冷静期, 到场), one a few of its
    sentences hold: "冷静期要多久" asks about that, not how long the item takes to be done."""
    pool = sentences(item)
    return any(sum(w in s for s in pool) <= len(pool) * POINT
               for w in _own_words(_prepared(question), pool, [item.name]))


def said_in_guide(item: ServiceItem, question: str) -> List[str]:
    """The guide's sentences (at most two, in the guide's order) that answer the question, or none.
    A second one must answer words of the question the first does not hold."""
    pool = sentences(item)
    words = _words(question, pool, [item.name])
    if not pool or not words:
        return []
    weight = {w: math.log((len(pool) + 1) / (0.5 + sum(w in s for s in pool))) for w in words}

    def held(s: str) -> Tuple[float, frozenset]:
        got = frozenset(w for w in words if w in s)
        return sum(weight[w] for w in got), got

    ranked = sorted(((*held(s), i) for i, s in enumerate(pool)), key=lambda r: (-r[0], r[2]))
    best_score, best_words, best_i = ranked[0]
    if best_score < ENOUGH:
        return []
    chosen = [best_i]
    for score, got, i in ranked[1:]:
        if score >= ENOUGH and sum(weight[w] for w in got - best_words) >= ENOUGH:
            chosen.append(i)
            break
    return [pool[i] for i in sorted(chosen)][:MOST]
