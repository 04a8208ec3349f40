"""Dates a request may name: years a county's records can fall in, so a day before or after is always a date."""

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

# Wide enough for any record or period a county asks about; narrow enough that counting days from a date
# never leaves Python's calendar (years 1 to 9999), where it would fail as our error, not the caller's.
FIRST_YEAR = 1900
LAST_YEAR = 2100
FIRST_DATE = date(FIRST_YEAR, 1, 1)
LAST_DATE = date(LAST_YEAR, 12, 31)
YEARS_TEXT = f"in a year from {FIRST_YEAR} to {LAST_YEAR}"
OUT_OF_RANGE = "date_out_of_range"
# The same years as instants. Comparing an aware time with them converts nothing, so it cannot overflow
# as moving the time itself into another zone can.
_FIRST_INSTANT = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
_END_INSTANT = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)


def check_year(year: int) -> int:
    """The year, or ValueError when no date of it is accepted (for a month or week written as text)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"must be {YEARS_TEXT}")
    return year


def in_range(day: date) -> date:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise PydanticCustomError(
            OUT_OF_RANGE,
            "must be a date from {first} to {last}",
            {"first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()},
        )
    return day


def instant_in_range(moment: datetime) -> bool:
    """Whether an aware time lies in the accepted years (as UTC counts them)."""
    return _FIRST_INSTANT <= moment < _END_INSTANT


CalendarDate = Annotated[date, AfterValidator(in_range)]
"""A date (YYYY-MM-DD) from FIRST_DATE to LAST_DATE: any date a request names, whatever it counts from it."""
