"""The states of a work order, each with its type (open or closed) and a label for residents."""
from api.core.labels import Labelled


class TicketStatus(Labelled):
    ACCEPTED = ("受理", "已受理，等待派单")
    DISPATCHED = ("派单", "已派给承办单位")
    RETURNED = ("退单", "承办单位退回，等待改派")
    SIGNED = ("签收", "承办单位已签收")
    IN_HAND = ("办理", "正在办理")
    DONE = ("办结", "已办结")
    VISITED = ("回访", "已回访")
    RATED = ("评价", "已评价")
    MERGED = ("已并单", "已并入同一问题的工单")

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = (TicketStatus.ACCEPTED, TicketStatus.DISPATCHED, TicketStatus.RETURNED, TicketStatus.SIGNED,
                 TicketStatus.IN_HAND)
OPEN = tuple(s.value for s in OPEN_STATUSES)
CLOSED = tuple(s.value for s in TicketStatus if s not in OPEN_STATUSES)

# Where a work order stands, as a resident is told it ({department}: who has it now). The
# codes above are the staff's words; a merged report (已并单) is told the progress of the one it joined.
IN_PLAIN_WORDS = {
    TicketStatus.ACCEPTED: "已受理，正在安排负责的部门",
    TicketStatus.DISPATCHED: "已派到{department}，等对方接手处理",
    TicketStatus.RETURNED: "{department}退回了这张工单，正在重新安排负责的部门",
    TicketStatus.SIGNED: "{department}已接手，即将开始处理",
    TicketStatus.IN_HAND: "{department}正在处理",
    TicketStatus.DONE: "已办结",
    TicketStatus.VISITED: "已办结，并已回访",
    TicketStatus.RATED: "已办结，并已评价",
}

# What one step of a work order did, in the same plain words; {note}: "：" and what staff wrote
# (empty when they wrote nothing), {raw}: the note as it is. Steps not listed (并单 lines other
# reports left, 督办) are told otherwise: as "others reported it too" and "past the time limit".
STEP_WORDS = {
    "受理": "收到反映，已受理",
    "派单": "交给{department}办理",
    "退单": "{department}退回了工单{note}",
    "签收": "{department}已接手{note}",
    "办理": "{department}开始处理{note}",
    "延期": "办理时间{raw}",
    "办结": "处理完毕{note}",
    "回访": "已回访{note}",
    "评价": "已评价",
}


class TicketKind(Labelled):
    """The 12345 type of a work order. Incidents are 投诉/举报/求助 (a report files as 投诉 unless
    told otherwise); a 建议 is answered by the department within its own time limit, not graded."""
    COMPLAINT = ("投诉", "投诉：反映问题，要求处理")
    TIP_OFF = ("举报", "举报：反映违法违规行为")
    HELP = ("求助", "求助：请求帮助解决困难")
    ENQUIRY = ("咨询", "咨询：询问政策或办事")
    SUGGESTION = ("建议", "建议：意见建议，由部门研究答复")


DEFAULT_KIND = TicketKind.COMPLAINT
# A suggestion is answered, not handled on the spot: the department studies it and replies.
SUGGESTION_TIME_LIMIT = {"value": 15, "unit": "working_days"}
SUGGESTION_GRADE = ""  # not graded: the grades (小微 … 重大) measure an incident's urgency
