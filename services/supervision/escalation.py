"""逾期提级: when an overdue unit's case is to go up one level, by its level's threshold (config/centres.toml)."""

from collections.abc import Callable
from datetime import datetime

from services.supervision.domain import Watch
from shared.centres import Centres, Level
from shared.contracts.identifiers import split_unit

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
