"""Messages that people, not the assistant, should answer: complaints about staff, petitions
(信访), residents at risk, and residents who are clearly angry. And hardship without risk to
life ("没收入，一个人带孩子"): the assistant names the benefits that answer it and offers a
person (api/guide/hardship.py), rather than handing it over untold.

Two layers. Patterns catch the unmistakable at once, and they are patterns rather than single
words: "投诉" alone is someone asking where to complain (12345 answers that), "投诉窗口的
工作人员" is a complaint about staff. Residents say the rest in endless ways ("攒了一瓶安眠药",
"侬脑子瓦特了"), so a character n-gram classifier trained on api/seed/handoff_training.yml
catches what the patterns miss. Measured on a held-out set by `python -m bench.run`.

Long messages (residents' letters, up to 2,000 characters) are judged by what they say, not by how
long they are: the classifier reads them in sentence-sized windows, and the patterns that describe
a chat turn's frustration or a petition's history ("投诉无门", "上访无果", "！！！") do not count in
them. Shares handed over, by length and route, on real messages: `python -m bench.handoff`."""
import functools
import json
import re
from typing import Dict, List, Optional

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from api.core.written_examples import written_examples
from shared.settings import ROOT, get_settings
from shared.textnorm import clean, normalise

N = "[0-9一二两三四五六七八九十几好多]+"  # a count: 三, 3, 好几, 十几
STAFF = "(工作人员|窗口|办事员|柜台|你们的人|你们社区|你们街道|社区干部|街道干部|干部|网格员|书记|主任|经办人|那个人|那个女的|那个男的|小姑娘|小伙子)"

# Thoughts of ending one's life: besides a person, the resident is given the psychological
# assistance hotline.
SELF_HARM = [
    r"不想活", r"活不下去", r"活着(没|有什么)意思", r"不如死了", r"想死", r"自杀", r"(?<![减年])轻生(?![产活])", r"寻短见", r"想不开",
    r"一了百了", r"(跳楼|跳河|割腕|喝农药|吃安眠药|烧炭)", r"结束(自己的)?生命",
    # saying goodbye, or the means put by: "药都攒好了 对不起我的孩子"
    r"药(都|已经)?(攒|存|囤|备)(好|够)了", r"(攒|存|囤)(了|好|够)(一些|好多|很多|一瓶)?(安眠)?药", r"(活|撑)不下去.{0,12}对不起",
    r"遗书", r"后事(都)?(交代|安排)好",
    r"(阳台|楼上|楼顶|天台|窗户|桥上).{0,4}跳下去", r"活着(太|好|真|实在)?(累|没劲|没盼头)", r"死了(就)?算了",
]
# Violence at home: the safety line is 110, and the women's rights line 12338.
VIOLENCE_AT_HOME = [
    r"(?<!反)家暴", r"(老公|丈夫|男人|老头子|老婆|妻子|儿子|女儿|媳妇|女婿|家里人|男朋友|对象|前夫|婆婆|公公|他|她|爸|妈|继父|后妈)"
                    r".{0,8}(打|揍|抽|踢|虐待)(我|人|老人|孩子)(?!电话|手机|微信)",
    r"拿.{0,3}(皮带|棍子|棒子|刀|衣架|凳子|酒瓶).{0,4}(打|抽|砍|捅)",
]
# A swindle under way: the police never ask for money to be moved to a "safe account".
FRAUD = [
    r"安全账户", r"(冒充|说是|自称|假装).{0,8}(公安|警察|检察院|法院).{0,40}(转|汇|打)(钱|款|账)",
    r"(转|汇|打)了.{0,8}[万千百].{0,16}(还|又)(叫|让|要)我", r"(被|遭|遇到)(人)?(骗|诈骗)了?.{0,12}[万千钱]",
]
# Someone gone missing: the police take it at once, there is no 24 hours to wait.
MISSING = [
    r"(老年痴呆|痴呆|失智|糊涂|认不得路).{0,30}(出门|出去|走丢|走失|不见|没回)", r"(走丢|走失)了",
    r"(到现在|一直|一整天|一晚上|一夜)(都|还)?没(回来|回家|找到)",
]
# Other dangers to a person: threats, nobody caring for the frail or for a child.
DANGER = [
    # "被打了", "被他打得…", not "楼板被打穿"
    r"被(人|他|她|他们|老公|丈夫|老板|包工头|工头|保安|邻居|房东|同学|几个人|一群人)?(打|揍)(了|伤|得|成|一顿|耳光|骨折|住院|[，。！!,.\s]|$)", r"被(虐待|关起来|锁在家)", r"锁在(屋|家|房间|房子)里", r"虐待",
    r"(威胁|恐吓)(我|要)", r"要(杀|砍|弄死)(了)?我",
    # a child beaten or threatened next door: "天天打小孩…喊要弄死他" (not "打小孩的疫苗")
    r"(打|揍|抽|虐待)(小孩|孩子|娃|老人)(?!.{0,3}(疫苗|针|预防))", r"(要|喊着?要|说要|扬言要?)(杀|砍|弄死|打死)",
    r"(弄死|打死|杀了)(他|她|你|孩子|小孩|人)",
    r"(独居|孤寡|空巢|一个人住).{0,12}(没人管|没人照顾|没人问|好几天|联系不上|摔|病了|饿|[0-9一二两三四五六七八九十几]+天没(看到|见|出门|露面|动静))",
    # nobody answers at the door of someone who may be lying ill inside
    r"(敲门|叫门|喊门|打电话)(也|都)?(没人应|没人开|没反应|没动静|不应|没人接).{0,20}(出事|在家|电视|灯|好几天|[0-9一二两三四五六七八九十几]+天)",
    r"(没人管|没人照顾)(我|他|她|老人|孩子|了)", r"(孩子|小孩|娃).{0,8}(没人管|饿|一个人在家好几天)",
    r"(爸妈|父母|大人|家长).{0,4}(好几天|几天|好久)(都)?没(回来|回家|露面)",
    r"(老人|老太太|老头|大爷|大妈|奶奶|爷爷).{0,8}(好几天没见|联系不上|没人管|饿)",
]
# Residents at risk, heard in a chat line or in the last sentence of a two-page letter alike.
RISK = SELF_HARM + VIOLENCE_AT_HOME + FRAUD + MISSING + DANGER
# Complaints about staff conduct and integrity.
STAFF_CONDUCT = [
    rf"投诉(你们|一下)?.{{0,6}}{STAFF}", rf"{STAFF}.{{0,12}}(脸色难看|凶我|骂人|骂我|吼我|不理人|爱理不理|不耐烦|刁难|为难|推诿|不作为|乱作为|不给办)",
    r"(故意|存心|处处)(刁难|为难)", r"(刁难|为难)我",
    r"吃拿卡要", r"(收|要|塞|送)(了)?(红包|好处费|好处|回扣|烟酒|购物卡)", rf"{STAFF}.{{0,4}}(收|拿)了.{{0,10}}的钱", r"索贿|受贿|行贿|贪污|腐败",
    r"不送(礼|钱).{0,4}不(给)?办", r"(举报|投诉).{0,4}(干部|书记|主任|工作人员|网格员)",
]
# "态度太差了" in a chat is said to staff; in a letter it may be about a bus company or a shop,
# so there it counts only beside staff in the same sentence.
RUDE = r"(态度|服务).{0,2}(差|恶劣|冷漠|蛮横|不好|太坏)"
PETITION = [r"信访", r"上访", r"集体访", r"进京", r"(去|到)(省里|市里|区里|北京|杭州).{0,3}(告|讨说法|反映)", r"联名(信|举报)",
            r"拉横幅", r"讨说法"]
# A letter tells its history ("上访无果", "信访答复会上", "讨个说法"): there only a petition the
# resident is about to make counts.
# ("上访到县信访局" and "业主多次拉横幅维权" are told as past.)
AHEAD = r"(要|准备|打算|只能|只好|只有|就|将|会|下(个)?(礼拜|星期|周|月)|明天|过几天)"
PETITION_AHEAD = [r"(要|去|(?<!访)到|准备|打算|只能|只好|只有|就|将|会|集体|组织|一起|继续)(去|到)?.{0,8}(上访|信访局|进京)",
                  r"(去|到)(省里|市里|区里|北京|省城).{0,3}(告|讨说法|反映)", rf"{AHEAD}(去)?.{{0,10}}拉横幅",
                  r"(去|到).{0,10}讨(个)?说法"]
# Abuse is anger in any message; frustration ("投诉无门", "踢皮球", "！！！") is how a formal letter
# describes its case, anger only in a chat turn.
ABUSE = [
    r"什么破", r"破(系统|机器人|玩意)", r"垃圾(系统|机器人|服务|东西|玩意)", r"没用的东西", r"什么玩意", r"听不懂人话",
    # "我妈的女儿", "妈妈的名字" are a family tie, not a curse.
    r"(智障|弱智|脑残|白痴|傻[逼子瓜]|sb|SB)", r"(他妈的?|(?<![我她俺咱姨姑舅大后亲妈爸])妈的|tmd|TMD|卧槽|我靠)",
    r"(?<![打翻滚])滚(?![动烫滚筒梯石皮圆珠轮])", r"不干人事",
]
FRUSTRATION = [
    # Passed from desk to desk by us, not by a landlord or a property company ("物业推来推去").
    r"太过分", r"废物", r"你们(还)?有没有人管", r"(到底|究竟)(管不管|有没有人|能不能办|怎么回事)", r"投诉无门",
    r"(你们|政府|社区|街道|部门).{0,6}(踢皮球|推来推去|推三阻四)",
    rf"跑了{N}(趟|次|回)", rf"(问|说|讲)了{N}(遍|次)", r"受够了", r"浪费(我的?)?时间", r"(忍无可忍|欺人太甚)",
    r"(态度|服务)(呢|哪里去了)",
]
SENSITIVE = RISK + STAFF_CONDUCT + [RUDE] + PETITION
ANGRY = ABUSE + FRUSTRATION
# A letter, not a chat turn: several sentences, judged by what they say, not by how long they are.
LETTER = 120
# Hardship, in groups (api/guide/hardship.py maps each to the catalogue items that answer it).
# One group and a plea for help, or two groups, describe a household in difficulty; a single
# word ("我失业了", "残疾证怎么办") is an ordinary service question.
HARDSHIP = {
    "no_income": r"(打|做)零工|没(有)?(收入|经济来源|生活来源|退休金|退休工资|养老金|钱(吃饭|生活|过日子|买|看病))|(看病|吃饭|买药)的钱都没(有)?|捡(瓶子|破烂|废品|垃圾)|(收入|工资)(很|太|特别|也|都|比较)?(低|少)|断了收入|"
                 r"(生活|家里|家庭|日子)(很|太|特别|非常|实在|比较)?(困难|艰难|难过|拮据)|日子过不下去|揭不开锅|吃不上饭|"
                 r"入不敷出|(实在|真的|都|家里)拿不出(钱|这么多钱)|实在拿不出来了|(钱|费|房租)(都|也|实在)?(凑不(齐|够|出来)|拿不出来)|负债|欠了?.{0,4}(债|钱)|(亲戚|朋友|亲戚朋友).{0,4}借(遍|光|完)了?|欠了.{0,3}[几十百千万]+万|一贫如洗|靠.{0,6}(养活|接济)|"
                 r"就靠.{0,8}(退休金|养老金|低保|[0-9一二两三四五六七八九十百千几]+块)",
    "single_parent": r"单亲|一个人(带|养|拉扯)(着)?.{0,6}(孩子|小孩|娃|儿子|女儿|两个|三个)|离(了)?婚.{0,8}(带|养)(着)?.{0,6}(孩子|小孩|娃)|"
                     r"(老公|丈夫|老婆|妻子|孩子他爸|孩子他妈).{0,4}(走了|跑了|去世|不在了|坐牢|不管).{0,12}(孩子|小孩|娃)",
    "illness": r"(得了|患了?|查出|确诊).{0,8}(病|癌|瘤|尿毒症|白血病)|白血病|大病|重病|[肝肺胃肠食管乳腺鼻咽胰]癌|癌症|尿毒症|透析|化疗|看不起病|"
               r"(医药费|医疗费|住院费|手术费|药费)|中风",
    # Someone at home who needs looking after, and a family that cannot manage it.
    "care": r"瘫痪|瘫(在床|着|了)|卧床|失能|失智|老年痴呆|生活不能自理|(照顾|护理|看护|伺候)不过来|需要(人)?(照顾|护理|陪护)",
    # An old person's memory failing ("老是忘事 …煤气也忘关"): looking after, before it is an illness.
    "memory": r"(老是|经常|总是|常常)忘(事|东西)|记性(越来越|很|太|特别)?(差|不好)|(老年)?糊涂了|认不(得|出)人|"
              r"忘(了|记)?关(煤气|燃气|火)|(煤气|燃气|火)也?忘(了|记)?关|出门(就)?找不到家|走丢了?",
    "disability": r"残疾|残障|肢残|失明|失聪|聋哑|智力障碍|精神病",
    # A child whose parents cannot look after it (in prison, gone): 事实无人抚养.
    "no_parents": r"(爸妈|父母|爸爸妈妈|他爸他妈|孩子的爸妈|儿子儿媳|儿子媳妇|女儿女婿).{0,6}(都)?(进去了|坐牢|服刑|判了|在监狱|不在了|去世|走了|跑了|不管(?![我俺])(?!老))|"
                  r"(孙子|孙女|外孙|外孙女|孩子|娃).{0,2}(丢给|扔给|甩给|留给)(我们|我|了我)",
    "alone_elderly": r"孤寡|孤老|无儿无女|没有子女|没儿没女|无依无靠|没人赡养|(儿子|女儿|儿女|子女|儿子儿媳|儿子媳妇).{0,4}(都)?不管(我|俺|老人)|(老人|老头|老太|老伴走了).{0,6}一个人(过|住)|"
                     r"一个人(过|住).{0,6}(老|岁)|[0-9一二三四五六七八九十]+(岁|了).{0,6}一个人(过|住)",
    "lost_job": r"失业|下岗|没(了)?工作|没有工作|丢了工作|找不到工作|被(辞退|裁员?|开除)|(厂|公司|单位).{0,4}(倒闭|关门|破产)",
    "housing": r"(交|付)不(起|上)(房租|租金)|(房租|租金).{0,2}(交|付)不(起|上)|没(地方|房子)住|住不起|无房|买不起房",
    "schooling": r"(学费|上学|读书).{0,4}(交不起|没钱|供不起)|供不起.{0,4}(上学|读书)|上不起学",
}
ASKS_FOR_HELP = re.compile(r"(政府|国家|社区|街道|民政).{0,6}(管|帮|救|补)|救助|补助|补贴|帮扶|救济|扶持|帮帮|帮一下|"
                           r"有(没有|什么)(政策|办法|帮助)|能(不能)?(申请|领|享受)|管不管|管不")
# "我不是要投诉", "没有要上访的意思": the word is there, the intent is not.
NEGATED = re.compile(r"(不是|没有|不|并不|没)(要|想|打算|准备)?(投诉|上访|信访)")
SHOUTING = re.compile(r"[!！]{3,}|[?？]{3,}|[!！?？]{4,}")
POLITE = re.compile(r"谢谢|感谢|多谢|辛苦|好的|太好了|太棒|点赞|表扬|好快|真快")

_SENSITIVE = [re.compile(p, re.I) for p in SENSITIVE]
_ANGRY = [re.compile(p, re.I) for p in ANGRY]
# In a letter, staff and their conduct within one clause: "尊敬的王书记：…一是不作为" is no complaint about
# the secretary addressed. And money taken near an official, not "公司贪污" or "背后都有腐败".
CLAUSE = "[^，。；！？,;!?\n]"
BRIBERY_IN_LETTERS = (r"(干部|书记|主任|村长|镇长|局长|所长|科长|领导|官员|贪官|工作人员|公务员|办事员|网格员).{0,20}"
                      r"(索贿|受贿|收受|贪污|腐败|红包|好处费|回扣)")
_IN_LETTERS = {"sensitive": [re.compile(p.replace(".{", CLAUSE + "{"), re.I) for p in STAFF_CONDUCT
                             if not p.startswith("索贿")] + [re.compile(p, re.I) for p in RISK + PETITION_AHEAD + [BRIBERY_IN_LETTERS]],
               "angry": [re.compile(p, re.I) for p in ABUSE]}
_RUDE, _STAFF = re.compile(RUDE), re.compile(STAFF)
SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])(?![。！？!?；;\n])")
_HARDSHIP = {group: re.compile(p) for group, p in HARDSHIP.items()}
HARDSHIP_PATTERNS = list(_HARDSHIP.values())


# The classifier speaks only when fairly sure: a wrong handoff costs a resident a wait for a
# person, a missed one can cost much more, hence the lower bar for "sensitive".
THRESHOLDS = {"sensitive": 0.5, "angry": 0.6}
# A question about a catalogue item is sensitive by the classifier alone only this surely.
SURE_WHEN_ASKING = 0.85
# Texts longer than this are judged window by window (the training examples are chat lines).
WINDOW = 100
# In a long message the letters model must give a window's label at least this much (see Classifier).
# Set on the tuning split's letters, each held-out message put at the end of four of them
# (bench/handoff.py): with the 2,000 chosen letter sentences, at 0.25 a risk is still heard 0.859 of
# the time, a plain message 0.041 handed over, and 11 of the split's 235 messages go to a person;
# with the hand-picked sentences alone, at 0.35: 0.841, 0.136 and 19.
LETTER_AGREES = 0.25


# Words built on 打 that strike nobody: "儿子在外地打工" or "女儿打电话说" is no violence at home,
# but to a character model 儿子 … 打 reads like it. Said plainly before anything is judged.
NOT_A_BLOW = {"打工": "务工", "打零工": "做零工", "打电话": "致电", "打个电话": "致电", "打车": "叫车",
              "打扫": "清扫", "打印": "印制", "打针": "注射", "打疫苗": "接种疫苗",
              "打卡": "签到", "打官司": "诉讼", "打听": "询问", "打算": "准备", "打开": "开启",
              "打包": "包装", "打折": "折扣", "打麻将": "玩麻将", "打牌": "玩牌", "打球": "玩球",
              "打水": "取水", "打理": "料理", "打招呼": "招呼", "打交道": "来往", "打井": "挖井"}
_NOT_A_BLOW = re.compile("|".join(sorted(map(re.escape, NOT_A_BLOW), key=len, reverse=True)))


def _prepare(text: str) -> str:
    return _NOT_A_BLOW.sub(lambda m: NOT_A_BLOW[m.group()], normalise(clean(text)))


def hardship_groups(text: str) -> List[str]:
    """Which kinds of hardship the message describes, in HARDSHIP's order."""
    t = _prepare(text)
    return [group for group, p in _HARDSHIP.items() if p.search(t)]


def describes_hardship(text: str) -> bool:
    groups = hardship_groups(text)
    return len(groups) >= 2 or (len(groups) == 1 and bool(ASKS_FOR_HELP.search(_prepare(text))))


def sentences(t: str) -> List[str]:
    return [x.strip() for x in SENTENCE_END.split(t) if x.strip()]


def windows(t: str, size: int = 100) -> List[str]:
    """A long text as the short pieces the classifier was trained on: every sentence (one longer
    than `size` cut at commas) and every two neighbouring ones that fit in `size`, so a risk said
    in one sentence of a long letter weighs as much as in a chat line."""
    pieces = []
    for sentence in sentences(t):
        while len(sentence) > size:
            cut = max(sentence.rfind(c, 0, size) for c in "，,、 ")
            cut = cut + 1 if cut > size // 3 else size
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        pieces.append(sentence)
    pairs = [a + b for a, b in zip(pieces, pieces[1:]) if len(a) + len(b) <= size]
    # "曾书记：你好！" carries too little to be judged alone; it is judged with its neighbour.
    return [p for p in pieces if len(re.findall(r"\w", p)) >= 8] + pairs or [t]


def by_pattern(text: str) -> Optional[str]:
    t = _prepare(text)
    unnegated = NEGATED.sub("", t)
    if len(t) > LETTER:
        if any(p.search(unnegated) for p in _IN_LETTERS["sensitive"]) or any(
                _RUDE.search(x) and _STAFF.search(x) for x in sentences(unnegated)):
            return "sensitive"
        return "angry" if any(p.search(t) for p in _IN_LETTERS["angry"]) else None
    if any(p.search(unnegated) for p in _SENSITIVE):
        return "sensitive"
    if any(p.search(t) for p in _ANGRY) or (SHOUTING.search(t) and not POLITE.search(t)):
        return "angry"
    return None


class Classifier:
    """Two models of the same kind. The chat model judges short messages, as it always has. A
    long message is judged window by window: a window the chat model would hand over goes to a
    person unless a second model, trained on the same examples plus sentences of real residents'
    letters (`letters`), all but rules it out (probability below LETTER_AGREES). Trained on chat
    lines alone, the chat model takes any narrative of a grievance for one about staff; the
    letters model alone would miss more of the risks told in a letter."""

    def __init__(self, texts, labels, letters=()):
        # Hardship without risk is the assistant's to answer: for the question "a person at
        # once?" it is one more message to keep, and it teaches where risk is not.
        texts = [_prepare(t) for t in texts]
        labels = ["none" if x == "hardship" else x for x in labels]
        self.pipeline = self._fit(texts, labels)
        self.letters = self._fit(texts + [_prepare(t) for t in letters], labels + ["none"] * len(letters)) \
            if letters else None

    @staticmethod
    def _fit(texts, labels):
        return make_pipeline(
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
            LogisticRegression(C=10, class_weight="balanced", max_iter=2000)).fit(texts, labels)

    def probabilities(self, text: str) -> Dict[str, float]:
        """Per label, the chat model's probability in the window of the text where it is highest."""
        t = _prepare(text)
        rows = self.pipeline.predict_proba(windows(t) if len(t) > WINDOW else [t])
        return {label: float(rows[:, i].max()) for i, label in enumerate(self.pipeline.classes_)}

    def predict(self, text: str) -> Optional[str]:
        """'sensitive' or 'angry' for a short message; for a long one, 'sensitive' when a window calls for it."""
        t = _prepare(text)
        if len(t) <= WINDOW:
            return self._label(self.pipeline.predict_proba([t])[0])
        pieces = windows(t)
        chat = self.pipeline.predict_proba(pieces)
        letters = self.letters.predict_proba(pieces) if self.letters else chat
        classes = list(self.pipeline.classes_)
        # Anger in a letter is at a developer or a project as often as at us: there only abuse
        # counts (by_pattern), the classifier looks for what is sensitive.
        return "sensitive" if any(self._label(c) == "sensitive" and r[classes.index("sensitive")] >= LETTER_AGREES
                                  for c, r in zip(chat, letters)) else None

    def sensitive_share(self, text: str) -> float:
        """How sure the classifier is that a chat line is sensitive (a letter: 1.0, it is judged
        window by window)."""
        t = _prepare(text)
        if len(t) > WINDOW:
            return 1.0
        return float(self.pipeline.predict_proba([t])[0][list(self.pipeline.classes_).index("sensitive")])

    def _label(self, row) -> Optional[str]:
        label = self.pipeline.classes_[row.argmax()]
        return label if label in THRESHOLDS and row.max() >= THRESHOLDS[label] else None


def load_examples(path=None) -> list:
    return [(e["text"], e["label"]) for e in _training(path)["examples"]]


# More sentences of real letters that need no person, chosen by data/real-messages/build_training.py.
LETTER_SENTENCES = ROOT / "data" / "real-messages" / "letter-sentences.jsonl"


def load_letters(path=None) -> list:
    """Sentences of real residents' letters, none of them for a person: for the letters model.
    The hand-picked ones in the seed file, and those build_training.py chose by rule."""
    chosen = [json.loads(line)["text"] for line in LETTER_SENTENCES.read_text(encoding="utf-8").splitlines()
              if line.strip()] if LETTER_SENTENCES.exists() else []
    return list(_training(path).get("letters") or []) + chosen


def _training(path=None) -> dict:
    return yaml.safe_load((path or get_settings().seed_dir / "handoff_training.yml").read_text(encoding="utf-8"))


def ordinary_messages(folder=None) -> list:
    """The assistant's own NLU examples (greetings, questions, reports): what ordinary messages
    look like, so "你好" or "身份证怎么办" is never mistaken for anger. Asking for a person is
    left out: that is handed over anyway, by its own intent. So are the real residents' messages
    (nlu_data/real_messages.yml): they are labelled by route, not by whether a person should
    answer at once ("举报村书记收受贿赂" is a report there and sensitive here); the real style this
    classifier learns from is chosen for it in handoff_training.yml."""
    return [(text, "none") for text, intent in written_examples(folder) if intent != "request_human"]


@functools.lru_cache(maxsize=1)
def classifier() -> Classifier:
    """Trained on first use (well under a second for a few hundred examples)."""
    texts, labels = zip(*(load_examples() + ordinary_messages()))
    return Classifier(texts, labels, load_letters())


def judge(text: str, asks_item: bool = False) -> Optional[str]:
    """'sensitive', 'angry', 'hardship' or None. A risk to life, a complaint or anger goes to a
    person first; hardship only when nothing of that is there. asks_item: the message asks about
    a catalogue item (api.guide.search.asks_about_item)."""
    if not text or not text.strip():
        return None
    found = by_pattern(text)
    # "?" or "嗯" carries too little for the classifier to judge.
    if found or len(re.findall(r"\w", _prepare(text))) < 2:
        return found
    found = classifier().predict(text)
    if found == "sensitive" and asks_item and classifier().sensitive_share(text) < SURE_WHEN_ASKING:
        # "我跟他过不下去了 两个人都同意离 要带点啥去办": a question about an item, in words that
        # sound like trouble; the patterns heard no risk, and the classifier is not sure of one.
        found = None
    return found or ("hardship" if describes_hardship(text) else None)


_SELF_HARM = [re.compile(p) for p in SELF_HARM]
_VIOLENCE_AT_HOME = [re.compile(p) for p in VIOLENCE_AT_HOME]


def self_harm(text: str) -> bool:
    """Whether the text speaks of ending one's life."""
    t = _prepare(text or "")
    return any(p.search(t) for p in _SELF_HARM)


def violence_at_home(text: str) -> bool:
    """Whether the text tells of being beaten at home."""
    t = NEGATED.sub("", _prepare(text or ""))
    return any(p.search(t) for p in _VIOLENCE_AT_HOME)


_KINDS = {kind: [re.compile(p) for p in patterns]
          for kind, patterns in (("fraud", FRAUD), ("missing", MISSING), ("danger", DANGER))}


def kind_of_risk(text: str) -> Optional[str]:
    """Which risk the text tells, for the safety lines the resident is given first: self_harm,
    violence, fraud, missing, danger (any other), or None."""
    if self_harm(text):
        return "self_harm"
    if violence_at_home(text):
        return "violence"
    t = _prepare(text or "")
    return next((kind for kind, patterns in _KINDS.items() if any(p.search(t) for p in patterns)), None)


def assess(text: str, asks_item: bool = False) -> Optional[str]:
    """'sensitive', 'angry' or None: whether people should take the message at once."""
    found = judge(text, asks_item)
    return found if found in THRESHOLDS else None
