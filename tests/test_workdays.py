"""Deadlines skip weekends and statutory holidays, and count the weekend days worked in exchange."""
import datetime as dt

from api.core.workdays import add_working_days, deadline


def test_national_day_holiday_is_skipped():
    # Filed on 30 Sep 2026: 1-7 Oct are holidays, Sat 10 Oct is a make-up working day.
    due = add_working_days(dt.datetime(2026, 9, 30, 10, 0), 3)
    assert due == dt.datetime(2026, 10, 10, 17, 30)


def test_ordinary_week():
    # Thursday + 2 working days = Monday (the weekend does not count).
    assert add_working_days(dt.datetime(2026, 11, 19, 9, 0), 2) == dt.datetime(2026, 11, 23, 17, 30)


def test_spring_festival():
    # Spring Festival 2026: 15-23 Feb off; filed Fri 13 Feb, 1 working day → Sat 14 Feb (make-up day).
    assert add_working_days(dt.datetime(2026, 2, 13, 9, 0), 1) == dt.datetime(2026, 2, 14, 17, 30)


def test_hours_run_round_the_clock():
    start = dt.datetime(2026, 10, 1, 22, 0)
    assert deadline(start, {"value": 2, "unit": "hours"}) == dt.datetime(2026, 10, 2, 0, 0)


def test_zero_days_on_a_holiday_means_the_next_working_day():
    assert add_working_days(dt.datetime(2026, 10, 3, 9, 0), 0).date() == dt.date(2026, 10, 8)


def test_years_beyond_the_calendar_fall_back_to_weekdays():
    # 31 Dec 2026 (Thu) + 2 working days: the package has no 2027 data, so Mon-Fri counting.
    assert add_working_days(dt.datetime(2026, 12, 31, 9, 0), 2).date() == dt.date(2027, 1, 4)
