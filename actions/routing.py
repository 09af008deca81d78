"""Each action a resident's typed message can start asks the backend first what the message is
(api/routing/router.py weighs the NLU's reading with the catalogue, the incident classifier, the
handoff triggers and the conversation) and hands the turn to the action the route belongs to,
or asks one short question when two readings are close. A button press is a choice already
made, and a form in progress keeps its own course: neither is routed again."""
import json
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import backend
from actions.human import END_TURN, INTRO, add_to_case, hand_over_because, people_should_answer

# An action the router hands a turn to ends it (END_TURN): no rule covers "action_start_suggestion,
# then action_answer_service", and without a rule the core fallback would hand the resident over.
ROUTE_ACTION = {"service": "action_answer_service", "incident": "action_start_incident",
                "suggestion": "action_start_suggestion", "progress": "action_incident_status"}
HANDING_ON = {*ROUTE_ACTION.values(), "action_route_message", "action_request_human",
              "action_screen_message"}  # all that ask the router
# Shorter than this (in word characters), small talk is only small talk: "好的", "谢谢你".
SAYS_MORE = 6
# The question for each pair of close readings (wording in bot/domain/routing.yml).
WHICH = {frozenset({"service", "incident"}): "utter_which_service_or_incident",
         frozenset({"service", "suggestion"}): "utter_which_service_or_suggestion",
         frozenset({"incident", "suggestion"}): "utter_which_incident_or_suggestion"}
ANSWERS_A_CHOICE = 3  # word characters: "是的" says only yes; "老人的" says which
CHOICES = {"/ask_service", "/report_incident", "/make_suggestion"}  # their buttons' payloads


# The latest decision for each conversation, by its message: an action handed the turn reads
# the decision its predecessor asked for (two requests in one message) without asking again.
_decided: Dict[str, Tuple[tuple, dict]] = {}
REMEMBERED = 1000


def _message_key(tracker: Tracker) -> tuple:
    user = next((e for e in reversed(tracker.events) if e.get("event") == "user"), {})
    return user.get("timestamp"), tracker.latest_message.get("text")


def decision(tracker: Tracker) -> Optional[dict]:
    """The backend's routing of the latest typed message, or None (a button press, a form in
    progress, or the backend out of reach: then the NLU's reading stands)."""
    text = tracker.latest_message.get("text") or ""
    if not text.strip() or text.startswith("/") or tracker.active_loop_name:
        return None
    key = _message_key(tracker)
    known = _decided.get(tracker.sender_id)
    if known and known[0] == key:
        return known[1]
    asked_about = clarified(tracker)
    # Answering the question in words, the message asked about is the one read by the NLU.
    parsed = asked_about.get("parse_data") if asked_about else tracker.latest_message
    ranking = {r["name"]: r["confidence"] for r in (parsed or {}).get("intent_ranking") or [] if r.get("name")}
    try:
        made = backend.route(text=text, intents=ranking, sender=tracker.sender_id,
                             context_code=tracker.get_slot("service_code"),
                             earlier=asked_about and asked_about.get("text"), choices=offered(tracker))
    except backend.BackendError:
        return None
    if asked_about and not made.get("stands_alone"):
        made = {**made, "text": f"{asked_about.get('text')}\n{text}"}
    if len(_decided) >= REMEMBERED:
        _decided.clear()
    _decided[tracker.sender_id] = (key, made)
    return made


def clarified(tracker: Tracker) -> Optional[dict]:
    """The resident's message that the assistant's clarifying question (WHICH) asked about, when
    the latest message answers that question in words rather than with a button; else None."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return None
    said = [e for e in tracker.events[users[-2] + 1:users[-1]] if e.get("event") == "bot"]
    payloads = {b.get("payload") for b in ((said[-1].get("data") or {}).get("buttons") or [])} if said else set()
    return tracker.events[users[-2]] if payloads and payloads <= CHOICES else None


def offered(tracker: Tracker) -> List[str]:
    """The items the assistant's message just before the latest user message offered to choose
    between ("which one did you mean?"), by name; [] when it offered none. Follow-up buttons
    under an answer are no such choice."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return []
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            buttons = (event.get("data") or {}).get("buttons") or []
            return [name for b in buttons if (name := _offered_item(str(b.get("payload", ""))))]
    return []


def _offered_item(payload: str) -> Optional[str]:
    if not payload.startswith("/inform{"):
        return None
    try:
        return json.loads(payload[len("/inform"):]).get("service_item")
    except (ValueError, AttributeError):
        return None


def request_and_question(tracker: Tracker, text: str) -> Tuple[str, Optional[str]]:
    """What a report or a suggestion is about, and a question asked in the same message to
    answer first ("问一下老年证怎么办，还有我家楼下路灯坏了"); else the whole text and None. After a
    clarifying question answered in words, the message asked about and the answer are one."""
    d = decision(tracker)
    if d and d.get("question") and d.get("request"):
        return d["request"], d["question"]
    return (d or {}).get("text") or text, None


def routed_elsewhere(dispatcher: CollectingDispatcher, tracker: Tracker, here: str,
                     screened: bool = False) -> Optional[List[Dict]]:
    """None when the action `here` should answer; else the events that hand the turn on, or
    that ask which of two readings the resident meant. `screened`: the action hands a risk or
    anger to people itself (people_should_answer, with what it knows), so only a complaint
    about a department's handling is handed over here. An action handed the turn by another
    answers: the router has decided already."""
    if handed_on(tracker):
        return None
    d = decision(tracker)
    if d is None:
        return None
    if d["route"] == "clarify" and frozenset(d["between"]) in WHICH:
        dispatcher.utter_message(response=WHICH[frozenset(d["between"])])
        return [END_TURN]  # not the form the rule would start next
    if d["route"] == "other" and here in (ROUTE_ACTION["incident"], ROUTE_ACTION["suggestion"]):
        # Nothing told to report or propose ("今天好冷啊 你吃过饭了伐"): no form on the NLU's word alone.
        dispatcher.utter_message(response="utter_out_of_scope")
        return [END_TURN]
    if d["route"] == "case":
        return add_to_case(dispatcher, tracker, d.get("case"), d.get("ticket"))
    reason = d.get("handoff_reason")
    if d["route"] == "person" and reason in INTRO and (reason == "complaint" or not screened):
        return hand_over_because(dispatcher, tracker, reason)  # it ends the turn
    target = ROUTE_ACTION.get(d["route"])
    return [FollowupAction(target)] if target and target != here else None


def handed_on(tracker: Tracker) -> bool:
    """Was this action handed the turn by another (rather than started by a rule)?"""
    return tracker.latest_action_name in HANDING_ON


def ending_turn(tracker: Tracker, events: List[Dict]) -> List[Dict]:
    """The events of an action that answers; the turn ends there when it was handed on."""
    return events + [END_TURN] if handed_on(tracker) else events


class ActionRouteMessage(Action):
    """For a message the NLU could not place (nlu_fallback): the route the evidence gives, else
    the usual "did you mean …?"."""

    def name(self) -> Text:
        return "action_route_message"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        routed = routed_elsewhere(dispatcher, tracker, self.name())
        return routed if routed is not None else [FollowupAction("action_two_stage_fallback")]


class ActionScreenMessage(Action):
    """Runs before small talk and the fallback: hands angry or at-risk residents to people
    (ending the turn, so the canned reply never comes). Small talk that says more ("算了不用了，
    我就问下天然气开户要带啥") goes where the router sends it; otherwise it does nothing."""

    def name(self) -> Text:
        return "action_screen_message"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):  # a button press, not the resident's own words
            return []
        handed = people_should_answer(dispatcher, tracker, text)
        if handed is not None:
            return handed
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        choices = offered(tracker)
        if choices and intent in ("affirm", "nlu_fallback") and (
                len(choices) == 1 or len(re.findall(r"\w", text)) >= ANSWERS_A_CHOICE):
            # "是的" to the one item offered, "就是老人的" to a few: the choice, answered in words.
            return [FollowupAction(ROUTE_ACTION["service"])]
        if len(re.findall(r"\w", text)) < SAYS_MORE and intent != "affirm":
            return []  # "确认提交" may confirm nothing (a hand-over out of hours): the router says
        return routed_elsewhere(dispatcher, tracker, self.name(), screened=True) or []
