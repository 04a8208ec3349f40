"""Repeated warnings: one line per event and key every period, and the next one says how many were held back."""

import logging

import pytest

from shared.logs import Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def lines():
    logger = logging.getLogger("test.throttle")
    handler = Lines()
    logger.addHandler(handler)
    yield logger, handler.records
    logger.removeHandler(handler)


def test_a_warning_repeated_for_every_referral_is_written_once_an_hour_with_the_count(lines):
    logger, records = lines
    clock = Clock()
    throttle = Throttle(3600, clock)
    for _ in range(500):
        throttle.warning(logger, "holiday calendar unknown", key=2027, year=2027)
    clock.now += 3600
    throttle.warning(logger, "holiday calendar unknown", key=2027, year=2027)

    assert [r.suppressed for r in records] == [0, 499]  # type: ignore[attr-defined]
    assert records[0].year == 2027  # type: ignore[attr-defined]


def test_another_key_is_not_held_back_by_the_first(lines):
    logger, records = lines
    throttle = Throttle(3600, Clock())
    assert throttle.warning(logger, "holiday calendar unknown", key=2027)
    assert throttle.warning(logger, "holiday calendar unknown", key=2028)
    assert not throttle.warning(logger, "holiday calendar unknown", key=2027)
    assert len(records) == 2


def test_it_remembers_a_bounded_number_of_keys():
    throttle = Throttle(60, Clock())
    for key in range(Throttle.MAX_KEYS * 3):
        throttle.admit("event", key)
    assert len(throttle._seen) <= Throttle.MAX_KEYS


def test_a_period_must_be_positive():
    with pytest.raises(ValueError, match="seconds"):
        Throttle(0)
