"""What the assistant understood before handing over, in words staff read: the intent's name
rather than `request_human`, the service item's name with its code, the aspect asked about,
the incident category; confidence as a percentage; phone numbers masked. Built from the
case's stored context (the raw context stays in the case view for compatibility)."""
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.guide.models import ServiceItem
from api.incidents.models import IncidentCategory
from shared.patterns import mask
from shared.redact import mask_personal

# The one table of intent names: every intent of bot/domain/*.yml has one (a test checks),
# plus Rasa's own fallback intent.
INTENT_NAMES = {
    "greet": "打招呼",
    "goodbye": "告别",
    "thank": "道谢",
    "affirm": "确认（是的）",
    "deny": "否定（不是）",
    "bot_challenge": "问是不是机器人",
    "ask_service": "咨询办事",
    "inform": "补充信息",
    "report_incident": "反映问题（网格事件）",
    "make_suggestion": "提建议或意见",
    "check_incident_status": "查询工单进度",
    "request_human": "要求人工服务",
    "out_of_scope": "超出服务范围",
    "nlu_fallback": "没听懂",
}

# The aspects of a service guide (api.guide.answers.ASPECTS) as staff call them.
ASPECT_NAMES = {
    "materials": "所需材料",
    "process": "办理流程",
    "time": "办理时限",
    "fee": "收费",
    "place": "办理地点",
    "online": "网上办理",
    "visits": "跑几次",
    "home": "上门办理",
    "conditions": "申请条件",
    "general": "综合咨询",
}

ENTITY_NAMES = {"service_item": "事项", "aspect": "方面", "community": "社区", "address": "地址", "phone": "电话",
                "ticket_id": "工单号"}


def intent_name(code: Optional[str]) -> str:
    return INTENT_NAMES.get(code or "", code or "")


def _text(value, limit: int = 300) -> str:
    """Stored context is what the assistant passed on: shown as plain, masked, bounded text."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    return mask_personal(str(value).strip())[0][:limit]


def _phone(value) -> str:
    text = _text(value, 40)
    return mask(text.replace(" ", "").replace("-", "")) if text else ""


def _item(session: Session, code: str) -> str:
    name = session.scalar(select(ServiceItem.name).where(ServiceItem.code == code))
    return f"{name}（{code}）" if name else code


def _category(session: Session, value: str) -> str:
    """The context carries the category's name; a code is turned into its name."""
    name = session.scalar(select(IncidentCategory.name).where(IncidentCategory.code == value))
    return name or value


def rows(session: Session, context: Optional[dict]) -> List[dict]:
    """[{"label": "意图", "value": "要求人工服务"}, ...] in the order staff read them; empty
    values are left out."""
    ctx = context if isinstance(context, dict) else {}
    slots = ctx.get("slots") if isinstance(ctx.get("slots"), dict) else {}
    incident = ctx.get("incident") if isinstance(ctx.get("incident"), dict) else {}
    out = []

    def add(label: str, value: str) -> None:
        if value:
            out.append({"label": label, "value": value})

    add("意图", intent_name(_text(ctx.get("intent"), 60)))
    confidence = ctx.get("confidence")
    if isinstance(confidence, (int, float)) and not isinstance(confidence, bool) and 0 <= confidence <= 1:
        add("把握", f"{round(confidence * 100)}%")
    code = _text(slots.get("service_code"), 32)
    add("事项", _item(session, code) if code else "")
    aspect = _text(slots.get("aspect"), 20)
    add("问的方面", ASPECT_NAMES.get(aspect, aspect))
    add("社区", _text(slots.get("community"), 50))
    add("反映的问题", _text(incident.get("description") or slots.get("incident_description"), 1000))
    category = _text(incident.get("category"), 50)
    add("事件类别", _category(session, category) if category else "")
    add("事件等级", _text(incident.get("grade"), 4))
    add("事发地点", _text(incident.get("address") or slots.get("incident_address"), 200))
    add("联系电话", _phone(incident.get("phone") or slots.get("contact_phone")))
    add("回电号码", _phone(ctx.get("callback_phone")))
    entities = ctx.get("entities") if isinstance(ctx.get("entities"), list) else []
    said = [f"{ENTITY_NAMES.get(_text(e.get('entity'), 30), _text(e.get('entity'), 30))}：{_text(e.get('value'), 100)}"
            for e in entities if isinstance(e, dict) and _text(e.get("value"), 100)]
    add("识别到的词", "；".join(said[:10]))
    return out
