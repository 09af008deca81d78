"""The names of a handoff case's states, reasons and authors, each with its label."""
from api.core.labels import Labelled


class CaseStatus(Labelled):
    WAITING = ("waiting", "等待中")
    CLAIMED = ("claimed", "处理中")
    CALLBACK = ("callback", "待回电")
    RESOLVED = ("resolved", "已结束")
    RETURNED = ("returned", "已交回助手")


OPEN_STATES = (CaseStatus.WAITING.value, CaseStatus.CLAIMED.value)  # the assistant is paused
QUEUE_STATES = OPEN_STATES + (CaseStatus.CALLBACK.value,)  # call-backs wait in the queue for the next shift


class Reason(Labelled):
    """Why the assistant handed over."""

    ASKED = ("asked", "居民要求")
    MISUNDERSTOOD = ("misunderstood", "助手没听懂")
    SENSITIVE = ("sensitive", "敏感事项")
    ANGRY = ("angry", "情绪激动")
    DISPUTE = ("dispute", "纠纷待调解")
    COMPLAINT = ("complaint", "投诉部门办理")  # how a department or its staff handled a case


PRIORITY = {Reason.SENSITIVE: 2, Reason.ANGRY: 2, Reason.DISPUTE: 1, Reason.COMPLAINT: 1, Reason.MISUNDERSTOOD: 1,
            Reason.ASKED: 0}


class Author(Labelled):
    RESIDENT = ("resident", "居民")
    BOT = ("bot", "助手")
    STAFF = ("staff", "工作人员")
    NOTE = ("note", "内部备注")
    # What the resident is told about the handoff itself (a person took it, it was handed back,
    # nobody came): shown as a notice on the chat page, never as a staff member's words.
    SYSTEM = ("system", "系统通知")


# Lines the resident's page is owed (the rest are the resident's own or staff-only).
TO_RESIDENT = (Author.STAFF.value, Author.SYSTEM.value)
