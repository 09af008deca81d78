"""Reporting a grid incident (a form) and asking how it is going.

The backend classifies, locates, files and keeps the work order; these actions only collect
what is missing, read it back, and pass it on."""
import re
import uuid
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import backend
from actions.human import first_aid, hand_over_because, people_should_answer
from actions.routing import ending_turn, request_and_question, routed_elsewhere
from actions.service import answer_first, first_entity, resident_text, utter_answer
from shared.patterns import MASKED_PHONE, PHONE, PHONE_FORMAT_HELP, TICKET_EXAMPLE, mask, phone_in, ticket_number_in
from shared.textnorm import normalise

EMERGENCY = "⚠️ 这是紧急情况！请马上拨打119（火警、燃气泄漏、被困）、110（治安）或120（有人受伤），先保证人身安全。\n我同时把情况登记为最高等级（重大），马上派单。"
# What to do at once, for the emergencies residents most often meet, after the numbers to call
# (the first that applies: a fire before the gas that may have started it).
SAFETY = [
    # Someone shut in a lift: the lift's own rescue line reaches the maintenance company fastest.
    (re.compile(r"电梯.{0,12}(困|关|卡)|(困|关|卡)(在)?.{0,6}电梯"),
     "电梯困人请同时拨打电梯应急救援电话96333（电梯里的报警按钮也能呼叫维保单位），让被困的人不要扒门、不要乱按。"),
    (re.compile(r"起火|着火|失火|火灾|烧起来|冒(黑)?烟"),
     "着火了：先带家人离开，不要坐电梯，用湿毛巾捂住口鼻、弯腰走；门把手烫手就别开门，关门堵缝等救援。到安全的地方再打119。"),
    # A spark sets gas off: no switch, no flame, no phone call indoors.
    (re.compile(r"(煤气|燃气|天然气|液化气).{0,6}(味|漏|泄)|漏气"),
     "闻到燃气味：不要开关电灯、电器和排气扇，不要打火，也不要在屋里打电话；轻轻打开门窗通风，能做到的话关掉燃气表前的阀门；"
     "人先撤到室外，再打119或燃气公司抢修电话。"),
]
CORRECTION = ("改成", "改为", "不对", "写错", "错了", "应该是", "换成", "更正")
FORM_SLOTS = ["incident_description", "incident_address", "contact_phone", "incident_confirm", "incident_draft",
              "incident_address_tries", "incident_pending", "requested_slot"]
PENDING = ("抱歉，系统暂时没能提交，您的信息我还留着，这次还没有生成工单。请稍后回复“确认提交”再试，"
           "不报了就回复“取消”；着急的话也可以拨打{hotline}。")
CONFIRM_WORDS = ("确认", "提交")
# "翠苑三区7幢2单元" told when the phone is asked: a place (names_a_place).
PLACE_WORDS = re.compile(r"[幢栋苑]|单元|小区|新村|花园|[0-9一二三四五六七八九十]+号|[路街巷]|村")
# What is left of "我的电话是138 0571 6688" without the number and its words: a place, if anything.
PHONE_WORDS = re.compile(r"[0-9０-９\s\-—+＋*＊]+|联系|电话|手机|号码|号|我的|我|是|打|这个|：|:|，|,|。")
PLACE_LEFT = re.compile(r"[\u4e00-\u9fff]{2,}")
# "不对，地址是荷花苑11幢门口": the place is what follows the lead-in.
LEAD_IN = re.compile(r"^(地址|地点|位置|地方)(应该|应当)?(是|在|为|写)?[：:，,]?|^(是在|应该在|在)")
# A place the resident can tell no better: a crossing, a stop, a landmark, or no number to give.
BEST_TOLD = re.compile(r"路口|交叉口|交汇处?|十字|丁字|公交站|车站|站台|地铁站|桥[上下头边]|说不清|讲不清|不知道(几号|门牌|具体)|"
                       r"没有?(门牌|几号|号码牌)|不清楚(几号|门牌)|"
                       # a landmark with no house number (湖滨公园): the command centre knows it
                       r"公园|广场|菜场|菜市场|农贸市场|停车场|绿道|(河|江|湖)边|小学|中学|幼儿园|学校|医院|卫生院|超市|商场|"
                       # an estate's gate (荷花苑大门口): one spot, though the estate has many buildings
                       r"(大门|正门|东门|西门|南门|北门|后门|侧门)口?")
# A house number the gazetteer does not have, in a community it does ("青山社区青山路88号"): as
# precise as an address gets; the command centre finds its grid among the community's.
HOUSE_NUMBER = re.compile(r"[路街巷弄道]\d+号|\d+(幢|栋|号楼)")
# "翠苑三区靠近7幢那块草坪 电话13588776655": the number goes to the phone, not into the place.
PHONE_TOLD = re.compile(rf"[，,、\s]*(我的?|本人)?(联系)?(电话|手机号?|号码|联系方式)?(是|为|[:：])?\s*"
                        rf"({MASKED_PHONE.pattern}|{PHONE.pattern})")
KEPT_AS_TOLD = "好的，我按您说的地点记录，由指挥中心核实具体位置。"
# Asked twice and answered with a phone or "确认提交" (a taxi taken from somewhere, wages owed):
# no place to give; the report goes on without one, for the command centre to confirm.
PLACE_UNTOLD = "未说明具体地点（见问题描述）"
NO_PLACE_OK = "好的，地点就不填了，按您描述的情况提交，由指挥中心核实。"
# A resident who will not, or cannot, leave a phone: the report is filed without one.
NO_PHONE = "不留"
DECLINES_PHONE = re.compile(r"(不想|不愿意?|不方便|不能|不好|不要|没法|不)(留|给|说|提供|透露)(你们?)?(电话|号码|手机|联系方式)?|"
                            r"不留|没有?(电话|手机)|匿名|电话(就)?(算了|不留了?|不给了?)")
NO_PHONE_OK = ("好的，不留电话也可以提交。没有电话，工作人员就没法联系您核实情况，"
               "处理进展请用提交后给您的工单号来查。")
# A read-back is confirmed by the button, by anything the NLU reads as affirm, or by a short
# typed reply that says so, whichever intent the NLU gave it ("确认提交" was once read as a
# progress query: the form refused it, the status rule answered and the read-back came again).
CONFIRM_STEMS = ("确认", "提交", "确定")
AGREE = ("对", "对的", "是", "是的", "好", "好的", "行", "可以", "没问题", "没错", "ok", "yes", "嗯", "嗯嗯", "对对")
# A thumb or an OK, as an emoji or as WeChat's own emoticon ("[强]"), agrees too.
AGREE_SIGNS = re.compile(r"👍|👌|✅|🆗|\[(强|ok|好的)\]")
# A reply with no Chinese word and no number in it, besides emoticons ("😀", "[微笑]", "duang",
# "？？"), says nothing: the NLU still reads such replies as affirm (0.84–0.91), and a report must
# never be filed on a smiley.
SAYS_SOMETHING = re.compile(r"[\u4e00-\u9fff0-9]")
WECHAT_EMOTICON = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,4}\]")
NEGATION = ("不", "别", "没提", "未")
PUNCT = re.compile(r"[\s，,。.！!？?~～、…:：]+")
PARTICLES = re.compile(r"[吧啊呀了哈嘛哦噢啦]+$")
MAX_CONFIRM_CHARS = 8
EARLIER = re.compile(r"(提交|确认)的")  # "我提交的问题" is about an earlier report, not this one
CONFIRM_BUTTONS = [{"title": "确认提交", "payload": "/affirm"}, {"title": "取消", "payload": "/deny"}]
WHAT_TO_CHANGE = ("好的，哪里不对？请直接告诉我正确的地点或电话，比如“应该是柳岸新村6幢”“电话改成13912345678”。"
                  "没问题就点“确认提交”，不报了就点“取消”。")
NOT_UNDERSTOOD = "没看明白您的意思。没问题请点“确认提交”；要改地点或电话，直接告诉我正确的；不报了就点“取消”。"
MAX_ADDRESS_TRIES = 2
# The resident's whole message is the description (the chat takes up to RSA_MAX_MESSAGE_CHARS,
# at most 2000); this only guards against what the backend would refuse anyway.
MAX_DESCRIPTION = 5000
READ_BACK_CHARS = 200  # of a long description, the read-back shows the start and says it is all kept


def after_correction(text: str) -> str:
    """'地址写错了，应该是荷花苑13幢' → '荷花苑13幢'."""
    return _corrected(text) or text


def _corrected(text: str) -> str:
    """What follows the last correction word ('' when nothing does, as in a bare '不对')."""
    end = max(text.rfind(c) + len(c) for c in CORRECTION if c in text)
    return LEAD_IN.sub("", text[end:].strip(" ，,。：:是！!")).strip(" ，,。：:！!")


def bare_correction(text: str) -> bool:
    """'不对' / '写错了' with nothing after it: the resident has not said yet what is wrong."""
    return any(c in text for c in CORRECTION) and not PARTICLES.sub("", PUNCT.sub("", _corrected(text)))


def is_confirmation(text: str, intent: str = None) -> bool:
    """'确认提交', '提交。', '对的', '没问题！' … typed while the read-back waits; never '不提交',
    a correction, a phone number, or a question the NLU saw as one."""
    if not text or text.startswith("/") or intent in ("deny", "request_human", "ask_service"):
        return False
    if any(c in text for c in CORRECTION) or phone_in(text) or ticket_number_in(text):
        return False
    bare = PARTICLES.sub("", PUNCT.sub("", normalise(text)))
    unsigned = AGREE_SIGNS.sub("", bare)
    if bare in AGREE or unsigned != bare and (not unsigned or unsigned in AGREE):
        return True
    if not bare or len(bare) > MAX_CONFIRM_CHARS or any(n in bare for n in NEGATION) or EARLIER.search(bare):
        return False
    return any(w in bare for w in CONFIRM_STEMS)


def says_nothing(text: str) -> bool:
    """'😀', 'duang', '？？' typed at the read-back: neither yes nor no (a button's payload says yes)."""
    return (bool(text) and not text.startswith("/") and not SAYS_SOMETHING.search(WECHAT_EMOTICON.sub("", text))
            and not is_confirmation(text))


def read_back(desc: str) -> str:
    if len(desc) <= READ_BACK_CHARS:
        return desc
    return f"{desc[:READ_BACK_CHARS]}……（共{len(desc)}字，全文都会提交）"


class ActionStartIncident(Action):
    """Start a report: keep the resident's words, warn at once in an emergency, and fill
    what the first message already says (place, phone)."""

    def name(self) -> Text:
        return "action_start_incident"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        routed = routed_elsewhere(dispatcher, tracker, self.name(), screened=True)
        if routed is not None:
            return routed
        text, question = request_and_question(tracker, resident_text(tracker))
        events = [SlotSet("incident_description", text[:MAX_DESCRIPTION]), SlotSet("incident_draft", uuid.uuid4().hex),
                  SlotSet("incident_confirm", None), SlotSet("incident_pending", None), SlotSet("incident_address", None),
                  SlotSet("incident_address_tries", 0)]
        try:
            c = backend.classify_incident(text)
            where = backend.locate(text)
        except backend.BackendError:
            dispatcher.utter_message(text=backend.unavailable())
            return [ActiveLoop(None)]
        phone = phone_in(text) or first_entity(tracker, "phone")
        # People take it from here, with the report so far: staff file it from the console.
        draft = {"incident": {"description": text[:MAX_DESCRIPTION], "category": c["category"], "grade": c["grade"],
                              "address": (where.get("place") or text[:200]) if where["status"] == "found" else None, "phone": phone}}
        handed = people_should_answer(dispatcher, tracker, text, draft)
        if handed is None and c["mediation"] and not c["emergency"]:
            handed = hand_over_because(dispatcher, tracker, "dispute", draft)
            if c.get("also_ask"):
                # Wages owed: the department that deals with it takes complaints directly too.
                dispatcher.utter_message(text=f"这类事也可以直接向{c['also_ask']['name']}反映，电话{c['also_ask']['phone']}。")
        if handed is not None:
            return handed
        if c["emergency"]:
            dispatcher.utter_message(text=EMERGENCY)
            for danger, advice in SAFETY:
                if danger.search(text):
                    dispatcher.utter_message(text=advice)
                    break
        first_aid(dispatcher, text)
        events += answer_first(dispatcher, tracker, question)
        what = c["category"] or "您反映的问题"
        dispatcher.utter_message(text=f"收到，我来帮您登记【{what}】。")
        if where["status"] == "found":
            events.append(SlotSet("incident_address", where.get("place") or text[:200]))  # the address as written
        elif where["status"] != "outside" and (as_told := told_best(text, where.get("place"))):
            # The form's validation keeps it as told, and says so.
            events.append(SlotSet("incident_address", as_told))
        if phone:
            events.append(SlotSet("contact_phone", phone))
        # Started by a rule after report_incident, or by another action for a report the NLU
        # took for something else: either way the form runs next.
        return events + [FollowupAction("incident_form")]


class ValidateIncidentForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_incident_form"

    async def extract_incident_address(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if text.startswith("/"):
            return {}
        if any(c in text for c in CORRECTION) and not phone_in(text):
            if bare_correction(text):
                return {}  # a bare "不对": the read-back asks what is wrong, it is not a place
            return {"incident_address": after_correction(text)}  # 地址写错了，应该是柳岸新村6幢
        asked = tracker.get_slot("requested_slot") == "incident_address"
        # "电话 138 0571 6688" or "确认提交" typed while the place is asked: no place in them, and
        # the place is asked again (an empty answer, not a turn the form refuses).
        if is_confirmation(text, intent) or any(w in text for w in CONFIRM_WORDS) or (
                phone_in(text) and not PLACE_LEFT.search(PHONE_WORDS.sub("", text))):
            if not asked:
                return {}
            tries = int(tracker.get_slot("incident_address_tries") or 0)
            # asked once already: the second time, no place is to be had
            return {"incident_address": PLACE_UNTOLD} if tries >= 1 else {"incident_address": None,
                                                                           "incident_address_tries": tries + 1}
        if intent in ("deny", "ask_service", "request_human", "check_incident_status", "goodbye") and not (
                asked and BEST_TOLD.search(text)):
            return {}
        if asked:
            return {"incident_address": text}
        if tracker.get_slot("requested_slot") == "contact_phone" and names_a_place(text):
            return {"incident_address": text}  # a better place told when the phone was asked
        return {}

    async def extract_contact_phone(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = tracker.latest_message.get("text") or ""
        phone = phone_in(text) or first_entity(tracker, "phone")
        if phone:
            return {"contact_phone": phone}
        if tracker.get_slot("requested_slot") == "contact_phone" and not text.startswith("/"):
            if DECLINES_PHONE.search(text):
                return {"contact_phone": NO_PHONE}
            if names_a_place(text):
                return {}  # the place, improved (extract_incident_address); the phone is asked again
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if intent not in ("deny", "ask_service", "request_human", "check_incident_status"):
                return {"contact_phone": text}
        return {}

    async def extract_incident_confirm(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "incident_confirm":
            return {}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = tracker.latest_message.get("text") or ""
        if intent == "affirm" and not bare_correction(text) and not says_nothing(text) or is_confirmation(text, intent):
            return {"incident_confirm": True}
        if bare_correction(text) or says_nothing(text):
            # "不对" alone: not a cancellation (the deny rule would drop the whole report) and not
            # a place; the form stays on the read-back, which asks what to change. A smiley: the
            # same, asking again.
            return {"incident_confirm": None}
        return {}

    def validate_incident_address(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if not value:
            return {"incident_address": None}
        tries = int(tracker.get_slot("incident_address_tries") or 0) + 1
        if value == PLACE_UNTOLD:
            dispatcher.utter_message(text=NO_PLACE_OK)
            return {"incident_address": value, "incident_address_tries": 0}
        value = PHONE_TOLD.sub("", value).strip(" ，,。、") or value
        try:
            where = backend.locate(value)
        except backend.BackendError:
            dispatcher.utter_message(text=backend.unavailable())
            return {"incident_address": None}
        if where["status"] == "found":
            return {"incident_address": value, "incident_address_tries": 0}
        if where["status"] != "outside" and (BEST_TOLD.search(value) or (
                where["status"] == "ambiguous" and where.get("candidates") and HOUSE_NUMBER.search(normalise(value)))):
            # A crossing, a bus stop, "没有门牌号": as precise as the resident can be. Never guessed:
            # the words are kept and the command centre confirms the place.
            dispatcher.utter_message(text=KEPT_AS_TOLD)
            return {"incident_address": value, "incident_address_tries": 0}
        if where["status"] == "outside":
            dispatcher.utter_message(text=where["question"] + f"如果问题在{backend.district()['name']}，请告诉我具体地点；不需要了可以回复“取消”。")
            return {"incident_address": None, "incident_address_tries": tries}
        if tries > MAX_ADDRESS_TRIES:
            # Never guessed: the words are kept and the command centre confirms the place.
            dispatcher.utter_message(text=KEPT_AS_TOLD)
            return {"incident_address": value, "incident_address_tries": 0}
        # What is wrong with it; the form asks for the place again next, in its own words.
        dispatcher.utter_message(text=where.get("problem") or where["question"])
        return {"incident_address": None, "incident_address_tries": tries}

    def validate_contact_phone(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if not value:
            return {"contact_phone": None}
        if value == NO_PHONE:
            dispatcher.utter_message(text=NO_PHONE_OK)
            return {"contact_phone": NO_PHONE}
        phone = phone_in(value or "")
        if phone:
            return {"contact_phone": phone}
        dispatcher.utter_message(text="这个号码好像不对。" + PHONE_FORMAT_HELP)
        return {"contact_phone": None}


class ActionAskIncidentConfirm(Action):
    """Read everything back before filing."""

    def name(self) -> Text:
        return "action_ask_incident_confirm"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        desc = tracker.get_slot("incident_description") or ""
        addr = tracker.get_slot("incident_address") or ""
        try:
            c = backend.classify_incident(desc)
            where = backend.locate(addr)
        except backend.BackendError:
            c, where = {"category": None, "grade": "一般", "lead_department": "指挥中心"}, {"status": "unknown"}
        place = f"{where['street']}{where['community']}（{where['grid']}）" if where.get("status") == "found" else "待核实"
        latest = tracker.latest_message.get("text") or ""
        if bare_correction(latest) or says_nothing(latest):
            dispatcher.utter_message(text=WHAT_TO_CHANGE if bare_correction(latest) else NOT_UNDERSTOOD,
                                     buttons=CONFIRM_BUTTONS)
            return []
        dispatcher.utter_message(
            text=("请核对一下，我将这样提交：\n"
                  f"问题：{read_back(desc)}\n"
                  f"类别：{c['category'] or '由指挥中心分类'}（{c['grade']}）\n"
                  f"地点：{addr}，{place}\n"
                  f"承办：{c.get('first_handler_name') or c['lead_department']}\n"
                  f"联系电话：{phone_line(tracker.get_slot('contact_phone'))}\n"
                  "没问题请点“确认提交”。要改地点或电话，直接告诉我正确的；不报了就点“取消”。"),
            buttons=CONFIRM_BUTTONS)
        return []


class ActionSubmitIncident(Action):
    def name(self) -> Text:
        return "action_submit_incident"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        if not tracker.get_slot("incident_confirm"):
            return ActionCancelIncident().run(dispatcher, tracker, domain)
        key = f"{tracker.sender_id}:{tracker.get_slot('incident_draft')}"
        try:
            res = backend.file_ticket(
                description=tracker.get_slot("incident_description") or "",
                address=tracker.get_slot("incident_address") or "",
                **phone_fields(tracker.get_slot("contact_phone")),
                channel=tracker.get_latest_input_channel() or "h5", sender=tracker.sender_id,
                idempotency_key=key)
        except backend.BackendError:
            res = filed_meanwhile(key)
        if res is None:
            # Nothing is lost: the slots stay filled and the confirmation stays pending, so the
            # resident's next "确认提交" files it with the same key (one ticket, however often).
            dispatcher.utter_message(text=PENDING.format(hotline=backend.hotline()),
                                     buttons=[{"title": "确认提交", "payload": "/affirm"}, {"title": "取消", "payload": "/deny"}])
            return [SlotSet("incident_pending", True)]
        if "error" in res:
            dispatcher.utter_message(text=f"没能提交：{res['error']}")
            return [SlotSet(s, None) for s in FORM_SLOTS]
        if res.get("merged_into"):
            text = (f"已登记，工单号{res['number']}。这个问题已经有人反映过（工单{res['merged_into']}），"
                    "我们把您的反映并入一起处理，不会重复派单，进展可以用任一工单号查询。")
        else:
            text = (f"已提交！工单号：{res['number']}\n承办单位：{res['department']}\n"
                    f"办理时限：{res['deadline'].replace('T', ' ')}前\n"
                    "之后想查进度，告诉我工单号或者说“我反映的问题怎么样了”。")
        dispatcher.utter_message(text=text)
        return [SlotSet(s, None) for s in FORM_SLOTS]


def filed_meanwhile(key: str):
    """The ticket filed under this key, or None. A timeout does not mean it was not filed:
    the backend may have committed it after we stopped waiting."""
    try:
        return backend.ticket_by_key(key)
    except backend.BackendError:
        return None


def told_best(text: str, place: str) -> Optional[str]:
    """The place found in a report, when it is a landmark or a crossing named as precisely as a
    resident can ("湖滨公园里面", "望江路和江畔路那个路口"): it is not asked for again. Of several
    places found ("12路；湖滨路"), the first so told."""
    if place and "；" in place:
        return next(filter(None, (told_best(text, p) for p in place.split("；"))), None)
    at = text.find(place or "\0")
    told = BEST_TOLD.search(text, at, at + len(place) + 6) if at >= 0 else None
    # … and names which one: "路口" or "公园" alone does not.
    rest = re.sub(r"\W|孩子|小孩|我家|我们|他们|家里|这个|那个|附近|旁边|门口|这|那", "", place.replace(told.group() if told else "", ""))
    if told and len(rest) >= 2:
        return text[at:max(at + len(place), told.end())]
    return None


def names_a_place(text: str) -> bool:
    """"翠苑三区7幢2单元": a place, not a phone number gone wrong."""
    return bool(PLACE_WORDS.search(text)) and not re.search(r"\d{7,}", text)


def phone_line(phone: str) -> str:
    return "不留（工作人员无法回电，进展用工单号查）" if phone == NO_PHONE else mask(phone)


def phone_fields(phone: str) -> dict:
    """The filing's phone, or none at all when the resident would not leave one."""
    return {"phone": "", "anonymous": True} if phone == NO_PHONE else {"phone": phone or ""}


class ActionCancelIncident(Action):
    def name(self) -> Text:
        return "action_cancel_incident"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        if (tracker.active_loop_name == "incident_form" and tracker.get_slot("requested_slot") == "contact_phone"
                and DECLINES_PHONE.search(text) and not text.startswith("/")):
            # "不想留电话可以吗", read as "no": no to the phone, not to the report.
            dispatcher.utter_message(text=NO_PHONE_OK)
            return [SlotSet("contact_phone", NO_PHONE), FollowupAction("incident_form")]
        if (tracker.active_loop_name == "incident_form" and tracker.get_slot("requested_slot") == "incident_address"
                and BEST_TOLD.search(text) and not text.startswith("/")):
            # "十字路口，没有门牌号", read as "no": the place as well as it can be told.
            dispatcher.utter_message(text=KEPT_AS_TOLD)
            return [SlotSet("incident_address", text), SlotSet("incident_address_tries", 0), FollowupAction("incident_form")]
        dispatcher.utter_message(text="好的，已取消，这次没有提交。需要时再跟我说就行。")
        return [ActiveLoop(None)] + [SlotSet(s, None) for s in FORM_SLOTS]


class ActionIncidentStatus(Action):
    """Status by ticket number or "my report about X". Others' tickets show progress only."""

    def name(self) -> Text:
        return "action_incident_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        return ending_turn(tracker, self.status(dispatcher, tracker, domain))

    def status(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = resident_text(tracker)
        number = first_entity(tracker, "ticket_id")
        number = (number or ticket_number_in(text) or "").upper()
        if not number and tracker.get_slot("incident_pending") and any(w in text for w in CONFIRM_WORDS):
            # "确认提交" typed after a failed filing: the pending report, not a progress query.
            return ActionSubmitIncident().run(dispatcher, tracker, domain)
        # "身份证快到期了", "路灯坏了一个月了怎么还没人修": no ticket to be about, no progress asked.
        routed = routed_elsewhere(dispatcher, tracker, self.name())
        if routed is not None:
            return routed
        try:
            if number:
                t = backend.ticket(number, tracker.sender_id)
                if t is None:
                    dispatcher.utter_message(text=f"没有找到工单{number}，请核对一下号码（格式如{TICKET_EXAMPLE}）。")
                    return []
            else:
                mine = backend.my_tickets(tracker.sender_id, text)
                if not mine:
                    return self.no_ticket(dispatcher, tracker, text)
                t = mine[0]
        except backend.BackendError:
            dispatcher.utter_message(text=backend.unavailable())
            return []
        # The backend words the progress (a merged report: the work order handling it), as this
        # viewer may see it; the action only relays it.
        dispatcher.utter_message(text=t["progress"])
        return []

    @staticmethod
    def no_ticket(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> List[Dict]:
        """Nothing reported in this conversation. An application the text names ("低保申请交上去
        一个月了，批下来没有") is told its time limit, and who can say how far it has got."""
        res = backend.service_answer(text=text[:2000], aspect_hint="time", community=tracker.get_slot("community"))
        if res["status"] == "answered" and res.get("service_code"):
            dispatcher.utter_message(text=f"各窗口受理的申请，办理进度我这里查不到。【{res['service_name']}】的办理时限如下，"
                                          f"超过时限还没有结果的，可以打受理窗口的电话问（点“在哪办”看地址和电话），"
                                          f"也可以拨打{backend.hotline()}。")
            return [SlotSet("aspect", res["aspect"])] + utter_answer(dispatcher, res)
        # "我电话是138…能查到伐": a phone number opens no one's reports (anyone may type one).
        by_phone = "凭电话号码查不了（为保护反映人的信息）。" if phone_in(text) else ""
        dispatcher.utter_message(text=f"在这个对话里没有查到您反映过的问题。{by_phone}如果有工单号，请直接告诉我（如{TICKET_EXAMPLE}），"
                                      f"提交时会发给您；找不到工单号，或是在其他部门申请、办理的事项，可以拨打{backend.hotline()}，"
                                      "核实身份后帮您查进度。")
        return []
