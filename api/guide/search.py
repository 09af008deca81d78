"""Catalogue search: free resident text → ranked service items with scores in [0, 1].

Each item is indexed by its name, aliases (old and folk names) and keywords (indirect
descriptions). A term matches the query
  - literally, after normalisation (simplified characters, half-width digits, numbers as
    Chinese numerals so '85岁' meets the keyword '八十'),
  - by sound: the same toneless pinyin syllables (居住正 → 居住证, 低宝 → 低保),
  - or partly: the share of the term found in the query (typos, partial names).
When the part of the question one item explains lies inside what another item explains
(居住证 inside 居住证签注, or inside 居住证 + 到期 + 续签), the fuller explanation wins.
"""
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import cn2an
import jieba
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.guide.models import ServiceItem
from api.guide.terms import derived_terms, strip_verb
from shared.redact import without_numbers
from shared.textnorm import clean, normalise

WEIGHT = {"name": 1.0, "alias": 0.95, "keyword": 0.8}
SOUND_FACTOR = 0.9       # a homophone is almost as good as the right characters
PARTIAL_FACTOR = 0.8     # partial or misspelt names count for less
GAP = 2                  # characters between a name's words, in order ("怎么")
LITTLE_WORDS = set("不没的了是在有也就都还吗呢吧啊呀")
INSIDE_FACTOR = 0.8      # the question is only part of a name
SUBSUMED_FACTOR = 0.4    # a match inside another item's longer match
CONFIDENT = 0.7          # top score needed to answer without asking
MARGIN = 0.15            # ... and its lead over the runner-up
CANDIDATE = 0.5          # lowest score worth offering as a choice
# What happened to a card or a certificate says which item is meant (补领, 换领, 签注). Residents
# tell it apart from the document ("结婚证搬家的时候弄丢了"); it is read as if told next to it.
LOST_WORDS = r"(弄|搞|给|被)?(丢|遗失|掉)了|找不(到|着)了|(放|塞|搁)(到)?哪(去|儿|里)?了"
LOST = re.compile(LOST_WORDS)
STATE = re.compile(LOST_WORDS + r"|(快|要|已经|马上)?(到期|过期)了?|(磨|折|弄)?坏了|损坏了?")
DOCUMENT = re.compile(r"..*(证|卡|本|簿|照)$")   # a name or an alias that is a document
# Said just before a document or a status the resident already has (办了二级残疾证, 我家是低保户).
# ("听人讲有居住证以后…" holds none: 有 needs someone who has it.)
POSSESSED = re.compile(r"(办了|办好了|(我|我们|他|她|他们|我家|家里|本人|自己|户口|户籍)(也|都)?(已经|早就)?有|拿了|拿到了|持有?|领了)"
                       r"(个|张|本|一个|一张)?([一二三四]级)?$")
# … or a document to bring along ("小孩子办身份证…要带户口本吗"): what another item asks for.
BROUGHT = re.compile(r"(带|拿|带上|拿上|准备|提供)(个|张|本)?$")
# … or the register a person is to be put on ("挂我家户口本上"): where, not what.
ONTO = re.compile(r"((挂|落|写)(到|在|进)?|(迁|登记|上)(到|在|进))(我|我们|你|他|她|他们)?(家|家里)?(的)?$")
POSSESSED_FACTOR = 0.5  # below CANDIDATE: no longer offered as a choice
ASKS_AFTER = 4          # characters after "我是…的" that ask something of their own
AGE = re.compile(r"(满|今年|已经)?[一二三四五六七八九十百]+(岁|周岁|多)?")
# A benefit or a document the question names: "独生子女奖励金", not "什么补贴".
NAMED_BENEFIT = re.compile(r"([\u4e00-\u9fff]{2,6}?)(奖励金|奖励费|奖励|补助金|扶助金|补贴|津贴)")
GENERIC = re.compile(r"什么|啥|哪些|有没有|这个|那个|这种|那种|每个月|每月|一个月|听说|[有的月了我你他她们家就都还也]")
NAMES_IT = 3  # characters of its own a benefit's name needs ("独生子女奖励金"; not "长寿补贴")
# A benefit asked of a document's holders (残疾人证 → 残疾补贴).
BENEFIT = re.compile(r"补贴|补助|津贴|(有|啥|什么)(好处|优惠|待遇)|(能|可以)(拿|领)(到)?钱")
APART = 16               # at most this many characters between a document and its state


def _runs(positions: Set[int]) -> List[Tuple[int, int]]:
    """(first, last) of each run of consecutive positions."""
    out: List[Tuple[int, int]] = []
    for p in sorted(positions):
        if out and p == out[-1][1] + 1:
            out[-1] = (out[-1][0], p)
        else:
            out.append((p, p))
    return out


def _syllables(text: str) -> List[str]:
    """One pinyin syllable (or the character itself) per character of `text`."""
    return lazy_pinyin(text, errors=lambda chunk: list(chunk))


DECADE = re.compile(r"([一二三四五六七八九])十年代")


# Digits no age or count is written with: left as they are (cn2an takes seconds over a long run).
LONG_NUMBER = re.compile(r"(\d{9,})")


def _in_words(t: str) -> str:
    """'85岁' → '八十五岁', so digits meet keywords written in characters."""
    try:
        return cn2an.transform(t, "an2cn")
    except Exception:  # cn2an rejects some mixed strings; the plain text still works
        return t


def prepare_query(text: str) -> str:
    t = normalise(clean(without_numbers(text)))
    t = "".join(p if LONG_NUMBER.fullmatch(p) else _in_words(p) for p in LONG_NUMBER.split(t))
    # "八十年代盖的房子" is no one's age (八十 → 高龄津贴): said as "八零年代".
    return re.sub(r"\s+", "", DECADE.sub(r"\1零年代", t))


@dataclass
class Term:
    text: str
    kind: str
    syl: List[str] = field(default_factory=list)
    words: List[str] = field(default_factory=list)  # its content words (2+ characters)
    in_order: Optional[re.Pattern] = None  # a name's or alias's words in order, GAP apart


@dataclass
class Match:
    code: str
    name: str
    score: float
    term: str
    how: str
    kind: str = ""
    covered: Set[int] = field(default_factory=set)  # query positions explained by this item


SEP = "\x00"  # between syllables; clean() leaves no control character in a query


class Sounds:
    """A query's syllables, searchable as one string: a long message (2,000 characters) is
    searched for every name's sound, so a slice-by-slice comparison in Python is too slow."""

    def __init__(self, text: str):
        syl = _syllables(text)
        self.joined = SEP + SEP.join(syl) + SEP
        self.index, at = {}, 0
        for i, s in enumerate(syl):
            self.index[at] = i
            at += len(s) + 1

    def find(self, needle: List[str]) -> Optional[int]:
        """Where the syllables `needle` start in the query, or None."""
        at = self.joined.find(SEP + SEP.join(needle) + SEP)
        return None if at < 0 else self.index[at]


def _longest_common(a: str, b: str) -> Tuple[int, int]:
    """Length of the longest substring of `a` found in `b`, and where it starts in `b`."""
    best, where = 0, -1
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            pos = b.find(a[i:j])
            if pos < 0:
                break
            best, where = j - i, pos
    return best, where


def _spans(q: str) -> List[Tuple[int, int]]:
    """The query's dictionary words (jieba, no guessing at unknown ones: "柯基要") of three
    characters or more, as (start, end)."""
    out, at = [], 0
    for w in jieba.cut(q, HMM=False):
        if len(w) >= 3:
            out.append((at, at + len(w)))
        at += len(w)
    return out


def _find_word(word: str, q: str, spans: List[Tuple[int, int]]) -> int:
    """Where `word` stands as a word of the query, not as the stem of a longer one (护理 in 护理员),
    or -1; a word in a compound (农村 in 农村户口) stands."""
    at = q.find(word)
    while at >= 0:
        if not any(a <= at and at + len(word) <= b and b - a == len(word) + 1 for a, b in spans):
            return at
        at = q.find(word, at + 1)
    return -1


def _match_term(term: Term, q: str, sounds: Sounds, spans: List[Tuple[int, int]] = ()) -> Optional[Tuple[float, str, Set[int]]]:
    """(score, how, query positions covered) or None. sounds: Sounds(q); spans: _spans(q)."""
    w = WEIGHT[term.kind]
    pos = q.find(term.text)
    if pos >= 0:
        return w, "text", set(range(pos, pos + len(term.text)))
    # By sound: a misspelt name (低包 for 低保); a two-character keyword's sound is too common
    # ("合理" sounds like the keyword "河里").
    if len(term.text) >= (3 if term.kind == "keyword" else 2):
        pos = sounds.find(term.syl)
        # "户口不在这里" is no 户口簿: a little word sounding like a name's character is that word.
        if pos is not None and not any(a != b and a in LITTLE_WORDS for a, b in zip(q[pos:pos + len(term.text)], term.text)):
            return w * SOUND_FACTOR, "sound", set(range(pos, pos + len(term.text)))
    if len(term.words) >= 2 and term.kind == "keyword":
        # 居住证快到期 meets 居住证到期了: every content word present, in any order, each as a word
        # ("学养老护理员 有没有补贴" holds 护理 and 补贴, not 护理补贴).
        found = [_find_word(x, q, spans) for x in term.words]
        if all(p >= 0 for p in found):
            return w * SOUND_FACTOR, "words", {i for x, p in zip(term.words, found) for i in range(p, p + len(x))}
    elif term.in_order is not None:
        m = term.in_order.search(q)
        if m:
            return w * SOUND_FACTOR, "words", set(range(m.start(), m.end()))
    if term.kind == "keyword":
        return None
    if len(q) >= 2 and q in term.text and strip_verb(q) == q:
        # The whole question is a fragment of a name (医保): a hint at every item so named.
        return w * INSIDE_FACTOR, "inside", set(range(len(q)))
    if len(term.text) >= 3:
        # Share of the name present in the query, or a near-miss spelling of a longer name.
        length, _ = _longest_common(term.text, q)
        share = length / len(term.text)
        near = fuzz.partial_ratio(term.text, q) / 100 if len(q) >= len(term.text) >= 4 else 0.0
        part = max(share if share >= 0.5 else 0.0, near if near >= 0.8 else 0.0)
        if part:
            return w * PARTIAL_FACTOR * part, "partial", set()  # weak evidence: explains nothing
    return None


@dataclass
class Entry:
    """Anything findable by words: a service item, an incident category."""
    code: str
    name: str
    aliases: List[str] = field(default_factory=list)
    keywords: List[str] = field(default_factory=list)


class TermIndex:
    def __init__(self, entries: List[Entry]):
        self.items: Dict[str, Tuple[str, List[Term]]] = {}
        for e in entries:
            # Numbers as the query has them ("4050社保补贴" meets "4050人员" read as 四千零五十).
            terms = [Term(prepare_query(e.name), "name")]
            terms += [Term(prepare_query(a), "alias") for a in e.aliases]
            terms += [Term(prepare_query(k), "keyword") for k in e.keywords]
            for t in terms:
                t.syl = _syllables(t.text)
                t.words = [x for x in jieba.cut(t.text) if len(x) >= 2]
                if t.kind != "keyword" and len(t.words) >= 2:
                    # A question word between a name's words ("养老金怎么认证" says 养老金认证);
                    # further apart they may be about other things ("老人有什么补贴").
                    t.in_order = re.compile(f".{{0,{GAP}}}".join(map(re.escape, t.words)))
            self.items[e.code] = (e.name, [t for t in terms if t.text])
        # Each item's documents, longest first (身份证 before 证).
        self.documents: Dict[str, List[str]] = {
            code: sorted({t.text for t in terms if t.kind in ("name", "alias") and DOCUMENT.match(t.text)}, key=len, reverse=True)
            for code, (_, terms) in self.items.items()}
        self._all_documents = sorted({d for ds in self.documents.values() for d in ds}, key=len, reverse=True)

    def state_beside_document(self, q: str) -> str:
        """The query with a document's state moved next to it: "结婚证搬家的时候弄丢了要补一个" →
        "结婚证弄丢了搬家的时候要补一个"."""
        state = STATE.search(q)
        if not state:
            return q
        # A loss told any way ("找不着了", "塞哪去了") is told as the catalogue's words have it.
        said = "丢了" if LOST.fullmatch(state.group()) else state.group()
        for d in self._all_documents:
            end = q.find(d) + len(d)
            if len(d) <= end <= state.start() <= end + APART:
                return q[:end] + said + q[end:state.start()] + q[state.end():]
        return q

    def said_of(self, code: str, text: str) -> Optional[Tuple[str, List[Match]]]:
        """A follow-up that names nothing, read as said of the item under discussion's document:
        a state ("快到期了咋办" after the 居住证 guide: 居住证签注) or a benefit ("办了以后每个月有补贴伐"
        after the 残疾人证 guide: 残疾补贴). The confident decision, if that gives one."""
        docs = self.documents.get(code)
        q = prepare_query(text)
        benefit = BENEFIT.search(q)
        if not docs or not (STATE.search(q) or benefit):
            return None
        # Its document as plainly named: the one inside most of its names (结婚证, not 扯证).
        doc = max(docs, key=lambda d: (sum(d in o for o in docs), -len(d), d))
        if STATE.search(q):
            status, chosen = decide(self.search(doc + text))
            return (status, chosen) if status == "confident" else None
        for word in dict.fromkeys([benefit.group(), "补贴"]):
            status, chosen = decide(self.search(doc[:-1] + word))
            # Another item, named outright: not the document itself again (户口簿 …补贴).
            if status == "confident" and chosen[0].code != code and named(chosen[0]):
                return status, chosen
        return None

    def search(self, text: str, limit: int = 5) -> List[Match]:
        q = self.state_beside_document(prepare_query(text))
        if not q:
            return []
        sounds, spans = Sounds(q), _spans(q)
        best: Dict[str, Match] = {}
        keyword_hits: Dict[str, int] = {}
        for code, (name, terms) in self.items.items():
            for t in terms:
                m = _match_term(t, q, sounds, spans)
                if not m:
                    continue
                score, how, covered = m
                if t.kind == "keyword":
                    keyword_hits[code] = keyword_hits.get(code, 0) + 1
                cur = best.get(code)
                if cur is None:
                    cur = best[code] = Match(code, name, score, t.text, how, t.kind)
                elif score > cur.score:
                    cur.score, cur.term, cur.how, cur.kind = score, t.text, how, t.kind
                cur.covered |= covered
        matches = list(best.values())
        for m in matches:
            # Several indirect hints together are stronger than one.
            extra = min(keyword_hits.get(m.code, 0), 3) - 1
            if extra > 0:
                m.score = min(1.0, m.score + 0.05 * extra)
        self._prefer_fuller(matches)
        self._discount_possessed(q, matches)
        self._discount_age_beside_a_name(q, matches)
        matches.sort(key=lambda m: (-m.score, m.name))
        return matches[:limit]

    @staticmethod
    def _discount_possessed(q: str, matches: List[Match]) -> None:
        """A document the resident already has or is to bring, or a household status they hold
        ("办了二级残疾证", "要带户口本吗", "我家是低保户"), tells who asks or with what, not what is
        asked: it gives way to another item the question finds."""
        for m in matches:
            if not (named(m) and m.covered):
                continue
            # ("家里每年有优待金" tells of a benefit, not of one held: only a document is held)
            document = bool(DOCUMENT.match(m.term))
            runs = _runs(m.covered)
            held = [(a, b) for a, b in runs
                    if (document and (POSSESSED.search(q[:a]) or BROUGHT.search(q[:a]) or ONTO.search(q[:a])))
                    or (q[:a].endswith("是") and q[b + 1:].startswith("户"))
                    # "…能不能给我老婆孩子用 她们是居民医保": what someone is, said last
                    or (q[:a].endswith("是") and not q[:a].endswith("的是") and b + 1 == len(q))]
            held_at = {p for a, b in held for p in range(a, b + 1)}
            # "我是企业退休的 独生子女父母奖励怎么领": who asks, and the question is what follows.
            who = any(q[:a].endswith("是") and q[b + 1:].startswith("的") and len(q) - b - 2 >= ASKS_AFTER
                      for a, b in runs)
            if who or (held and any(o is not m and o.score >= CANDIDATE and not (o.covered & held_at) for o in matches)):
                m.score *= POSSESSED_FACTOR

    @staticmethod
    def _discount_age_beside_a_name(q: str, matches: List[Match]) -> None:
        """An age found as a keyword ("满六十" → 老年人优待证) says who asks; beside a benefit the
        question names itself ("独生子女奖励金", no item of the catalogue) it is not what is asked.
        "我爸八十五了 有什么补贴" names none: the age is all there is to go on."""
        for m in matches:
            if m.kind != "keyword" or not m.covered:
                continue
            if not all(AGE.fullmatch(q[a:b + 1]) for a, b in _runs(m.covered)):
                continue
            if any(not (m.covered & set(range(*x.span()))) and len(GENERIC.sub("", x.group(1))) >= NAMES_IT
                   for x in NAMED_BENEFIT.finditer(q)):
                m.score *= POSSESSED_FACTOR

    @staticmethod
    def _prefer_fuller(matches: List[Match]) -> None:
        """An item whose explained part of the question is strictly inside another strong
        item's explained part loses to it."""
        strong = [m for m in matches if m.covered and m.score >= CANDIDATE]
        for m in matches:
            # A document named on its own is part of a strong item's name that the rest of the
            # question also hints at: "居主证办了快一年了 要去签注" is 居住证签注, not 居住证申领.
            if m.kind in ("name", "alias") and m.covered:
                for o in strong:
                    if o is not m and m.term in o.name and not (o.covered & m.covered):
                        o.covered |= m.covered
        for m in matches:
            if m.covered and any(o is not m and m.covered < o.covered for o in strong):
                m.score *= SUBSUMED_FACTOR


class CatalogueIndex(TermIndex):
    """The service catalogue, with the names derived from residents' aliases (api.terms)."""

    @classmethod
    def from_db(cls, session: Session) -> "CatalogueIndex":
        items = session.scalars(select(ServiceItem)).all()
        extra_aliases, extra_keywords = derived_terms(items)
        return cls([Entry(it.code, it.name, [*it.aliases, *extra_aliases.get(it.code, [])],
                          [*it.keywords, *extra_keywords.get(it.code, [])]) for it in items])


def named(m: Match) -> bool:
    """Named outright (a name or an alias, as written or as it sounds), not only hinted at."""
    return m.kind in ("name", "alias") and m.how in ("text", "sound")


# A question, as residents ask one: a question word, or a question particle at the end (伐 is Wu's 吗).
QUESTION = re.compile(r"[吗呢么伐不没?？][啊呀哦]?\s*$|怎么|咋|如何|怎样|哪里|哪儿|在哪|去哪|什么|啥|多少|多久|(要|得)几天|"
                      r"能不能|可不可以|是不是|要不要|有没有|[能可会要].{0,8}[吗伐][\s，,。？?]")


def asks_about_item(index: "TermIndex", text: str) -> bool:
    """A question about an item the catalogue finds, or about one of a few it offers ("两个人都同意离
    要带点啥去办", "养老金要认证了 她住养老院躺床上出不来 咋弄")."""
    return asks_about(decide(index.search(text))[0], text)


def asks_about(status: str, text: str) -> bool:
    """asks_about_item, with the catalogue's decision on the text already made."""
    return status in ("confident", "ambiguous") and asks(text)


def asks(text: str) -> bool:
    # Spaces kept: residents end a clause with one ("当天能拿到伐 我过两天要去配药").
    return bool(QUESTION.search(re.sub(r"\s+", " ", normalise(clean(text)))))


# Asked as a choice ("厂里办还是自己办", "孩子归谁", "民政局管不管", "他的工资算不算进去") …
ASKS_WHICH = re.compile(r"还是|谁|(\w)不\1")
# … or how many ("要交满几年", "管几年", "几点开饭"; "在江苏也交过几年" tells).
HOW_MANY_ASKED = re.compile(r"(?<![过了好这那前后十])几(年|次|个月|个|岁|点|号|天|回|张|份|趟)")


def asks_anything(text: str) -> bool:
    """A question however asked, after a guide: asks()'s, a choice or how many. (asks() alone
    decides first messages: "不知道谁家的狗" there is no question.)"""
    return bool(asks(text) or ASKS_WHICH.search(text) or HOW_MANY_ASKED.search(text))


def decide(matches: List[Match]) -> Tuple[str, List[Match]]:
    """'confident' (one item), 'ambiguous' (ask which) or 'unknown' (say so honestly)."""
    top = [m for m in matches if m.score >= CANDIDATE]
    if not top:
        return "unknown", []
    if top[0].score >= CONFIDENT and (len(top) == 1 or top[0].score - top[1].score >= MARGIN
                                      or (named(top[0]) and not any(named(m) for m in top[1:]))):
        # Clearly ahead, or the only item the resident named (the others are only hinted at).
        return "confident", top[:1]
    close = [m for m in top if top[0].score - m.score < MARGIN * 2]
    if len(close) == 1:
        return ("confident" if top[0].score >= CONFIDENT else "ambiguous"), close
    return "ambiguous", close[:5]
