"""Units' deadlines by the official calendar: terms in working or calendar days, and moving a deadline by a pause.

Past the years the holiday calendar knows, weekdays less the holidays the law fixes by date stand in for
working days (`shared.workdays.works`): a case must never
stall because next year's holidays are not yet published. Such a deadline is provisional (暂定:
`shared.workdays.runs_into_unknown_year`) and is recomputed when its year is loaded
(`recompute_deadline`); the log says so once per unknown year an hour, not once per referral.
"""

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from services.coordinator.domain.model import DayCount, Term
from shared.logs import Throttle
from shared.workdays import BUSINESS_DAY_END, BUSINESS_DAY_START, CHINA_TZ, add_working_days_or_weekdays, is_known
from shared.workdays import works as works_or_weekday

log = logging.getLogger(__name__)
CALENDAR_WARNING_SECONDS = 3600.0

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

    - Working-day term: the part of the pause that fell in office hours (8:30 to 17:30 on working days;
      weekends and holidays not at all, 调休 weekends in full) is added to the deadline again in office
      hours only. A pause over a weekend or a night costs the unit nothing it is given back; a pause of
      two whole working days gives two back, so a 17:30 deadline stays 17:30.
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
    """How much of the span from `start` to `end` fell in office hours (8:30 to 17:30, China time, on working
    days): the time a paused unit could not work and is given back."""
    total = timedelta()
    day = start.astimezone(CHINA_TZ).date()
    while _opening(day) < end:
        if works(day):
            total += max(timedelta(), min(end, _closing(day)) - max(start, _opening(day)))
        day += _ONE_DAY
    return total


def add_working_time(moment: datetime, amount: timedelta) -> datetime:
    """`moment` moved later by `amount` of office hours (8:30 to 17:30 on working days), the rest skipped: eight
    hours given back to a deadline of Friday 17:30 end on Monday at 16:30, not in Monday's small hours."""
    local = moment.astimezone(CHINA_TZ)
    left = amount
    day = local.date()
    while left > timedelta():
        if works(day) and local < _closing(day):
            begin = max(local, _opening(day))
            if begin + left <= _closing(day):
                return begin + left
            left -= _closing(day) - begin
        day += _ONE_DAY
        local = _opening(day)
    return local if amount > timedelta() else moment


def works(day: date) -> bool:
    """A working day by the official calendar, or a weekday past the years it knows (shared.workdays.works),
    said in the log once an hour per unknown year."""
    if not is_known(day.year):
        _warn_once(day.year)
    return works_or_weekday(day)


def _working_deadline(issued_at: datetime, working_days: int) -> datetime:
    due_at, provisional = add_working_days_or_weekdays(issued_at, working_days)
    if provisional:
        for year in range(issued_at.astimezone(CHINA_TZ).year, due_at.year + 1):
            if not is_known(year):
                _warn_once(year)
    return due_at


def recompute_deadline(issued_at: datetime, term: Term, pauses: Sequence[tuple[datetime, datetime]]) -> datetime:
    """The deadline as it stands today by the calendar now known: the term from its issue, moved by each
    pause already resumed (`(paused_at, resumed_at)`, in order), exactly as issuing and resuming moved it."""
    due_at = deadline_for(issued_at, term)
    for paused_at, resumed_at in pauses:
        due_at = extend_for(due_at, paused_at, resumed_at, term.counting)
    return due_at


# Once per unknown year an hour, not once per referral; the line says how many it stands for.
_calendar_warnings = Throttle(CALENDAR_WARNING_SECONDS)


def _warn_once(year: int) -> None:
    _calendar_warnings.warning(
        log,
        "holiday calendar unknown; counting weekdays, deadlines are provisional",
        key=year,
        year=year,
        reason=f"the official calendar for {year} is not known",
    )


def _opening(day: date) -> datetime:
    return datetime.combine(day, BUSINESS_DAY_START, tzinfo=CHINA_TZ)


def _closing(day: date) -> datetime:
    return datetime.combine(day, BUSINESS_DAY_END, tzinfo=CHINA_TZ)
