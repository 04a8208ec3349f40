"""Units' deadlines by the official calendar: terms in working or calendar days, and moving a deadline by a pause.

Past the years the holiday calendar knows, weekdays stand in for working days (with a warning):
a case must never stall because next year's holidays are not yet published.
"""

import logging
from datetime import date, datetime, timedelta

from services.coordinator.domain.model import DayCount, Term
from shared.workdays import BUSINESS_DAY_END, CHINA_TZ, add_working_days, is_working_day

log = logging.getLogger(__name__)

_ONE_DAY = timedelta(days=1)


def deadline_for(issued_at: datetime, term: Term) -> datetime:
    """Close of business (17:30 China time) on the term's last day, the day of issue not counted.

    A working-day term ends on its `days`-th working day. A calendar-day term ends on the `days`-th
    day after issue, or, when that is a rest day or a statutory holiday, on the next working day
    (as 民事诉讼法 第八十五条 counts a period given in days).
    """
    if term.counting is DayCount.CALENDAR:
        day = issued_at.astimezone(CHINA_TZ).date() + timedelta(days=term.days)
        while not works(day):
            day += _ONE_DAY
        return datetime.combine(day, BUSINESS_DAY_END, tzinfo=CHINA_TZ)
    return _working_deadline(issued_at, term.days)


def extend_for(due_at: datetime, paused_at: datetime, resumed_at: datetime, counting: DayCount) -> datetime:
    """`due_at` moved later by the pause from `paused_at` to `resumed_at`, measured in the term's own time.

    - Working-day term: the part of the pause that fell on working days (each counted in full,
      day and night; weekends and holidays not at all, 调休 weekends in full) is added to the
      deadline again through working days only. A pause over a weekend costs the unit nothing it is
      given back; a pause of two whole working days gives two back, so a 17:30 deadline stays 17:30.
    - Calendar-day term: the whole pause is added; a deadline that then falls on a rest day or a
      holiday ends at the close of the next working day, as the term itself would.
    """
    if resumed_at <= paused_at:
        return due_at
    if counting is DayCount.CALENDAR:
        moved = (due_at + (resumed_at - paused_at)).astimezone(CHINA_TZ)
        if works(moved.date()):
            return moved
        day = moved.date() + _ONE_DAY
        while not works(day):
            day += _ONE_DAY
        return datetime.combine(day, BUSINESS_DAY_END, tzinfo=CHINA_TZ)
    return add_working_time(due_at, working_time_between(paused_at, resumed_at))


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """How much of the span from `start` to `end` fell on working days (China time)."""
    total = timedelta()
    moment = start.astimezone(CHINA_TZ)
    end = end.astimezone(CHINA_TZ)
    while moment < end:
        next_midnight = _midnight(moment.date() + _ONE_DAY)
        if works(moment.date()):
            total += min(end, next_midnight) - moment
        moment = next_midnight
    return total


def add_working_time(moment: datetime, amount: timedelta) -> datetime:
    """`moment` moved later by `amount` of time on working days, rest days and holidays skipped."""
    local = moment.astimezone(CHINA_TZ)
    left = amount
    while left > timedelta():
        next_midnight = _midnight(local.date() + _ONE_DAY)
        if works(local.date()):
            if local + left <= next_midnight:
                return local + left
            left -= next_midnight - local
        local = next_midnight
    return local


def works(day: date) -> bool:
    """A working day by the official calendar, or a weekday past the years it knows."""
    try:
        return is_working_day(day)
    except ValueError as unknown_year:
        log.warning("holiday calendar ends; counting weekdays", extra={"reason": str(unknown_year)})
        return day.weekday() < 5


def _working_deadline(issued_at: datetime, working_days: int) -> datetime:
    try:
        return add_working_days(issued_at, working_days)
    except ValueError as unknown_year:
        if working_days < 0 or issued_at.tzinfo is None:
            raise
        log.warning("holiday calendar ends; counting weekdays", extra={"reason": str(unknown_year)})
        day = issued_at.astimezone(CHINA_TZ).date()
        remaining = working_days
        while remaining > 0:
            day += _ONE_DAY
            if day.weekday() < 5:
                remaining -= 1
        return datetime.combine(day, BUSINESS_DAY_END, tzinfo=CHINA_TZ)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=CHINA_TZ)
