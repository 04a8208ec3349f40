"""The read model's derivation, pure: what a case or a link decision adds to the daily counters, by scope key."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise

from services.supervision.reports_counters import (
    CaseFact,
    Contribution,
    LinkFact,
    Metric,
    Part,
    RatedVisit,
    case_contribution,
    case_counters,
    change,
    contribution_to_json,
    deadline_change_counts,
    difference,
    expand,
    fact_counts,
    from_rows,
    kept_from_json,
    link_counters,
    to_additions,
    to_rows,
    unit_scopes,
)

BEIJING = timezone(timedelta(hours=8))


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=BEIJING)


def weekdays(start: datetime, end: datetime) -> tuple[int, bool]:
    return (end.date() - start.date()).days, False


def assigned(when: datetime, division: str = "430426101203") -> CaseFact:
    detail = {"source": "police_call", "category": "neighbour", "division_code": division}
    return CaseFact("A", "CaseAssigned", when, detail)


def resolved(when: datetime, result: str | None = "mediated") -> CaseFact:
    return CaseFact("A", "CaseResolved", when, {"result": result, "round": 1})


def of(counters: Counter, scope: str, metric: str) -> dict[tuple[date, str, str], int]:
    return {(day, unit, dim): n for (day, s, unit, dim, m), n in counters.items() if s == scope and m == metric}


def test_a_case_counts_in_its_county_its_township_and_every_units_scope_on_each_facts_day() -> None:
    parts = [Part("1", "A", "police:430426101", "lead", at(12), closed_at=at(6))]
    counters = case_counters([assigned(at(2)), resolved(at(6))], parts, [], weekdays)
    source, category = "source:police_call", "category:neighbour"
    for scope in ("430426", "430426101", "police:430426", "police:430426101"):
        assert of(counters, scope, Metric.RECEIVED) == {
            (date(2026, 11, 2), "", source): 1,
            (date(2026, 11, 2), "", category): 1,
        }
        assert of(counters, scope, Metric.HANDLED)[(date(2026, 11, 6), "", source)] == 1
    assert not of(counters, "430426102", Metric.RECEIVED)  # another township
    # the unit's own part, named for the ranking, in its county, township and unit scopes
    assert of(counters, "430426", Metric.PARTS_ENDED) == {(date(2026, 11, 6), "police:430426101", ""): 1}
    assert of(counters, "430426", Metric.RESOLVE_DAYS) == {(date(2026, 11, 6), "", ""): 4}


def test_a_day_is_the_china_local_day_of_the_fact() -> None:
    late_evening_utc = datetime(2026, 11, 1, 17, 0, tzinfo=UTC)  # 2 November, 01:00 in Beijing
    counters = case_counters([assigned(late_evening_utc)], [], [], weekdays)
    assert {day for (day, *_), _ in counters.items()} == {date(2026, 11, 2)}


def test_the_order_facts_arrive_in_changes_nothing() -> None:
    facts = [
        assigned(at(2)),
        resolved(at(6)),
        CaseFact("A", "CaseReopened", at(9), {"round": 2}),
        resolved(at(12), "mediation_failed"),
    ]
    expected = case_counters(facts, [], [RatedVisit("A", "satisfied", at(7))], weekdays)
    for seed in range(5):
        shuffled = random.Random(seed).sample(facts, len(facts))
        assert case_counters(shuffled, [], [RatedVisit("A", "satisfied", at(7))], weekdays) == expected
    assert of(expected, "430426", Metric.HANDLED)[(date(2026, 11, 12), "", "source:police_call")] == 1  # each round
    assert of(expected, "430426", Metric.REOPENED) == {(date(2026, 11, 9), "", ""): 1}
    assert of(expected, "430426", Metric.RATINGS_SATISFIED) == {(date(2026, 11, 7), "", ""): 1}


def test_two_stations_of_one_case_count_it_once_for_the_bureau_above_them() -> None:
    parts = [
        Part("1", "A", "police:430426101", "lead", at(12), closed_at=None),
        Part("2", "A", "police:430426102", "co_unit", at(12), closed_at=None),
    ]
    counters = case_counters([assigned(at(2))], parts, [], weekdays)
    assert sum(of(counters, "police:430426", Metric.RECEIVED).values()) == 2  # by source and by category: once each
    assert sum(of(counters, "police:430426102", Metric.RECEIVED).values()) == 2


def test_a_declined_part_is_not_counted_and_a_paused_one_is_judged_at_its_pause() -> None:
    parts = [
        Part("1", "A", "justice:430426101", "co_unit", at(8), closed_at=at(3), reason="declined"),
        Part("2", "A", "court:430426", "lead", due_at=at(8), closed_at=at(9), paused_at=at(7)),
    ]
    counters = case_counters([assigned(at(2)), resolved(at(9), "judicially_confirmed")], parts, [], weekdays)
    assert of(counters, "430426", Metric.PARTS_ENDED) == {(date(2026, 11, 9), "court:430426", ""): 1}
    assert of(counters, "430426", Metric.PARTS_ON_TIME) == {(date(2026, 11, 9), "court:430426", ""): 1}
    assert of(counters, "430426", Metric.PARTS_RESOLVING) == {(date(2026, 11, 9), "court:430426", ""): 1}
    assert not of(counters, "430426101", Metric.PARTS_ENDED)  # a county court is in no township


def test_a_case_whose_assignment_never_came_counts_only_for_its_units() -> None:
    parts = [Part("1", "A", "police:430426101", "lead", at(12), closed_at=at(6))]
    counters = case_counters([resolved(at(6))], parts, [], weekdays)
    assert not of(counters, "430426", Metric.HANDLED)
    assert of(counters, "police:430426101", Metric.HANDLED)[(date(2026, 11, 6), "", "source:unknown")] == 1


def test_a_link_decision_counts_for_its_unit_the_units_above_and_their_places() -> None:
    counters = link_counters(LinkFact("police", "call_handed_over", "police:430426101", at(3)))
    assert sorted(scope for (_, scope, *_) in counters) == ["430426", "430426101", "police:430426", "police:430426101"]
    assert set(counters.values()) == {1}
    assert unit_scopes("justice:430426101203") == ["justice:430426", "justice:430426101", "justice:430426101203"]


def test_the_difference_keeps_what_went_down_and_survives_json() -> None:
    old = case_counters([assigned(at(2)), resolved(at(6))], [], [], weekdays)
    new = case_counters([assigned(at(2)), resolved(at(6), "mediation_failed")], [], [], weekdays)
    change = difference(new, old)
    assert change[(date(2026, 11, 6), "430426", "", "source:police_call", Metric.RESOLVED)] == -1
    assert (date(2026, 11, 2), "430426", "", "source:police_call", Metric.RECEIVED) not in change
    assert from_rows(to_rows(new)) == Counter({key: n for key, n in new.items() if n})  # negatives kept too


def contribution(facts: list[CaseFact], parts: list[Part], ratings: list[RatedVisit]) -> Contribution:
    return case_contribution(facts, parts, ratings, weekdays)


def test_the_kept_contribution_changes_the_counters_by_what_recounting_everything_would() -> None:
    station = Part("1", "A", "police:430426101", "lead", at(12), closed_at=at(6))
    office = Part("2", "A", "justice:430426101", "co_unit", at(12), closed_at=at(4), reason="result_reported")
    steps = [
        contribution([], [], []),
        contribution([resolved(at(6))], [station], []),  # handled before its assignment: the units' scopes only
        contribution([assigned(at(2)), resolved(at(6))], [station], []),  # the county and township join
        contribution([assigned(at(2)), resolved(at(6))], [station, office], []),  # a new unit's scopes
        contribution([assigned(at(2)), resolved(at(6))], [station, office], [RatedVisit("A", "satisfied", at(7))]),
        contribution([assigned(at(2)), resolved(at(6), "mediation_failed")], [station, office], []),  # went down
    ]
    for old, new in pairwise(steps):
        assert change(new, old) == difference(expand(new), expand(old))
        assert change(new, expand(old)) == difference(expand(new), expand(old))  # kept as rows, before
        assert kept_from_json(contribution_to_json(new)) == new
    assert expand(steps[-1]) == case_counters(
        [assigned(at(2)), resolved(at(6), "mediation_failed")], [station, office], [], weekdays
    )


def test_what_was_kept_before_as_expanded_rows_still_reads() -> None:
    new = contribution([assigned(at(2)), resolved(at(6))], [], [])
    assert kept_from_json(to_rows(expand(new))) == expand(new)
    assert kept_from_json(None) == Contribution((), Counter(), Counter())


def test_a_case_closed_changes_no_counter_so_its_handler_skips_the_recount() -> None:
    closed = CaseFact("A", "CaseClosed", at(1, month=11), {"rating": "satisfied"})  # even out of order
    facts = [assigned(at(2)), resolved(at(6))]
    assert not fact_counts("CaseClosed") and fact_counts("CaseResolved") and fact_counts("CaseAwaitingManualTriage")
    assert case_counters([*facts, closed], [], [], weekdays) == case_counters(facts, [], [], weekdays)
    # A part still running counts nothing yet, whatever its deadline: only an ended part's can change a counter.
    running = Part("1", "A", "police:430426101", "lead", at(12), closed_at=None)
    moved = Part("1", "A", "police:430426101", "lead", at(3), closed_at=None, paused_at=at(2))
    assert case_counters(facts, [running], [], weekdays) == case_counters(facts, [moved], [], weekdays)
    assert not deadline_change_counts(None) and deadline_change_counts(at(5))


def test_additions_come_in_the_primary_keys_order() -> None:
    counters = case_counters([assigned(at(2)), resolved(at(6))], [], [], weekdays)
    rows = to_additions(counters)
    assert [row[:5] for row in rows] == sorted(row[:5] for row in rows)
    assert {(date.fromisoformat(day), scope, unit, dim, metric): n for scope, day, unit, dim, metric, n in rows} == (
        counters
    )
