"""First stage of the two-stage fallback, in Chinese: "did you mean ...?" with yes/no buttons."""
import json
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

INTENT_MEANING = {
    "ask_service": "咨询办事指南",
    "report_incident": "反映身边的问题（网格事件）",
    "check_incident_status": "查询反映问题的办理进度",
    "request_human": "找工作人员",
    "inform": "告诉我您的信息",
    "greet": "打个招呼",
    "goodbye": "结束咨询",
    "thank": "表示感谢",
    "bot_challenge": "问我是不是机器人",
}


class ActionDefaultAskAffirmation(Action):
    def name(self) -> Text:
        return "action_default_ask_affirmation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        candidates = [r["name"] for r in ranking if r["name"] in INTENT_MEANING]
        if not candidates:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        intent = candidates[0]
        entities = {e["entity"]: e["value"] for e in tracker.latest_message.get("entities") or []}
        payload = f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")
        dispatcher.utter_message(text=f"不好意思，我不太确定。您是想{INTENT_MEANING[intent]}吗？",
                                 buttons=[{"title": "是的", "payload": payload},
                                          {"title": "不是", "payload": "/out_of_scope"}])
        return []
