"""Hand the conversation to people at the resident's community service centre; tell a resident
describing hardship the benefits that answer it, with a person on offer."""
import json
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import backend
from shared.patterns import mask, phone_in

TRANSCRIPT_EVENTS = 40
# "我家困难，给我转人工": the resident asks for a person in so many words and gets one. Without
# them ("没收入，一个人带孩子，政府能管不") hardship is answered first, a person offered.
ASKS_FOR_PERSON = re.compile(r"人工|工作人员|真人|客服|找个?人|有人(吗|在)|转接")
PERSON_BUTTON = {"title": "找工作人员", "payload": "/request_human"}
# Ends the turn: whatever the rules planned next (a canned reply, a form, a guide) does not come.
END_TURN = FollowupAction("action_listen")


def transcript(tracker: Tracker) -> List[dict]:
    """The conversation so far; lines heard over the phone carry the speech gateway's
    confidence (message metadata `asr_confidence`) so staff know what may be misheard."""
    out = []
    for e in tracker.events:
        if e.get("event") == "user" and e.get("text") and not e["text"].startswith("/"):
            line = {"author": "resident", "text": e["text"]}
            confidence = (e.get("metadata") or {}).get("asr_confidence")
            if confidence is not None:
                line["asr_confidence"] = confidence
            out.append(line)
        elif e.get("event") == "bot" and e.get("text") and not (e.get("metadata") or {}).get("from"):
            # Staff lines and handoff notices (the backend writes them here too) are in their case already.
            out.append({"author": "bot", "text": e["text"]})
    return out[-TRANSCRIPT_EVENTS:]


def understood(tracker: Tracker) -> dict:
    """What the assistant understood, for the staff member taking over."""
    latest = tracker.latest_message or {}
    slots = {k: v for k, v in tracker.slots.items() if v not in (None, False, 0, "") and k != "requested_slot"}
    return {"intent": (latest.get("intent") or {}).get("name"), "confidence": (latest.get("intent") or {}).get("confidence"),
            "entities": [{"entity": e.get("entity"), "value": e.get("value")} for e in latest.get("entities") or []],
            "slots": slots}


class ActionRequestHuman(Action):
    reason = "asked"

    def name(self) -> Text:
        return "action_request_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        if self.reason == "asked" and text and not text.startswith("/") and not ASKS_FOR_PERSON.search(text):
            # The model read a request for a person where the resident asked for none ("学校门口的
            # 减速带被压坏了"): the router's reading on all the evidence decides.
            from actions.routing import routed_elsewhere  # actions.routing uses this module
            routed = routed_elsewhere(dispatcher, tracker, self.name(), screened=True)
            if routed is not None:
                return routed
        if not text.startswith("/"):
            # "窗口的人故意刁难我" asks for a person and is a complaint about staff: it goes over as
            # sensitive (with the safety line), whichever intent the NLU gave it.
            handed = people_should_answer(dispatcher, tracker, text,
                                          benefits=self.reason == "asked" and not ASKS_FOR_PERSON.search(text))
            if handed is not None:
                return handed
        return self.hand_over(dispatcher, tracker, self.reason)

    @staticmethod
    def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, context: dict = None,
                  risk: Optional[str] = None) -> List[Dict]:
        """context: more for the staff member, e.g. the report the resident was making. Ends the
        turn: a paused conversation waits for staff; otherwise (out of hours, or no connection)
        nothing the rules planned follows the handoff ("不想活了", read as `deny`, must not get
        "好的。还有什么可以帮您？", nor a wage dispute the report form's "请问具体在什么地方？")."""
        try:
            case = backend.open_handoff(sender=tracker.sender_id, channel=tracker.get_latest_input_channel() or "h5",
                                        reason=reason, community=tracker.get_slot("community"),
                                        context={**understood(tracker), **(context or {})},
                                        transcript=transcript(tracker))
        except backend.BackendError:
            dispatcher.utter_message(text=f"抱歉，人工服务暂时连接不上。请拨打政务服务热线{backend.hotline()}（24小时）。")
            return [END_TURN]
        if case["status"] == "callback" and risk:
            # Someone at risk tonight hears the numbers that answer now, not an offer of 办事 answers.
            dispatcher.utter_message(
                text=(f"现在不在{case['centre']}的服务时间，您说的情况已经记下，工作人员上班后会第一时间联系您"
                      f"（{case['centre']}电话{case['centre_phone']}）。在这之前有危险，请不要等，马上拨打110或120"
                      + ("，或者打心理援助热线12356" if risk == "self_harm" else "")
                      + "。希望工作人员打电话给您的话，请留个手机号。"))
            return [END_TURN]
        if case["status"] == "callback":
            dispatcher.utter_message(
                text=(f"现在不在{case['centre']}的服务时间（{case['centre_hours']}）。您的问题和我们的对话都已记下，"
                      f"工作人员上班后会在这里回复您；着急的话可以拨打{case['centre_phone']}或{backend.hotline()}。"
                      "希望工作人员打电话给您的话，请留个手机号。在这之前，我也可以继续回答办事问题。"))
            return [END_TURN]
        dispatcher.utter_message(
            text=(f"好的，已为您转接{case['centre']}的工作人员。您前面还有{max(case['position'] - 1, 0)}位，"
                  f"预计等待约{case['expected_wait_minutes']}分钟。工作人员接入后会在这里回复您，请不要关闭页面。"))
        return [ConversationPaused()]


class ActionDefaultFallback(ActionRequestHuman):
    """The two-stage fallback failed: the assistant misunderstood twice, so a person takes over."""
    reason = "misunderstood"

    def name(self) -> Text:
        return "action_default_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(text="抱歉，我还是没能理解您的意思，帮您转给工作人员。")
        return super().run(dispatcher, tracker, domain)


INTRO = {
    # A complaint about staff, a petition, or what only the classifier heard: no talk of danger.
    "sensitive": "这件事由工作人员亲自处理更稳妥，我马上帮您转接。",
    "danger": "这件事需要工作人员亲自处理，我马上帮您转接。如果有人身危险，请立即拨打110或120。",
    "angry": "非常抱歉给您添麻烦了，我请工作人员直接来帮您。",
    "dispute": "邻里、家庭、租房、工资这类矛盾，由社区的调解员出面更合适。我把您说的情况转给社区工作人员，他们会登记下来并和您联系。",
    "complaint": "对部门或工作人员办事的投诉，由工作人员亲自受理更稳妥。我把您说的情况原样转过去，请稍等。",
    # A "sensitive" message that speaks of ending one's life: the national psychological
    # assistance hotline (12356, one number nationwide since 2025) besides the emergency numbers.
    "self_harm": "听您这么说，我很担心您。您不是一个人，我马上请工作人员来帮您。如果有危险，请立即拨打110或120；"
                 "想找人说说心里话，可以拨打心理援助热线12356。",
    # Beaten at home: somewhere safe and 110 first, and the women's rights line (全国妇联 12338).
    "violence": "听您这么说，我很担心您的安全。如果正在挨打或者不敢回家，请先到安全的地方，马上拨打110；"
                "也可以拨打妇女维权热线12338。我马上请工作人员来帮您。",
    # A swindle under way: stop paying, report it (反诈专线 96110), and have the bank stop the payment.
    "fraud": "这很可能是电信诈骗：公安、检察院、法院都不会让您把钱转到“安全账户”。请马上挂断电话，不要再转钱，"
             "立即拨打110报警（也可以打反诈专线96110）；同时打银行客服电话说明被骗，请银行紧急止付。我马上请工作人员来帮您。",
    # Someone missing: the police take it at once.
    "missing": "请马上拨打110报警，家人走失不用等24小时。把走失的人长什么样、穿什么衣服、最后在哪里见到告诉民警；"
               "家里人再去他常去的地方找一找，问问小区门卫，请物业调看监控。我马上请工作人员来帮您。",
}


def add_to_case(dispatcher: CollectingDispatcher, tracker: Tracker, case: Optional[dict],
                ticket: Optional[str] = None) -> List[Dict]:
    """More about the matter handed to a person out of hours, or about the work order `ticket`
    just filed (api/routing/router.adds_to_case): the backend has it in the waiting case already;
    a phone in it becomes the number to call back; the work order keeps it as the resident's
    note. The resident hears where it went, not a new report form."""
    text = tracker.latest_message.get("text") or ""
    phone = phone_in(text)
    if ticket:
        try:
            added = backend.add_details(tracker.sender_id, text, phone)
        except backend.BackendError:
            added = None
        if added:
            dispatcher.utter_message(text=f"好的，已补充到工单{added['number']}里" + (f"，联系电话{added['phone']}" if added.get("phone") else "")
                                     + "。承办单位处理时会看到。")
        else:
            dispatcher.utter_message(text=backend.unavailable())
        return [END_TURN]
    if phone:
        try:
            backend.callback_phone(tracker.sender_id, phone)
        except backend.BackendError:  # a number staff cannot call: it is in the case's messages anyway
            phone = None
    case = case or {}
    urgent = f"着急的话可以拨打{case['centre_phone']}或{backend.hotline()}。" if case.get("centre_phone") else ""
    if case.get("asks_when"):
        said = (f"您的问题已经转给{case.get('centre') or '社区服务中心'}的工作人员，还在等他们上班后处理"
                + (f"（服务时间：{case['centre_hours']}）" if case.get("centre_hours") else "")
                + "。工作人员会在这里回复您" + ("，也会按您留的电话联系您。" if case.get("has_phone") else "。"))
    else:
        said = ("好的，已经补充到刚才转给工作人员的问题里" + (f"，电话{mask(phone)}也记下了" if phone else "")
                + "。工作人员上班后会看到您说的全部内容" + ("，并打这个电话联系您。" if phone else "。"))
    if not case.get("has_phone") and not phone:
        said += "希望工作人员打电话给您的话，请留个手机号。"
    dispatcher.utter_message(text=said + urgent)
    return [END_TURN]


# Bitten by an animal: the wound and the vaccine today, whatever else happens to the message.
BITTEN = re.compile(r"(狗|犬|猫).{0,6}咬(了|伤|到|我)|被咬(了|伤)")
BITE_CARE = ("被咬伤了请先处理伤口：用肥皂水和流动的清水交替冲洗15分钟，再用碘伏消毒；今天就去狂犬病暴露预防处置门诊"
             "（社区卫生服务中心或医院）打狂犬疫苗，不要因为对方说狗打过针就不打。伤口深、出血多的先去医院急诊。")


# A power cut is the power company's to mend (the district only passes it on): its own repair
# line is the fastest way, and someone kept alive by a machine at home cannot wait for either.
POWER_CUT = re.compile(r"停电|断电|没电了|没有电了|跳闸")
POWER_REPAIR = "停电可以直接拨打供电服务热线95598报修，供电公司抢修最快。"
ON_A_MACHINE = re.compile(r"制氧机|吸氧|呼吸机|透析|医疗设备")
POWER_AND_MACHINE = ("家里有人靠制氧机、呼吸机这类设备的，请马上拨打95598说明家里有人用医疗设备、请他们优先抢修；"
                     "老人出现胸闷、气喘、嘴唇发紫，请立即拨打120。")


def first_aid(dispatcher: CollectingDispatcher, text: str) -> None:
    """What to do for oneself at once, said before anything else."""
    text = text or ""
    if BITTEN.search(text):
        dispatcher.utter_message(text=BITE_CARE)
    if POWER_CUT.search(text):
        dispatcher.utter_message(text=POWER_AND_MACHINE if ON_A_MACHINE.search(text) else POWER_REPAIR)


RISKS = ("self_harm", "violence", "fraud", "missing", "danger")


def risk_told(tracker: Tracker) -> Optional[str]:
    """The risk the assistant has already answered in this conversation (by its safety lines)."""
    said = {e.get("text") for e in tracker.events if e.get("event") == "bot"}
    return next((kind for kind in RISKS if INTRO[kind] in said), None)


def hand_over_because(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str,
                      context: dict = None, judged: Optional[dict] = None) -> List[Dict]:
    """judged: the backend's assessment of the message (its risk: which safety lines to give
    first; None: ask the backend)."""
    if reason == "sensitive" and judged is None:
        try:
            judged = backend.assess(tracker.latest_message.get("text") or "")
        except backend.BackendError:
            judged = {}
    risk = (judged or {}).get("risk")
    first_aid(dispatcher, tracker.latest_message.get("text") or "")
    earlier = risk_told(tracker)
    if reason == "angry" and earlier:
        # "你们又不是真的关心我" after thoughts of ending one's life: no apology for trouble caused,
        # the same care and the same lines again.
        dispatcher.utter_message(text="我一直在听。" + INTRO[earlier])
    else:
        dispatcher.utter_message(text=INTRO[risk if reason == "sensitive" and risk else reason])
    events = ActionRequestHuman.hand_over(dispatcher, tracker, reason, context,
                                          risk=earlier if reason == "angry" else (risk if reason == "sensitive" else None))
    if reason == "sensitive" and context is None:
        # A person first; the hardship told with the risk still gets the benefits that answer it,
        # for the resident to read while waiting (or until staff are back).
        offer_benefits(dispatcher, tracker, tracker.latest_message.get("text") or "", with_risk=True)
    return events


def people_should_answer(dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                         context: dict = None, benefits: bool = True) -> Optional[List[Dict]]:
    """Complaints about staff, petitions, residents at risk or clearly angry: hand over at once.
    Hardship without risk (unless a report is being made, `context`): the benefits that answer
    it and a person on offer, whatever intent the NLU saw in it (a plea is no suggestion).
    Returns the events of either, or None when the assistant may answer as it planned."""
    try:
        judged = backend.assess(text, tracker.get_slot("service_code"))
    except backend.BackendError:
        return None
    if judged.get("reason"):
        return hand_over_because(dispatcher, tracker, judged["reason"], context, judged)
    return offer_benefits(dispatcher, tracker, text) if benefits and context is None else None


def item_button(name: str) -> dict:
    """A benefit as a button: its whole guide, whatever the resident typed last."""
    entities = json.dumps({"aspect": "general", "service_item": name}, ensure_ascii=False, separators=(",", ":"))
    return {"title": name, "payload": f"/ask_service{entities}"}


def offer_benefits(dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                   with_risk: bool = False) -> Optional[List[Dict]]:
    """Hardship without risk to life (the backend decides): the two or three benefits that answer
    it in one message, a button for each and one for a person (`with_risk`: a person has it
    already, so no such button). Returns the events, or None when the message is no such
    hardship (or the backend cannot tell)."""
    try:
        res = backend.hardship(text, tracker.get_slot("community"), with_risk=with_risk)
    except backend.BackendError:
        return None
    if not res or not res.get("hardship"):
        return None
    dispatcher.utter_message(text=res["text"], buttons=[item_button(b["name"]) for b in res["benefits"]]
                             + ([] if with_risk else [PERSON_BUTTON]))
    # The resident chooses next; no canned reply, form or guide that was planned follows.
    return [END_TURN]
