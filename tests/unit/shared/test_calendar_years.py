"""The calendar dependency never stops its service when the database is away: the years in use stay, and are
read again once it answers."""

import logging
from contextlib import contextmanager
from datetime import date, datetime

import psycopg
import pytest

from shared import workdays
from shared.runtime import calendar
from shared.runtime.calendar import CalendarYears


class Database:
    """A pool whose connections fail while `away`, and count the looks that reached the table."""

    def __init__(self) -> None:
        self.away = False
        self.looks = 0

    @contextmanager
    def connection(self):
        if self.away:
            raise psycopg.OperationalError("terminating connection due to administrator command")
        self.looks += 1
        yield self

    def execute(self, query: str) -> "Database":
        return self

    def fetchall(self) -> list:
        return []


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(calendar.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(calendar, "_unread", calendar.Throttle(60.0, clock=lambda: now[0]))
    return now


class Container:
    """Runs what the dependency starts beside a worker at once, or keeps it for later when `held`."""

    def __init__(self) -> None:
        self.held = False
        self.waiting: list = []

    def spawn_managed_thread(self, run, identifier=None):
        if self.held:
            self.waiting.append(run)
        else:
            run()

    def run_waiting(self) -> None:
        while self.waiting:
            self.waiting.pop(0)()


@pytest.fixture
def years(monkeypatch, clock):
    monkeypatch.setattr(calendar, "use_years", lambda stored: None)
    found = CalendarYears()
    found.pool = Database()  # type: ignore[assignment]
    found.container = Container()  # type: ignore[assignment]
    return found


def test_a_worker_never_waits_for_the_look_and_only_one_look_runs_at_a_time(years, clock):
    years.start()
    clock[0] += calendar.REFRESH_SECONDS
    years.container.held = True  # the look waits (the pool's timeout, in an outage)

    for _ in range(5):  # five workers, a health check's among them: none reads the table itself
        years.get_dependency(None)

    assert (years.pool.looks, len(years.container.waiting)) == (1, 1)
    years.container.run_waiting()
    assert years.pool.looks == 2
    years.get_dependency(None)  # read a moment ago: nothing until the next refresh
    assert years.container.waiting == []


def test_a_database_away_as_a_worker_begins_leaves_the_years_and_the_worker_goes_on(years, clock, caplog):
    years.start()
    years.pool.away = True
    clock[0] += calendar.REFRESH_SECONDS

    with caplog.at_level(logging.WARNING):
        for _ in range(20):  # twenty workers of the outage: none raises, one line is written
            years.get_dependency(None)

    assert [r.message for r in caplog.records].count(
        "official calendar not re-read: the database is not answering; the years read before stay in use"
    ) == 1

    years.pool.away = False
    clock[0] += calendar.RETRY_SECONDS
    years.get_dependency(None)
    assert years.pool.looks == 2  # read again once the database answers


def test_until_a_first_look_succeeds_every_worker_looks(years, clock):
    years.pool.away = True
    years.start()  # the database is away as the service starts: it starts all the same
    years.pool.away = False

    years.get_dependency(None)  # the next worker reads the years before its handler counts any deadline

    assert years.pool.looks == 1


def test_a_fault_that_is_not_the_database_s_is_not_hidden(years, monkeypatch):
    def broken(stored):
        raise ValueError("a stored year that does not read")

    monkeypatch.setattr(calendar, "use_years", broken)

    with pytest.raises(ValueError):
        years.start()


def test_no_day_is_counted_until_the_stored_years_are_first_read(years):
    years.pool.away = True
    years.setup()
    try:
        years.start()  # the database is away: nothing read
        with pytest.raises(workdays.CalendarNotRead):  # retried as a database that is away, never guessed
            workdays.add_working_days_or_weekdays(datetime(2026, 12, 4, 9, 0, tzinfo=workdays.CHINA_TZ), 5)

        years.pool.away = False
        years.get_dependency(None)

        assert workdays.is_working_day(date(2026, 12, 7))  # a Monday, counted once the years are read
    finally:
        workdays.stored_years_read()
