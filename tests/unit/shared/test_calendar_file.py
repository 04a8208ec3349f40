"""A year file from the State Council's notice is validated field by field, and once loaded it is what counts."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from shared.calendar_file import HOLIDAY_NAMES, CalendarFileError, parse_calendar, read_calendar_file
from shared.calendar_store import stored_year
from shared.workdays import (
    CHINA_TZ,
    add_working_days,
    is_known,
    is_working_day,
    library_holidays,
    library_working_weekends,
    library_years,
    runs_into_unknown_year,
)
from tests.calendar_years import TEST_2027, loaded, year_file

EXAMPLE = Path(__file__).parents[3] / "config" / "calendar" / "example-2027.toml"
NOTICES = Path(__file__).parent / "notices"  # real notices, transcribed; config/ ships no year file


def errors_of(**changes: object) -> list[tuple[str, str]]:
    with pytest.raises(CalendarFileError) as refused:
        parse_calendar({**TEST_2027, **changes})
    return refused.value.fields


def test_the_shipped_example_is_refused_as_a_year_but_has_a_year_files_shape() -> None:
    with pytest.raises(CalendarFileError) as refused:
        read_calendar_file(EXAMPLE)
    [(field, message)] = refused.value.fields
    assert field == "example"
    assert "example = true" in message
    example = read_calendar_file(EXAMPLE, allow_example=True)
    assert example.year == 2027
    assert "示例" in example.source


def test_a_copy_of_the_example_is_refused_until_its_source_is_the_notices(tmp_path: Path) -> None:
    copy = tmp_path / "2027.toml"
    copy.write_text(EXAMPLE.read_text(encoding="utf-8").replace("example = true", ""), encoding="utf-8")
    with pytest.raises(CalendarFileError) as refused:
        read_calendar_file(copy)
    assert [field for field, _ in refused.value.fields] == ["source"]
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace('source = "示例：', 'source = "'), encoding="utf-8")
    assert read_calendar_file(copy).year == 2027


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


def test_every_error_of_a_file_is_reported_at_once_each_naming_its_field() -> None:
    holidays = [{"name": "圣诞节", "days": ["2028-12-25"]}, {"name": "春节", "days": ["2027-02-06"]}]
    errors = errors_of(year=2028, holidays=holidays, working_weekends=["2028-01-05"])  # a Wednesday
    assert [field for field, _ in errors] == ["holidays[0].name", "holidays[1].days[0]", "working_weekends[0]"]
    assert "2027-02-06 is not in 2028" in errors[1][1]
    assert "is a weekday" in errors[2][1]


def test_a_bad_date_and_a_cross_check_are_both_named() -> None:
    holidays = [{"name": "元旦", "days": ["2027-13-01", "2027-01-01"]}]
    errors = errors_of(holidays=holidays, working_weekends=["2027-01-01"])
    assert [field for field, _ in errors] == ["holidays[0].days[0]", "working_weekends[0]"]


# A Spring Festival whose fifth day, 10 February, was typed as the 19th.
SWAPPED = ["2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-19", "2027-02-11", "2027-02-12"]


def test_a_holidays_days_out_of_order_and_with_a_gap_are_refused_naming_the_holiday() -> None:
    errors = errors_of(holidays=[TEST_2027["holidays"][0], {"name": "春节", "days": SWAPPED}])
    assert errors == [
        ("holidays[1].days[5]", "春节 days must be in order: 2027-02-11 is listed after 2027-02-19"),
        ("holidays[1].days", "春节 days must be consecutive: nothing is listed between 2027-02-09 and 2027-02-11"),
    ]


def test_a_gap_over_a_weekend_is_a_gap_the_notice_lists_weekends_inside_a_holiday() -> None:
    # Friday 1 and Monday 4 October without the weekend between: the notice's "10月1日至4日" is four days.
    [(field, message)] = errors_of(holidays=[{"name": "国庆节", "days": ["2027-10-01", "2027-10-04"]}])
    assert field == "holidays[0].days"
    assert "国庆节 days must be consecutive" in message


def test_two_holidays_may_share_one_period() -> None:
    national = {"name": "国庆节", "days": ["2027-10-01", "2027-10-02", "2027-10-04"]}
    year = year_file(holidays=[national, {"name": "中秋节", "days": ["2027-10-03"]}], working_weekends=[])
    assert len(year.days().holidays) == 4


def test_new_year_may_end_the_year_too_as_far_as_31_december() -> None:
    new_year = {"name": "元旦", "days": ["2027-01-01", "2027-01-02", "2027-01-03", "2027-12-31"]}
    assert year_file(holidays=[new_year], working_weekends=[]).year == 2027
    typo = {"name": "元旦", "days": ["2027-01-01", "2027-01-02", "2027-12-03"]}  # the 3rd of January mistyped
    [(field, message)] = errors_of(holidays=[typo], working_weekends=[])
    assert field == "holidays[0].days"
    assert message == "元旦 days must be consecutive: nothing is listed between 2027-01-02 and 2027-12-03"
    short = {"name": "元旦", "days": ["2027-01-01", "2027-12-30"]}  # the next 元旦 begins on the 30th: and the 31st?
    assert [field for field, _ in errors_of(holidays=[short], working_weekends=[])] == ["holidays[0].days"]


def test_a_year_loaded_before_the_period_checks_still_reads_as_it_was_loaded() -> None:
    swapped = {**TEST_2027, "holidays": [TEST_2027["holidays"][0], {"name": "春节", "days": SWAPPED}]}
    assert parse_calendar(swapped, as_loaded=True).days().holidays[date(2027, 2, 19)] == "春节"
    row = {"year": 2027, "source": TEST_2027["source"], "loaded_by": "yunwei.wang", "loaded_at": datetime(2026, 12, 1)}
    row["days"] = {"holidays": swapped["holidays"], "working_weekends": TEST_2027["working_weekends"]}
    assert stored_year(row).calendar.days().holidays[date(2027, 2, 19)] == "春节"  # a service still starts
    with pytest.raises(CalendarFileError):
        parse_calendar(swapped)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_real_notices_of_2025_and_2026_read_and_agree_with_chinesecalendar(year: int) -> None:
    notice = read_calendar_file(NOTICES / f"{year}.toml")
    assert notice.days().holidays == library_holidays(year)
    assert set(notice.working_weekends) == library_working_weekends(year)


@pytest.mark.parametrize("year", list(library_years()))
def test_every_year_chinesecalendar_knows_reads_as_a_year_file(year: int) -> None:
    """Each year as its notice gave it. The library leaves out a weekend inside some holidays (端午节 2011:
    "6月4日至6日放假公休" without the 5th) that the notice counts, and it is put back; and the special
    holiday of 2015 (抗战胜利70周年纪念日) is not one of the seven names a year file takes."""
    days: dict[str, list[date]] = {}
    for day, name in sorted(library_holidays(year).items()):
        if name in HOLIDAY_NAMES:
            days.setdefault(name, []).append(day)
    off = library_holidays(year)
    for listed in days.values():
        left_out = {d + timedelta(1) for d in listed if d + timedelta(2) in listed and d + timedelta(1) not in off}
        assert all(d.weekday() >= 5 for d in left_out)
        listed[:] = sorted({*listed, *left_out})
    raw = {
        "year": year,
        "source": f"国务院办公厅关于{year}年部分节假日安排的通知",
        "holidays": [{"name": name, "days": listed} for name, listed in days.items()],
        "working_weekends": sorted(library_working_weekends(year)),
    }
    assert parse_calendar(raw).year == year
