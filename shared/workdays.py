"""Working-day arithmetic in China's official calendar: statutory holidays and adjusted working weekends."""

from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

CHINA_TZ = ZoneInfo("Asia/Shanghai")
# Government offices close at 17:30; a deadline "within N working days" ends then.
BUSINESS_DAY_END = time(17, 30)

_ONE_DAY = timedelta(days=1)


def add_working_days(start: datetime, days: int, tz: tzinfo = CHINA_TZ) -> datetime:
    """Close of business (17:30 in `tz`) on the `days`-th working day after `start`'s local date.

    A referral issued on a Friday, morning or evening, with one working day is due on Monday at
    17:30 (or later if Monday is a holiday). With `days == 0` the deadline is the close of the
    current working day, or of the next one when `start` is already past it or not a working day.
    The result is in `tz` and always later than `start`.
    """
    _require_aware(start, "start")
    if days < 0:
        raise ValueError(f"days must be 0 or more, got {days}")
    local = start.astimezone(tz)
    day = local.date()
    if days == 0:
        if is_working_day(day) and local.time() < BUSINESS_DAY_END:
            return _close_of(day, tz)
        days = 1
    for _ in range(days):
        day += _ONE_DAY
        while not is_working_day(day):
            day += _ONE_DAY
    return _close_of(day, tz)


def working_days_between(start: datetime, end: datetime, tz: tzinfo = CHINA_TZ) -> int:
    """Working days after `start`'s local date up to and including `end`'s; negative if `end` is earlier.

    The inverse of `add_working_days`: `working_days_between(t, add_working_days(t, n)) == n`
    for every n >= 1.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    if last < first:
        return -working_days_between(end, start, tz)
    count = 0
    day = first + _ONE_DAY
    while day <= last:
        count += is_working_day(day)
        day += _ONE_DAY
    return count


# A few years of days: every deadline asks about the same few weeks, many times a second.
@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    """True on ordinary weekdays and adjusted working weekends (调休), false on weekends and holidays."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # The library only knows the years the State Council has published; guessing
        # would give a silently wrong deadline, so refuse loudly instead.
        raise ValueError(
            f"the official calendar for {day.year} is not known (chinesecalendar covers "
            f"{_known_years()}); upgrade chinesecalendar before computing deadlines in {day.year}"
        ) from None


def _known_years() -> str:
    years = [d.year for d in chinese_calendar.holidays]
    return f"{min(years)}-{max(years)}"


def _close_of(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, BUSINESS_DAY_END, tzinfo=tz)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
