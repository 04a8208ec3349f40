"""A year file from the State Council's notice is validated field by field, and once loaded it is what counts."""

from datetime import date, datetime
from pathlib import Path

import pytest

from shared.calendar_file import CalendarFileError, parse_calendar, read_calendar_file
from shared.workdays import (
    CHINA_TZ,
    add_working_days,
    is_known,
    is_working_day,
    runs_into_unknown_year,
)
from tests.calendar_years import TEST_2027, loaded, year_file

EXAMPLE = Path(__file__).parents[3] / "config" / "calendar" / "example-2027.toml"


def errors_of(**changes: object) -> list[tuple[str, str]]:
    with pytest.raises(CalendarFileError) as refused:
        parse_calendar({**TEST_2027, **changes})
    return refused.value.fields


def test_the_shipped_example_reads_and_says_it_is_an_example() -> None:
    example = read_calendar_file(EXAMPLE)
    assert example.year == 2027
    assert "示例" in example.source


def test_a_day_outside_the_year_is_named_by_its_place_in_the_file() -> None:
    holidays = [TEST_2027["holidays"][0], {"name": "春节", "days": ["2027-02-06", "2027-02-07", "2026-02-08"]}]
    [(field, message)] = errors_of(holidays=holidays)
    assert field == "holidays[1].days[2]"
    assert "2026-02-08 is not in 2027" in message


def test_a_day_listed_twice_is_refused() -> None:
    holidays = [TEST_2027["holidays"][0], {"name": "春节", "days": ["2027-01-03"]}]
    [(field, message)] = errors_of(holidays=holidays)
    assert field == "holidays[1].days[0]"
    assert "already listed" in message


def test_a_working_weekend_must_be_a_saturday_or_sunday_and_not_a_holiday() -> None:
    assert errors_of(working_weekends=["2027-01-29"])[0][0] == "working_weekends[0]"  # a Friday
    [(field, message)] = errors_of(working_weekends=["2027-01-30", "2027-01-02"])
    assert field == "working_weekends[1]"
    assert "also a holiday" in message


def test_an_unknown_holiday_name_and_a_missing_source_are_named() -> None:
    fields = {f for f, _ in errors_of(holidays=[{"name": "圣诞节", "days": ["2027-12-25"]}])}
    assert fields == {"holidays[0].name"}
    without_source = {k: v for k, v in TEST_2027.items() if k != "source"}
    with pytest.raises(CalendarFileError) as refused:
        parse_calendar(without_source)
    assert [f for f, _ in refused.value.fields] == ["source"]


def test_a_broken_toml_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "2027.toml"
    broken.write_text("year = 2027\nholidays = [", encoding="utf-8")
    with pytest.raises(CalendarFileError) as refused:
        read_calendar_file(broken)
    assert refused.value.fields[0][0] == "(file)"


def test_an_unknown_year_raises_and_is_provisional_until_loaded() -> None:
    issued = datetime(2026, 12, 24, 10, 0, tzinfo=CHINA_TZ)
    with pytest.raises(ValueError, match="2027"):
        is_working_day(date(2027, 1, 1))
    assert not is_known(2027)
    assert runs_into_unknown_year(issued, issued.replace(year=2027, month=1, day=8))
    assert not runs_into_unknown_year(issued, issued.replace(day=31))
    with loaded(year_file()):
        assert is_known(2027)
        assert not runs_into_unknown_year(issued, issued.replace(year=2027, month=1, day=8))
    assert not is_known(2027)


def test_a_loaded_year_makes_1_january_a_holiday_and_a_tiaoxiu_saturday_a_working_day() -> None:
    with loaded(year_file()):
        assert not is_working_day(date(2027, 1, 1))  # a Friday, 元旦
        assert is_working_day(date(2027, 1, 30))  # a Saturday worked in exchange (调休上班)
        assert not is_working_day(date(2027, 2, 10))  # a Wednesday of the Spring Festival
        assert is_working_day(date(2027, 1, 4))
        # Thursday 31 December + 1 working day: not Friday 1 January, but Monday 4 January.
        due = add_working_days(datetime(2026, 12, 31, 9, 0, tzinfo=CHINA_TZ), 1)
        assert due == datetime(2027, 1, 4, 17, 30, tzinfo=CHINA_TZ)


def test_loading_a_year_again_replaces_it_whole() -> None:
    with loaded(year_file()), loaded(year_file(holidays=[{"name": "元旦", "days": ["2027-01-01"]}])):
        assert not is_working_day(date(2027, 1, 1))
        assert is_working_day(date(2027, 2, 10))
