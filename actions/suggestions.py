"""Suggestions and opinions (建议): thank the resident, file a work order of kind 建议 for the
department its subject belongs to, and say who answers and by when.

Asks nothing more than the suggestion itself, and that only when the first message was a bare
"我想提个建议". The backend picks the department and the answer time limit."""
import datetime as dt
import re
import uuid
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import backend
from actions.human import people_should_answer
from actions.incidents import filed_meanwhile
from actions.routing import request_and_question, routed_elsewhere
from actions.service import answer_first, resident_text
from shared.patterns import phone_in

SLOTS = ["suggestion_text", "suggestion_draft", "requested_slot"]
# What announces a suggestion without making one: "我想给你们提几点意见吧".
ANNOUNCING = re.compile(r"我|想|要|有|给|向|跟|对|你们|社区|政府|领导|提|一个|个|几点|几条|一点|点|小|建议|意见|想法|"
                        r"一下|可以|能|吗|嘛|吧|呢|啊|不|[\s，,。.！!？?~～、…:：]")
MIN_CONTENT_CHARS = 3
NOT_AN_ANSWER = ("deny", "request_human", "check_incident_status", "goodbye")
FAILED = "抱歉，系统暂时没能登记您的建议，请稍后再跟我说一次，或拨打{hotline}反映。"


def says_what(text: str) -> bool:
    """Does the message carry a suggestion, or only announce one?"""
    return len(ANNOUNCING.sub("", text or "")) >= MIN_CONTENT_CHARS


def by_day(iso: str) -> str:
    d = dt.datetime.fromisoformat(iso)
    return f"{d.month}月{d.day}日"


def thanks(res: dict) -> str:
    return (f"感谢您的建议！已登记为建议工单，编号{res['number']}。\n"
            f"已转给{res['department']}研究，{by_day(res['deadline'])}前给您答复。\n"
            f"答复出来后，跟我说“我提的建议答复了吗”或者报编号{res['number']}，就能看到答复内容。")


class ActionStartSuggestion(Action):
    """Keep the resident's words (screened first: an angry message or a complaint about staff
    goes to people) and let the form ask only when nothing was suggested yet."""

    def name(self) -> Text:
        return "action_start_suggestion"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = resident_text(tracker)
        handed = people_should_answer(dispatcher, tracker, text)
        if handed is not None:
            return handed
        routed = routed_elsewhere(dispatcher, tracker, self.name(), screened=True)
        if routed is not None:
            return routed
        text, question = request_and_question(tracker, text)
        events = [SlotSet("suggestion_draft", uuid.uuid4().hex), SlotSet("suggestion_text", None)]
        events += answer_first(dispatcher, tracker, question)
        if says_what(text):
            events.append(SlotSet("suggestion_text", text[:1000]))
        # Started by the rule after make_suggestion, or handed on by another action: the form next.
        return events + [FollowupAction("suggestion_form")]



class ValidateSuggestionForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_suggestion_form"

    async def extract_suggestion_text(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "suggestion_text":
            return {}
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if text.startswith("/") or intent in NOT_AN_ANSWER or not says_what(text):
            return {}
        return {"suggestion_text": text[:1000]}


class ActionSubmitSuggestion(Action):
    """File the suggestion, or drop it when the resident changed their mind before saying it."""

    def name(self) -> Text:
        return "action_submit_suggestion"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        done = [ActiveLoop(None)] + [SlotSet(s, None) for s in SLOTS]
        text = tracker.get_slot("suggestion_text")
        if not text:
            dispatcher.utter_message(text="好的，这次先不提了。想到了随时跟我说。")
            return done
        key = f"{tracker.sender_id}:{tracker.get_slot('suggestion_draft')}"
        try:
            where = backend.locate(text)
            res = backend.file_suggestion(
                description=text, address=(where.get("place") or text[:200]) if where.get("status") == "found" else "",
                phone=phone_in(text) or "", channel=tracker.get_latest_input_channel() or "h5",
                sender=tracker.sender_id, idempotency_key=key)
        except backend.BackendError:
            res = filed_meanwhile(key)
        if res is None:
            dispatcher.utter_message(text=FAILED.format(hotline=backend.hotline()))
        elif "error" in res:
            dispatcher.utter_message(text=f"没能登记：{res['error']}")
        else:
            dispatcher.utter_message(text=thanks(res))
        return done
