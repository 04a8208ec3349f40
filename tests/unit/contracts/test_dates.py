"""Dates and times a request or a message may name: 1900 to 2100, so a day before or after is still a date; and in
a request, none after the county's today or the service's clock."""

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from shared.contracts.dates import (
    CLOCK_SKEW,
    FIRST_DATE,
    LAST_DATE,
    STORED_ROW,
    YEARS_PATTERN,
    CalendarDate,
    CalendarDateTime,
    ClockMissing,
    DateText,
    NotAfterToday,
    NotInFuture,
    TimeText,
    check_year,
    request_context,
)
from shared.contracts.disputes import Agreement


class Asked(BaseModel):
    on: CalendarDate


class Noted(BaseModel):
    at: CalendarDateTime


def test_the_first_and_last_accepted_dates_leave_room_for_a_day_either_side() -> None:
    assert Asked(on="1900-01-01").on == FIRST_DATE
    assert Asked(on="2100-12-31").on == LAST_DATE
    assert FIRST_DATE - timedelta(days=3650) < FIRST_DATE < LAST_DATE < LAST_DATE + timedelta(days=3650)


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_a_date_outside_the_years_is_refused_naming_the_range(day: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Asked(on=day)
    [error] = refused.value.errors()
    assert (error["loc"], error["type"]) == (("on",), "date_out_of_range")
    assert error["msg"] == "must be a date from 1900-01-01 to 2100-12-31"


def test_a_date_that_is_no_date_is_still_refused_as_pydantic_says() -> None:
    with pytest.raises(ValidationError) as refused:
        Asked(on="2026-02-30")
    assert refused.value.errors()[0]["type"] == "date_from_datetime_parsing"


def test_a_year_written_as_text_is_checked_against_the_same_range() -> None:
    assert check_year(2026) == 2026
    for year in (0, 1899, 2101, 9999):
        with pytest.raises(ValueError, match="in a year from 1900 to 2100"):
            check_year(year)


@pytest.mark.parametrize(
    "moment",
    [
        "2026-12-01T15:30:00+08:00",
        "1900-01-01T00:00:00+14:00",  # 1899 in UTC, but written in 1900: its China date is still a date
        "2100-12-31T23:59:59-12:00",  # 2101 in UTC and in China, a day past the years: still a date
        datetime(1900, 1, 1, tzinfo=UTC),
    ],
)
def test_a_time_written_in_the_years_is_taken_as_written_and_has_a_china_date(moment: str | datetime) -> None:
    noted = Noted(at=moment).at

    china_date = noted.astimezone(timezone(timedelta(hours=8))).date()
    assert FIRST_DATE - timedelta(days=1) <= china_date <= LAST_DATE + timedelta(days=1)


@pytest.mark.parametrize(
    "moment",
    [
        "9999-12-31T23:00:00-05:00",  # past year 9999 in UTC: judged as written, without converting
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
        "1899-12-31T23:59:59-12:00",
        "2101-01-01T00:00:00Z",
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_a_time_written_outside_the_years_is_refused_naming_the_field_without_overflowing(
    moment: str | datetime,
) -> None:
    with pytest.raises(ValidationError) as refused:
        Noted(at=moment)
    [error] = refused.value.errors()
    assert (error["loc"], error["type"]) == (("at",), "date_out_of_range")
    assert error["msg"] == "must be a time in a year from 1900 to 2100"


def test_a_naive_time_is_still_refused_as_pydantic_says() -> None:
    with pytest.raises(ValidationError) as refused:
        Noted(at="2026-12-01T15:30:00")
    assert refused.value.errors()[0]["type"] == "timezone_aware"


def test_the_published_pattern_takes_exactly_the_years_check_year_takes() -> None:
    def pattern_takes(year: int) -> bool:
        return re.search(YEARS_PATTERN, f"{year:04d}-01-01T00:00:00Z") is not None

    def check_takes(year: int) -> bool:
        try:
            check_year(year)
        except ValueError:
            return False
        return True

    assert [year for year in range(10_000) if pattern_takes(year) != check_takes(year)] == []


def test_a_bounded_time_is_published_as_a_date_time_with_its_years_pattern() -> None:
    assert Noted.model_json_schema()["properties"]["at"] == {
        "format": "date-time",
        "pattern": YEARS_PATTERN,
        "title": "At",
        "type": "string",
    }


def test_a_date_is_still_published_as_a_date_in_the_json_schema_with_its_years() -> None:
    assert Asked.model_json_schema()["properties"]["on"] == {
        "format": "date",
        "pattern": YEARS_PATTERN,  # what an agency in another language checks before it sends
        "title": "On",
        "type": "string",
    }


def test_a_row_read_back_from_a_store_keeps_a_day_taken_before_the_years_were_bounded():
    from pydantic import ValidationError

    from shared.contracts.dates import STORED_ROW
    from shared.contracts.disputes import Agreement

    typed_long_ago = {"signed_on": "0001-01-01", "terms": "双方同意"}

    assert Agreement.model_validate(typed_long_ago, context=STORED_ROW).signed_on.year == 1
    with pytest.raises(ValidationError, match="must be a date from"):
        Agreement.model_validate(typed_long_ago)


# --- not in the future, in a request -------------------------------------------------------------------------------

# 01:30 on 5 December in Beijing, while it is still 4 December in UTC: "today" is the county's day.
CLOCK = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)


class Reported(BaseModel):
    """A request with a day and a moment that must have come, beside a field of another kind."""

    received_on: NotAfterToday
    happened_at: NotInFuture
    persons: int


def reported(received_on: str = "2026-12-05", happened_at: str = "2026-12-05T01:30:00+08:00", persons: object = 3):
    return {"received_on": received_on, "happened_at": happened_at, "persons": persons}


def test_the_countys_today_and_a_moment_within_the_clock_skew_are_taken() -> None:
    ahead = (CLOCK + CLOCK_SKEW).isoformat()

    taken = Reported.model_validate(reported(happened_at=ahead), context=request_context(CLOCK))

    assert (taken.received_on, taken.happened_at) == (date(2026, 12, 5), CLOCK + CLOCK_SKEW)


def test_a_day_after_today_and_a_moment_beyond_the_skew_fail_with_the_other_fields_in_one_error() -> None:
    beyond = (CLOCK + CLOCK_SKEW + timedelta(seconds=1)).isoformat()

    with pytest.raises(ValidationError) as refused:
        Reported.model_validate(reported("2026-12-06", beyond, "three"), context=request_context(CLOCK))

    assert [(e["loc"], e["type"], e["msg"]) for e in refused.value.errors()] == [
        (("received_on",), "date_future", "is after today (2026-12-05)"),
        (("happened_at",), "datetime_future", "is in the future"),
        (("persons",), "int_parsing", "Input should be a valid integer, unable to parse string as an integer"),
    ]


def test_a_day_outside_the_years_is_refused_for_its_years_first() -> None:
    with pytest.raises(ValidationError) as refused:
        Reported.model_validate(reported(received_on="2999-01-01"), context=request_context(CLOCK))

    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [(("received_on",), "date_out_of_range")]


def test_an_agreement_in_a_request_is_not_signed_after_today_and_is_named_by_its_path() -> None:
    class Reply(BaseModel):
        agreement: Agreement

    with pytest.raises(ValidationError) as refused:
        Reply.model_validate({"agreement": {"signed_on": "2026-12-06"}}, context=request_context(CLOCK))

    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [
        (("agreement", "signed_on"), "date_future"),
        (("agreement", "terms"), "missing"),
    ]


@pytest.mark.parametrize("context", [None, {}, STORED_ROW], ids=["message", "empty", "stored row"])
def test_outside_a_request_a_future_day_or_moment_is_left_to_its_receiver(context: dict[str, bool] | None) -> None:
    """A message (the coordinator holds a result's agreement to the day it was reported), a stored row, a model built
    in code: none carries a request's clock, and none is judged by one."""
    later = Reported.model_validate(reported("2099-01-01", "2099-01-01T00:00:00+08:00"), context=context)

    assert later.received_on == date(2099, 1, 1)
    assert (
        Agreement.model_validate({"signed_on": "2099-01-01", "terms": "双方同意"}, context=context).signed_on.year
        == 2099
    )


def test_a_request_validated_without_its_clock_fails_loudly_rather_than_let_a_future_day_through() -> None:
    with pytest.raises(ClockMissing, match="received_on"):
        Reported.model_validate(reported("2099-01-01"), context=request_context(None))


def test_a_request_clock_must_know_its_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        request_context(datetime(2026, 12, 5, 1, 30))


@pytest.mark.parametrize("seconds", [0, -1, 1.5, 1767225600, "20261207", "1767225600", "-1", "1e9"])
def test_a_date_or_time_given_as_a_number_is_refused_naming_the_field_not_read_as_seconds_since_1970(
    seconds: object,
) -> None:
    """pydantic alone reads 20261207 as 1970-08-23 12:06:47 UTC: a typing slip kept as a wrong fact."""
    with pytest.raises(ValidationError) as refused_day:
        Asked(on=seconds)
    with pytest.raises(ValidationError) as refused_time:
        Noted(at=seconds)

    [day_error] = refused_day.value.errors()
    [time_error] = refused_time.value.errors()
    assert (day_error["loc"], day_error["type"]) == (("on",), "date_type")
    assert (time_error["loc"], time_error["type"]) == (("at",), "datetime_type")
    assert "not a number" in day_error["msg"] and "not a number" in time_error["msg"]


@pytest.mark.parametrize(
    "written", ["2026-12-07T00:00:00", "2026-12-07T00:00:00+08:00", "2026-12-06T16:00:00Z", "2026-12-7", "2026-12-07 "]
)
def test_a_date_given_as_a_time_or_in_another_form_is_refused_not_read_as_the_day_of_a_time(written: str) -> None:
    """pydantic alone takes a midnight time for its date: 2026-12-06T16:00:00Z is midnight in China, and which day a
    caller meant by it is a guess. A day is asked for as YYYY-MM-DD, and the refusal says so."""
    with pytest.raises(ValidationError) as refused:
        Asked(on=written)

    [error] = refused.value.errors()
    assert (error["loc"], error["type"]) == (("on",), "date_type")
    assert "YYYY-MM-DD" in error["msg"]
    assert Asked(on="2026-12-07").on == date(2026, 12, 7)


def test_a_message_envelope_and_any_year_filters_take_their_times_and_dates_as_text_only() -> None:
    class Filter(BaseModel):
        since: TimeText
        day: DateText

    taken = Filter(since="0001-01-01T00:00:00+00:00", day="0001-01-01")  # any year, as such filters take
    assert (taken.since.year, taken.day) == (1, date(1, 1, 1))
    with pytest.raises(ValidationError) as refused:
        Filter(since=-1, day="20261207")
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [
        (("since",), "datetime_type"),
        (("day",), "date_type"),
    ]
