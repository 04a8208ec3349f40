"""The official calendar at the coordinator: an operator loads a year, its deadlines are recomputed, staff read it.

Loading a year stores it, counts every open deadline its term touches again (`domain.calendar`) and
tells supervision, the units and every service that counts days (CalendarYearLoaded), all in one
transaction. This process counts by the new year from inside that transaction, and by the old
calendar again if it fails.
"""

from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.coordinator.deadlines import recompute_deadline
from services.coordinator.domain.calendar import recompute_deadlines, resumed_pauses
from services.coordinator.handlers import Coordination, Work, changing_case
from shared.auth.principal import Principal
from shared.calendar_file import FIRST_YEAR, LAST_YEAR, CalendarFileError, CalendarYear, parse_calendar
from shared.calendar_store import StoredYear, days_of
from shared.contracts.messages import CalendarYearLoaded
from shared.http import BadInput, validate_value
from shared.workdays import (
    CHINA_TZ,
    is_known,
    library_holidays,
    library_working_weekends,
    library_years,
    load_year,
    unload_year,
)


class _YearPath(BaseModel):
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)


def year_in_path(value: str) -> int:
    """A year from a URL path, or BadInput naming `year`."""
    return validate_value(_YearPath, {"year": value}).year


class YearBody(BaseModel):
    """A year file as JSON (`shared.calendar_file`), plus `replace` to load over a year the library knows."""

    model_config = ConfigDict(extra="allow", frozen=True)
    replace: bool = False


def load_calendar_year(
    year_in_path: int, body: YearBody, caller: Principal, uow: Work, desk: Coordination
) -> dict[str, Any]:
    """PUT /api/v1/calendar/<year>: keep the year, recompute what it moves; the same file twice changes nothing."""
    calendar = _validated(year_in_path, body)
    now = desk.platform.now()
    replaced = load_year(calendar.days())
    try:
        with uow:
            changed = uow.store.calendar.put(calendar, caller.subject, now)
            # Recomputed even when the year is unchanged: a deadline another process issued before it
            # had read the year is caught up by loading the same file again.
            recomputed = _recompute(calendar.year, uow, desk, now)
            # Sent when unchanged too: a court_link process that counted a term before it had read the year
            # counts it again then (the services keep the same copy twice without change).
            uow.send(
                CalendarYearLoaded.build(
                    message_id=desk.platform.new_id(),
                    occurred_at=now,
                    sender=desk.platform.centre_unit,
                    recipient=desk.platform.centre_unit,
                    year=calendar.year,
                    source=calendar.source,
                    loaded_by=caller.subject,
                    **days_of(calendar),
                )
            )
    except BaseException:
        unload_year(calendar.year, replaced)
        raise
    return {
        "year": calendar.year,
        "changed": changed,
        "holiday_days": sum(len(h.days) for h in calendar.holidays),
        "working_weekends": [d.isoformat() for d in calendar.working_weekends],
        "recomputed": recomputed,
    }


def _validated(year_in_path: int, body: YearBody) -> CalendarYear:
    try:
        calendar = parse_calendar(body.model_extra or {})
    except CalendarFileError as invalid:
        raise BadInput([{"field": f, "message": m, "type": "calendar"} for f, m in invalid.fields]) from None
    if calendar.year != year_in_path:
        raise BadInput(
            [
                {
                    "field": "year",
                    "message": f"the file is for {calendar.year}, the path names {year_in_path}",
                    "type": "calendar",
                }
            ]
        )
    if calendar.year in library_years() and not body.replace:
        raise BadInput(
            [
                {
                    "field": "year",
                    "message": f"chinesecalendar already knows {calendar.year}; send replace=true to correct it",
                    "type": "calendar_known",
                }
            ]
        )
    return calendar


def _recompute(year: int, uow: Work, desk: Coordination, now: datetime) -> list[dict[str, Any]]:
    """Every open referral due in `year` or later whose term touches it, counted again (one case at a time)."""
    moved: list[dict[str, Any]] = []
    start = datetime.combine(date(year, 1, 1), time.min, CHINA_TZ)
    for case_id in uow.store.open_cases_due_from(start):
        with changing_case(uow, desk, case_id, "coordinator: calendar loaded") as change:
            _, timeline = uow.store.read(case_id)
            decision = recompute_deadlines(change.case, year, resumed_pauses(timeline), recompute_deadline, now)
            if decision is None:
                continue
            change.apply(decision)
            moved.extend({"case_id": case_id, **entry.detail} for entry in decision.timeline)
    return moved


def list_calendar(uow: Work, desk: Coordination) -> dict[str, Any]:
    """GET /api/v1/calendar: the years known, from the library or loaded, and whether next year is."""
    with uow:
        loaded = uow.store.calendar.years()
    library = library_years()
    next_year = desk.platform.now().astimezone(CHINA_TZ).year + 1
    return {
        "library_years": [library.start, library.stop - 1],
        "loaded": [_loaded_view(stored) for stored in loaded],
        "next_year": next_year,
        "next_year_known": is_known(next_year) or any(s.year == next_year for s in loaded),
    }


def show_calendar_year(year: int, uow: Work) -> dict[str, Any]:
    """GET /api/v1/calendar/<year>: its holidays by name and its 调休 weekends, and where they come from."""
    with uow:
        stored = next((s for s in uow.store.calendar.years() if s.year == year), None)
    if stored is not None:
        calendar = stored.calendar
        return {
            **_loaded_view(stored),
            "origin": "loaded",
            "holidays": [{"name": h.name, "days": [d.isoformat() for d in h.days]} for h in calendar.holidays],
            "working_weekends": [d.isoformat() for d in calendar.working_weekends],
        }
    if year in library_years():
        by_name: dict[str, list[str]] = {}
        for day, name in sorted(library_holidays(year).items()):
            by_name.setdefault(name, []).append(day.isoformat())
        return {
            "year": year,
            "origin": "library",
            "source": "chinesecalendar",
            "holidays": [{"name": name, "days": days} for name, days in by_name.items()],
            "working_weekends": [d.isoformat() for d in sorted(library_working_weekends(year))],
        }
    return {"year": year, "origin": "unknown", "holidays": [], "working_weekends": []}


def _loaded_view(stored: StoredYear) -> dict[str, Any]:
    return {
        "year": stored.year,
        "source": stored.calendar.source,
        "loaded_by": stored.loaded_by,
        "loaded_at": stored.loaded_at.isoformat(),
    }
