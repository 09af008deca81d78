"""Messages that people, not the assistant, should answer: complaints about staff, petitions
(信访), residents at risk, and residents who are clearly angry. And hardship without risk to
life ("没收入，一个人带孩子"): the assistant names the benefits that answer it and offers a
person (api/guide/hardship.py), rather than handing it over untold.

Two layers. Patterns catch the unmistakable at once, and they are patterns rather than single
words: "投诉" alone is someone asking where to complain (12345 answers that), "投诉窗口的
工作人员" is a complaint about staff. Residents say the rest in endless ways ("攒了一瓶安眠药",
"侬脑子瓦特了"), so a character n-gram classifier trained on api/seed/handoff_training.yml
catches what the patterns miss. Measured on a held-out set by `python -m bench.run`."""
import functools
import re
from typing import Dict, List, Optional

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from shared.settings import ROOT, get_settings
from shared.textnorm import clean, normalise

N = "[0-9一二两三四五六七八九十几好多]+"  # a count: 三, 3, 好几, 十几
STAFF = "(工作人员|窗口|办事员|柜台|你们的人|你们社区|你们街道|社区干部|街道干部|干部|网格员|书记|主任|经办人|那个人|那个女的|那个男的|小姑娘|小伙子)"

SENSITIVE = [
    # complaints about staff conduct and integrity
    rf"投诉(你们|一下)?.{{0,6}}{STAFF}", rf"{STAFF}.{{0,12}}(脸色难看|凶我|骂人|骂我|吼我|不理人|爱理不理|不耐烦|刁难|为难|推诿|不作为|乱作为|不给办)",
    r"(态度|服务).{0,2}(差|恶劣|冷漠|蛮横|不好|太坏)", r"(故意|存心|处处)(刁难|为难)", r"(刁难|为难)我",
    r"吃拿卡要", r"(收|要|塞|送)(了)?(红包|好处费|好处|回扣|烟酒|购物卡)", r"索贿|受贿|行贿|贪污|腐败",
    r"不送(礼|钱).{0,4}不(给)?办", r"(举报|投诉).{0,4}(干部|书记|主任|工作人员|网格员)",
    # petitions
    r"信访", r"上访", r"集体访", r"进京", r"(去|到)(省里|市里|区里|北京|杭州).{0,3}(告|讨说法|反映)", r"联名(信|举报)",
    r"拉横幅", r"讨说法",
    # residents at risk: self-harm, violence at home, threats, nobody caring for the frail
    r"不想活", r"活不下去", r"活着(没|有什么)意思", r"不如死了", r"想死", r"自杀", r"轻生", r"寻短见", r"想不开",
    r"一了百了", r"(跳楼|跳河|割腕|喝农药|吃安眠药|烧炭)", r"结束(自己的)?生命",
    r"(?<!反)家暴", r"(老公|丈夫|老婆|妻子|儿子|女儿|媳妇|女婿|家里人|男朋友|对象|他|她|爸|妈|继父|后妈).{0,6}(打|揍|抽|踢|虐待)(我|人|老人|孩子)(?!电话|手机|微信)",
    r"被(打|揍|虐待|关起来|锁在家)", r"虐待", r"(威胁|恐吓)(我|要)", r"要(杀|砍|弄死)(了)?我",
    r"(独居|孤寡|空巢|一个人住).{0,12}(没人管|没人照顾|没人问|好几天|联系不上|摔|病了|饿)",
    r"(没人管|没人照顾)(我|他|她|老人|孩子|了)", r"(孩子|小孩|娃).{0,8}(没人管|饿|一个人在家好几天)",
    r"(爸妈|父母|大人|家长).{0,4}(好几天|几天|好久)(都)?没(回来|回家|露面)",
    r"拿.{0,3}(皮带|棍子|棒子|刀|衣架|凳子|酒瓶).{0,4}(打|抽|砍|捅)",
    r"(老人|老太太|老头|大爷|大妈|奶奶|爷爷).{0,8}(好几天没见|联系不上|没人管|饿)",
]
ANGRY = [
    r"太过分", r"什么破", r"破(系统|机器人|玩意)", r"垃圾(系统|机器人|服务|东西|玩意)", r"废物", r"没用的东西", r"什么玩意",
    r"有没有人管", r"(到底|究竟)(管不管|有没有人|能不能办|怎么回事)", r"投诉无门", r"踢皮球", r"推来推去", r"推三阻四",
    rf"跑了{N}(趟|次|回)", rf"(问|说|讲)了{N}(遍|次)", r"听不懂人话", r"(智障|弱智|脑残|白痴|傻[逼子瓜]|sb|SB)",
    r"(他妈的?|妈的|tmd|TMD|卧槽|我靠)", r"滚", r"受够了", r"浪费(我的?)?时间", r"(忍无可忍|欺人太甚)",
    r"(态度|服务)(呢|哪里去了)", r"不干人事",
]
# Hardship, in groups (api/guide/hardship.py maps each to the catalogue items that answer it).
# One group and a plea for help, or two groups, describe a household in difficulty; a single
# word ("我失业了", "残疾证怎么办") is an ordinary service question.
HARDSHIP = {
    "no_income": r"没(有)?(收入|经济来源|生活来源|钱(吃饭|生活|过日子|买))|(收入|工资)(很|太|特别|也|都|比较)?(低|少)|断了收入|"
                 r"(生活|家里|家庭|日子)(很|太|特别|非常|实在|比较)?(困难|艰难|难过|拮据)|日子过不下去|揭不开锅|吃不上饭|"
                 r"入不敷出|负债|欠了?.{0,4}(债|钱)|一贫如洗|靠.{0,6}(养活|接济)",
    "single_parent": r"单亲|一个人(带|养|拉扯)(着)?(孩子|小孩|娃|儿子|女儿|两个|三个)|离(了)?婚.{0,8}(带|养)(着)?(孩子|小孩|娃)|"
                     r"(老公|丈夫|老婆|妻子|孩子他爸|孩子他妈).{0,4}(走了|跑了|去世|不在了|坐牢|不管).{0,12}(孩子|小孩|娃)",
    "illness": r"(得了|患了?|查出|确诊).{0,8}(病|癌|瘤|尿毒症|白血病)|大病|重病|癌症|尿毒症|透析|化疗|看不起病|"
               r"(医药费|医疗费|住院费|手术费|药费)|瘫痪|卧床|中风|生活不能自理",
    "disability": r"残疾|残障|肢残|失明|失聪|聋哑|智力障碍|精神病",
    "alone_elderly": r"孤寡|孤老|无儿无女|没有子女|没儿没女|无依无靠|没人赡养|(老人|老头|老太|老伴走了).{0,6}一个人(过|住)|"
                     r"一个人(过|住).{0,6}(老|岁)",
    "lost_job": r"失业|下岗|没(了)?工作|没有工作|丢了工作|找不到工作|被(辞退|裁员?|开除)|(厂|公司|单位).{0,4}(倒闭|关门|破产)|打零工",
    "housing": r"(交|付)不(起|上)(房租|租金)|(房租|租金).{0,2}(交|付)不(起|上)|没(地方|房子)住|住不起|无房|买不起房",
    "schooling": r"(学费|上学|读书).{0,4}(交不起|没钱|供不起)|供不起.{0,4}(上学|读书)|上不起学",
}
ASKS_FOR_HELP = re.compile(r"(政府|国家|社区|街道|民政).{0,6}(管|帮|救|补)|救助|补助|补贴|帮扶|救济|扶持|帮帮|帮一下|"
                           r"有(没有|什么)(政策|办法|帮助)|能(不能)?(申请|领|享受)|管不管|管不")
# "我不是要投诉", "没有要上访的意思": the word is there, the intent is not.
NEGATED = re.compile(r"(不是|没有|不|并不|没)(要|想|打算)?(投诉|上访|信访)")
SHOUTING = re.compile(r"[!！]{3,}|[?？]{3,}|[!！?？]{4,}")
POLITE = re.compile(r"谢谢|感谢|多谢|辛苦|好的|太好了|太棒|点赞|表扬|好快|真快")

_SENSITIVE = [re.compile(p, re.I) for p in SENSITIVE]
_ANGRY = [re.compile(p, re.I) for p in ANGRY]
_HARDSHIP = {group: re.compile(p) for group, p in HARDSHIP.items()}


# The classifier speaks only when fairly sure: a wrong handoff costs a resident a wait for a
# person, a missed one can cost much more, hence the lower bar for "sensitive".
THRESHOLDS = {"sensitive": 0.5, "angry": 0.6}


def _prepare(text: str) -> str:
    return normalise(clean(text))


def hardship_groups(text: str) -> List[str]:
    """Which kinds of hardship the message describes, in HARDSHIP's order."""
    t = _prepare(text)
    return [group for group, p in _HARDSHIP.items() if p.search(t)]


def describes_hardship(text: str) -> bool:
    groups = hardship_groups(text)
    return len(groups) >= 2 or (len(groups) == 1 and bool(ASKS_FOR_HELP.search(_prepare(text))))


def by_pattern(text: str) -> Optional[str]:
    t = _prepare(text)
    unnegated = NEGATED.sub("", t)
    if any(p.search(unnegated) for p in _SENSITIVE):
        return "sensitive"
    if any(p.search(t) for p in _ANGRY) or (SHOUTING.search(t) and not POLITE.search(t)):
        return "angry"
    return None


class Classifier:
    def __init__(self, texts, labels):
        self.pipeline = make_pipeline(
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
            LogisticRegression(C=10, class_weight="balanced", max_iter=2000))
        # Hardship without risk is the assistant's to answer: for the question "a person at
        # once?" it is one more message to keep, and it teaches where risk is not.
        self.pipeline.fit([_prepare(t) for t in texts], ["none" if x == "hardship" else x for x in labels])

    def probabilities(self, text: str) -> Dict[str, float]:
        probs = self.pipeline.predict_proba([_prepare(text)])[0]
        return dict(zip(self.pipeline.classes_, map(float, probs)))

    def predict(self, text: str) -> Optional[str]:
        probs = self.probabilities(text)
        label = max(probs, key=probs.get)
        return label if label in THRESHOLDS and probs[label] >= THRESHOLDS[label] else None


def load_examples(path=None) -> list:
    doc = yaml.safe_load((path or get_settings().seed_dir / "handoff_training.yml").read_text(encoding="utf-8"))
    return [(e["text"], e["label"]) for e in doc["examples"]]


ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def ordinary_messages(folder=None) -> list:
    """The assistant's own NLU examples (greetings, questions, reports): what ordinary messages
    look like, so "你好" or "身份证怎么办" is never mistaken for anger. Asking for a person is
    left out: that is handed over anyway, by its own intent."""
    out = []
    for path in sorted((folder or ROOT / "nlu_data").glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if block.get("intent") and block["intent"] != "request_human":
                out += [(ANNOTATION.sub(r"\1", line.strip()[2:]), "none")
                        for line in block["examples"].splitlines() if line.strip().startswith("- ")]
    return out


@functools.lru_cache(maxsize=1)
def classifier() -> Classifier:
    """Trained on first use (well under a second for a few hundred examples)."""
    texts, labels = zip(*(load_examples() + ordinary_messages()))
    return Classifier(texts, labels)


def judge(text: str) -> Optional[str]:
    """'sensitive', 'angry', 'hardship' or None. A risk to life, a complaint or anger goes to a
    person first; hardship only when nothing of that is there."""
    if not text or not text.strip():
        return None
    found = by_pattern(text)
    # "?" or "嗯" carries too little for the classifier to judge.
    if found or len(re.findall(r"\w", _prepare(text))) < 2:
        return found
    return classifier().predict(text) or ("hardship" if describes_hardship(text) else None)


def assess(text: str) -> Optional[str]:
    """'sensitive', 'angry' or None: whether people should take the message at once."""
    found = judge(text)
    return found if found in THRESHOLDS else None
