"""Keeps this process's official calendar in step with the service's table of loaded years."""

import logging
import time

from nameko.containers import WorkerContext

from shared.calendar_store import YEARS, stored_year, use_years
from shared.dependency import Injects
from shared.logs import Throttle
from shared.runtime.pool import DATABASE_AWAY, PostgresPool
from shared.workdays import expect_stored_years, stored_years_read

log = logging.getLogger(__name__)

# Another process of the service may load a year; a worker starting later than this after the last
# look reads the table again (one small query), so every process counts by it within a minute.
REFRESH_SECONDS = 60.0
# After a look that failed (the database is away), the years in use stay, and the next look is this much later:
# the database is not asked again at once. Until a first look succeeds, a worker that begins starts one (if none
# is running).
RETRY_SECONDS = 5.0
_unread = Throttle(60.0)


class CalendarYears(Injects[None]):
    """Loads the service's `calendar_years` into `shared.workdays` at start, and again beside the workers that begin
    once `REFRESH_SECONDS` have passed. Injects nothing; its presence is what it does.

    A dependency that raises as a worker begins stops the whole nameko container, so a database that is away
    only leaves the years in use as they are (logged, at most once a minute): the worker goes on, and its own
    unit of work answers for the database (503, or the message retried). Before a first read succeeds, counting a
    working day raises CalendarNotRead, answered the same way."""

    pool = PostgresPool()

    def __init__(self) -> None:
        self._next_look = float("-inf")
        self._read_once = False
        self._looking = False

    def setup(self) -> None:
        # Until a first read, this process counts no day (shared.workdays.CalendarNotRead, retried as a database
        # that is away): a year loaded only in the table must not be counted in weekdays meanwhile.
        expect_stored_years()

    def start(self) -> None:
        self._look()

    def get_dependency(self, worker_ctx: WorkerContext) -> None:
        # The look runs beside the worker, one at a time, never in its way: in an outage it waits the pool's whole
        # timeout, which a health check or a metrics scrape must not (they answer within a second). A worker that
        # counts a working day before a first look succeeded is answered as one of a database away (CalendarNotRead).
        if self._looking or (self._read_once and time.monotonic() < self._next_look):
            return
        self._looking = True
        self.container.spawn_managed_thread(self._look_aside, identifier="calendar-years")

    def _look_aside(self) -> None:
        try:
            self._look()
        finally:
            self._looking = False

    def _look(self) -> None:
        try:
            self.refresh()
        except DATABASE_AWAY as error:
            self._next_look = time.monotonic() + RETRY_SECONDS
            _unread.warning(
                log,
                "official calendar not re-read: the database is not answering; the years read before stay in use",
                error=" ".join(str(error).split())[:300],
                read_before=self._read_once,
            )

    def refresh(self) -> None:
        with self.pool.connection() as connection:
            rows = connection.execute(YEARS).fetchall()
        use_years([stored_year(row) for row in rows])
        stored_years_read()
        self._read_once = True
        self._next_look = time.monotonic() + REFRESH_SECONDS
