"""Requests for a person are recognised here; the staff queue itself is a later issue."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import backend


class ActionRequestHuman(Action):
    def name(self) -> Text:
        return "action_request_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        centre = None
        if tracker.get_slot("community"):
            try:
                found = backend.community(tracker.get_slot("community"))
                centre = found and found["centre"]
            except backend.BackendError:
                pass
        text = "好的，您需要工作人员帮忙。在线人工服务正在开通中，现在请通过电话联系："
        if centre:
            text += f"\n· {centre['name']}：{centre['phone']}（{centre['hours']}）"
        else:
            text += "\n· 您所在社区的党群服务中心（告诉我社区名称，我把电话发给您）"
        text += "\n· 政务服务热线12345（24小时）"
        dispatcher.utter_message(text=text)
        return []
