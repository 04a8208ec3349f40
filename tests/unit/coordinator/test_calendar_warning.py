"""Deadlines counted into an unknown year warn once per year an hour, not once per referral."""

import logging
from datetime import date

import pytest

from services.coordinator import deadlines
from shared.logs import Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(deadlines, "_calendar_warnings", Throttle(deadlines.CALENDAR_WARNING_SECONDS, clock))
    return clock


def warnings_in(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("holiday calendar unknown")]


def test_three_hundred_referrals_into_an_unknown_year_log_one_warning_and_the_next_hour_counts_them(clock, caplog):
    caplog.set_level(logging.WARNING, logger=deadlines.__name__)
    unknown = date(2039, 3, 2)  # far past any year the calendar library or a test loads
    for _ in range(300):
        assert deadlines.works(unknown)  # a Wednesday: a weekday stands in

    assert len(warnings_in(caplog)) == 1
    clock.now += deadlines.CALENDAR_WARNING_SECONDS
    deadlines.works(unknown)
    records = warnings_in(caplog)
    assert len(records) == 2
    assert (records[0].year, records[1].suppressed) == (2039, 299)  # type: ignore[attr-defined]
