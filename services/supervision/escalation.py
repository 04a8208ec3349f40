"""逾期提级: when an overdue unit's case is to go up one level, by its level's threshold (config/centres.toml)."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from services.supervision.domain import Watch
from shared.centres import Centres, Level
from shared.contracts.identifiers import split_unit
from shared.workdays import CHINA_TZ

WorkingDaysBetween = Callable[[datetime, datetime], int]
"""`working_days_between(start, end)`: working days after start's local date up to end's; injected."""


def threshold_for(unit: str, centres: Centres) -> int:
    """The working days past its deadline a unit has before its case goes up: its own level's (a township
    police station's is the township's, the county bureau's the county's)."""
    return centres.escalate_after[Level.of(split_unit(unit)[1])]


def escalation_due(
    watch: Watch, escalated_at: datetime | None, now: datetime, centres: Centres, days_between: WorkingDaysBetween
) -> int | None:
    """The working days the unit is overdue (begun since its deadline's date, as a 督办函 counts them and 逾期N个工作日
    is said), when that reaches its level's threshold and the case was not sent up for this referral yet; else None.
    Only once the 督办函 went out (the letter comes first), never while the clock stands still or after the part
    ended."""
    if not watch.is_open or watch.paused or watch.overdue_sent_at is None or escalated_at is not None:
        return None
    if now <= watch.due_at:
        return None
    late = max(days_between(watch.due_at, now), 0)
    return late if late >= threshold_for(watch.unit, centres) else None


def deadlines_due_before(now: datetime, centres: Centres, works: Callable[[date], bool]) -> dict[Level, datetime]:
    """For each level, the moment a unit's deadline must fall before for it to have reached its level's threshold at
    `now`: the start (China time) of the threshold-th working day counted back from today, today included, since
    `escalation_due` counts the working days after the deadline's date up to today's. A threshold of 0 is any
    deadline passed. The timer searches by these, so that the watches of a level with a longer threshold, still
    short of it, never fill its batch ahead of those due (a county unit 4 days late before a township's 3)."""
    today = now.astimezone(CHINA_TZ).date()
    cutoffs: dict[Level, datetime] = {}
    for level, days in centres.escalate_after.items():
        if days == 0:
            cutoffs[level] = now
            continue
        day, found = today, 0
        while True:
            if works(day):
                found += 1
                if found == days:
                    break
            day -= timedelta(days=1)
        cutoffs[level] = datetime.combine(day, time(), CHINA_TZ)
    return cutoffs
