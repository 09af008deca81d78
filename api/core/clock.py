"""The district's clock: the one source of "now" for the backend.

Storage convention: every datetime the backend stores or compares is a *naive wall-clock
time in the district's zone* (RSA_TIMEZONE, Asia/Shanghai by default), whatever zone the
server's own clock is set to. Opening hours, working days, deadlines and the times shown
to people are all read off that wall clock. Aware datetimes exist only at the edges
(Open311 output and query parameters) and are converted there with `aware()`/`local()`.
The district's zone has no daylight saving, so wall-clock times are unambiguous.

Tests never read the real clock: they `freeze()` it at a fixed instant, or start the whole
stack at a fixed instant with RSA_CLOCK_START (the clock then runs on from there).
"""
import datetime as dt
import time
from contextlib import contextmanager
from typing import Iterator, Optional

from shared.settings import get_settings

_start: Optional[dt.datetime] = None  # when set, now() is _start + time elapsed since _since
_since = 0.0
_frozen = False


def _utc_now() -> dt.datetime:
    """The real instant; the server's own zone (TZ) plays no part."""
    return dt.datetime.now(dt.timezone.utc)


def _real() -> dt.datetime:
    return local(_utc_now())


def now() -> dt.datetime:
    """The district's wall-clock time, to the second."""
    if _start is None:
        configured = get_settings().clock_start
        if configured is None:
            return _real().replace(microsecond=0)
        start_at(configured)
    if _frozen:
        return _start
    return (_start + dt.timedelta(seconds=time.monotonic() - _since)).replace(microsecond=0)


def start_at(at: dt.datetime, frozen: bool = False) -> None:
    """From now on the clock reads `at` (and runs on from there unless `frozen`)."""
    global _start, _since, _frozen
    _start, _since, _frozen = at.replace(microsecond=0), time.monotonic(), frozen


def reset() -> None:
    """Back to the configured clock (RSA_CLOCK_START, else real time)."""
    global _start, _frozen
    _start, _frozen = None, False


@contextmanager
def freeze(at: dt.datetime) -> Iterator[dt.datetime]:
    """For tests: the clock reads `at` inside the block; what it read before comes back after."""
    global _start, _since, _frozen
    saved = (_start, _since, _frozen)
    start_at(at, frozen=True)
    try:
        yield at
    finally:
        _start, _since, _frozen = saved


def aware(local_time: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """A stored (naive, district) time as an aware datetime, e.g. 2026-12-02T17:30:00+08:00."""
    return local_time.replace(tzinfo=get_settings().zone) if local_time else None


def local(t: dt.datetime) -> dt.datetime:
    """An aware datetime (any zone) as the district's naive wall-clock time; naive ones are
    taken to be district time already."""
    return t.astimezone(get_settings().zone).replace(tzinfo=None) if t.tzinfo else t
