"""Answer service-guide questions; keep the item and community for follow-ups."""
import json
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import backend
from actions.human import item_button, people_should_answer
from actions.routing import ending_turn, offered, request_and_question, routed_elsewhere
from shared.patterns import mask, phone_in

VOICE_CHANNELS = {"voice"}
# Words that ask something: a message with one is no chatter, whatever the NLU made of it.
ASKS = re.compile(r"多少|几|吗|伐|么|怎么|咋|啥|哪|什么|能不能|要不要|可不可以")


def first_entity(tracker: Tracker, name: str):
    return next(tracker.get_latest_entity_values(name), None)


def resident_text(tracker: Tracker) -> str:
    """The resident's own words: a button press arrives as a '/intent{...}' payload, so
    fall back to the last message the resident actually typed."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and not (event.get("text") or "").startswith("/"):
            return event.get("text") or ""
    return ""


def gives_only_a_phone(text: str) -> bool:
    """"15988776655", "我电话159…": a number given (for a call-back), however the NLU read it."""
    phone = phone_in(text)
    return bool(phone) and len(re.findall(r"[\u4e00-\u9fff]", text)) <= 6


def follow_up_button(service_name: str, follow_up: dict) -> dict:
    """A follow-up question as a button: it names the item and the aspect, so the answer does
    not depend on what the resident typed last."""
    entities = json.dumps({"aspect": follow_up["aspect"], "service_item": service_name},
                          ensure_ascii=False, separators=(",", ":"))
    return {"title": follow_up["title"], "payload": f"/ask_service{entities}"}


def pressed_follow_up(tracker: Tracker) -> bool:
    """The resident pressed a follow-up button (its payload names the aspect and the item)."""
    return ((tracker.latest_message.get("text") or "").startswith("/ask_service")
            and first_entity(tracker, "aspect") is not None and first_entity(tracker, "service_item") is not None)


def utter_answer(dispatcher: CollectingDispatcher, res: dict) -> List[Dict]:
    """A guide answer (backend.service_answer) said one part a message, the follow-up questions
    under the last; the item it is about becomes the one under discussion, and an answer about
    no item (the centres' opening hours) ends talk of the last one."""
    parts = res.get("sections") or [res["text"]]
    buttons = [follow_up_button(res["service_name"], f) for f in res.get("follow_ups") or []]
    for i, part in enumerate(parts, 1):
        if i == len(parts) and buttons:
            dispatcher.utter_message(text=part, buttons=buttons)
        else:
            dispatcher.utter_message(text=part)
    if res.get("service_code") or res["status"] in ("answered", "need_community"):
        return [SlotSet("service_code", res.get("service_code"))]
    return []


TWO_REQUESTS = "您一次说了两件事，我先回答您问的，再接着办另一件。"


def answer_first(dispatcher: CollectingDispatcher, tracker: Tracker, question: Optional[str]) -> List[Dict]:
    """The guide answer to a question asked along with a report or a suggestion, before that is
    taken up; nothing when there is no question or no clear answer (the other request goes on)."""
    if not question:
        return []
    voice = tracker.get_latest_input_channel() in VOICE_CHANNELS
    try:
        res = backend.service_answer(text=question[:2000], community=tracker.get_slot("community"),
                                     channel="voice" if voice else "text")
    except backend.BackendError:
        return []
    if res["status"] == "ambiguous":
        # Which one is asked once the other request is done: buttons now would cut into it.
        names = "、".join(f"【{c['name']}】" for c in res["candidates"])
        dispatcher.utter_message(text=f"{TWO_REQUESTS}您问的可能是{names}。等这件事办好，回复其中一项的名称，我把办事指南发给您。")
        return []
    if res["status"] not in ("answered", "need_community"):
        return []
    dispatcher.utter_message(text=TWO_REQUESTS)
    # No follow-up buttons: the other request's questions come next, and a press would cut in.
    return [SlotSet("aspect", res["aspect"])] + utter_answer(dispatcher, {**res, "follow_ups": []})


def also_asked(dispatcher: CollectingDispatcher, question: str, answered: Optional[str]) -> None:
    """The second of two questions, as a button to its item's guide (two whole guides at once
    would bury the first)."""
    try:
        res = backend.service_answer(text=question[:2000])
    except backend.BackendError:
        return
    if res["status"] in ("answered", "need_community") and res.get("service_name") not in (None, answered):
        dispatcher.utter_message(text=f"您还问了【{res['service_name']}】，点下面的按钮看它的办事指南。",
                                 buttons=[item_button(res["service_name"])])


class ActionAnswerService(Action):
    def name(self) -> Text:
        return "action_answer_service"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        return ending_turn(tracker, self.answer(dispatcher, tracker))

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
        follow_up = pressed_follow_up(tracker)
        # A follow-up button says all it asks; the words typed before it are about something else.
        text = "" if follow_up else resident_text(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        awaiting = tracker.get_slot("awaiting_community")
        service_hint = first_entity(tracker, "service_item")
        community = first_entity(tracker, "community") or (text if awaiting else None) or tracker.get_slot("community")

        # "没收入，一个人带孩子": the benefits that answer it and a person on offer, not one guide; not
        # again when a button is pressed after it, nor for an answer to our own question.
        typed = not (tracker.latest_message.get("text") or "/").startswith("/")
        # A choice answered in words ("就是老人的", "我八十五了") or by a typed "是的" to one item.
        choices = offered(tracker) if typed else []
        if choices and intent == "affirm" and len(choices) == 1 and not service_hint:
            service_hint = choices[0]
        handed = (people_should_answer(dispatcher, tracker, text, benefits=typed and not awaiting)
                  if text and not text.startswith("/") else None)
        if handed is not None:
            return handed
        # An answer to our own question is no new request; anything else may be a report or a
        # suggestion the NLU took for a question (房东不退押金, 路灯坏了找谁).
        answering = awaiting or (bool(choices) and intent in ("inform", "affirm"))
        routed = None if answering else routed_elsewhere(dispatcher, tracker, self.name(), screened=True)
        if routed is not None:
            return routed
        if (intent == "inform" or gives_only_a_phone(text)) and not service_hint and not awaiting and not choices:
            # A bare answer with nothing to attach it to: a community, a phone, a ticket ...
            return self._bare_inform(dispatcher, tracker, text)
        # An answer to our own question keeps the aspect asked about before it: the community
        # after "where?", the choice after "which one did you mean?".
        pending_aspect = tracker.get_slot("aspect") if answering else None
        # Two questions about two items ("生育津贴咋领 还有准生证在哪办"): the first answered, the
        # second offered after it.
        text, also = (text, None) if answering or follow_up else request_and_question(tracker, text)

        voice = tracker.get_latest_input_channel() in VOICE_CHANNELS
        try:
            res = backend.service_answer(
                text=text[:2000], service_hint=service_hint,
                aspect_hint=first_entity(tracker, "aspect") or pending_aspect,
                # Off-topic chatter ("哦哦") is no follow-up question about the item under discussion;
                # a question the NLU took for chatter ("一个月能补多少钞票") may be.
                context_code=None if intent == "out_of_scope" and not awaiting and not ASKS.search(text)
                else tracker.get_slot("service_code"),
                community=community, answers_question=bool(awaiting),
                channel="voice" if voice else "text", choices=choices)
        except backend.BackendError:
            dispatcher.utter_message(text=backend.unavailable())
            return []

        if intent == "out_of_scope" and not awaiting and res["status"] != "answered":
            # NLU thought it off-topic and the catalogue has no clear match either.
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        events = [SlotSet("aspect", res["aspect"])]
        if res.get("community"):
            events.append(SlotSet("community", res["community"]))
        if res["status"] == "ambiguous":
            buttons = [{"title": c["name"], "payload": f'/inform{{"service_item":"{c["name"]}"}}'}
                       for c in res["candidates"]]
            dispatcher.utter_message(text=res["text"], buttons=buttons)
            return events + [SlotSet("awaiting_community", False)]
        events += utter_answer(dispatcher, res)
        if also and not voice:
            also_asked(dispatcher, also, res.get("service_name"))
        if res.get("service_code"):
            if voice:
                # A caller hears the short version; the backend's voice channel offers the whole
                # guide by SMS (a choice it handles itself, api/channels/voice.py).
                dispatcher.utter_message(json_message={"voice": {"sms_guide": res["service_code"],
                                                                 "community": res.get("community")}})
        events.append(SlotSet("awaiting_community", res["status"] == "need_community"))
        return events

    @staticmethod
    def _noted_for_call_back(sender: str, phone: str) -> bool:
        try:
            return backend.callback_phone(sender, phone) is not None
        except backend.BackendError:  # not a number staff can call: treat it as any other answer
            return False

    def _bare_inform(self, dispatcher, tracker, text) -> List[Dict]:
        # ("松竹苑5幢楼下有人摆摊" reads like an address, but the router sent it to the report.)
        phone = phone_in(text) or first_entity(tracker, "phone")
        if phone and self._noted_for_call_back(tracker.sender_id, phone):
            dispatcher.utter_message(text=f"好的，已记下您的电话{mask(phone)}。工作人员上班后会打这个电话联系您。")
            return []
        found = None
        hint = first_entity(tracker, "community") or text
        try:
            found = backend.community(hint)
        except backend.BackendError:
            pass
        if found and tracker.get_slot("service_code"):
            # "我们是桃源社区的" after a guide that said where only by the kind of centre: where
            # the item under discussion is done, for that community.
            try:
                res = backend.service_answer(text=text[:2000], aspect_hint="place", community=found["name"],
                                             context_code=tracker.get_slot("service_code"), answers_question=True)
            except backend.BackendError:
                res = None
            if res and res["status"] == "answered":
                return [SlotSet("community", found["name"]), SlotSet("aspect", "place")] + utter_answer(dispatcher, res)
        if found:
            # "地址：" and "电话：" lines become a map link and a tap-to-call link on the chat page.
            dispatcher.utter_message(text=f"好的，记下了：您住在{found['street']}{found['name']}。"
                                          f"您的社区服务中心是{found['centre']['name']}：\n"
                                          f"地址：{found['centre']['address']}\n电话：{found['centre']['phone']}\n"
                                          "请问要办什么事？")
            return [SlotSet("community", found["name"])]
        if tracker.get_slot("service_code") and not phone:
            # "阿拉两家头都是明湖户口" after the 护照 guide: noted, and that item's parts offered.
            try:
                res = backend.service_answer(text=text[:2000], context_code=tracker.get_slot("service_code"))
            except backend.BackendError:
                res = None
            if res and res["status"] == "answered":
                return utter_answer(dispatcher, res)
        dispatcher.utter_message(text="收到。请问您想咨询哪项办事服务，或者要反映什么问题？")
        return []
