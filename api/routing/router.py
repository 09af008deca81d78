"""What a resident's message is, decided in one place from all the evidence: the NLU's intent
ranking, the catalogue search, the incident classifier, the handoff triggers and the state of
the conversation. The NLU alone learnt written examples; real residents write letters, and a
service question that mentions an expiry or a broken card reads like a progress query or a
report to it. Each piece of evidence adds to a route's score; the reasons are kept, so staff
and admins can see why. When two readings are close, the resident is asked one short question.

Pure: no database, no HTTP (api/routing/evidence.py gathers the evidence)."""
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from api.guide.assist import asks_centre_hours
from shared.patterns import phone_in
from shared.textnorm import clean, normalise

SERVICE, INCIDENT, SUGGESTION, PROGRESS = "service", "incident", "suggestion", "progress"
PERSON, HARDSHIP, CLARIFY, OTHER = "person", "hardship", "clarify", "other"
# More about what was handed to a person who is not there yet (a call-back case waiting).
CASE = "case"
ASKS_WHEN, ADDS_DETAILS = "问转给工作人员的事什么时候有回音", "补充转给工作人员的那件事"
ROUTES = (SERVICE, INCIDENT, SUGGESTION, PROGRESS)
INTENT_ROUTE = {"ask_service": SERVICE, "report_incident": INCIDENT, "make_suggestion": SUGGESTION,
                "check_incident_status": PROGRESS}
# Readings this close (in score) are asked about rather than guessed.
CLOSE = 0.25
# Below this, no route has enough for itself: the NLU's own reading stands (chitchat, off-topic).
ENOUGH = 0.45
NLU_UNBACKED_SUGGESTION = 0.5
SAYS_LITTLE = 12  # word characters: fewer, and nothing proposed, is no suggestion to file
# The NLU learnt written examples; on real letters the words themselves say more.
NLU_WEIGHT = 0.6
# The reader learnt from real messages (and the written chat examples) counts when it is this far
# ahead of its runner-up, with this weight at most. Set on the 978 labelled training messages the
# NLU never learnt (the reader 5-fold cross-validated) and the tuning split: main-route macro-F1
# 0.811 and 0.801 at 0.6 and 1.0, 0.818 and 0.812 here; more weight gains little more and asks
# less. It counts only for a message that is some request, by the NLU (this much on the routes'
# intents together) or by other evidence, never for "谢谢".
LEARNT_MARGIN = 0.4
LEARNT_WEIGHT = 1.5
LEARNT_NEEDS_REQUEST = 0.3
LEARNT_AGAINST_A_QUESTION = 0.5

# How residents ask: in so many words (咨询, 请问, 怎么办理) or by what they ask about (材料, 在哪办).
ASKING_OUTRIGHT = re.compile(r"咨询|请问|想问|问一下|问问|怎么办理|如何办理|办理流程|(需要|要)(带|准备|提供)?(什么|哪些|啥)(材料|证件|资料|手续)|"
                             r"(电话|热线|号码)(是)?(多少|什么)|几点(上班|下班|开门)|上班时间|在哪(里|儿)?[吗呢啊？?]?$")
ASKING = re.compile(
    r"怎么(办|弄|申请|领|补|换|开|交|缴|转|查|报销|认定|登记|续|提取|注册|预约|操作)|如何(办|申请|领|补|换|开|交|缴|转|查|报销|认定|登记|续|提取|享受)|"
    r"怎样(办|申请|领|补|换|才能)|咋(办|弄|搞|整|申请|领|补|换|开|交|缴|报|改)|怎么改|(带|拿)(啥|什么)|(啥|什么)(补助|补贴|政策|待遇)|材料|手续|流程|"
    r"在哪(里|儿)?(办|申请|领|补|换|交|缴|开)|去哪(里|儿)?(办|申请|领|补|换|交|缴|开)|哪里(可以|能)?(办|申请|领|补|换)|"
    r"(能|可以|可否|能否|是否)(办|办理|申请|领取?|享受|补办|转|报销|参保|落户|入学|登记|续保|缴)|(能|可以)(报|补|领|拿|交|提|换)(吗|伐|不|么)|(办理|申请|补办|领取)(条件|标准|时间|地点)|"
    r"政策|规定|条件|标准是|有没有补贴|补贴(多少|怎么)|多少钱|(收|交)多少|多久(能|可以)?(办|拿|下来)|"
    r"怎么(收费|计算|算)|(是否|是不是|算不算)(属于|符合|可以)|是不是(要|得|需要|还要)|会不会|要不要|用不用|需不需要|"
    r"几(张|份|寸|本|页)|[白蓝红]底|复印件|原件")
# How the board's letters report: 投诉, 举报, 反映……问题, 请求整治.
REPORTING = re.compile(
    r"(投诉|举报)(?!电话|热线|渠道|方式|途径|号码|怎么|到哪|去哪|哪里|找谁)|曝光|反映.{0,30}(问题|情况|现象|乱象)|(请求|要求|恳请|希望|请|建议|呼吁).{0,20}(解决|整治|治理|查处|处理|整顿|拆除|关停|取缔|"
    r"清理|维修|修复|修好|修一下|修一修|修修|修理|派人(来)?修|抢修|督促|监管|管管|管一管|赔偿|退还|制止|停止|更换|严查|调查|介入|管治|"
    # something there to be dealt with or put back: 严打闯红灯, 规范邮政速递, 涵洞恢复原状, 启用已装的红绿灯
    r"严打|打击|规范|恢复原状|启用)|强烈要求|严重扰民|严查|"
    r"非法|黑(加油站|车|诊所|作坊|中介)|滥(采|伐|收|用)")
# A board title naming a problem ("关于……的问题", "……乱象"); unless it asks (咨询……问题).
NAMES_A_PROBLEM = re.compile(r"(问题|乱象|现象)(的反映)?$")
# A problem someone should go and deal with: broken, dirty, noisy, unlawful, unpaid, unsafe.
PROBLEM = re.compile(
    r"坏了|坏掉|损坏|破损|不亮|没亮|坑|漏水|渗水|积水|堵(塞|了|住)|冒水|臭|脏|乱(扔|倒|堆|停|搭|建|收费|摆|贴|排)|噪音|噪声|扰民|吵|"
    r"违建|违章|违规|违法|私搭|占道|占用|侵占|没人管|无人管|没人修|无人(处理|问津|清理)|不作为|拖欠|欠薪|不发工资|不退|"
    r"污染|偷排|排放|焚烧|安全隐患|隐患|危险|塌|裂|倒了|断了|掉了|(严重|长期)影响|影响(居民|生活|出行|休息)|欺诈|诈骗|骗|假冒|"
    r"(不|没)给(办|退|发|赔)|强制|乱收|多收|高价|克扣|被(打|骗|占|堵)|摔(了一跤|倒|伤)|受伤|撞伤|烫伤")
# A proposal or an opinion: outright (建议, 意见, 反对) or by asking for something new (增设, 开通).
SUGGESTING_OUTRIGHT = re.compile(r"建议|意见|提议|呼吁|反对|支持|呼声|倡议")
NEW_THING = re.compile(r"增设|增开|增加|多设|多开|新建|修建|建设|开通|加装|规划|改造|设立|太高|太贵|太少|不合理|(道路|路面|村道)硬化|"
                       # "能不能修个坡道", "希望在小区里装个充电桩"; not "我要开个证明"
                       r"(能不能|能否|可不可以|可否|希望|最好)(在.{0,12})?(修|建|装|搭|铺|加|设)(个|一个|一条|条|座|几个|一些|些)|"
                       r"(请求|恳请|希望|要求)(尽快|早日|尽早)?(开放|开通)")
# A place without what a place should have ("十字路口没有任何信号灯", "小区无公交车", "村里没通自来水")
# asks for one: nothing is broken, whatever fault category the thing's name suggests (信号灯故障).
LACKS = re.compile(r"(没有|没|无|缺少|缺乏)(任何|一个|一盏|一处)?(公交(车|站|线路)?|信号灯|红绿灯|路灯|人行天桥|学校|幼儿园|"
                   r"菜市场|农贸市场|公厕|公共厕所|停车场|充电桩|电梯|健身器材)|(没有?|未)通(自来水|公交|水泥路|燃气|天然气)")
FOR_ONES_HOME = re.compile(r"(我|我们|自己|俺)家(里)?(能不能|能否|可以|可不可以|想|要)")
SUGGESTING = re.compile(
    r"希望|能否|能不能|可否|可不可以|是否可以|应该|应当|改进|改善|完善|调整|取消|恢复|考虑|为何不|为什么不")
# Asking what became of one's own earlier report or application, in so many words.
PROGRESS_WORDS = re.compile(
    r"进度|进展|办得怎么样|处理得?怎么样|处理(好|完)了(吗|没)|修(好|了)(吗|没)|有(结果|回音|答复|回复)了?(吗|没)|"
    r"(答复|回复|办结|处理)了(吗|没)|什么时候(能|可以|会)?(修好|处理好|解决好|答复|回复|到账|办好|下来)|"
    r"(查|问)(一下|问)?(我的)?(工单|进度|办理情况)|工单|办到哪")
# How is it going: with "我上周报的" or a work order of this conversation, a plain question will do.
HOW_IS_IT = re.compile(r"怎么样|咋样|如何了|怎么还|还没|有没有|到哪|了吗|了没|[吗呢伐?？]$|(咋|怎么)回事|没人(来|管|理)|"
                       r"(管|修|处理|弄|办)(了)?没有?[啊呀呢吗哦]*$|有人管没|多久|什么时候|啥时候|几时")
# Asked in the conversation that filed a work order ("那这个事大概几天能弄好啊", "你们会派人来吗"):
# about that work order.
AFTER_FILING = re.compile(r"(这个|那个|这|那)事.{0,6}(多久|几天|什么时候|啥时候)|(多久|几天|什么时候|啥时候).{0,6}(弄好|修好|处理|解决|能好|答复|回复|有结果)|"
                          r"(会|能)派人(来)?|有人(来)?(处理|管|看)(吗|没|不)|多久给.{0,3}(答复|回复)")
# "我上周报的", or with a time alone ("我的电话是……，上次反映的路灯"): one's own, said either way.
EARLIER = ("(上次|之前|前几天|前些天|前天|大前天|昨天|刚才|刚刚|上周|上个?礼拜|上个?星期|上个月|前段时间|前阵子|早先|已经|"
           "(礼拜|星期)[一二三四五六天日]|周[一二三四五六日]|[0-9一二三四五六七八九十]+号)")
OWN_EARLIER = re.compile(rf"(我(们)?{EARLIER}?|{EARLIER}(我(们)?)?)(在这里|跟你们|向你们|打(过)?(电话|12345|热线)|在网上)?"
                         r"((反映|报|提交|投诉|举报|申请|登记|提)((过|了)?的|(过|了).{1,15}(的事|的问题|那件事|那个事))|(反映|投诉|举报)过)")
# Waiting for an answer, an approval or a payment that was asked for: always about an earlier
# request ("投诉的邮件为什么一直没有答复", "补贴申请了半年还没到账"). Not "还没人修": that problem goes on.
AWAITING = re.compile(r"(没有?|未|不见)(收到)?(任何)?(答复|回复|回音|到账|到位|批下来|办下来|下文|兑现|发放下来|批复)|"
                      r"(交|递|送)(上去|到).{0,12}(一直|还是?|都)(没|没有)(消息|动静|音讯)|(审|批|办)到哪(一步|了)|"
                      r"迟迟(办|批|发)不下来|还未到(账|位)?|(答复|回复|到账)(了吗|了没|呢)|"
                      r"(批|办|发)下来(了)?(没有?|吗|了吗)|到账(了)?没有?")
# "单号我没记 我电话是…", "工单号忘了 能用手机号查吗": a progress query without its number.
FORGOT_NUMBER = re.compile(r"(工单号|工单|单号|编号|回执)(我)?(也)?(没记|没有记|忘了|忘记了|找不到了?|丢了|记不得|不记得|没保存|删了)")
# A complaint about how a department or its staff handled something: people answer it.
AGAINST_DEPARTMENT = re.compile(
    r"(投诉|举报|质疑|控告)[^，。,\n]{0,12}(局|委员会|发改委|政府|部门|法院|村委|居委会|街道办|派出所|执法队|城管|交警)"
    r"(?!.{0,4}(门口|旁边|附近|对面))|(局|部门|政府|村委会?|居委会|街道办|城管|执法人员)[^，。,\n]{0,8}(不作为|乱作为|推诿|拖延|敷衍|不予受理|不按)")
# After a matter was handed to a person who is not there yet: the resident passes it on, insists
# on it ("你们帮我反映上去就行", "我就是要投诉她"), or asks when someone will be in touch.
PASS_ON = re.compile(r"帮(我|忙)?(反映|转|报|登记|记|投诉|举报)|反映上去|转告|转达|记下来|告诉(他们|工作人员)|"
                     r"(就是|就|一定|非)要(投诉|举报|反映|告)")
WHEN_CONTACTED = re.compile(r"(什么时候|啥时候|多久|几时|几点).{0,6}(联系|回复|回电|打电话|来电话|找我|回我|处理|来人|有人来|上门)|"
                            r"有人(联系|回复|回|管)我?(吗|没|不|伐)")
WHERE = re.compile(r"(去|在|到)哪(里|儿)?|哪个(窗口|地方)")
# "确认提交" after a hand-over out of hours: nothing is filed by saying so; the resident hears
# where the matter stands (a person takes it up), not "好的。还有什么可以帮您？".
SUBMITS = re.compile(r"提交|报上去|交上去")
SHORT_CONFIRMATION = 10
# A letter (longer than this) tells its history on the way: "多次反映都没有答复", a leak or a
# quarrel in passing. What it asks for is in its head, the title and the opening; the progress
# and problem words are looked for there (the classifier and the catalogue still read it all).
LETTER = 120
HEAD = 100
# A need told along with a problem: to go to law without the means ("想告他们 可是请不起律师").
NEEDS_HELP = re.compile(r"(请不起|付不起|雇不起|没钱请|没钱打)(律师|官司)|(想|要|准备|打算)(告|起诉|打官司).{0,12}(没钱|请不起|付不起)")
# Greetings and chat about the weather or the assistant itself: with no problem told, nothing to file.
SMALL_TALK = re.compile(r"吃(过|了)?饭|天气|早上好|中午好|晚上好|你好[呀啊]|在吗|在不在|机器人|真人|你是谁|聊(聊)?天|无聊")
# (伐 is Wu's 吗: "社保能自己交伐")
QUESTION_END = re.compile(r"[吗呢么伐?？]\s*$|(吗|呢|么|伐)[，,。.!！\s]|(行不行|好不好|可不可以|可以不|成不成)\s*$")


@dataclass
class Evidence:
    text: str
    intents: Dict[str, float] = field(default_factory=dict)   # the NLU's ranking
    guide: str = "unknown"            # catalogue search: confident | ambiguous | unknown
    guide_score: float = 0.0
    guide_item: Optional[str] = None
    guide_partial: bool = False       # matched only part of a name (weak in a long letter)
    category: Optional[str] = None    # the incident classifier's category name, if any
    category_score: float = 0.0
    judge: Optional[str] = None       # handoff triggers: sensitive | angry | hardship | None
    ticket_number: Optional[str] = None
    has_ticket: bool = False          # a work order filed in this conversation
    learnt: Optional[str] = None      # the route real messages teach (route_reader.py) …
    learnt_margin: float = 0.0        # … and how far ahead of its runner-up
    follows_up: bool = False          # a service item is under discussion in the conversation
    gives_place: bool = False         # the text names a place of the district
    emergency: bool = False           # a danger said as happening (煤气味, 着火, 被困): 119/110/120 first
    # A call-back case of this conversation waits for staff, opened a few messages ago …
    waiting_case: bool = False
    # … or a work order was filed in it minutes ago: what is added belongs to either.
    recent_ticket: bool = False


@dataclass
class Decision:
    route: str
    scores: Dict[str, float]
    reasons: List[str]
    between: Tuple[str, ...] = ()     # the two readings a clarifying question asks about
    handoff_reason: Optional[str] = None  # for PERSON: api/handoff/states.Reason's code
    # Two requests in one message: the part the route is about, and a question to answer first.
    request: Optional[str] = None
    question: Optional[str] = None
    # Typed after a clarifying question, a message that asks something else instead of answering
    # it: read on its own, not with the message the question was about.
    stands_alone: bool = False

    def as_dict(self) -> dict:
        return {"route": self.route, "between": list(self.between), "reasons": self.reasons,
                "handoff_reason": self.handoff_reason, "request": self.request, "question": self.question,
                "stands_alone": self.stands_alone,
                "scores": {k: round(v, 3) for k, v in self.scores.items()}}


def _prepare(text: str) -> str:
    return normalise(clean(text or ""))


def head(t: str) -> str:
    """What a text asks for: all of a chat line, the head of a letter."""
    return t[:HEAD] if len(t) > LETTER else t


def progress_asked(ev: Evidence) -> Optional[str]:
    """Why this is a progress query, or None: a ticket number, or progress words about the
    resident's own earlier request (this conversation's work order, or "我上次反映的")."""
    t = head(_prepare(ev.text))
    if ev.ticket_number:
        return "工单号"
    if AWAITING.search(t):
        return "等答复、审批或到账"
    if FORGOT_NUMBER.search(t):
        return "工单号忘了"
    if PROGRESS_WORDS.search(t) and (ev.has_ticket or OWN_EARLIER.search(t)):
        return "问自己反映过的事的进度"
    if ev.has_ticket and len(t) <= 30 and AFTER_FILING.search(t):
        return "问刚反映的事多久能办好"
    if OWN_EARLIER.search(t) and HOW_IS_IT.search(t):
        return "问自己反映过的事怎么样了"
    return None


def adds_to_case(ev: Evidence) -> Optional[str]:
    """Why this message is more about the matter a person will take up (a call-back case waits
    in this conversation) or a work order just filed, or None: where it is, a phone to call,
    "帮我反映上去", or when someone will be in touch. A question or a problem of its own is
    another matter."""
    t = _prepare(ev.text)
    if not (ev.waiting_case or ev.recent_ticket) or ev.ticket_number:
        return None
    if ev.waiting_case and (WHEN_CONTACTED.search(t) or (not ev.has_ticket and PROGRESS_WORDS.search(t))
                            or (len(t) <= SHORT_CONFIRMATION and SUBMITS.search(t))):
        return ASKS_WHEN
    if (ASKING_OUTRIGHT.search(t) or ASKING.search(t) or QUESTION_END.search(t) or ev.guide == "confident"
            or PROBLEM.search(t) or len(t) > LETTER):
        return None
    if phone_in(t) or ev.gives_place or PASS_ON.search(t):
        return ADDS_DETAILS
    return None


def settled(made: Decision, prefer: Optional[str] = None) -> Decision:
    """A decision that asks nothing: after one clarifying question, the reading preferred (if
    asked about), else the likelier one."""
    if made.route != CLARIFY:
        return made
    route = prefer if prefer in made.between else max(made.between, key=lambda r: made.scores.get(r, 0.0))
    return Decision(route, made.scores, made.reasons + [f"asked once already: {route}"])


def decide(ev: Evidence) -> Decision:
    t = _prepare(ev.text)
    opening = re.split(r"[。！？!?\n]", t, maxsplit=1)[0][:60]
    scores = {r: 0.0 for r in ROUTES}
    reasons: List[str] = []

    evidence = {r: 0.0 for r in ROUTES}  # what the words, the catalogue and the classifier add

    def add(route: str, amount: float, why: str) -> None:
        scores[route] += amount
        reasons.append(f"{route}+{amount:.2f} {why}")
        if not why.startswith("NLU"):
            evidence[route] += amount

    if ev.judge in ("sensitive", "angry"):
        return Decision(PERSON, scores, [f"handoff trigger: {ev.judge}"], handoff_reason=ev.judge)
    if ev.emergency and len(t) <= LETTER:
        # "煤气味…敲门也没人开 怎么办": the emergency numbers at once, never "咨询还是反映？" first.
        # (A letter tells past fires on the way; it is read on all its evidence.)
        return Decision(INCIDENT, scores, ["an emergency: the report tells 119/110/120 first"])
    why = adds_to_case(ev)
    if why:
        return Decision(CASE, scores, [why])
    why = progress_asked(ev)
    if why:
        return Decision(PROGRESS, scores, [why])
    if AGAINST_DEPARTMENT.search(opening):
        return Decision(PERSON, scores, ["投诉部门或工作人员的办理"], handoff_reason="complaint")

    asking = ASKING_OUTRIGHT.search(opening)
    # "咨询……规划" asks about a plan; it proposes nothing.
    # "我家能不能装个燃气" wants something for one's own home: a question, no proposal.
    lacks = LACKS.search(opening) and not PROBLEM.search(head(t))
    proposing = None if asking or FOR_ONES_HOME.search(opening) else (
        NEW_THING.search(opening) or lacks or SUGGESTING.search(opening))
    suggesting = SUGGESTING_OUTRIGHT.search(opening) or proposing
    for intent, p in ev.intents.items():
        route = INTENT_ROUTE.get(intent)
        if route and route != PROGRESS and p >= 0.05:
            # The model learnt the board's formal style as a suggestion's: without a word
            # that proposes or opines, its reading counts half.
            weight = NLU_WEIGHT * (NLU_UNBACKED_SUGGESTION if route == SUGGESTION and not suggesting else 1.0)
            if route == SERVICE and proposing and not (ASKING.search(opening) or QUESTION_END.search(t)
                                                       or ev.guide == "confident"):
                # "能不能修个坡道" proposes; the model learnt "能不能网上办" as a question.
                weight *= NLU_UNBACKED_SUGGESTION
            add(route, p * weight, f"NLU {intent}")
    if ev.guide == "confident":
        weight = 0.25 if ev.guide_partial else 0.5
        add(SERVICE, weight * min(1.0, ev.guide_score), f"办事指南【{ev.guide_item}】")
        if QUESTION_END.search(t):
            add(SERVICE, 0.2, "问的是办事指南里的事项")
    elif ev.guide == "ambiguous":
        add(SERVICE, 0.2, "办事指南有几项相近")
    if len(t) <= LETTER and asks_about_an_item(ev):
        # "狗证是不是要去注销" asks about a named item and tells no problem: a question, whatever
        # category its subject (狗) and the NLU suggest.
        add(SERVICE, 0.5, "问办事指南里的这一项")
    if ev.category:
        add(INCIDENT, (0.2 if lacks else 0.4) * min(1.0, ev.category_score), f"事项分类【{ev.category}】")
    # "我们住翠苑三区7幢的 去哪里报" after the 新生儿入户 guide: more about that item.
    follow_up = ev.follows_up and not (REPORTING.search(opening) or PROBLEM.search(head(t))) and bool(
        asking or ASKING.search(opening) or QUESTION_END.search(t) or WHERE.search(t))
    if follow_up:
        add(SERVICE, 0.5, "接着问正在说的办事事项")
    if asks_centre_hours(t):
        add(SERVICE, 0.6, "问服务中心几点开门")  # "你们中午休息吗", "礼拜六开门吗": no item, a question
    if asking:
        add(SERVICE, 0.6, "咨询")
    elif ASKING.search(opening):
        add(SERVICE, 0.35, "问怎么办理")
    if REPORTING.search(opening):
        # "反映…小区无公交车的问题": what is reported is a lack, and a lack asks for something new.
        add(INCIDENT, 0.3 if lacks else 0.6, "投诉、举报或请求处理")
    elif NAMES_A_PROBLEM.search(opening) and not asking:
        add(INCIDENT, 0.35, "标题说的是一个问题")
    if PROBLEM.search(head(t)):
        # "社保卡坏了" is broken too, but nothing a department goes out to fix.
        add(INCIDENT, 0.35 if ev.category else 0.25, "说出了问题")
    if SUGGESTING_OUTRIGHT.search(opening):
        add(SUGGESTION, 0.6, "提建议、意见")
    elif proposing:
        add(SUGGESTION, 0.5 if NEW_THING.search(opening) or lacks else 0.2, "要新建、增设，希望、能否")
    request = sum(p for intent, p in ev.intents.items() if intent in INTENT_ROUTE)
    if ev.learnt in (SERVICE, INCIDENT, SUGGESTION) and ev.learnt_margin >= LEARNT_MARGIN and (
            request >= LEARNT_NEEDS_REQUEST or any(evidence.values())):
        # It learnt letters mostly: a chat question about catalogue items ("失业金两个都咋弄", or a
        # follow-up), asked outright ("投诉电话是多少") or for one's own home ("我家能不能装个燃气")
        # it may read as a letter's complaint; there it counts half against the question.
        asks = not REPORTING.search(opening) and bool(asking or ASKING.search(opening) or QUESTION_END.search(t))
        asks_catalogue = (follow_up or FOR_ONES_HOME.search(opening)
                          or asks and (bool(asking) or ev.guide in ("confident", "ambiguous")))
        weight = LEARNT_WEIGHT * (LEARNT_AGAINST_A_QUESTION if asks_catalogue and ev.learnt != SERVICE else 1.0)
        add(ev.learnt, weight * min(1.0, ev.learnt_margin), "像真实来信里的这一类")
    ranked = sorted(ROUTES, key=scores.get, reverse=True)
    best, second = ranked[0], ranked[1]
    # A letter that reports a problem and tells of hardship on the way wants the problem dealt with.
    # "想给我爸办残疾证 他中风了走不了路" names what it asks for: the guide, not the hardship list.
    if ev.judge == "hardship" and not (len(t) > LETTER and best == INCIDENT and evidence[INCIDENT] >= ENOUGH) and not (
            len(t) <= LETTER and asks_about_an_item(ev) and ev.guide == "confident"):
        return Decision(HARDSHIP, scores, reasons + ["describes hardship"])
    if best == INCIDENT and not evidence[INCIDENT] and (
            SMALL_TALK.search(t) or QUESTION_END.search(t) and ev.intents.get("report_incident", 0) <= 0.9):
        # "今天好冷啊 你吃过饭了伐": a question, nothing reported; the NLU's reading alone files nothing.
        return Decision(SERVICE if evidence[SERVICE] else OTHER, scores, reasons + ["a question with no problem told"])
    # After a guide, "阿拉住荷花苑", "店就十几平米", "我住柳岸新村8幢 礼拜六能去伐" tell no problem: more
    # about the item under discussion, neither a report of nothing (on the NLU's or the letters'
    # reading of a fragment) nor a reason to ask "咨询还是反映？".
    no_problem_after_guide = (ev.follows_up and len(t) <= LETTER and not ev.category and not (
        PROBLEM.search(head(t)) or REPORTING.search(opening) or NAMES_A_PROBLEM.search(opening)))
    if no_problem_after_guide and INCIDENT in (best, second) and (best == INCIDENT or scores[best] - scores[second] < CLOSE):
        return Decision(SERVICE, scores, reasons + ["after a guide, no problem told"])
    if (ev.follows_up and len(t) <= LETTER and best == SUGGESTION and not suggesting
            and not (PROBLEM.search(head(t)) or REPORTING.search(opening))):
        # "我们是低保户 住在松竹社区" after a guide proposes nothing: more about the item.
        return Decision(SERVICE, scores, reasons + ["after a guide, nothing proposed"])
    if scores[best] < ENOUGH:
        # Little evidence either way: the NLU's reading stands, but a progress query without a
        # ticket or progress words is a question ("身份证快到期了").
        top = max(ev.intents, key=ev.intents.get, default=None)
        route = INTENT_ROUTE.get(top, OTHER)
        if QUESTION_END.search(t) and evidence[best] and not (PROBLEM.search(head(t)) or REPORTING.search(opening)) and (
                route == OTHER or (route == SUGGESTION and not suggesting)):
            # "那房产证上加个名字呢" (a category named, no problem told): a question; the guide answers
            # what it can, and says honestly what it cannot. Small talk ("你是机器人吗") stays small talk.
            return Decision(SERVICE, scores, reasons + ["little evidence: a question, not a report"])
        if route == SUGGESTION and not suggesting and (len(re.findall(r"\w", t)) < SAYS_LITTLE or ev.follows_up):
            # "就是那个老年人的": too little to file as a proposal; "我们是低保户 住在松竹社区" after a
            # guide is more about it. The guide asks what is meant.
            return Decision(SERVICE, scores, reasons + ["little evidence: nothing proposed"])
        if route == OTHER and evidence[best]:
            # "翠苑二区2幢边上的路面有个大坑" read as a bare address: the classifier's category stands.
            return Decision(best, scores, reasons + ["little evidence, but some, and the NLU read no request"])
        return Decision(SERVICE if route == PROGRESS else route, scores, reasons + ["little evidence: the NLU's reading"])
    # Close on the NLU's word alone is no reason to ask: both readings need evidence of their own.
    if (scores[best] - scores[second] < CLOSE and scores[second] >= ENOUGH and {best, second} == {SERVICE, INCIDENT}
            and len(t) <= LETTER and asks_about_an_item(ev)):
        # "家里装修好了一堆垃圾 装修垃圾怎么清运 收钱伐" names an item and asks, telling no problem:
        # the category its subject suggests (建筑垃圾乱倒) is no reason to ask which is meant.
        return Decision(SERVICE, scores, reasons + ["asks about a named item, no problem told"])
    if (best == INCIDENT and ev.guide == "confident" and not ev.guide_partial and len(t) <= LETTER
            and NEEDS_HELP.search(t)):
        # "被公司开除了 一分钱补偿都没给 想告他们 可是请不起律师": the report, and first the item
        # (法律援助) that meets the need said with it.
        return Decision(INCIDENT, scores, reasons + [f"另说了要办的事：办事指南【{ev.guide_item}】"],
                        request=ev.text, question=ev.text)
    if (scores[best] - scores[second] < CLOSE and scores[second] >= ENOUGH and evidence[best] and evidence[second]
            and {best, second} <= {SERVICE, INCIDENT, SUGGESTION}):
        return Decision(CLARIFY, scores, reasons + ["two readings are close"], between=(best, second))
    return Decision(best, scores, reasons)


# Two requests in one chat message ("问一下老年证怎么办，还有我家楼下路灯坏了"), joined by a word
# or a full stop. Each half is read on its own evidence; a letter is read whole.
JOINS = re.compile(r"[，,、。；;！!？?\s]*(还有(一件事|件事|个事|一个事|一个问题|个问题|就是|(?![0-9一二三四五六七八九十几两半多好]))|另外|此外|顺便|同时|再(请)?问(一下|下)?|对了)[，,：:\s]*"
                   r"|[。；;！!？?\n]+\s*")
MIN_PART = 4   # word characters in each half
MAX_SPLITS = 3


def halves(text: str) -> List[Tuple[str, str]]:
    """Where a chat message may hold two requests: (before, after) at each join, first ones first."""
    t = clean(text or "")
    if len(t) > LETTER:
        return []
    out = []
    for m in JOINS.finditer(t):
        a, b = t[:m.start()], t[m.end():]
        if len(re.findall(r"\w", a)) >= MIN_PART and len(re.findall(r"\w", b)) >= MIN_PART:
            out.append((a, b))
    return out[:MAX_SPLITS]


WANTS_TO = re.compile(r"(想|要|准备|打算)(给.{1,4})?(办|申请|领|补|换|开)")


def asks_telling_no_problem(t: str) -> bool:
    """A question (prepared text) that reports nothing and tells no problem."""
    return (not REPORTING.search(t) and not PROBLEM.search(t)
            and bool(ASKING_OUTRIGHT.search(t) or ASKING.search(t) or QUESTION_END.search(t) or WANTS_TO.search(t)))


def asks_about_an_item(ev: Evidence) -> bool:
    """A question about a named catalogue item, with no problem told in it ("问一下老年证怎么办");
    or about one of a few items, asked outright ("顺便问一下 我儿子是重度残疾 白天能送到哪里托养")."""
    t = _prepare(ev.text)
    found = (ev.guide == "confident" and not ev.guide_partial) or (ev.guide == "ambiguous" and ASKING_OUTRIGHT.search(t))
    return bool(found) and asks_telling_no_problem(t)


def asks_something_else(earlier: Evidence, latest: Evidence) -> bool:
    """A question about another catalogue item, typed instead of answering the clarifying question
    ("狗证是不是要去注销" → "您是想咨询…还是要反映问题？" → "养老保险一个月交多少"). An answer that
    names the item asked about again ("咨询 狗证注销要带啥") is an answer."""
    asks = latest.guide in ("confident", "ambiguous") and asks_telling_no_problem(_prepare(latest.text))
    return asks and not (asks_about_an_item(earlier) and earlier.guide_item == latest.guide_item)


def two_questions(one: Tuple[Evidence, Decision], other: Tuple[Evidence, Decision]) -> Optional[Decision]:
    """Two questions, each naming its own catalogue item ("生育津贴咋领 还有准生证在哪办"): the
    guide answers the first (request) and offers the second (question)."""
    (a, made), (b, _) = one, other
    if (asks_about_an_item(a) and asks_about_an_item(b) and a.guide == b.guide == "confident"
            and a.guide_item != b.guide_item):
        return Decision(SERVICE, made.scores, [f"两个办事问题：【{a.guide_item}】【{b.guide_item}】"],
                        request=a.text, question=b.text)
    return None


def two_requests(one: Tuple[Evidence, Decision], other: Tuple[Evidence, Decision]) -> Optional[Decision]:
    """A question about a catalogue item, and a report or a suggestion, in the halves of one
    message: the decision for the report or suggestion, carrying the question to answer first.
    The halves are read without the NLU (it read the whole), so the question must name an item
    and ask; the other half is a report or a suggestion on its own evidence (a report the
    router would ask about, if the classifier names its category).
    """
    for (qe, _), (oe, od) in ((one, other), (other, one)):
        # "老年人会弄伐" beside a question is more of it: a half that asks tells no problem of its own.
        asks_only = QUESTION_END.search(_prepare(oe.text)) and not (PROBLEM.search(oe.text) or REPORTING.search(oe.text))
        # A report's half tells a problem or names a category: "他是有退休工资的" (the learnt reader's
        # report, on a fragment) reports nothing.
        tells = oe.category or PROBLEM.search(oe.text) or REPORTING.search(oe.text)
        if (asks_about_an_item(qe) and not asks_about_an_item(oe) and not asks_only
                and (od.route == SUGGESTION or (od.route in (INCIDENT, CLARIFY) and tells))):
            return Decision(SUGGESTION if od.route == SUGGESTION else INCIDENT, od.scores,
                            od.reasons + [f"另问办事指南【{qe.guide_item}】"],
                            request=oe.text, question=qe.text)
    return None
