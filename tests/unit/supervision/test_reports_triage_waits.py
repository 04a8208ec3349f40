"""A case waiting for manual triage (待人工分流) in the report, pure: received on its day in its place, counted as
waiting until staff designate a unit, and counted once when it is assigned."""

from datetime import date, datetime, timedelta, timezone
from typing import Any

from services.supervision import reports
from services.supervision.reports import Level, Period, ReportFacts, Scope, build_report, report_csv
from services.supervision.reports_counters import CaseFact, Metric, Part, case_counters, triage_waits

BEIJING = timezone(timedelta(hours=8))
COUNTY = Scope(Level.COUNTY, "430426")
TOWNSHIP = Scope(Level.TOWNSHIP, "430426101")
OTHER_TOWNSHIP = Scope(Level.TOWNSHIP, "430426102")
AS_OF = datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)
STATION = "police:430426101"
JUSTICE = "justice:430426101"


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=BEIJING)


def place(division: str) -> dict[str, str]:
    return {"source": "walk_in", "category": "neighbour", "division_code": division}


def assigned(case: str, when: datetime, division: str = "430426101203") -> CaseFact:
    return CaseFact(case, "CaseAssigned", when, {**place(division), "mode": "single_unit"})


def waiting(case: str, when: datetime, division: str | None = "430426101203") -> CaseFact:
    # Version 2 names the case's place; version 1 named none.
    detail = {"reason": "no competent unit is left", **(place(division) if division else {})}
    return CaseFact(case, "CaseAwaitingManualTriage", when, detail)


def resolved(case: str, when: datetime) -> CaseFact:
    return CaseFact(case, "CaseResolved", when, {"result": "mediated", "round": 1})


def part(case: str, n: int, unit: str, issued: datetime, closed_at: datetime | None = None, **ended: Any) -> Part:
    return Part(str(n), case, unit, "lead", issued + timedelta(days=10), closed_at, issued_at=issued, **ended)


def figures(facts: ReportFacts, period: Period, scope: Scope = COUNTY) -> dict[str, Any]:
    report = build_report(facts, period, scope, AS_OF)
    return {key: figure["value"] for key, figure in report["figures"].items()}


def day(n: int) -> Period:
    return Period(date(2026, 11, n), date(2026, 11, n))


def test_a_case_first_seen_waiting_is_received_on_its_day_in_its_township_and_the_county() -> None:
    facts = ReportFacts(case_facts=[waiting("A", at(3))])
    for scope in (COUNTY, TOWNSHIP):
        today = figures(facts, day(3), scope)
        assert (today["cases_received"], today["cases_awaiting_triage_at_end"]) == (1, 1)
        assert today["cases_open_at_end"] == 1  # waiting is still being handled
    assert figures(facts, day(3), OTHER_TOWNSHIP)["cases_received"] == 0
    assert figures(facts, day(3), OTHER_TOWNSHIP)["cases_awaiting_triage_at_end"] == 0
    report = build_report(facts, day(3), COUNTY, AS_OF)
    assert report["by_source"]["walk_in"]["cases_received"] == 1  # its source, from the wait's own fact
    assert report["figures"]["cases_awaiting_triage_at_end"]["label"] == "期末待人工分流案件数"
    # The day before, nothing yet; a week later it still waits (a stock), though received no more in that day.
    assert figures(facts, day(2))["cases_awaiting_triage_at_end"] == 0
    assert (figures(facts, day(10))["cases_received"], figures(facts, day(10))["cases_awaiting_triage_at_end"]) == (
        0,
        1,
    )


def test_once_assigned_the_case_counts_as_the_rest_received_once_and_waiting_no_more() -> None:
    before = ReportFacts(case_facts=[waiting("A", at(3))])
    after = ReportFacts(case_facts=[waiting("A", at(3)), assigned("A", at(5))], parts=[part("A", 1, STATION, at(5))])
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert figures(after, november)["cases_received"] == figures(before, november)["cases_received"] == 1
    assert figures(after, day(3))["cases_received"] == 1  # on the day it was first registered, not again on the 5th
    assert figures(after, day(5))["cases_received"] == 0
    assert [figures(after, day(n))["cases_awaiting_triage_at_end"] for n in (3, 4, 5, 6)] == [1, 1, 0, 0]
    assert figures(after, november)["cases_open_at_end"] == 1  # assigned, still being handled


def test_a_case_the_coordinator_assigned_then_lost_its_lead_waits_until_staff_designate_one() -> None:
    # As the coordinator runs: triage assigns the station, which declines with no fall-back left; staff assign by hand.
    facts = ReportFacts(
        case_facts=[assigned("A", at(2)), waiting("A", at(3, hour=15))],
        parts=[
            part("A", 1, STATION, at(2), closed_at=at(3, hour=15), reason="declined"),
            part("A", 2, JUSTICE, at(6)),
        ],
    )
    assert [figures(facts, day(n))["cases_awaiting_triage_at_end"] for n in (2, 3, 4, 5, 6)] == [0, 1, 1, 1, 0]
    assert figures(facts, Period(date(2026, 11, 1), date(2026, 11, 30)))["cases_received"] == 1
    assert figures(facts, day(2))["cases_received"] == 1  # its assignment's day, as before


def test_each_gap_is_filled_by_one_designation_a_repeated_fact_is_one_gap_and_the_rounds_end_ends_every_wait() -> None:
    two_gaps = [waiting("A", at(3)), waiting("A", at(4))]
    designations = [part("A", 1, STATION, at(5)), part("A", 2, JUSTICE, at(7))]
    assert triage_waits(two_gaps, designations) == [(date(2026, 11, 3), 1), (date(2026, 11, 7), -1)]
    sent_again = [waiting("A", at(3)), CaseFact("A", "CaseAwaitingManualTriage", at(3), {"reason": "again"})]
    assert triage_waits(sent_again, designations[:1]) == [(date(2026, 11, 3), 1), (date(2026, 11, 5), -1)]
    assert triage_waits([*two_gaps, resolved("A", at(6))], []) == [(date(2026, 11, 3), 1), (date(2026, 11, 6), -1)]
    # A unit designated by the very decision that left the gap fills none of it.
    assert triage_waits([waiting("A", at(3))], [part("A", 1, STATION, at(3))]) == [(date(2026, 11, 3), 1)]


def test_the_townships_waiting_and_received_cases_add_up_to_the_countys() -> None:
    facts = ReportFacts(
        case_facts=[
            waiting("A", at(3), "430426101203"),
            waiting("B", at(3), "430426102001"),
            assigned("C", at(2), "430426102001"),
            waiting("C", at(4), "430426102001"),
            assigned("D", at(2), "430426101"),
        ],
        parts=[part("C", 1, "police:430426102", at(2), closed_at=at(4), reason="declined")],
    )
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    county = figures(facts, november)
    townships = [figures(facts, november, Scope(Level.TOWNSHIP, t)) for t in ("430426101", "430426102")]
    for key in ("cases_received", "cases_awaiting_triage_at_end", "cases_open_at_end"):
        assert county[key] == sum(t[key] for t in townships)
    assert (county["cases_received"], county["cases_awaiting_triage_at_end"]) == (4, 3)


def test_a_wait_that_names_no_place_counts_in_no_scope_until_its_assignment_comes() -> None:
    counters = case_counters([waiting("A", at(3), division=None)], [], [], lambda a, b: (0, False))
    assert not counters  # version 1: no place to count it in
    counters = case_counters([waiting("A", at(3), None), assigned("A", at(2))], [], [], lambda a, b: (0, False))
    received = {(d, scope) for (d, scope, _, dim, m) in counters if m == Metric.RECEIVED and dim.startswith("source")}
    assert received == {(date(2026, 11, 2), "430426"), (date(2026, 11, 2), "430426101")}


def test_the_csv_and_a_withheld_stock_show_the_waiting_cases_under_their_chinese_name() -> None:
    report = build_report(ReportFacts(case_facts=[waiting("A", at(3))]), day(3), COUNTY, AS_OF)
    rows = report_csv(report, lambda unit: unit, lambda place: place).splitlines()
    assert "cases_awaiting_triage_at_end,期末待人工分流案件数,,,1" in rows
    reports.withhold_stock(report)  # while the rebuild recounts the cases kept under older definitions
    assert report["figures"]["cases_awaiting_triage_at_end"]["value"] is None
