"""The leaders' report through the API: the query checked field by field, the read model summed into figures."""

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.supervision import reports
from services.supervision.reports import Level, PeriodKind, Scope
from services.supervision.spot_checks import bounds
from services.supervision.store import SupervisionStore
from shared.centres import Centres, county_centres
from shared.contracts.dates import CalendarDate
from shared.contracts.identifiers import DivisionCode, UnitCode
from shared.downloads import DownloadName, report_file
from shared.http import BadInput, FieldError
from shared.known_filters import unknown_unit
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.registry import AgencyRegistry
from shared.wording import Places, load_places, report_scope_name, unit_name
from shared.workdays import CHINA_TZ

Work = UnitOfWork[SupervisionStore]


class ReportQuery(BaseModel):
    """`from` and `to` (China dates, both included), or `period` (day, week, month) and a `date` in it;
    `level` county (default), township (with `division`, 9 digits) or unit (with `unit`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: CalendarDate | None = Field(None, alias="from")
    to: CalendarDate | None = None
    period: PeriodKind | None = None
    date_: CalendarDate | None = Field(None, alias="date")
    level: Level = Level.COUNTY
    division: DivisionCode | None = None
    unit: UnitCode | None = None
    format: Literal["json", "csv"] = "json"  # csv: one row per figure, then the ranking (reports.report_csv)


# Why a query is refused, as each field error's `type`: stable codes that the console and `wuyuan report` word
# in Chinese (services/console/handlers/reports.py, shared/wording.py), whatever the English message says.
RANGE_OR_PERIOD = "range_or_period"  # from and to given with period and date
RANGE_MISSING = "range_missing"  # neither from and to nor period and date
PERIOD_MISSING = "period_missing"  # date given without period
DATE_MISSING = "date_missing"  # period given without date
UNIT_LEVEL_ONLY = "unit_level_only"  # unit given with another level than unit
DIVISION_NOT_WITH_UNIT = "division_not_with_unit"  # division given with level unit
UNIT_MISSING = "unit_missing"  # level unit without a unit
UNIT_OUTSIDE_COUNTY = "unit_outside_county"
DIVISION_NOT_WITH_COUNTY = "division_not_with_county"  # another division with level county
TOWNSHIP_MISSING = "township_missing"  # level township without a 9-digit township code of the county
UNKNOWN_TOWNSHIP = "unknown_township"  # a township code the county's divisions.toml does not list
# A unit of an agency the registry does not know (unknown_agency), or of no place of the county (unknown_unit), judged
# as the case list and the board judge it: shared/known_filters.py.


def _wrong(field: str, code: str, message: str) -> FieldError:
    return {"field": field, "message": message, "type": code}


def period_and_scope(
    query: ReportQuery, county: str, registry: AgencyRegistry, places: Places, centres: Centres | None = None
) -> tuple[reports.Period, Scope]:
    """The period and the scope the query names, or BadInput naming every parameter that is wrong or missing: a
    township or a unit the platform does not know is refused, not reported on as an empty scope."""
    wrong: list[FieldError] = []
    period: reports.Period | None = None
    if query.period is not None or query.date_ is not None:
        for name, value in (("from", query.from_), ("to", query.to)):
            if value is not None:
                wrong.append(_wrong(name, RANGE_OR_PERIOD, "give either from and to, or period and date"))
        if query.period is None:
            wrong.append(_wrong("period", PERIOD_MISSING, "day, week or month, with date"))
        elif query.date_ is None:
            wrong.append(_wrong("date", DATE_MISSING, "a date within the period"))
        else:
            period = reports.period_of(query.period, query.date_)
    else:
        for name, value in (("from", query.from_), ("to", query.to)):
            if value is None:
                wrong.append(_wrong(name, RANGE_MISSING, "required: a date, YYYY-MM-DD (or period and date)"))
        if query.from_ is not None and query.to is not None:
            try:
                period = reports.period_between(query.from_, query.to)
            except reports.PeriodRefused as exc:
                wrong.append(_wrong("to", exc.code, str(exc)))
    scope: Scope | None = None
    if query.level is Level.UNIT:
        if query.division is not None:
            wrong.append(_wrong("division", DIVISION_NOT_WITH_UNIT, "not with level unit"))
        if query.unit is None:
            wrong.append(_wrong("unit", UNIT_MISSING, "required with level unit"))
        elif not query.unit.split(":", 1)[1].startswith(county):
            wrong.append(_wrong("unit", UNIT_OUTSIDE_COUNTY, f"not a unit of county {county}"))
        elif (unknown := unknown_unit(query.unit, county, registry, places, centres)) is not None:
            wrong.append(_wrong("unit", unknown.code, unknown.message))
        else:
            scope = Scope(Level.UNIT, query.unit)
    else:
        if query.unit is not None:
            wrong.append(_wrong("unit", UNIT_LEVEL_ONLY, "only with level unit"))
        if query.level is Level.COUNTY:
            if query.division is not None and query.division != county:
                wrong.append(_wrong("division", DIVISION_NOT_WITH_COUNTY, f"the county is {county}"))
            scope = Scope(Level.COUNTY, county)
        elif query.division is None or len(query.division) != 9 or not query.division.startswith(county):
            reason = f"required with level township: a 9-digit township code of {county}"
            wrong.append(_wrong("division", TOWNSHIP_MISSING, reason))
        elif not places.in_county(query.division, county):
            wrong.append(_wrong("division", UNKNOWN_TOWNSHIP, f"not a township of county {county} (divisions.toml)"))
        else:
            scope = Scope(Level.TOWNSHIP, query.division)
    if wrong or period is None or scope is None:
        raise BadInput(wrong)
    return period, scope


def report(query: ReportQuery, uow: Work, platform: Platform) -> dict[str, object]:
    """The report as of now: every count and rate under its stable key (README, 报表)."""
    places, centres = load_places(platform.config_dir), county_centres(platform.config_dir, platform.county)
    period, scope = period_and_scope(query, platform.county, platform.registry, places, centres)
    with uow:
        # As of now: the cases changed since the timer's last recount count first (those changing this instant wait).
        uow.store.recount_stale(READ_RECOUNT_LIMIT)
        sums = uow.store.report_sums(reports.scope_key(scope), period.start, period.end)
        complete = uow.store.report_model_complete()
        # The spot-check draw is the county's, so its figures belong to the county's report only.
        spot = uow.store.spot_check_figures(*bounds(period.start, period.end)) if scope.level is Level.COUNTY else None
    report = reports.report_from_sums(sums, period, scope, platform.now().astimezone(CHINA_TZ))
    if not complete:
        reports.withhold_stock(report)
    report["spot_checks"] = None if spot is None else reports.spot_check_section(spot)
    return report


RECOUNT_BATCH = 1000  # stale cases (and link decisions) recounted per transaction
RECOUNT_BATCHES = 10  # per timer tick at most, so one tick stays short
READ_RECOUNT_LIMIT = 10_000  # a report read recounts what is still stale first, up to this many cases


def recount_stale_reports(uow: Work) -> None:
    """The cases changed since the last tick, recounted a batch per transaction: each once, however many of its
    facts came meanwhile."""
    for _ in range(RECOUNT_BATCHES):
        with uow:
            if uow.store.recount_stale(RECOUNT_BATCH) < RECOUNT_BATCH:
                return


REBUILD_BATCH = 500  # cases counted per transaction while the read model is rebuilt
REBUILD_BATCHES = 20  # per timer tick, so one tick stays short and another instance can take its turn


def rebuild_read_model(uow: Work) -> None:
    """Count the facts kept before the read model existed (or under older definitions), a batch per
    transaction; once complete, one row read per tick. Counting as facts arrive goes on meanwhile: both
    recompute a case whole and apply the difference, so neither counts anything twice."""
    for _ in range(REBUILD_BATCHES):
        with uow:
            if not uow.store.rebuild_report_step(REBUILD_BATCH):
                return


def report_csv(query: ReportQuery, uow: Work, platform: Platform) -> tuple[str, DownloadName]:
    """The same report as CSV, units named as staff call them (a spreadsheet for the 月总结), and the file's name:
    its scope and period (五源共治报表_2026-11-01至2026-11-30.csv)."""
    places = load_places(platform.config_dir)
    answer = report(query, uow, platform)
    text = reports.report_csv(answer, lambda unit: unit_name(unit, platform.registry, places), places.name)
    return text, report_file_of(answer, "csv", platform.registry, places)


def report_file_of(report: Mapping[str, Any], suffix: str, registry: AgencyRegistry, places: Places) -> DownloadName:
    """A report's file named by its own period and scope, as the API answered them."""
    period, scope = report["period"], report["scope"]
    name = report_scope_name(str(scope["level"]), str(scope["code"]), registry, places)
    return report_file(str(period["from"]), str(period["to"]), suffix, name)
