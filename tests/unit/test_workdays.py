"""Deadlines in working days follow China's official calendar, holidays and 调休 included."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.workdays import (
    BUSINESS_DAY_END,
    CHINA_TZ,
    add_working_days,
    add_working_days_or_weekdays,
    is_working_day,
    library_holidays,
    library_years,
    statutory_holidays,
    working_days_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def close_of(year: int, month: int, day: int) -> datetime:
    return shanghai(year, month, day, 17, 30)


# --- an ordinary week ------------------------------------------------------------------


def test_one_working_day_from_a_monday_morning_is_tuesday_close() -> None:
    assert add_working_days(shanghai(2024, 3, 11), 1) == close_of(2024, 3, 12)


def test_friday_evening_with_one_working_day_is_due_monday_close() -> None:
    assert add_working_days(shanghai(2024, 3, 15, 20, 45), 1) == close_of(2024, 3, 18)


def test_five_working_days_span_the_weekend() -> None:
    assert add_working_days(shanghai(2024, 3, 13), 5) == close_of(2024, 3, 20)


def test_a_saturday_issue_counts_from_monday() -> None:
    assert add_working_days(shanghai(2024, 3, 16), 1) == close_of(2024, 3, 18)


def test_zero_days_means_close_of_business_today() -> None:
    assert add_working_days(shanghai(2024, 3, 13, 10), 0) == close_of(2024, 3, 13)


def test_zero_days_after_closing_time_means_close_of_the_next_working_day() -> None:
    assert add_working_days(shanghai(2024, 3, 15, 17, 30), 0) == close_of(2024, 3, 18)


def test_the_local_date_decides_not_the_utc_date() -> None:
    # 2024-03-15 23:00 UTC is already Saturday morning in Shanghai.
    late_friday_utc = datetime(2024, 3, 15, 23, 0, tzinfo=UTC)
    assert add_working_days(late_friday_utc, 1) == close_of(2024, 3, 18)


# --- 2024 National Day: Oct 1-7 off, Sunday Sep 29 and Saturday Oct 12 worked ----------


def test_national_day_2024_calendar() -> None:
    assert is_working_day(shanghai(2024, 9, 29).date())
    assert not any(is_working_day(shanghai(2024, 10, d).date()) for d in range(1, 8))
    assert is_working_day(shanghai(2024, 10, 12).date())


def test_the_adjusted_working_sunday_counts_as_a_working_day() -> None:
    assert add_working_days(shanghai(2024, 9, 28), 1) == close_of(2024, 9, 29)


def test_issued_on_the_adjusted_working_sunday_with_one_day() -> None:
    assert add_working_days(shanghai(2024, 9, 29), 1) == close_of(2024, 9, 30)


def test_the_golden_week_is_skipped() -> None:
    assert add_working_days(shanghai(2024, 9, 29), 2) == close_of(2024, 10, 8)


def test_the_adjusted_working_saturday_after_the_holiday_counts() -> None:
    assert add_working_days(shanghai(2024, 10, 11), 1) == close_of(2024, 10, 12)


def test_working_days_across_national_day() -> None:
    assert working_days_between(shanghai(2024, 9, 27), shanghai(2024, 10, 12)) == 7


# --- 2025 Spring Festival: Jan 28 - Feb 4 off, Sunday Jan 26 and Saturday Feb 8 worked --


def test_spring_festival_2025_holiday_is_skipped() -> None:
    assert add_working_days(shanghai(2025, 1, 27), 1) == close_of(2025, 2, 5)


def test_spring_festival_2025_adjusted_saturday_is_worked() -> None:
    assert add_working_days(shanghai(2025, 1, 27), 4) == close_of(2025, 2, 8)


def test_spring_festival_2025_adjusted_sunday_is_worked() -> None:
    assert add_working_days(shanghai(2025, 1, 24), 1) == close_of(2025, 1, 26)


def test_working_days_between_across_spring_festival() -> None:
    assert working_days_between(shanghai(2025, 1, 24), shanghai(2025, 2, 10)) == 7


# --- refusals --------------------------------------------------------------------------


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(shanghai(2024, 3, 11), -1)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(datetime(2024, 3, 11, 9, 0), 1)


def test_naive_end_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        working_days_between(shanghai(2024, 3, 11), datetime(2024, 3, 15, 9, 0))


def test_a_year_the_calendar_does_not_know_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="2099"):
        add_working_days(shanghai(2099, 6, 1), 1)


def test_running_past_the_last_known_year_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="2027"):
        add_working_days(shanghai(2026, 12, 28), 10)


# --- a year not published yet: weekdays less the holidays the law fixes by date -----------


def test_the_law_fixes_thirteen_days_off_in_2027_on_their_lunar_and_solar_dates() -> None:
    assert statutory_holidays(2027) == {
        date(2027, 1, 1),  # 元旦
        date(2027, 2, 5),  # 除夕
        date(2027, 2, 6),  # 春节, 正月初一
        date(2027, 2, 7),
        date(2027, 2, 8),  # 正月初三
        date(2027, 4, 5),  # 清明
        date(2027, 5, 1),  # 劳动节
        date(2027, 5, 2),
        date(2027, 6, 9),  # 端午, 五月初五
        date(2027, 9, 15),  # 中秋, 八月十五
        date(2027, 10, 1),  # 国庆节
        date(2027, 10, 2),
        date(2027, 10, 3),
    }


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_day_the_law_fixes_is_a_holiday_of_the_published_notices(year: int) -> None:
    """The rule agrees with the State Council's notices for every year since the 2024 revision took effect."""
    assert year in library_years()
    assert statutory_holidays(year) <= set(library_holidays(year))


def test_a_provisional_deadline_skips_new_years_day() -> None:
    # Issued on Wednesday 30 December 2026 with 2 working days: Thursday the 31st, then not Friday 1 January
    # 2027 (元旦) but Monday the 4th, marked provisional since 2027's notice is not known.
    due, provisional = add_working_days_or_weekdays(shanghai(2026, 12, 30), 2)
    assert due == close_of(2027, 1, 4)
    assert provisional


def test_a_provisional_deadline_skips_the_spring_festival_of_2027() -> None:
    # Thursday 4 February 2027, one working day: Friday the 5th is 除夕, the 8th 初三; Tuesday the 9th.
    due, provisional = add_working_days_or_weekdays(shanghai(2027, 2, 4), 1)
    assert due == close_of(2027, 2, 9)
    assert provisional


# --- properties ------------------------------------------------------------------------

ZONES = st.sampled_from([SHANGHAI, UTC, ZoneInfo("Europe/London"), timezone(timedelta(hours=-5))])
STARTS = st.builds(
    lambda moment, zone: moment.replace(tzinfo=SHANGHAI).astimezone(zone),
    st.datetimes(min_value=datetime(2005, 1, 1), max_value=datetime(2025, 12, 1)),
    ZONES,
)


@given(start=STARTS, days=st.integers(min_value=1, max_value=30))
def test_deadline_is_a_working_day_close_strictly_after_start(start: datetime, days: int) -> None:
    due = add_working_days(start, days)
    assert due.tzinfo is CHINA_TZ
    assert due.time() == BUSINESS_DAY_END
    assert is_working_day(due.date())
    assert due > start


@given(start=STARTS)
def test_zero_days_is_still_after_start(start: datetime) -> None:
    due = add_working_days(start, 0)
    assert is_working_day(due.date())
    assert start < due <= add_working_days(start, 1)


@given(start=STARTS, days=st.integers(min_value=1, max_value=30))
def test_counting_back_gives_the_days_added(start: datetime, days: int) -> None:
    due = add_working_days(start, days)
    assert working_days_between(start, due) == days
    assert working_days_between(due, start) == -days


@given(start=STARTS, days=st.integers(min_value=1, max_value=30))
def test_one_more_day_is_never_earlier(start: datetime, days: int) -> None:
    assert add_working_days(start, days + 1) > add_working_days(start, days)


@given(start=STARTS, days=st.integers(min_value=0, max_value=30))
def test_another_zone_gets_the_same_close_of_business_in_that_zone(start: datetime, days: int) -> None:
    london = ZoneInfo("Europe/London")
    due = add_working_days(start, days, tz=london)
    assert due.tzinfo is london
    assert due.time() == BUSINESS_DAY_END
