"""Every published rate of the leaders' report, on hand-computed figures (Shandan's among them)."""

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from services.supervision import reports
from services.supervision.reports import (
    CaseFact,
    Level,
    LinkFact,
    Part,
    Period,
    PeriodKind,
    RatedVisit,
    ReportFacts,
    Scope,
    build_report,
    percent,
    period_between,
    period_of,
)

BEIJING = timezone(timedelta(hours=8))
COUNTY = Scope(Level.COUNTY, "430426")
JULY = Period(date(2024, 1, 1), date(2024, 7, 31))  # Shandan's published half year and a month
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
AS_OF = datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)


def at(day: int, hour: int = 10, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=BEIJING)


def assigned(
    case: str, when: datetime, source: str = "walk_in", category: str = "neighbour", division: str = "430426101"
) -> CaseFact:
    detail = {"source": source, "category": category, "division_code": division}
    return CaseFact(case, "CaseAssigned", when, detail)


def resolved(case: str, when: datetime, result: str | None = "mediated") -> CaseFact:
    return CaseFact(case, "CaseResolved", when, {"result": result, "round": 1})


def figure(report: dict[str, Any], key: str) -> Any:
    return report["figures"][key]["value"]


def test_a_rate_rounds_half_up_to_one_decimal_and_is_null_over_nothing() -> None:
    assert percent(1907, 2438) == 78.2
    assert percent(1407, 1907) == 73.8
    assert percent(1, 8) == 12.5
    assert percent(1, 16) == 6.3  # 6.25 rounds up, not to even
    assert percent(0, 0) is None
    assert percent(0, 3) == 0.0


def test_day_week_and_month_are_china_dates_with_both_ends_included() -> None:
    thursday = date(2026, 12, 3)
    assert period_of(PeriodKind.DAY, thursday) == Period(thursday, thursday)
    assert period_of(PeriodKind.WEEK, thursday) == Period(date(2026, 11, 30), date(2026, 12, 6))
    assert period_of(PeriodKind.MONTH, thursday) == Period(date(2026, 12, 1), date(2026, 12, 31))
    assert period_of(PeriodKind.MONTH, date(2024, 2, 10)).end == date(2024, 2, 29)
    start, end = Period(thursday, thursday).bounds()
    assert start == datetime(2026, 12, 3, 0, 0, tzinfo=BEIJING)
    assert end == datetime(2026, 12, 4, 0, 0, tzinfo=BEIJING)


def test_a_period_runs_forward_for_at_most_366_days() -> None:
    assert period_between(date(2024, 1, 1), date(2024, 12, 31)).days == 366
    with pytest.raises(ValueError, match="366"):
        period_between(date(2025, 1, 1), date(2026, 1, 2))
    with pytest.raises(ValueError, match="before"):
        period_between(date(2026, 1, 2), date(2026, 1, 1))


def shandan() -> ReportFacts:
    """Shandan county, Jan–Jul 2024: 2,438 court filings, 1,907 diverted, 1,407 mediated successfully."""
    when = at(10, month=3, year=2024)
    links = [LinkFact("court", "filing_registered", "court:430426", when) for _ in range(2438)]
    links += [LinkFact("court", "filing_diverted", "court:430426", when) for _ in range(1907)]
    facts = []
    for n in range(1907):
        case = f"430426-20240310-{n:05d}"
        facts.append(assigned(case, when, source="court_filing", category="debt"))
        facts.append(resolved(case, when + timedelta(days=20), "mediated" if n < 1407 else "mediation_failed"))
    return ReportFacts(case_facts=facts, link_facts=links)


def test_shandan_diversion_and_pre_litigation_mediation_rates() -> None:
    report = build_report(shandan(), JULY, COUNTY, AS_OF)
    assert report["figures"]["court_diversion_rate"] == {
        "label": "诉调对接分流率",
        "numerator": 1907,
        "denominator": 2438,
        "value": 78.2,
    }
    assert report["figures"]["court_mediation_success_rate"]["value"] == 73.8
    assert figure(report, "court_mediated") == 1407
    assert report["by_source"]["court_filing"]["cases_received"] == 1907
    assert report["by_category"]["debt"]["resolution_rate"]["value"] == 73.8


def test_police_mediation_published_as_91_6_is_91_7_rounded() -> None:
    # Shandan published 530 of 578 as 91.6 %: truncated. Rounded half up, as every rate here is, it is 91.7.
    facts = []
    for n in range(578):
        case = f"430426-20240310-{n:05d}"
        facts.append(assigned(case, at(10, month=3, year=2024), source="police_call"))
        facts.append(resolved(case, at(12, month=3, year=2024), "mediated" if n < 530 else "mediation_failed"))
    report = build_report(ReportFacts(case_facts=facts), JULY, COUNTY, AS_OF)
    assert report["figures"]["police_mediation_success_rate"]["value"] == 91.7
    assert figure(report, "police_referred") == 578


def november() -> ReportFacts:
    """Four cases in one township and one elsewhere, hand-computed below."""
    facts = [
        # received in October, resolved (mediated) on Friday 6 November: counted as handled, not received
        assigned("A", at(30, month=10), source="petition"),
        resolved("A", at(6), "mediated"),
        # received Monday 2 November, handled Friday 6 November by the unit's own procedure: 4 working days
        assigned("B", at(2), source="walk_in"),
        resolved("B", at(6), "handled"),
        CaseFact("B", "CaseReopened", at(20), {"cause": "repeat_report", "round": 2}),
        # received and taken to litigation
        assigned("C", at(3), source="court_filing", category="debt"),
        resolved("C", at(9), "referred_to_litigation"),
        # received, still open
        assigned("D", at(25), source="police_call", category="wages"),
        # another township
        assigned("E", at(4), division="430426102"),
        resolved("E", at(5), "withdrawn"),
        # resolved in December: outside the period
        resolved("D", at(2, month=12), "mediated"),
    ]
    parts = [
        Part("1", "A", "justice:430426101", "lead", due_at=at(7), closed_at=at(6)),
        Part("2", "B", "police:430426101", "lead", due_at=at(5), closed_at=at(6)),  # a day late
        # co-unit that declined: no part of the on-time count
        Part("3", "C", "justice:430426101", "co_unit", due_at=at(20), closed_at=at(4), reason="declined"),
        # paused before its deadline, ended while paused: on time
        Part("4", "C", "court:430426", "lead", due_at=at(8), closed_at=at(9), paused_at=at(7)),
        Part("5", "D", "police:430426101", "lead", due_at=at(30), closed_at=None),
        Part("6", "E", "justice:430426102", "lead", due_at=at(9), closed_at=at(5)),
    ]
    ratings = [
        RatedVisit("A", "satisfied", at(10)),
        RatedVisit("B", "dissatisfied", at(19)),
        RatedVisit("E", "basically_satisfied", at(10)),
    ]
    return ReportFacts(case_facts=facts, parts=parts, ratings=ratings)


def test_county_figures_by_hand() -> None:
    report = build_report(november(), NOVEMBER, COUNTY, AS_OF)
    counts = {key: figure(report, key) for key in reports.COUNTS}
    assert counts["cases_received"] == 4  # B, C, D, E
    assert counts["cases_handled"] == 4  # A, B, C, E
    assert counts["cases_resolved"] == 3  # A mediated, B handled, E withdrawn; C went to court
    assert figure(report, "resolution_rate") == 75.0
    assert counts["petition_mediated"] == 1 and counts["petition_referred"] == 0  # A was received in October
    assert figure(report, "petition_mediation_success_rate") is None
    assert counts["police_referred"] == 1 and counts["police_mediated"] == 0
    assert counts["parts_ended"] == 4 and counts["parts_on_time"] == 3  # 1, 4 (paused), 6; not 2; 3 declined
    assert figure(report, "on_time_rate") == 75.0
    assert counts["ratings"] == 3 and counts["ratings_satisfied"] == 2
    assert figure(report, "satisfaction_rate") == 66.7
    assert counts["cases_reopened"] == 1 and figure(report, "reopened_rate") == 25.0
    assert counts["cases_to_litigation"] == 1 and figure(report, "litigation_share") == 25.0
    # A: Fri 30 Oct -> Fri 6 Nov, 5; B: Mon 2 -> Fri 6, 4; E: Wed 4 -> Thu 5, 1 (C went to court: not resolved)
    assert report["figures"]["average_working_days_to_resolve"] == {
        "label": "平均化解用时（工作日）",
        "numerator": 10,
        "denominator": 3,
        "value": 3.3,
    }
    assert report["provisional"] is False
    assert report["by_source"]["walk_in"] == {
        "cases_received": 2,
        "cases_handled": 2,
        "cases_resolved": 2,
        "resolution_rate": {"numerator": 2, "denominator": 2, "value": 100.0},
    }
    assert report["by_source"]["petition"]["cases_received"] == 0
    assert report["period"] == {"from": "2026-11-01", "to": "2026-11-30", "days": 30}
    assert report["definitions"] == reports.DEFINITIONS_VERSION


def test_a_township_counts_its_own_cases_and_units_only() -> None:
    report = build_report(november(), NOVEMBER, Scope(Level.TOWNSHIP, "430426102"), AS_OF)
    assert figure(report, "cases_received") == 1
    assert figure(report, "cases_resolved") == 1
    assert figure(report, "satisfaction_rate") == 100.0
    assert [row["unit"] for row in report["ranking"]] == ["justice:430426102"]


def test_a_unit_counts_the_cases_it_had_a_part_in() -> None:
    report = build_report(november(), NOVEMBER, Scope(Level.UNIT, "police:430426101"), AS_OF)
    assert figure(report, "cases_received") == 2  # B and D
    assert figure(report, "cases_handled") == 1  # B
    assert figure(report, "on_time_rate") == 0.0
    assert figure(report, "reopened_rate") == 100.0


def test_an_unknown_years_calendar_counts_weekdays_and_marks_the_report_provisional() -> None:
    # 2027 is past the library's years and not loaded here: weekdays less the statutory holidays stand in for it.
    facts = ReportFacts(
        case_facts=[assigned("F", at(31, month=12)), resolved("F", at(5, month=1, year=2027), "mediated")]
    )
    report = build_report(facts, Period(date(2027, 1, 1), date(2027, 1, 31)), COUNTY, AS_OF)
    assert report["provisional"] is True
    assert figure(report, "average_working_days_to_resolve") == 2.0  # Mon 4 and Tue 5 January; Fri 1 is 元旦


def ended(n: int, unit: str, on_time: int, resolving: int) -> list[Part]:
    parts = []
    for i in range(n):
        result = "mediated" if i < resolving else "mediation_failed"
        due = at(10) if i < on_time else at(1)
        parts.append(
            Part(f"{unit}-{i}", f"{unit}-{i}", unit, "lead", due, at(5), reason="result_reported", result=result)
        )
    return parts


def test_units_rank_by_on_time_then_resolution_then_volume_and_small_ones_stand_aside() -> None:
    parts = [
        *ended(4, "police:430426101", on_time=4, resolving=2),  # 100 %, 50 %
        *ended(3, "justice:430426101", on_time=3, resolving=3),  # 100 %, 100 %
        *ended(5, "court:430426", on_time=4, resolving=5),  # 80 %
        *ended(3, "petition:430426", on_time=3, resolving=3),  # ties justice: by unit code
        *ended(2, "police:430426102", on_time=2, resolving=2),  # too few to rank
    ]
    report = build_report(ReportFacts(parts=parts), NOVEMBER, COUNTY, AS_OF)
    ranking = [(row["rank"], row["unit"]) for row in report["ranking"]]
    assert ranking == [
        (1, "justice:430426101"),
        (2, "petition:430426"),
        (3, "police:430426101"),
        (4, "court:430426"),
        (None, "police:430426102"),
    ]
    assert report["ranking"][3]["on_time_rate"] == {"numerator": 4, "denominator": 5, "value": 80.0}


def test_a_part_ended_by_the_case_resolution_takes_the_cases_result() -> None:
    facts = ReportFacts(
        case_facts=[assigned("G", at(2)), resolved("G", at(6), "judicially_confirmed")],
        parts=[Part(str(n), "G", "justice:430426101", "lead", at(20), at(6)) for n in range(3)],
    )
    row = build_report(facts, NOVEMBER, COUNTY, AS_OF)["ranking"][0]
    assert row["resolution_rate"] == {"numerator": 3, "denominator": 3, "value": 100.0}


def test_figure_rows_list_every_key_once_with_its_chinese_name() -> None:
    rows = reports.figure_rows(build_report(november(), NOVEMBER, COUNTY, AS_OF))
    assert [row["key"] for row in rows] == reports.FIGURE_KEYS
    assert len(set(reports.FIGURE_KEYS)) == len(rows)
    on_time = next(row for row in rows if row["key"] == "on_time_rate")
    assert on_time == {"key": "on_time_rate", "label": "按期办结率", "numerator": 3, "denominator": 4, "value": 75.0}


def test_a_part_taken_up_a_level_is_no_finished_part_of_its_unit_and_is_counted_as_an_escalation() -> None:
    """砖塘镇派出所 stays overdue, the case goes up and 祁东县公安局 finishes it: the station finished nothing, so
    the report's 按期办结率 is the bureau's 1/1 (as the coordinator's 总览 counts it), and the escalation shows on its
    own."""
    station, bureau = "police:430426101", "police:430426"
    facts = ReportFacts(
        case_facts=[assigned("H", at(2)), resolved("H", at(20), "mediated")],
        parts=[
            Part("1", "H", station, "lead", due_at=at(12), closed_at=at(17), reason="escalated"),
            Part("2", "H", bureau, "lead", due_at=at(27), closed_at=at(20)),
        ],
    )

    county = build_report(facts, NOVEMBER, COUNTY, AS_OF)
    on_time = county["figures"]["on_time_rate"]
    assert on_time == {"label": "按期办结率", "numerator": 1, "denominator": 1, "value": 100.0}
    assert county["figures"]["parts_escalated"] == {"label": "逾期提级任务数", "value": 1}
    assert [row["unit"] for row in county["ranking"]] == [bureau]
    own = build_report(facts, NOVEMBER, Scope(Level.UNIT, station), AS_OF)
    assert (figure(own, "parts_ended"), figure(own, "parts_escalated"), own["ranking"]) == (0, 1, [])


def test_handled_and_reopened_are_flows_counted_on_each_facts_day() -> None:
    # Since definitions 2026-12.2: a case resolved, reopened and resolved again in one month counts each event.
    facts = ReportFacts(
        case_facts=[
            assigned("H", at(2)),
            resolved("H", at(5), "mediation_failed"),
            CaseFact("H", "CaseReopened", at(9), {"cause": "dissatisfied", "round": 2}),
            resolved("H", at(16), "mediated"),
        ]
    )
    report = build_report(facts, NOVEMBER, COUNTY, AS_OF)
    assert (figure(report, "cases_handled"), figure(report, "cases_resolved")) == (2, 1)
    assert figure(report, "cases_reopened") == 1 and figure(report, "reopened_rate") == 50.0
    first_half = build_report(facts, Period(date(2026, 11, 1), date(2026, 11, 15)), COUNTY, AS_OF)
    assert (figure(first_half, "cases_handled"), figure(first_half, "cases_resolved")) == (1, 0)


def test_a_police_call_mediated_again_after_a_reopening_is_one_success_of_one_referral() -> None:
    # Since definitions 2026-12.4: rounds resolved are a flow, but a mediated case is one success (the rates divide
    # it by cases received, as Shandan counts: 530 of 578 cases).
    facts = ReportFacts(
        case_facts=[
            assigned("P", at(2), source="police_call"),
            resolved("P", at(5), "mediated"),
            CaseFact("P", "CaseReopened", at(9), {"cause": "dissatisfied", "round": 2}),
            resolved("P", at(16), "mediated"),
        ]
    )
    report = build_report(facts, NOVEMBER, COUNTY, AS_OF)

    assert (figure(report, "police_referred"), figure(report, "police_mediated")) == (1, 1)
    assert figure(report, "police_mediation_success_rate") == 100.0
    assert figure(report, "cases_handled") == 2  # the rounds, as before


def test_a_reopened_round_counts_its_days_from_the_reopening_not_from_the_case_s_first_day() -> None:
    # Registered Mon 2 Nov, resolved Wed 4 Nov (2 working days); reported again Mon 23 Nov, resolved Tue 24 Nov (1).
    facts = ReportFacts(
        case_facts=[
            assigned("R", at(2)),
            resolved("R", at(4), "mediated"),
            CaseFact("R", "CaseReopened", at(23), {"cause": "repeat_report", "round": 2}),
            resolved("R", at(24), "mediated"),
        ]
    )

    last_week = build_report(facts, Period(date(2026, 11, 23), date(2026, 11, 29)), COUNTY, AS_OF)
    whole_month = build_report(facts, NOVEMBER, COUNTY, AS_OF)

    assert figure(last_week, "average_working_days_to_resolve") == 1.0
    assert figure(whole_month, "average_working_days_to_resolve") == 1.5  # (2 + 1) ÷ 2 rounds


def test_the_spot_checks_share_and_completion_round_half_up_and_an_empty_period_has_no_rates():
    figures = {"closed": 8, "drawn": 1, "done": 1, "reopened": 0, "ratings": {"satisfied": 1}}

    section = reports.spot_check_section(figures)

    assert section["share"] == {"numerator": 1, "denominator": 8, "value": 12.5}
    assert section["done_rate"]["value"] == 100.0
    assert section["findings"] == {"satisfied": 1, "basically_satisfied": 0, "dissatisfied": 0}
    empty = reports.spot_check_section({"closed": 0, "drawn": 0, "done": 0, "reopened": 0, "ratings": {}})
    assert (empty["share"]["value"], empty["done_rate"]["value"]) == (None, None)


def test_the_cases_still_handled_at_a_periods_end_count_every_round_begun_and_not_yet_ended() -> None:
    """期末在办: A is handled 2–6 November; B, received on the 3rd, waits for manual triage from the 4th; C is
    handled from 1 to 4 November, reopened on the 9th and handled again by the 12th; D's resolution came twice."""
    facts = ReportFacts(
        case_facts=[
            assigned("A", at(2)),
            resolved("A", at(6)),
            assigned("B", at(3)),
            CaseFact("B", "CaseAwaitingManualTriage", at(4), {"reason": "no competent unit left"}),
            assigned("C", at(1)),
            resolved("C", at(4)),
            CaseFact("C", "CaseReopened", at(9), {"cause": "dissatisfied", "round": 2}),
            resolved("C", at(12)),
            assigned("D", at(1)),
            resolved("D", at(2)),
            resolved("D", at(2, hour=11)),
        ]
    )

    def still_handled(last: int, first: int | None = None) -> int:
        period = Period(date(2026, 11, first or last), date(2026, 11, last))
        return int(figure(build_report(facts, period, COUNTY, AS_OF), "cases_open_at_end"))

    assert [still_handled(day) for day in (1, 2, 3, 4, 5, 6, 8, 9, 11, 12)] == [2, 2, 3, 2, 2, 1, 1, 2, 2, 1]
    assert still_handled(30, first=1) == 1  # the month: B alone, whatever the period's flows
    october = build_report(facts, Period(date(2026, 10, 1), date(2026, 10, 31)), COUNTY, AS_OF)
    assert figure(october, "cases_open_at_end") == 0
    assert october["figures"]["cases_open_at_end"]["label"] == "期末在办案件数"
