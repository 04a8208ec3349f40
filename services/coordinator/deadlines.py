"""Deadlines in working days, with a weekday fall-back past the years the holiday calendar knows."""

import logging
from datetime import datetime, timedelta

from shared.workdays import BUSINESS_DAY_END, CHINA_TZ, add_working_days

log = logging.getLogger(__name__)


def deadline_for(issued_at: datetime, working_days: int) -> datetime:
    """A case must never stall because next year's holidays are not yet published; count weekdays then."""
    try:
        return add_working_days(issued_at, working_days)
    except ValueError as unknown_year:
        if working_days < 0 or issued_at.tzinfo is None:
            raise
        log.warning("holiday calendar ends; counting weekdays", extra={"reason": str(unknown_year)})
        day = issued_at.astimezone(CHINA_TZ).date()
        remaining = working_days
        while remaining > 0:
            day += timedelta(days=1)
            if day.weekday() < 5:
                remaining -= 1
        return datetime.combine(day, BUSINESS_DAY_END, tzinfo=CHINA_TZ)
