"""The years of the official calendar a service has loaded (table `calendar_years`), and putting them to use.

The coordinator keeps the years operators load; court_link and supervision keep a copy of each from
CalendarYearLoaded. Every one of them puts its years into `shared.workdays` when it starts and, as
workers begin, whenever another process of it has loaded one since (`shared.runtime.calendar`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from shared.calendar_file import AS_LOADED, CalendarYear, parse_calendar
from shared.contracts.messages import CalendarYearLoaded
from shared.delivery.statements import Row, Statements
from shared.persistence.jsonb import jsonb
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.workdays import YearDays, load_year, unload_year


@dataclass(frozen=True)
class StoredYear:
    calendar: CalendarYear
    loaded_by: str
    loaded_at: datetime

    @property
    def year(self) -> int:
        return self.calendar.year


class CalendarStore(Protocol):
    def years(self) -> list[StoredYear]:
        """Every loaded year, in order."""
        ...

    def put(self, calendar: CalendarYear, loaded_by: str, at: datetime) -> bool:
        """Keep `calendar` for its year (replacing what was loaded for it); False when it was already so."""
        ...


class PostgresCalendarStore:
    def __init__(self, statements: Statements) -> None:
        self.sql = statements

    def years(self) -> list[StoredYear]:
        return [stored_year(row) for row in self.sql.all(YEARS)]

    def put(self, calendar: CalendarYear, loaded_by: str, at: datetime) -> bool:
        row = self.sql.one(
            "INSERT INTO calendar_years (year, days, source, loaded_by, loaded_at) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (year) DO UPDATE SET days = excluded.days, source = excluded.source,"
            " loaded_by = excluded.loaded_by, loaded_at = excluded.loaded_at"
            " WHERE (calendar_years.days, calendar_years.source) IS DISTINCT FROM (excluded.days, excluded.source)"
            " RETURNING year",
            (calendar.year, jsonb(days_of(calendar)), calendar.source, loaded_by, at),
        )
        return row is not None


YEARS = "SELECT year, days, source, loaded_by, loaded_at FROM calendar_years ORDER BY year"


def days_of(calendar: CalendarYear) -> dict[str, Any]:
    """What the `days` column keeps: the year file's holidays and working weekends, as JSON."""
    return calendar.model_dump(mode="json", include={"holidays", "working_weekends"})


def stored_year(row: Row) -> StoredYear:
    """A row of `calendar_years` (`YEARS`), validated again as a year file is (AS_LOADED: as it was then)."""
    calendar = CalendarYear.model_validate(
        {"year": row["year"], "source": row["source"], **row["days"]}, context=AS_LOADED
    )
    return StoredYear(calendar, row["loaded_by"], row["loaded_at"])


def use_years(years: list[StoredYear]) -> None:
    """Put the loaded years into this process's working-day arithmetic."""
    for stored in years:
        load_year(stored.calendar.days())


class KeepsCalendar(Protocol):
    """A service store with the loaded years beside its own tables."""

    @property
    def calendar(self) -> CalendarStore: ...


def keep_calendar_year(
    message: CalendarYearLoaded,
    sent_by: str | None,
    uow: UnitOfWork[KeepsCalendar],
    platform: Platform,
    then: Callable[[CalendarYear], None] | None = None,
) -> None:
    """CalendarYearLoaded, from the coordinator only: keep the service's own copy of the year and count by it.

    `then` runs in the same transaction, once the year is stored and this process counts by it: a service's own
    recount of what the year moves. The year is validated again as the coordinator validated it (AS_LOADED: a
    coordinator of an earlier version may have loaded it); one that fails is a dead letter."""
    platform.require_sender(message, sent_by, "coordinator")
    calendar = parse_calendar(
        {
            "year": message.year,
            "source": message.source,
            "holidays": [h.model_dump(mode="json") for h in message.holidays],
            "working_weekends": [d.isoformat() for d in message.working_weekends],
        },
        as_loaded=True,
    )
    replaced: YearDays | None = None
    loaded = done = stored = False
    try:
        with uow:
            uow.claim(message)
            # A message handled before (sent again by `wuyuan reconcile`, and perhaps older than the year in use) is
            # found out by this round trip, before its year is counted by anywhere in the process.
            uow.store.calendar.put(calendar, message.loaded_by, message.occurred_at)
            replaced, loaded = load_year(calendar.days()), True
            if then is not None:
                then(calendar)
            done = True
        stored = done  # committed (a redelivery leaves the block early, and is swallowed)
    finally:
        if loaded and not stored:  # the transaction failed: this process counts as it did before
            unload_year(calendar.year, replaced)
    if stored:
        # Again once committed: a worker that re-read the table meanwhile (shared.runtime.calendar) put back the
        # version stored before this one.
        load_year(calendar.days())
