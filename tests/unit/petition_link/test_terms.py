"""The terms of the 信访工作条例 (2022): 15 days to decide, 60 to handle, one extension of up to 30, calendar days."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.petition_link.domain import terms


def test_the_terms_are_those_of_the_regulation() -> None:
    assert (terms.ACCEPTANCE_DAYS, terms.HANDLING_DAYS, terms.MAX_EXTENSION_DAYS) == (15, 60, 30)


def test_the_day_of_receipt_is_not_counted_so_fifteen_days_from_the_first_end_on_the_sixteenth() -> None:
    assert terms.acceptance_due(date(2026, 3, 1)) == date(2026, 3, 16)


def test_the_acceptance_term_runs_across_the_end_of_a_month() -> None:
    assert terms.acceptance_due(date(2026, 1, 20)) == date(2026, 2, 4)
    assert terms.acceptance_due(date(2026, 2, 20)) == date(2026, 3, 7)  # 2026 is no leap year


def test_the_acceptance_term_runs_across_the_end_of_the_year() -> None:
    assert terms.acceptance_due(date(2026, 12, 20)) == date(2027, 1, 4)


def test_weekends_and_holidays_count_a_term_ending_on_national_day_still_ends_that_day() -> None:
    # Received on 16 September 2026: the 15 days end on 1 October, in the National Day holiday.
    assert terms.acceptance_due(date(2026, 9, 16)) == date(2026, 10, 1)


def test_sixty_days_from_acceptance_on_the_last_of_january_end_on_the_first_of_april() -> None:
    assert terms.handling_due(date(2026, 1, 31)) == date(2026, 4, 1)


def test_february_of_a_leap_year_has_one_day_more_to_count() -> None:
    assert terms.handling_due(date(2028, 1, 31)) == date(2028, 3, 31)


def test_the_handling_term_runs_across_the_end_of_the_year_and_an_extension_adds_its_days() -> None:
    assert terms.handling_due(date(2026, 11, 15)) == date(2027, 1, 14)
    assert terms.handling_due(date(2026, 11, 15), 30) == date(2027, 2, 13)
    assert terms.handling_due(date(2026, 11, 15), 1) == date(2027, 1, 15)


@pytest.mark.parametrize("days", [-1, 31])
def test_an_extension_beyond_thirty_days_or_below_none_is_no_term(days: int) -> None:
    with pytest.raises(ValueError, match="1 to 30 days"):
        terms.handling_due(date(2026, 11, 15), days)


@given(accepted_on=st.dates(min_value=date(2022, 5, 1), max_value=date(2100, 12, 31)), days=st.integers(0, 30))
def test_a_petition_is_due_sixty_calendar_days_after_acceptance_plus_its_extension(
    accepted_on: date, days: int
) -> None:
    assert (terms.handling_due(accepted_on, days) - accepted_on).days == 60 + days


def test_the_day_is_the_countys_so_half_past_midnight_in_shanghai_on_new_years_day_is_the_new_year() -> None:
    # 16:30 UTC on 31 December is 00:30 on 1 January in Shanghai.
    assert terms.local_day(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert terms.local_day(datetime(2026, 12, 31, 15, 59, tzinfo=UTC)) == date(2026, 12, 31)


def test_a_moment_without_a_time_zone_has_no_day_in_the_county() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        terms.local_day(datetime(2026, 12, 31, 16, 30))


def test_received_late_on_new_years_eve_in_shanghai_the_term_counts_from_the_new_year() -> None:
    received_on = terms.local_day(datetime(2026, 12, 31, 17, 0, tzinfo=UTC))

    assert terms.acceptance_due(received_on) == date(2027, 1, 16)
    assert terms.acceptance_due(received_on) - timedelta(days=15) == date(2027, 1, 1)


def test_review_and_re_review_are_asked_within_thirty_days_and_answered_within_thirty() -> None:
    assert (terms.REVIEW_REQUEST_DAYS, terms.REVIEW_ANSWER_DAYS) == (30, 30)  # 第三十五条, 第三十六条


def test_a_reply_received_on_the_last_of_january_may_be_disputed_until_the_second_of_march() -> None:
    # The day of receipt is not counted: 30 days from 31 January 2026 end on 2 March (February has 28 days).
    assert terms.review_request_due(date(2026, 1, 31)) == date(2026, 3, 2)
    assert terms.review_request_due(date(2028, 1, 31)) == date(2028, 3, 1)  # 2028 is a leap year


def test_a_review_asked_on_the_twentieth_of_december_is_answered_by_the_nineteenth_of_january() -> None:
    assert terms.review_answer_due(date(2026, 12, 20)) == date(2027, 1, 19)


def test_a_review_term_ending_in_the_spring_festival_holiday_is_not_moved() -> None:
    # Asked on 18 January 2026: the 30 days end on 17 February, 春节 itself, and still end then.
    assert terms.review_answer_due(date(2026, 1, 18)) == date(2026, 2, 17)
