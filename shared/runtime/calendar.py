"""Keeps this process's official calendar in step with the service's table of loaded years."""

import time

from nameko.containers import WorkerContext

from shared.calendar_store import YEARS, stored_year, use_years
from shared.dependency import Injects
from shared.runtime.pool import PostgresPool

# Another process of the service may load a year; a worker starting later than this after the last
# look reads the table again (one small query), so every process counts by it within a minute.
REFRESH_SECONDS = 60.0


class CalendarYears(Injects[None]):
    """Loads the service's `calendar_years` into `shared.workdays` at start, and again as workers
    begin once `REFRESH_SECONDS` have passed. Injects nothing; its presence is what it does."""

    pool = PostgresPool()

    def __init__(self) -> None:
        self._looked_at = float("-inf")

    def start(self) -> None:
        self.refresh()

    def get_dependency(self, worker_ctx: WorkerContext) -> None:
        if time.monotonic() - self._looked_at >= REFRESH_SECONDS:
            self.refresh()

    def refresh(self) -> None:
        with self.pool.connection() as connection:
            rows = connection.execute(YEARS).fetchall()
        use_years([stored_year(row) for row in rows])
        self._looked_at = time.monotonic()
