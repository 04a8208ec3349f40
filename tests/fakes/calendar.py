"""The loaded years of the official calendar in memory, as `shared.calendar_store` keeps them."""

from datetime import datetime

from shared.calendar_file import CalendarYear
from shared.calendar_store import StoredYear, days_of


class FakeCalendarStore:
    def __init__(self) -> None:
        self.rows: dict[int, StoredYear] = {}

    def years(self) -> list[StoredYear]:
        return [self.rows[year] for year in sorted(self.rows)]

    def put(self, calendar: CalendarYear, loaded_by: str, at: datetime) -> bool:
        kept = self.rows.get(calendar.year)
        if kept is not None and (days_of(kept.calendar), kept.calendar.source) == (
            days_of(calendar),
            calendar.source,
        ):
            return False
        self.rows[calendar.year] = StoredYear(calendar, loaded_by, at)
        return True
