"""Dates a request may name: 1900 to 2100, so a day before or after any of them is still a date."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from shared.contracts.dates import FIRST_DATE, LAST_DATE, CalendarDate, check_year, instant_in_range


class Asked(BaseModel):
    on: CalendarDate


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
    ("moment", "inside"),
    [
        (datetime(2026, 12, 1, 15, 30, tzinfo=UTC), True),
        (datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))), False),  # past year 9999 in UTC
        (datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=14))), False),  # before year 1 in UTC
        (datetime(2101, 1, 1, tzinfo=UTC), False),
        (datetime(1900, 1, 1, tzinfo=UTC), True),
    ],
)
def test_an_aware_time_at_the_calendars_edges_is_judged_without_overflowing(moment: datetime, inside: bool) -> None:
    assert instant_in_range(moment) is inside


def test_a_date_is_still_published_as_a_date_in_the_json_schema() -> None:
    assert Asked.model_json_schema()["properties"]["on"] == {"format": "date", "title": "On", "type": "string"}
