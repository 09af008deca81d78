"""Addresses and places in residents' own words, found anywhere in a message (up to thousands
of characters): '柳岸新村6幢2单元楼下', '文昌路150号门口', 'A2区桂花坪街道景蓉华苑'.

Rule-based, no model: spaCy's blank Chinese pipeline segments with jieba and an EntityRuler
marks the pieces (known places of the district, names ending in 小区/苑/路/村 …, building
numbers, 门口/楼下 …); adjacent pieces are then joined into one address. The district's place
names are passed in (the backend reads them from the places directory; the Rasa process from
the jieba dictionary generated from it), never written here. Shared by the backend and the
Rasa process; one pipeline per process and per set of names (cached).
"""
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, List, Tuple

from shared.textnorm import normalise

# A grid's area as the directory writes it: 柳岸新村1-12幢, 文昌路121-260号.
_RANGE = re.compile(r"^(?P<base>.+?)\d+-\d+(幢|栋|号)$")
_REGION_SUFFIX = ("社区", "街道")
_NUM = "0-9一二三四五六七八九十百零两"
# Building parts: strong ones locate a door on their own (6幢2单元), weak ones only after a place.
_STRONG_UNITS = ["幢", "栋", "号楼", "单元", "室"]
_WEAK_UNITS = ["号", "楼", "层", "组", "弄", "区", "期", "号院", "排"]
# Words that place something relative to an address.
_RELATIVE = ["附近", "旁边", "旁", "门口", "大门口", "楼下", "楼上", "对面", "边上", "周边", "里面", "内",
             "东门", "西门", "南门", "北门", "正门", "后门", "侧门", "路口", "交叉口", "十字路口", "路段",
             "一带", "地下室", "车库", "地下车库", "楼道", "入口", "出口"]
# A name followed by one of these is a place: estates, roads, villages, landmarks.
_ESTATES = ["小区", "新村", "花园", "家园", "公寓", "苑", "名苑", "华苑", "花苑", "山庄", "大厦", "广场", "公馆",
            "新城", "城", "华府", "湾", "庭", "安置区", "宿舍", "宿舍区", "小镇"]
_ROADS = ["路", "街", "巷", "大道", "大街", "直街", "弄", "东路", "西路", "南路", "北路", "中路", "公路"]
_VILLAGES = ["村", "屯", "寨"]
_LANDMARKS = ["菜场", "菜市场", "农贸市场", "市场", "超市", "商场", "公园", "学校", "小学", "中学", "幼儿园", "医院",
              "卫生院", "车站", "汽车站", "火车站", "地铁站", "公交站", "桥", "大桥", "广场", "酒店", "宾馆",
              "工业园", "园区", "厂", "工地", "河", "湖", "绿道", "银行", "加油站"]
_ADMIN = ["省", "市", "区", "县", "镇", "乡", "街道", "社区", "开发区", "新区"]
# Not names: what stands before 小区/路 … without naming one (我们小区, 这条路, 马路).
_NOT_NAMES = {"我们", "我家", "我", "你们", "他们", "她们", "咱们", "大家", "这个", "那个", "这", "那", "该", "本",
              "各", "每个", "整个", "所在", "所有", "一些", "很多", "附近", "周边", "这条", "那条", "这些", "那些",
              "其他", "其它", "全", "新", "老", "旧", "小", "大", "在", "住", "的", "是", "了", "和", "与", "及",
              "到", "从", "去", "往", "回", "有", "没有", "个", "条", "一条", "多个", "城市", "农村", "乡村",
              "上", "下", "进", "出", "由", "对", "为", "被", "把", "给", "向", "至", "就", "都", "也", "还", "又",
              "一个", "哪个", "什么", "怎么", "如何", "为什么", "目前", "现在", "今年", "去年", "当地", "本地", "外地",
              "主要", "公共", "市区", "城区", "乡镇", "各个", "代表", "现任", "开放性", "高档", "中高档", "老旧", "住宅",
              "居民", "业主", "物业", "周围", "以及", "或者", "而且", "但是", "因为", "所以"}
_NOT_PLACES = {"马路", "道路", "公路", "铁路", "线路", "网路", "思路", "出路", "套路", "电路", "水路", "马路边",
               "高速公路", "街道", "大街", "小区", "社区", "市场", "学校", "公园", "医院", "城市", "城区",
               "农村", "乡村", "新村", "花园", "广场", "村里", "村民", "村委", "村委会", "市区", "全市", "全区", "本市",
               "本区", "我市", "我区", "我县", "该市", "该区", "该县", "省市", "市县", "县市", "地区", "小区里",
               "城乡", "一路", "上路", "下路", "走路", "修路", "过路", "半路", "让路", "景区", "园区", "校区", "厂区",
               "街区", "片区", "辖区", "山区", "灾区", "特区", "超市", "夜市", "集市", "菜市", "股市", "楼市", "门市",
               "上市", "小镇", "一条街", "商业街", "步行街", "商业广场", "空中花园", "住宅小区", "居民区", "主干路", "泥泞路", "必经之路", "行政村", "自然村", "城里", "家里", "这里", "那里", "哪里", "心里", "手里", "夜里", "公里", "千里", "邻里"}
_NAME_TAGS = ["n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "ng", "nl", "s", "j", "eng", "x"]
_ANCHORS = {"PLACE", "NAMED"}
_LOCAL_ADMIN = ("镇", "乡", "街道", "社区")  # a town or community: a region, though not ours
_CODED_ADMIN = re.compile(r"([A-Za-z]\d{0,2}(?:省|市|区|县))")
_JOIN_WORDS = {"的"}  # 柳岸新村6幢的楼下
_ROAD_JOIN = {"和", "与", "跟", "同"}  # 文昌路和青山路路口


@dataclass(frozen=True)
class Place:
    start: int
    end: int
    text: str
    kind: str  # address | region (a community or street named alone)


def _names(raw: Iterable[str]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(places, regions) from the directory's names: areas lose their number range
    (柳岸新村1-12幢 → 柳岸新村); communities and streets, and short forms of communities
    (柳岸 for 柳岸社区), are regions: they name an area, not a spot."""
    names = set()
    for n in raw:
        n = normalise((n or "").strip())
        m = _RANGE.match(n)
        names.add(m["base"] if m else n)
    names.discard("")
    regions = {n for n in names if n.endswith(_REGION_SUFFIX) or n + "社区" in names}
    return tuple(sorted(names - regions)), tuple(sorted(regions))


def names_from_dictionary(path) -> List[str]:
    """The place names (part of speech ns) of the jieba dictionary that `python -m api.cli
    nlu-resources` generates from the places directory: the Rasa process has no database."""
    p = Path(path)
    files = sorted(p.glob("*.txt")) if p.is_dir() else [p]
    out = []
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2] == "ns":
                out.append(parts[0])
    return out


def _any(words) -> dict:
    return {"TEXT": {"IN": sorted(set(words))}}


def _num_unit(units) -> List[list]:
    """6幢 as one token or two."""
    alt = "|".join(sorted(map(re.escape, units), key=len, reverse=True))
    return [[{"TEXT": {"REGEX": f"^[{_NUM}]{{1,5}}$"}}, _any(units)],
            [{"TEXT": {"REGEX": f"^[{_NUM}]{{1,5}}({alt})$"}}],
            [{"TEXT": {"REGEX": "^[a-zA-Z]$"}}, _any(units)]]  # A幢, B区


def _patterns() -> List[dict]:
    # Names are nouns to jieba (place, person, organisation or other proper names): 作为/不顾/请问
    # before 小区 or 学校 are not names.
    nouns = {"TAG": {"IN": _NAME_TAGS}}
    name = {"TEXT": {"REGEX": r"^([\u4e00-\u9fff]{2,6}|[a-zA-Z]?[0-9]{1,3}|[a-zA-Z])$", "NOT_IN": sorted(_NOT_NAMES)}, **nouns}
    second = {"TEXT": {"REGEX": r"^[\u4e00-\u9fff]{1,6}$", "NOT_IN": sorted(_NOT_NAMES)},
              "TAG": {"IN": _NAME_TAGS + ["t", "a", "m"]}}  # 米兰 春天 小区, 广泰 文体城
    suffixes = _ESTATES + _ROADS + _VILLAGES + _LANDMARKS
    alt = "|".join(sorted(map(re.escape, suffixes), key=len, reverse=True))
    not_places = sorted(_NOT_PLACES)
    # One token carrying its own suffix (景蓉华苑), two characters of name at least.
    pats = [{"label": "NAMED", "pattern": [
        {"TEXT": {"REGEX": rf"^[\u4e00-\u9fff]{{2,8}}({alt})$", "NOT_IN": not_places}, **nouns}]}]
    # A name and a suffix token (阳光 小区, 荷花 苑), or two name tokens and a suffix (米兰 春天 小区).
    pats.append({"label": "NAMED", "pattern": [name, _any(suffixes)]})
    pats.append({"label": "NAMED", "pattern": [name, second, _any(suffixes)]})
    # 第三中学, 第一人民医院
    pats.append({"label": "NAMED", "pattern": [{"TEXT": {"REGEX": f"^第[{_NUM}]{{1,3}}$"}},
                                               _any(["中学", "小学", "幼儿园", "医院", "人民医院", "中心小学"])]})
    admin = "|".join(sorted(map(re.escape, _ADMIN), key=len, reverse=True))
    pats.append({"label": "ADMIN", "pattern": [{"TEXT": {"REGEX": rf"^([\u4e00-\u9fff]{{1,6}}|[a-zA-Z][0-9]?)({admin})$",
                                                         "NOT_IN": not_places}, **nouns}]})
    pats.append({"label": "ADMIN", "pattern": [{"TEXT": {"REGEX": r"^([\u4e00-\u9fff]{2,6}|[a-zA-Z][0-9]{0,2})$",
                                                         "NOT_IN": sorted(_NOT_NAMES)}, **nouns}, _any(_ADMIN)]})
    pats += [{"label": "UNIT", "id": "strong", "pattern": p} for p in _num_unit(_STRONG_UNITS)]
    pats += [{"label": "UNIT", "pattern": p} for p in _num_unit(_WEAK_UNITS)]
    pats.append({"label": "REL", "pattern": [_any(_RELATIVE)]})
    return pats


class _TaggingTokenizer:
    """jieba's words with their parts of speech, as a spaCy Doc: the shapes need to
    tell a name (芷兰 ns) from a verb (请问 v) before 学校."""

    def __init__(self, vocab, seg):
        from jieba import posseg

        self.vocab, self.seg = vocab, seg
        self.tags = posseg.POSTokenizer(seg).word_tag_tab

    def __call__(self, text: str):
        from spacy.tokens import Doc
        from spacy.util import get_words_and_spaces

        # 'G7县文盛小学' would be cut as G7/县文/盛/小学: a coded county or city (as anonymised
        # texts write them) ends a word, so its name segments on its own.
        # Words by jieba's cut (posseg's own tagger is several times slower on a long letter);
        # a word's part of speech from its dictionary, 'x' for a word jieba found unknown.
        pairs = [(w, self.tags.get(w, "x")) for chunk in _CODED_ADMIN.split(text) if chunk
                 for w in self.seg.cut(chunk) if w]
        words, spaces = get_words_and_spaces([w for w, _ in pairs], text)
        # spaCy folds whitespace into the words' trailing spaces: tags follow by offset.
        tag_at, at = {}, 0
        for w, flag in pairs:
            tag_at[at] = flag
            at += len(w)
        tags, at = [], 0
        for w, space in zip(words, spaces):
            at = text.find(w, at)
            tags.append(tag_at.get(at, "x"))
            at += len(w) + space
        return Doc(self.vocab, words=words, spaces=spaces, tags=tags)


def _quiet_import_spacy():
    """spaCy's thinc probes for TensorFlow on import, which takes seconds and hundreds of MB in
    the backend, which has no use for it; the Rasa process has it loaded already."""
    if "tensorflow" in sys.modules:
        import spacy
        return spacy
    sys.modules["tensorflow"] = None  # makes `import tensorflow` fail fast, for thinc's probe only
    try:
        import spacy
    finally:
        del sys.modules["tensorflow"]
    return spacy


@lru_cache(maxsize=4)
def _pipeline(places: Tuple[str, ...], regions: Tuple[str, ...]):
    import jieba

    spacy = _quiet_import_spacy()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    # A private jieba: the place names must be whole tokens here (荷花苑, not 荷花/苑), but the
    # global jieba belongs to the service search and to Rasa's tokenizer, whose model was
    # trained on its segmentation. Its dictionary is copied, not read again from disk.
    jieba.dt.check_initialized()
    seg = jieba.Tokenizer()
    seg.FREQ, seg.total, seg.initialized = dict(jieba.dt.FREQ), jieba.dt.total, True
    for w in (*places, *regions, *_RELATIVE, "号楼", "单元"):
        seg.add_word(w, freq=max(2000, seg.FREQ.get(w) or 0))
    # Words that glue an estate to what follows (小区业主, 小区门口) hide the estate's end.
    for w in [w for w in seg.FREQ if len(w) > 2 and w.startswith(_GLUED) and seg.FREQ[w]]:
        seg.del_word(w)
    nlp.tokenizer = _TaggingTokenizer(nlp.vocab, seg)
    # The district's own names first; the shapes only where they have found nothing.
    known = nlp.add_pipe("entity_ruler", name="known_places")
    known.add_patterns([{"label": "PLACE", "pattern": n} for n in places]
                       + [{"label": "REGION", "pattern": n} for n in regions])
    nlp.add_pipe("entity_ruler", name="address_shapes").add_patterns(_patterns())
    return nlp


def _joinable(text: str, prev, cur) -> bool:
    gap = text[prev.end_char:cur.start_char].strip()
    if gap == "":
        return True
    if gap in _JOIN_WORDS:
        return cur.label_ in ("UNIT", "REL")
    return (gap in _ROAD_JOIN and prev.label_ in _ANCHORS and cur.label_ in _ANCHORS
            and prev.text.endswith(tuple(_ROADS)) and cur.text.endswith(tuple(_ROADS)))


def _is_address(chain) -> bool:
    labels = [e.label_ for e in chain]
    if any(label in _ANCHORS for label in labels):
        return True
    if any(e.label_ == "UNIT" and e.ent_id_ == "strong" for e in chain):
        return True  # 6幢2单元楼下: the estate comes from the conversation or is asked
    return labels[0] == "REGION" and len(labels) > 1 and labels[-1] in ("REL", "UNIT")


@dataclass(frozen=True)
class _Piece:
    start_char: int
    end_char: int
    text: str
    label_: str
    ent_id_: str


_GLUED = ("小区", "新村", "花园", "家园", "公寓", "社区")
_SUFFIX_WORDS = frozenset(_ESTATES + _ROADS + _VILLAGES + _LANDMARKS)


def _pieces(doc) -> List[_Piece]:
    """The ruler's entities; a community's short name followed by a suffix is a place of its
    own (青山 + 路 → 青山路), which the known names, matched first, would otherwise split."""
    out = []
    for e in doc.ents:
        if e.label_ == "REGION" and e.end < len(doc) and doc[e.end].text in _SUFFIX_WORDS:
            t = doc[e.end]
            out.append(_Piece(e.start_char, t.idx + len(t), doc.text[e.start_char:t.idx + len(t)], "NAMED", ""))
        elif not (out and out[-1].end_char > e.start_char):
            out.append(_Piece(e.start_char, e.end_char, e.text, e.label_, e.ent_id_))
    return out


def find_places(text: str, names: Iterable[str]) -> List[Place]:
    """Every address (and community or street named alone) in `text`, in order, with offsets
    into `text`. `names`: the district's place names (areas, communities, streets)."""
    if not text:
        return []
    places, regions = _names(names)
    norm = normalise(text)
    if len(norm) != len(text):  # cannot happen by construction; never misalign offsets
        norm = text
    doc = _pipeline(places, regions)(norm)
    chains, cur = [], []
    for e in _pieces(doc):
        if cur and _joinable(norm, cur[-1], e):
            cur.append(e)
        else:
            if cur:
                chains.append(cur)
            cur = [e]
    if cur:
        chains.append(cur)
    out = []
    for chain in chains:
        # Leading 附近/旁边 belong to the words before, not to this place.
        while chain and chain[0].label_ == "REL":
            chain = chain[1:]
        if not chain:
            continue
        start, end = chain[0].start_char, chain[-1].end_char
        if _is_address(chain):
            out.append(Place(start, end, text[start:end], "address"))
        elif all(e.label_ in ("REGION", "ADMIN") for e in chain) and (
                any(e.label_ == "REGION" for e in chain) or chain[-1].text.endswith(_LOCAL_ADMIN)):
            out.append(Place(start, end, text[start:end], "region"))
    return out


def addresses(text: str, names: Iterable[str]) -> List[Place]:
    """Only the addresses: what a report's place is."""
    return [p for p in find_places(text, names) if p.kind == "address"]


def address_line(found: List[Place], limit: int = 200) -> str:
    """The addresses as one line for a work order ('柳岸新村6幢楼下；文昌路150号'), at most
    `limit` characters, each told once (a part of a longer one is not told)."""
    texts = [p.text for p in found]
    parts = []
    for t in texts:  # 柳岸新村 is said by 柳岸新村20幢楼下 already
        if t not in parts and not any(t != o and t in o for o in texts):
            parts.append(t)
    line = ""
    for part in parts:
        nxt = f"{line}；{part}" if line else part
        if len(nxt) > limit:
            break
        line = nxt
    return line or (parts[0][:limit] if parts else "")
