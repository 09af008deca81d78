"""Deadlines in working days on the Chinese holiday calendar (chinese-calendar: statutory
holidays and the weekend days that are worked in exchange, 调休)."""
import datetime as dt
import logging

import chinese_calendar

log = logging.getLogger(__name__)
_warned = set()
END_OF_DAY = dt.time(17, 30)  # a deadline in working days falls due at the end of office hours


def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The package knows the years the State Council has published; beyond them only
        # weekends are known. Update chinese-calendar each December.
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning("no holiday data for %s; counting Monday-Friday", day.year)
        return day.weekday() < 5


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The end of the `days`-th working day after `start` (0: end of today, or of the next
    working day if today is not one)."""
    day = start.date()
    if days == 0:
        while not is_workday(day):
            day += dt.timedelta(days=1)
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return dt.datetime.combine(day, END_OF_DAY)


def deadline(start: dt.datetime, limit: dict) -> dt.datetime:
    """`limit` is {"value": n, "unit": "hours" | "working_days"}; hours run round the clock."""
    if limit["unit"] == "hours":
        return start + dt.timedelta(hours=limit["value"])
    return add_working_days(start, limit["value"])
