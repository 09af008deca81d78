"""Words that name service items, derived from the catalogue (the one source for both the
search index and the jieba dictionary).

Residents' aliases often carry a verb (办营业执照, 补办社保卡, 低保申请). The bare object
(营业执照, 社保卡, 低保) is what people also say alone, so it becomes a name of the item too,
unless other items also mention it (户口: 上户口, 户口迁入, 户口迁出 ...): then it only hints
at each of them, so that a bare 户口 asks which one is meant.
"""
from collections import defaultdict
from typing import Dict, Iterable, List, Tuple

VERB_PREFIXES = ("办理", "申请", "补办", "领取", "办", "补", "领", "开", "吃", "交", "上", "报", "查", "换", "续", "转")
ENDING = ("注销", "取消")
VERB_SUFFIXES = ("申请", "申领", "办理", "补办", "补换", "怎么办", "丢了", "掉了", "过期了", "到期了", "换证", "换领", "补领", "换卡")


def strip_verb(alias: str) -> str:
    for p in VERB_PREFIXES:
        if alias.startswith(p) and len(alias) - len(p) >= 2:
            return alias[len(p):]
    for x in VERB_SUFFIXES:
        if alias.endswith(x) and len(alias) - len(x) >= 2:
            return alias[:-len(x)]
    return alias


def derived_terms(items: Iterable) -> Tuple[Dict[str, List[str]], Dict[str, List[str]]]:
    """(extra aliases, extra keywords) per item code, from the verb-stripped aliases."""
    items = list(items)
    taken = {w for it in items for w in [it.name, *it.aliases]}
    owners = defaultdict(set)
    for it in items:
        for a in it.aliases:
            c = strip_verb(a)
            if c != a and c not in taken:
                owners[c].add(it.code)
    aliases, keywords = defaultdict(list), defaultdict(list)
    for c, codes in owners.items():
        mentions = {it.code for it in items if any(c in w for w in [it.name, *it.aliases])}
        # An item that ends the thing (注销营业执照) is no item for the thing said alone (营业执照):
        # "开面馆要办哪些证 营业执照…" is not asking how to close a shop. The thing stays a hint.
        ending = {it.code for it in items if any(c in w and any(v in w for v in ENDING) for w in [it.name, *it.aliases])}
        if len(codes | mentions) == 1:
            aliases[next(iter(codes))].append(c)
        else:
            for code in (codes | mentions) - (ending - codes):
                keywords[code].append(c)
    return aliases, keywords


def segmentation_terms(items: Iterable) -> set:
    """Terms for the jieba dictionary: names, aliases and derived aliases, except those that
    are just another term with a verb attached (办残疾证): such entries make jieba swallow the
    verb and misalign entity annotations like 办[残疾证]."""
    items = list(items)
    extra, hints = derived_terms(items)
    names = {it.name for it in items}
    aliases = {a for it in items for a in it.aliases} | {a for d in (extra, hints) for v in d.values() for a in v}
    terms = names | aliases
    return names | {a for a in aliases if strip_verb(a) == a or strip_verb(a) not in terms}
