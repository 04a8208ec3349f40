"""The terms of 诉调对接, counted as the law counts a term in days: on China's local dates, the start day not counted,
a last day on which courts are closed moved to the next day they are open."""

from datetime import UTC, date, datetime, timedelta

import pytest

from services.court_link.domain.terms import (
    APPLICATION_TERM_DAYS,
    DECISION_EXTENSION_DAYS,
    DECISION_TERM_DAYS,
    MEDIATION_TERM_DAYS,
    is_court_day,
    local_date,
    term_end,
)


def test_the_statutory_terms_are_thirty_thirty_fifteen_and_ten_more_days():
    assert (MEDIATION_TERM_DAYS, APPLICATION_TERM_DAYS, DECISION_TERM_DAYS, DECISION_EXTENSION_DAYS) == (30, 30, 15, 10)


def test_day_thirty_is_the_thirtieth_day_after_the_start_which_itself_is_not_counted():
    diverted_on = date(2026, 6, 1)  # a Monday

    assert term_end(diverted_on, 30) == date(2026, 7, 1)  # a Wednesday: 1 June is day 0, 2 June day 1
    assert term_end(diverted_on, 1) == date(2026, 6, 2)


def test_a_term_ending_on_a_saturday_runs_to_the_monday():
    assert term_end(date(2026, 7, 2), 30) == date(2026, 8, 3)  # 1 August 2026 is a Saturday


def test_a_term_crossing_the_year_end_onto_new_years_day_runs_to_the_adjusted_working_sunday():
    """元旦 2026 is 1–3 January; Sunday 4 January is a working day (调休), so the courts are open."""
    assert term_end(date(2025, 12, 2), 30) == date(2026, 1, 4)


def test_a_term_ending_in_the_national_day_week_runs_past_the_holiday():
    assert term_end(date(2026, 9, 1), 30) == date(2026, 10, 8)


def test_a_term_running_into_a_year_whose_holidays_are_not_published_yet_moves_past_weekends_and_statutory_days():
    """chinesecalendar knows the State Council's holidays up to 2026: a 2027 end skips Saturday, Sunday and the
    days the law fixes (元旦, 除夕 to 初三 …), not yet the notice's bridging days."""
    assert term_end(date(2026, 12, 4), 30) == date(2027, 1, 4)  # 3 January 2027 is a Sunday
    assert term_end(date(2026, 12, 2), 30) == date(2027, 1, 4)  # Friday 1 January is 元旦, then a weekend
    assert term_end(date(2027, 1, 6), 30) == date(2027, 2, 9)  # Friday 5 February is 除夕; 初三 is Monday the 8th
    assert is_court_day(date(2027, 1, 2)) is False
    assert is_court_day(date(2027, 2, 10)) is True  # 初五: only the notice can give it off


def test_the_decision_term_is_fifteen_days_and_twenty_five_once_extended():
    accepted_on = date(2026, 11, 20)  # a Friday

    assert term_end(accepted_on, DECISION_TERM_DAYS) == date(2026, 12, 7)  # the 5th is a Saturday
    assert term_end(accepted_on, DECISION_TERM_DAYS + DECISION_EXTENSION_DAYS) == date(2026, 12, 15)


def test_a_term_of_no_days_is_refused():
    with pytest.raises(ValueError, match="at least one day"):
        term_end(date(2026, 6, 1), 0)


def test_the_local_date_is_chinas_not_utcs():
    late_evening_utc = datetime(2026, 12, 3, 16, 30, tzinfo=UTC)  # 00:30 on 4 December in Beijing

    assert local_date(late_evening_utc) == date(2026, 12, 4)
    assert local_date(late_evening_utc - timedelta(hours=1)) == date(2026, 12, 3)


def test_the_first_minutes_of_a_new_year_in_china_are_the_new_years_date():
    assert local_date(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == date(2027, 1, 1)


def test_a_moment_without_a_timezone_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 12, 4, 9, 0))
