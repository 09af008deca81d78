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
