"""The report's read model, pure: what one case (or one link decision) adds to the daily counters, by scope key."""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.contracts.identifiers import split_unit
from shared.contracts.vocabulary import AGREEMENT_RESULTS, RESOLVING_RESULTS, ResultCode
from shared.workdays import CHINA_TZ

# The division levels a report's scope takes: county (6 digits) and township (9); a unit scope is the
# unit itself or any unit above it (its agency at the county, township or village level).
DIVISION_LEVELS = (6, 9)
UNIT_LEVELS = (6, 9, 12)
UNKNOWN = "unknown"  # a case whose CaseAssigned supervision never received
HAPPY_RATINGS = frozenset({"satisfied", "basically_satisfied"})


class Metric:
    """The counters' names (stable: they are stored). Case metrics sit on rows with unit ''; a unit's parts
    and its link decisions on rows naming the unit, for the ranking."""

    RECEIVED = "cases_received"
    HANDLED = "cases_handled"
    RESOLVED = "cases_resolved"
    MEDIATED = "cases_mediated"  # an agreement (AGREEMENT_RESULTS), by source
    TO_LITIGATION = "cases_to_litigation"
    REOPENED = "cases_reopened"
    RATINGS = "ratings"
    RATINGS_SATISFIED = "ratings_satisfied"
    RESOLVE_DAYS = "resolve_working_days"  # summed over resolving resolutions
    RESOLVE_COUNT = "resolve_count"
    RESOLVE_PROVISIONAL = "resolve_provisional"  # of those, counted on plain weekdays (a year unknown)
    PARTS_ENDED = "parts_ended"
    PARTS_ON_TIME = "parts_on_time"
    PARTS_ESCALATED = "parts_escalated"  # taken up a level past the unit for being overdue (逾期提级)
    PARTS_WITH_RESULT = "parts_with_result"
    PARTS_RESOLVING = "parts_resolving"
    # +1 on the day a round begins (the case first seen, or reopened), -1 on the day it ends (CaseResolved): not a
    # figure of its own, but summed over every day up to a date it is the cases still being handled at that date's
    # end (期末在办), a stock read from the same daily counters as the flows.
    ROUNDS_OPENED_LESS_ENDED = "rounds_opened_less_ended"
    OPEN_AT_END = "cases_open_at_end"  # that sum, as the report's sums carry it (never stored)
    # +1 on the day a case begins to wait for manual triage (待人工分流), -1 on the day staff's designation (or the
    # round's end) leaves it waiting no more: summed up to a date, the cases waiting at that date's end.
    TRIAGE_WAITS_BEGUN_LESS_ENDED = "triage_waits_begun_less_ended"
    AWAITING_TRIAGE_AT_END = "cases_awaiting_triage_at_end"  # that sum, as the report's sums carry it (never stored)


def link_metric(link: str, kind: str) -> str:
    return f"link:{link}:{kind}"


# One counter: (China local day, scope key, unit or '', dimension or '', metric).
Key = tuple[date, str, str, str, str]
Counters = Counter[Key]


def source_dim(source: str) -> str:
    return f"source:{source}"


def category_dim(category: str) -> str:
    return f"category:{category}"


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def division_scopes(division: str | None) -> list[str]:
    """The county and the township a division lies in (the scope keys a county or township report reads)."""
    if not division:
        return []
    return [division[:n] for n in DIVISION_LEVELS if len(division) >= n]


def unit_scopes(unit: str) -> list[str]:
    """The unit and the units above it of its agency: `police:430426101` is also in `police:430426`."""
    agency, division = split_unit(unit)
    return [f"{agency}:{division[:n]}" for n in UNIT_LEVELS if len(division) >= n]


def part_scopes(unit: str) -> list[str]:
    """Where a unit's own figures count: its county and township, and its unit scopes."""
    return [*division_scopes(split_unit(unit)[1]), *unit_scopes(unit)]


# --- what the store hands over for one case ------------------------------------------------------


@dataclass(frozen=True)
class CaseFact:
    case_id: str
    fact: str
    occurred_at: datetime
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class Part:
    """One unit's referral (its watch), and how it ended if it did."""

    referral_id: str
    case_id: str
    unit: str
    role: str
    due_at: datetime
    closed_at: datetime | None
    paused_at: datetime | None = None
    reason: str | None = None  # ReferralClosed's (result_reported, declined, escalated); None: the case's end closed it
    result: str | None = None  # ReferralClosed's result code
    issued_at: datetime | None = None  # when the unit was designated: a designation after a wait fills a gap


@dataclass(frozen=True)
class RatedVisit:
    case_id: str
    rating: str
    rated_at: datetime


@dataclass(frozen=True)
class LinkFact:
    link: str
    kind: str
    unit: str
    at: datetime


# A part that ReferralClosed ended with one of these passed to another unit, which answers for it under its own
# deadline: the unit did not finish it, so it is neither an ended part nor an on-time or late one (as the
# coordinator's figures count a declined or escalated referral in neither finished nor open).
PASSED_ON = frozenset({"declined", "escalated"})


def on_time(part: Part) -> bool:
    """Ended by its deadline; a part that ended while its clock stood still is judged when the clock stopped."""
    assert part.closed_at is not None
    judged_at = min(part.closed_at, part.paused_at) if part.paused_at else part.closed_at
    return judged_at <= part.due_at


def part_result(part: Part, resolutions: list[tuple[datetime, str]]) -> str | None:
    """The unit's own result if it reported before the round ended; else the round's result (every part still
    running ended with the case's resolution, and CaseResolved sends no ReferralClosed for them)."""
    if part.reason is not None:
        return part.result
    if part.closed_at is None:
        return None
    ended = [result for at, result in resolutions if at <= part.closed_at]
    return ended[-1] if ended else None


# (first seen, resolved) -> (working days between, counted on plain weekdays because a year is unknown)
WorkingDays = Callable[[datetime, datetime], tuple[int, bool]]


# The facts a case's counters read; the others kept (CaseClosed) change no counter, so their handler skips the
# recount. "First seen" is the earliest of these: a case's CaseClosed never comes before its first fact.
COUNTED_FACTS = frozenset({"CaseAssigned", "CaseAwaitingManualTriage", "CaseResolved", "CaseReopened"})
# The facts that register a case (受理): its assignment, or the coordinator's word that staff must assign it.
REGISTERING_FACTS = frozenset({"CaseAssigned", "CaseAwaitingManualTriage"})


def fact_counts(fact: str) -> bool:
    """Whether keeping a fact of this type can change what its case adds to the counters."""
    return fact in COUNTED_FACTS


def deadline_change_counts(closed_at: datetime | None) -> bool:
    """A moved deadline or a stopped clock changes the counters only for a part that has ended (its on-time is
    judged by them); a running part counts nothing yet."""
    return closed_at is not None


# A case's own figures as (day, dimension, metric), counted in each of its scopes; a unit's own as (day, unit,
# metric), counted in the unit's part_scopes. Kept per case in this form: a sixth of the expanded rows' size.
CaseItems = Counter[tuple[date, str, str]]
UnitItems = Counter[tuple[date, str, str]]


@dataclass(frozen=True)
class Contribution:
    """What one case adds to the counters, before it is spread over its scopes (expand)."""

    scopes: tuple[str, ...]
    case: CaseItems
    units: UnitItems


def case_counters(
    facts: Iterable[CaseFact],
    parts: Iterable[Part],
    ratings: Iterable[RatedVisit],
    working_days: WorkingDays,
) -> Counters:
    """Everything one case adds to the counters, from all its facts as they stand (so a fact handled late, or
    twice, changes nothing but its own day)."""
    return expand(case_contribution(facts, parts, ratings, working_days))


def case_contribution(
    facts: Iterable[CaseFact],
    parts: Iterable[Part],
    ratings: Iterable[RatedVisit],
    working_days: WorkingDays,
) -> Contribution:
    """What one case adds, per scope (case_counters spread out)."""
    ordered = sorted((f for f in facts if f.fact in COUNTED_FACTS), key=lambda f: f.occurred_at)
    parts = list(parts)
    items: CaseItems = Counter()
    # Registered (受理登记) when first seen assigned or waiting for staff to assign it: a case the coordinator could
    # not triage by itself is received on its day too. Its source, category and place are its assignment's, or else
    # the wait's (CaseAwaitingManualTriage version 2 names them; version 1 named none).
    registered = [f for f in ordered if f.fact in REGISTERING_FACTS]
    assigned = next((f for f in registered if f.fact == "CaseAssigned"), None)
    waits = [f for f in registered if f.fact == "CaseAwaitingManualTriage" and f.detail.get("division_code")]
    detail = assigned.detail if assigned else waits[0].detail if waits else {}
    source = source_dim(detail.get("source") or UNKNOWN)
    category = category_dim(detail.get("category") or UNKNOWN)
    # A case counts in its county and township, and in the scope of every unit that had a part (once each).
    scopes = tuple(dict.fromkeys([*division_scopes(detail.get("division_code")), *_units_above(parts)]))

    def add(day: date, dims: Iterable[str], metric: str, n: int = 1) -> None:
        if n:
            for dim in dims:
                items[(day, dim, metric)] += n

    if registered:
        add(china_day(registered[0].occurred_at), (source, category), Metric.RECEIVED)
    for day, n in triage_waits(ordered, parts):
        add(day, [""], Metric.TRIAGE_WAITS_BEGUN_LESS_ENDED, n)
    # A round runs from the case first seen, or from its reopening, to its resolution.
    round_began = ordered[0].occurred_at if ordered else None
    if round_began is not None:
        add(china_day(round_began), [""], Metric.ROUNDS_OPENED_LESS_ENDED)
    round_open = round_began is not None
    resolutions: list[tuple[datetime, str]] = []
    mediated_before = False
    for fact in ordered:
        day = china_day(fact.occurred_at)
        if fact.fact == "CaseResolved":
            # One round ends once: a second resolution with no reopening between (a fact sent again under a new id)
            # would take the case below zero.
            add(day, [""], Metric.ROUNDS_OPENED_LESS_ENDED, -1 if round_open else 0)
            round_open = False
            # A CaseResolved of version 2 carried no result: the lead had reported the dispute resolved.
            result = fact.detail.get("result") or ResultCode.HANDLED.value
            resolutions.append((fact.occurred_at, result))
            add(day, (source, category), Metric.HANDLED)
            # A case mediated successfully is one success, however many rounds end in an agreement (Shandan counts
            # cases): the rates divide it by cases, so a second agreement after a reopening would count it twice.
            mediated = result in AGREEMENT_RESULTS
            add(day, [source], Metric.MEDIATED, mediated and not mediated_before)
            mediated_before = mediated_before or mediated
            add(day, [""], Metric.TO_LITIGATION, result == ResultCode.REFERRED_TO_LITIGATION)
            if result in RESOLVING_RESULTS:
                add(day, (source, category), Metric.RESOLVED)
                assert round_began is not None
                days, provisional = working_days(round_began, fact.occurred_at)
                add(day, [""], Metric.RESOLVE_DAYS, days)
                add(day, [""], Metric.RESOLVE_COUNT)
                add(day, [""], Metric.RESOLVE_PROVISIONAL, provisional)
        elif fact.fact == "CaseReopened":
            add(day, [""], Metric.REOPENED)
            add(day, [""], Metric.ROUNDS_OPENED_LESS_ENDED, 0 if round_open else 1)
            round_open = True
            round_began = fact.occurred_at
    for visit in ratings:
        day = china_day(visit.rated_at)
        add(day, [""], Metric.RATINGS)
        add(day, [""], Metric.RATINGS_SATISFIED, visit.rating in HAPPY_RATINGS)
    units: UnitItems = Counter()
    for part in parts:
        if part.closed_at is None:
            continue
        day = china_day(part.closed_at)
        if part.reason == "escalated":
            units[(day, part.unit, Metric.PARTS_ESCALATED)] += 1  # shown on its own, so the failure stays visible
        if part.reason in PASSED_ON:
            continue
        result = part_result(part, resolutions)
        for metric, n in (
            (Metric.PARTS_ENDED, 1),
            (Metric.PARTS_ON_TIME, on_time(part)),
            (Metric.PARTS_WITH_RESULT, result is not None),
            (Metric.PARTS_RESOLVING, result in RESOLVING_RESULTS),
        ):
            if n:
                units[(day, part.unit, metric)] += int(n)
    return Contribution(scopes, items, units)


def triage_waits(facts: Iterable[CaseFact], parts: Iterable[Part]) -> list[tuple[date, int]]:
    """(day, +1) when the case begins to wait for manual triage, (day, -1) when it waits no more.

    Each CaseAwaitingManualTriage leaves one role for staff to fill (one per moment: a fact sent again under a new
    id is the same gap); each unit designated after it fills one (staff's 人工分派, or an assignment that came after
    the wait); the round's end (CaseResolved) leaves none. A unit designated at the very moment a gap opens belongs
    to the decision that left the gap, so it fills none."""
    issued, waiting, resolved = 0, 1, 2  # the order of events at one moment
    events = sorted(
        [(part.issued_at, issued) for part in parts if part.issued_at is not None]
        + list(
            dict.fromkeys(
                (f.occurred_at, waiting if f.fact == "CaseAwaitingManualTriage" else resolved)
                for f in facts
                if f.fact in ("CaseAwaitingManualTriage", "CaseResolved")
            )
        )
    )
    gaps = 0
    changes: list[tuple[date, int]] = []
    for moment, event in events:
        day = china_day(moment)
        if event == waiting:
            if gaps == 0:
                changes.append((day, 1))
            gaps += 1
        elif gaps and (event == resolved or gaps == 1):
            changes.append((day, -1))
            gaps = 0
        elif gaps:
            gaps -= 1
    return changes


def expand(contribution: Contribution, scopes: Iterable[str] | None = None) -> Counters:
    """The contribution as counters: its case items in each of its scopes (or the scopes given), its units' items
    in each unit's part_scopes."""
    counters: Counters = Counter()
    case_scopes = contribution.scopes if scopes is None else tuple(scopes)
    for (day, dim, metric), n in contribution.case.items():
        if n:
            for scope in case_scopes:
                counters[(day, scope, "", dim, metric)] += n
    for (day, unit, metric), n in contribution.units.items():
        if n:
            for scope in part_scopes(unit):
                counters[(day, scope, unit, "", metric)] += n
    return counters


def change(new: Contribution, old: Contribution | Counters) -> Counters:
    """What the counters must change by when a case's contribution goes from `old` to `new` (old: as kept, or
    counters kept in the expanded rows of before). Scopes unchanged (most facts): only the items that changed
    are spread out."""
    if not isinstance(old, Contribution):
        return difference(expand(new), old)
    if new.scopes != old.scopes:
        return difference(expand(new), expand(old))
    moved = Contribution(new.scopes, _minus(new.case, old.case), _minus(new.units, old.units))
    return Counter({key: n for key, n in expand(moved).items() if n})


def _minus(new: Counter[tuple[date, str, str]], old: Counter[tuple[date, str, str]]) -> Counter[tuple[date, str, str]]:
    keys = set(new) | set(old)
    return Counter({key: new[key] - old[key] for key in keys if new[key] != old[key]})


def contribution_to_json(contribution: Contribution) -> dict[str, Any]:
    """As kept beside the case: {"scopes": [...], "case": [[day, dim, metric, n]], "units": [[day, unit, metric,
    n]]}, sorted."""
    return {
        "scopes": list(contribution.scopes),
        "case": [[day.isoformat(), dim, metric, n] for (day, dim, metric), n in sorted(contribution.case.items()) if n],
        "units": [[day.isoformat(), u, metric, n] for (day, u, metric), n in sorted(contribution.units.items()) if n],
    }


def kept_from_json(kept: Any) -> Contribution | Counters:
    """What a case added, as kept: an object (this form), or the expanded rows kept before (to_rows)."""
    if kept is None:
        return Contribution((), Counter(), Counter())
    if isinstance(kept, list):
        return from_rows(kept)

    def items(rows: Iterable[list[Any]]) -> Counter[tuple[date, str, str]]:
        counted: Counter[tuple[date, str, str]] = Counter()
        for day, key, metric, n in rows:
            counted[(date.fromisoformat(day), key, metric)] += int(n)
        return counted

    return Contribution(tuple(kept["scopes"]), items(kept["case"]), items(kept["units"]))


def _units_above(parts: Iterable[Part]) -> list[str]:
    return [scope for part in parts for scope in unit_scopes(part.unit)]


def link_counters(fact: LinkFact) -> Counters:
    """A link's decision counts on its day for its unit, the units above it, and their county and township."""
    day = china_day(fact.at)
    return Counter(
        {(day, scope, fact.unit, "", link_metric(fact.link, fact.kind)): 1 for scope in part_scopes(fact.unit)}
    )


def difference(new: Counters, old: Counters) -> Counters:
    """new - old, key by key, keeping negatives (Counter's own subtraction drops them); zeros left out."""
    keys = set(new) | set(old)
    return Counter({key: new[key] - old[key] for key in keys if new[key] != old[key]})


def to_rows(counters: Counters) -> list[list[Any]]:
    """As stored beside the case (JSON): [day, scope, unit, dim, metric, n], sorted."""
    return [
        [day.isoformat(), scope, unit, dim, metric, n]
        for (day, scope, unit, dim, metric), n in sorted(counters.items())
        if n
    ]


def to_additions(counters: Counters) -> list[list[Any]]:
    """What to add to the stored counters: [scope, day, unit, dim, metric, n] in key order (scope, then day …, the
    primary key's), so two transactions adding to the same rows always take them in the same order."""
    return [
        [scope, day.isoformat(), unit, dim, metric, n]
        for (scope, day, unit, dim, metric), n in sorted(
            ((scope, day, unit, dim, metric), n) for (day, scope, unit, dim, metric), n in counters.items() if n
        )
    ]


def from_rows(rows: Iterable[Iterable[Any]]) -> Counters:
    counters: Counters = Counter()
    for day, scope, unit, dim, metric, n in rows:
        counters[(date.fromisoformat(day), scope, unit, dim, metric)] += int(n)
    return counters
