"""Dates a request or a message may name: years a county's records can fall in, so a day before or after is a date;
and, in a request, none after the county's today."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, GetJsonSchemaHandler, ValidationInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

# Wide enough for any record or period a county asks about; narrow enough that counting days from a date
# never leaves Python's calendar (years 1 to 9999), where it would fail as our error, not the caller's.
FIRST_YEAR = 1900
LAST_YEAR = 2100
FIRST_DATE = date(FIRST_YEAR, 1, 1)
LAST_DATE = date(LAST_YEAR, 12, 31)
YEARS_TEXT = f"in a year from {FIRST_YEAR} to {LAST_YEAR}"
OUT_OF_RANGE = "date_out_of_range"
# An officer's clock may run a little ahead of the service's; a moment further in the future is a typing error.
CLOCK_SKEW = timedelta(minutes=5)
# The county's day: what "today" is for a date an officer gives, whatever zone the service's clock reads in.
CHINA_TZ = ZoneInfo("Asia/Shanghai")
FUTURE_DATE = "date_future"
FUTURE_TIME = "datetime_future"
# The same years at the start of an RFC 3339 date-time, as a JSON Schema pattern for receivers in any language.
# Spelled out for 1900 to 2100; tests/unit/contracts/test_dates.py holds it to check_year for every year.
YEARS_PATTERN = "^(?:19[0-9]{2}|20[0-9]{2}|2100)-"


def check_year(year: int) -> int:
    """The year, or ValueError when no date of it is accepted (for a month or week written as text)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"must be {YEARS_TEXT}")
    return year


# The validation context of a row read back from a service's own store: what was taken before the years were bounded
# (a typed 0001-01-01) is read as it was stored, so that one old row never fails every page that lists it.
STORED_ROW = {"stored_row": True}


def _stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("stored_row"))


def in_range(day: date, info: ValidationInfo) -> date:
    if _stored(info):
        return day
    if not FIRST_DATE <= day <= LAST_DATE:
        raise PydanticCustomError(
            OUT_OF_RANGE,
            "must be a date from {first} to {last}",
            {"first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()},
        )
    return day


def time_in_range(moment: datetime) -> datetime:
    """The time, or a field error when the year it is written in is outside the accepted years.

    The year as written, in the time's own offset: judged without converting (which could overflow near year
    1 or 9999), and exactly what YEARS_PATTERN says. Such a time is within a day of those years in any zone,
    so its China date, or any date counted a few years from it, is still a date."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise PydanticCustomError(OUT_OF_RANGE, "must be a time {years}", {"years": YEARS_TEXT})
    return moment


# A date or time as JSON gives it: text that starts with a four-digit year. Left to itself pydantic also reads a
# number, or text of digits alone, as seconds since 1970, so a call "received at 20261207" would be kept as
# 1970-08-23 without a word. The objects code and stores hand over (date, datetime) pass as they are.
_STARTS_WITH_YEAR = re.compile(r"[0-9]{4}-")
# Left to itself pydantic also takes a time at midnight (2026-12-07T00:00:00, with or without an offset) for its
# date; but a time sent where a day is asked names a moment in some zone, whose China day may be another. A date is
# asked for as YYYY-MM-DD, as the published schemas say (format "date"), and nothing else is read as one.
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def date_written_as_text(value: object) -> object:
    """A date given as a number, as digits alone or as a time is refused naming its field: never read as a count of
    seconds, nor as the day of a time."""
    if _seconds_since_1970(value):
        raise PydanticCustomError("date_type", "must be a date written as text, YYYY-MM-DD, not a number")
    if isinstance(value, str) and _STARTS_WITH_YEAR.match(value) and not _DATE_TEXT.fullmatch(value):
        raise PydanticCustomError("date_type", "must be a date written YYYY-MM-DD, not a time or another form")
    return value


def time_written_as_text(value: object) -> object:
    """A time given as a number or as digits alone is refused naming its field, never read as a count of seconds."""
    if _seconds_since_1970(value):
        raise PydanticCustomError(
            "datetime_type", "must be a time written as text with its offset (2026-12-07T09:30:00+08:00), not a number"
        )
    return value


def _seconds_since_1970(value: object) -> bool:
    """What pydantic would read as seconds since 1970: a number (not a bool, which it refuses) or text of one."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if not isinstance(value, str) or _STARTS_WITH_YEAR.match(value):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


DateText = Annotated[date, BeforeValidator(date_written_as_text)]
"""A date of any year, written as text (a filter's bound); CalendarDate when the date is counted from."""

TimeText = Annotated[AwareDatetime, BeforeValidator(time_written_as_text)]
"""An aware time of any year, written as text (a message's envelope); CalendarDateTime when it is counted by date."""


@dataclass(frozen=True)
class _PublishedYears:
    """Publishes YEARS_PATTERN in the JSON Schema of a bounded date or time, for receivers in any language;
    validation itself is in_range and time_in_range."""

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema: dict[str, Any] = handler(core)
        return {**schema, "pattern": YEARS_PATTERN}


CalendarDate = Annotated[DateText, AfterValidator(in_range), _PublishedYears()]
"""A date (YYYY-MM-DD) from FIRST_DATE to LAST_DATE: any date a request names, whatever it counts from it."""

CalendarDateTime = Annotated[TimeText, AfterValidator(time_in_range), _PublishedYears()]
"""An aware time written in a year from FIRST_YEAR to LAST_YEAR: a time a message names that its receiver counts
by date (the schema's `pattern` says the same)."""


# --- not in the future: judged against the clock reading of the request ----------------------------------------------

# The validation context's key for the service's clock reading a request is judged by (shared.http's parse_body). Only
# a request carries it: a message is judged by its receiver's own rules (the coordinator holds a result's agreement to
# the day it was reported), a stored row was judged when it was taken, and a model built in code states a fact.
REQUEST_CLOCK = "request_clock"


class ClockMissing(RuntimeError):
    """A request validated without its service's clock reading, though its model holds a date or time that must not be
    in the future: the endpoint's mistake, never the caller's, so never silently passed as a valid date."""


def request_context(now: datetime | None) -> dict[str, datetime | None]:
    """The validation context of a request judged at `now`, the service's clock reading; None when the endpoint gave
    none, and then a model that needs one raises ClockMissing rather than let a future date through."""
    if now is not None and (now.tzinfo is None or now.utcoffset() is None):
        raise ValueError(f"a request's clock reading must be timezone-aware, got naive {now.isoformat()}")
    return {REQUEST_CLOCK: now}


def in_request(info: ValidationInfo) -> bool:
    """Whether what is validated is a request (parse_body, parse_query: they give REQUEST_CLOCK, with or without a
    reading), not a message, a stored row or a model built in code."""
    return isinstance(info.context, Mapping) and REQUEST_CLOCK in info.context


def _request_clock(info: ValidationInfo) -> datetime | None:
    """The clock reading the request is judged by, or None when what is validated is no request."""
    context = info.context
    if not isinstance(context, Mapping) or REQUEST_CLOCK not in context:
        return None
    now = context[REQUEST_CLOCK]
    if now is None:
        raise ClockMissing(f"{info.field_name} is judged against the service's clock, and the request carried none")
    if not isinstance(now, datetime):
        raise TypeError(f"{REQUEST_CLOCK} must be a datetime, got {type(now).__name__}")
    return now


# The validation context's key for the receiver's clock reading a message is judged by (shared.messaging.consumer).
# Only the rules that hold for a message as for a request read it (a person is not born after today, whoever says
# so); NotAfterToday and NotInFuture do not, as a message is otherwise judged by its receiver's own rules (above).
RECEIVER_CLOCK = "receiver_clock"


def message_context(now: datetime) -> dict[str, datetime]:
    """The validation context of a message its receiver reads at `now`, its own clock reading."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"a receiver's clock reading must be timezone-aware, got naive {now.isoformat()}")
    return {RECEIVER_CLOCK: now}


def county_today(info: ValidationInfo) -> date | None:
    """The county's today (Asia/Shanghai) by the clock what is validated is judged at: a request's (ClockMissing when
    its endpoint gave none) or a message's receiver's; None for a stored row or a model built in code."""
    now = _request_clock(info)
    if now is None and isinstance(info.context, Mapping):
        received = info.context.get(RECEIVER_CLOCK)
        now = received if isinstance(received, datetime) else None
    return now.astimezone(CHINA_TZ).date() if now is not None else None


def is_stored_row(info: ValidationInfo) -> bool:
    """Whether what is validated is a row read back from a service's own store (STORED_ROW), judged when it was
    taken."""
    return _stored(info)


def not_after_today(day: date, info: ValidationInfo) -> date:
    """A day that has come, in the county: one after today is a typing mistake, never a fact. The message names
    today, which a console repeats ('不能晚于今天（2026-12-04）')."""
    now = _request_clock(info)
    if now is not None:
        today = now.astimezone(CHINA_TZ).date()
        if day > today:
            raise PydanticCustomError(FUTURE_DATE, "is after today ({today})", {"today": today.isoformat()})
    return day


def not_in_future(moment: datetime, info: ValidationInfo) -> datetime:
    """A moment that has come: one further ahead of the service's clock than CLOCK_SKEW is a typing mistake."""
    now = _request_clock(info)
    if now is not None and moment > now + CLOCK_SKEW:
        raise PydanticCustomError(FUTURE_TIME, "is in the future")
    return moment


NotAfterToday = Annotated[CalendarDate, AfterValidator(not_after_today)]
"""A CalendarDate that, in a request, is not after the county's today (Asia/Shanghai) at the service's clock reading:
a day a thing was received, held or signed. Outside a request it is a CalendarDate."""

NotInFuture = Annotated[CalendarDateTime, AfterValidator(not_in_future)]
"""A CalendarDateTime that, in a request, is not later than the service's clock reading by more than CLOCK_SKEW:
a moment a thing happened. Outside a request it is a CalendarDateTime."""
