"""The leaders' report through supervision's entrypoints: facts in as coordinator and links send them."""

import csv
import io
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from shared import wording
from shared.contracts.messages import (
    CaseAssigned,
    CaseAwaitingManualTriage,
    CaseResolved,
    EndedPart,
    LinkRecordNoted,
    ReferralClosed,
    ReferralSummary,
    UnitDesignated,
)
from shared.contracts.vocabulary import Category, HandlingMode, ResultCode, Source
from shared.http import BadInput
from tests.unit.shared.test_downloads import saved_as

CST = timezone(timedelta(hours=8))
CENTRE = "centre:430426"
COURT = "court:430426"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
COORDINATOR_USER = "wuyuan.coordinator"


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=CST)


def referral(n: int, unit: str, role: str, issued: datetime, days: int = 10) -> ReferralSummary:
    return ReferralSummary(
        referral_id=UUID(int=n), unit=unit, role=role, round=1, issued_at=issued, due_at=issued + timedelta(days=days)
    )


def assigned(n: int, case_id: str, source: Source, *referrals: ReferralSummary) -> CaseAssigned:
    return CaseAssigned.build(
        message_id=UUID(int=n),
        occurred_at=referrals[0].issued_at,
        case_id=case_id,
        sender=CENTRE,
        recipient=CENTRE,
        mode=HandlingMode.JOINT,
        source=source,
        category=Category.DEBT,
        division_code="430426101",
        flags=[],
        lead_unit=referrals[0].unit,
        co_units=[r.unit for r in referrals[1:]],
        referrals=list(referrals),
    )


def resolved(n: int, case_id: str, when: datetime, result: ResultCode) -> CaseResolved:
    return CaseResolved.build(
        message_id=UUID(int=n),
        occurred_at=when,
        case_id=case_id,
        sender=CENTRE,
        recipient=CENTRE,
        lead_unit=COURT,
        round=1,
        result=result,
    )


def filing(n: int, kind: str) -> LinkRecordNoted:
    return LinkRecordNoted.build(
        message_id=UUID(int=n),
        occurred_at=at(2),
        case_id=None,
        sender=COURT,
        recipient=CENTRE,
        link="court",
        record_id=f"F{n}",
        kind=kind,
        unit=COURT,
        at=at(2),
    )


@pytest.fixture
def november(supervision):
    """Four court filings, three diverted; of two diverted cases one mediated; one police call, its co-unit
    mediated but the case taken to court."""
    supervision.sender = "wuyuan.court_link"
    for n, kind in enumerate(["filing_registered"] * 4 + ["filing_diverted"] * 3, 100):
        supervision.on_link_record_noted(filing(n, kind))
    supervision.sender = COORDINATOR_USER
    supervision.on_case_assigned(
        assigned(1, "430426-20261102-00001", Source.COURT_FILING, referral(11, COURT, "lead", at(2)))
    )
    supervision.on_case_resolved(resolved(2, "430426-20261102-00001", at(6), ResultCode.MEDIATED))
    supervision.on_case_assigned(
        assigned(3, "430426-20261102-00002", Source.COURT_FILING, referral(12, COURT, "lead", at(2)))
    )
    supervision.on_case_resolved(resolved(4, "430426-20261102-00002", at(20), ResultCode.REFERRED_TO_LITIGATION))
    police_call = "430426-20261103-00003"
    supervision.on_case_assigned(
        assigned(
            5,
            police_call,
            Source.POLICE_CALL,
            referral(13, POLICE_STATION, "lead", at(3)),
            referral(14, JUSTICE_OFFICE, "co_unit", at(3)),
        )
    )
    supervision.on_referral_closed(
        ReferralClosed.build(
            message_id=UUID(int=6),
            occurred_at=at(5),
            case_id=police_call,
            sender=CENTRE,
            recipient=CENTRE,
            referral_id=UUID(int=14),
            unit=JUSTICE_OFFICE,
            reason="result_reported",
            result=ResultCode.MEDIATED,
        )
    )
    supervision.on_case_resolved(resolved(7, police_call, at(9), ResultCode.REFERRED_TO_LITIGATION))
    return supervision


def report(supervision, http, **query: str) -> dict:
    return http.body(supervision.report(http.get(query)))


def test_the_cases_still_handled_are_not_given_while_the_rebuild_recounts_the_cases_kept(
    supervision, supervision_store, http
):
    """After an upgrade to new definitions, a case kept before holds no stock counter until the rebuild recounts
    it: a sum from the first day would say far too few cases are still handled."""
    supervision.sender = COORDINATOR_USER
    supervision.on_case_assigned(
        assigned(1, "430426-20261102-00001", Source.WALK_IN, referral(11, JUSTICE_OFFICE, "lead", at(2)))
    )
    supervision.rebuild_report_model()
    assert report(supervision, http, period="month", date="2026-11-18")["figures"]["cases_open_at_end"]["value"] == 1
    supervision_store.report_rebuild.update(definitions="2026-12.4", next_case="", done=True)  # the upgrade

    during = report(supervision, http, period="month", date="2026-11-18")
    supervision.rebuild_report_model()
    after = report(supervision, http, period="month", date="2026-11-18")

    assert during["figures"]["cases_open_at_end"] == {"label": "期末在办案件数", "value": None}  # shown as —
    assert during["figures"]["cases_received"]["value"] == 1  # the flows stand as counted
    assert after["figures"]["cases_open_at_end"]["value"] == 1


def test_the_monthly_county_report_counts_what_the_facts_say(november, http):
    body = report(november, http, period="month", date="2026-11-18")
    figures = body["figures"]
    assert body["period"] == {"from": "2026-11-01", "to": "2026-11-30", "days": 30}
    assert body["scope"] == {"level": "county", "code": "430426"}
    assert figures["court_diversion_rate"] == {
        "label": "诉调对接分流率",
        "numerator": 3,
        "denominator": 4,
        "value": 75.0,
    }
    assert figures["court_mediation_success_rate"]["numerator"] == 1
    assert figures["court_mediation_success_rate"]["value"] == 33.3
    assert figures["police_referred"]["value"] == 1
    assert figures["litigation_share"]["numerator"] == 2 and figures["litigation_share"]["denominator"] == 3
    # the court's second case was 8 days late; the others ended in time
    assert figures["on_time_rate"] == {"label": "按期办结率", "numerator": 3, "denominator": 4, "value": 75.0}
    justice = next(row for row in body["ranking"] if row["unit"] == JUSTICE_OFFICE)
    assert justice["resolution_rate"]["value"] == 100.0  # its own result, not the case's
    assert body["definitions"] and body["as_of"]


def test_a_co_units_own_result_that_settled_the_round_counts_as_its_own_not_the_rounds(supervision, http):
    """A co-unit's 调解不成 (or its decline) that came last and settled the round travels in CaseResolved: the
    court is not credited with the lead's 依职能办结, and the office that declined has no ended part."""
    case_id = "430426-20261110-00009"
    supervision.on_case_assigned(
        assigned(
            41,
            case_id,
            Source.WALK_IN,
            referral(51, POLICE_STATION, "lead", at(2)),
            referral(52, COURT, "co_unit", at(2)),
            referral(53, JUSTICE_OFFICE, "co_unit", at(2)),
        )
    )
    supervision.on_referral_closed(
        ReferralClosed.build(
            message_id=UUID(int=42),
            occurred_at=at(4),
            case_id=case_id,
            sender=CENTRE,
            recipient=CENTRE,
            referral_id=UUID(int=51),
            unit=POLICE_STATION,
            reason="result_reported",
            result=ResultCode.HANDLED,
        )
    )
    supervision.on_case_resolved(
        CaseResolved.build(
            message_id=UUID(int=43),
            occurred_at=at(5),
            case_id=case_id,
            sender=CENTRE,
            recipient=CENTRE,
            lead_unit=POLICE_STATION,
            round=1,
            result=ResultCode.HANDLED,
            parts=[
                EndedPart(
                    referral_id=UUID(int=52), unit=COURT, reason="result_reported", result=ResultCode.MEDIATION_FAILED
                ),
                EndedPart(referral_id=UUID(int=53), unit=JUSTICE_OFFICE, reason="declined"),
            ],
        )
    )

    ranked = {row["unit"]: row for row in report(supervision, http, period="month", date="2026-11-18")["ranking"]}

    assert ranked[COURT]["resolution_rate"]["value"] == 0.0
    assert ranked[POLICE_STATION]["resolution_rate"]["value"] == 100.0
    assert JUSTICE_OFFICE not in ranked


def test_a_unit_report_and_a_range(november, http):
    body = report(november, http, **{"from": "2026-11-01", "to": "2026-11-07", "level": "unit", "unit": COURT})
    assert body["figures"]["cases_handled"]["value"] == 1
    assert body["figures"]["resolution_rate"]["value"] == 100.0


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, ["from", "to"]),
        ({"from": "2026-11-30", "to": "2026-11-01"}, ["to"]),
        ({"from": "2025-01-01", "to": "2026-11-01"}, ["to"]),
        ({"from": "2026-11-01", "to": "2026-11-31"}, ["to"]),
        ({"period": "year", "date": "2026-11-01"}, ["period"]),
        ({"period": "week"}, ["date"]),
        ({"period": "week", "date": "2026-11-01", "from": "2026-11-01"}, ["from"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "level": "village"}, ["level"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "level": "township"}, ["division"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "level": "township", "division": "430427101"}, ["division"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "level": "unit"}, ["unit"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "level": "unit", "unit": "police-430426"}, ["unit"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "unit": COURT}, ["unit"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "colour": "red"}, ["colour"]),
    ],
)
def test_a_wrong_query_is_a_400_naming_each_wrong_parameter(supervision, http, query, fields):
    with pytest.raises(BadInput) as bad:
        supervision.report(http.get(query))
    assert [error["field"] for error in bad.value.fields] == fields


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({}, ["range_missing", "range_missing"]),
        ({"from": "2026-11-30", "to": "2026-11-01"}, ["to_before_from"]),
        ({"from": "2025-01-01", "to": "2026-11-01"}, ["period_too_long"]),
        ({"period": "week"}, ["date_missing"]),
        ({"date": "2026-11-01"}, ["period_missing"]),
        ({"period": "week", "date": "2026-11-01", "from": "2026-11-01"}, ["range_or_period"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "level": "township"}, ["township_missing"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "level": "unit"}, ["unit_missing"]),
        (
            {"from": "2026-11-01", "to": "2026-11-30", "level": "unit", "unit": "police:430427101"},
            ["unit_outside_county"],
        ),
        ({"from": "2026-11-01", "to": "2026-11-30", "unit": COURT}, ["unit_level_only"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "division": "430426101"}, ["division_not_with_county"]),
        # A township, an agency, or a unit the platform does not know: refused, never an empty report of it.
        (
            {"from": "2026-11-01", "to": "2026-11-30", "level": "township", "division": "430426999"},
            ["unknown_township"],
        ),
        ({"from": "2026-11-01", "to": "2026-11-30", "level": "unit", "unit": "housing:430426"}, ["unknown_agency"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "level": "unit", "unit": "police:430426999"}, ["unknown_unit"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "level": "unit", "unit": "justice:430426999001"}, ["unknown_unit"]),
        ({"from": "2026-11-01", "to": "2026-11-30", "level": "unit", "unit": "centre:430426106"}, ["no_centre"]),
    ],
)
def test_each_refusal_of_a_query_carries_a_code_that_clients_word(supervision, http, query, codes):
    """The console and `wuyuan report` say these in Chinese by their codes; the English message is for people."""
    with pytest.raises(BadInput) as bad:
        supervision.report(http.get(query))
    assert [error["type"] for error in bad.value.fields] == codes
    assert all(wording.field_error_text(error) != "填写有误" for error in bad.value.fields)


def test_a_unit_below_its_agencys_own_level_is_reported_on(supervision, http):
    """Staff may assign a case or call a unit in at any of the county's places (a township's court tribunal), and its
    figures count in its own scope: the report of it is answered, as the case list filters by it."""
    response = supervision.report(
        http.get({"from": "2026-11-01", "to": "2026-11-30", "level": "unit", "unit": "court:430426101"})
    )
    assert response.status_code == 200
    assert http.body(response)["scope"]["code"] == "court:430426101"


def test_the_report_as_csv_names_units_as_staff_call_them(november, http):
    response = november.report(http.get({"period": "month", "date": "2026-11-01", "format": "csv"}))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert saved_as(response.headers["Content-Disposition"]) == (
        "attachment",
        "五源共治报表_2026-11-01至2026-11-30.csv",
        "wuyuan-report-2026-11-01-2026-11-30.csv",
    )
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == "指标代码,指标,分子,分母,数值"
    assert "court_diversion_rate,诉调对接分流率,3,4,75.0" in text.splitlines()
    ranking = text.splitlines()[text.splitlines().index("") + 1 :]
    assert ranking[0].split(",") == [
        *("名次", "单位代码", "单位名称", "单位办结任务数"),
        *("按期办结率", "按期办结任务数", "化解率", "化解任务数", "有办理结果的任务数"),
    ]
    # two parts: too few to rank; each rate beside what it divides, as every figure's row
    assert ",court:430426,祁东县人民法院,2,50.0,1,50.0,1,2" in ranking


def test_the_csv_says_how_the_ranking_ranks_and_what_its_rates_divide(november, http):
    """A leader reading the file on paper has the ranking's rule and its two rates' definitions under it: the ranking's
    化解率 is over each unit's own tasks, not the county's cases as the 化解率 at the top."""
    response = november.report(http.get({"period": "month", "date": "2026-11-01", "format": "csv"}))
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    notes = {row[0]: row[1] for row in rows if len(row) == 2}
    assert notes["排名规则"].startswith("本期办结任务不少于3件的单位参与排名")
    assert notes["按期办结率口径"].startswith("本单位按期办结任务数 ÷ 本单位办结任务数")
    assert notes["化解率口径"].startswith("本单位办结任务中结果为化解的任务数 ÷ 本单位办结任务中报送了办理结果的任务数")
    assert all("null" not in cell for row in rows for cell in row)


def test_the_csv_says_what_it_covers_inside_it_for_a_sheet_printed_or_forwarded(november, http):
    response = november.report(
        http.get(
            {"period": "month", "date": "2026-11-01", "level": "unit", "unit": "police:430426101", "format": "csv"}
        )
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    notes = {row[0]: row[1] for row in rows if len(row) == 2}
    assert notes["统计期间"] == "2026-11-01至2026-11-30（共30天）"
    assert notes["统计范围"] == "砖塘镇派出所"  # by name, not police:430426101
    assert notes["统计时间"].endswith("（北京时间）")
    assert rows[0] == ["指标代码", "指标", "分子", "分母", "数值"]  # still first, for a file matched by machine


def test_a_unit_whose_case_went_up_a_level_is_not_credited_with_a_finished_part(supervision, http):
    """逾期提级: the station stays overdue, the coordinator takes the case up and its role passes to the county bureau
    (ReferralClosed reason escalated, then UnitDesignated). The station finished nothing: 按期办结率 counts the parts
    the units finished (here the justice office's and the bureau's, 2/2, as the 总览 tile counts them), the ranking
    leaves the station out, and the escalation is a figure of its own."""
    case_id = "430426-20261102-00009"
    bureau = "police:430426"
    supervision.on_case_assigned(
        assigned(
            21,
            case_id,
            Source.WALK_IN,
            referral(31, POLICE_STATION, "lead", at(2)),
            referral(32, JUSTICE_OFFICE, "co_unit", at(2)),
        )
    )

    def closed(
        n: int, when: datetime, referral_id: int, unit: str, reason: str, result: ResultCode | None = None
    ) -> ReferralClosed:
        return ReferralClosed.build(
            message_id=UUID(int=n),
            occurred_at=when,
            case_id=case_id,
            sender=CENTRE,
            recipient=CENTRE,
            referral_id=UUID(int=referral_id),
            unit=unit,
            reason=reason,
            result=result,
        )

    supervision.on_referral_closed(closed(22, at(6), 32, JUSTICE_OFFICE, "result_reported", ResultCode.MEDIATED))
    supervision.on_referral_closed(closed(23, at(17), 31, POLICE_STATION, "escalated"))  # due on the 12th
    supervision.on_unit_designated(
        UnitDesignated.build(
            message_id=UUID(int=24),
            occurred_at=at(17),
            case_id=case_id,
            sender=CENTRE,
            recipient=CENTRE,
            referral=referral(33, bureau, "lead", at(17)),
        )
    )
    supervision.on_case_resolved(resolved(25, case_id, at(20), ResultCode.MEDIATED))

    body = report(supervision, http, period="month", date="2026-11-18")
    assert body["figures"]["on_time_rate"] == {"label": "按期办结率", "numerator": 2, "denominator": 2, "value": 100.0}
    assert body["figures"]["parts_escalated"] == {"label": "逾期提级任务数", "value": 1}
    assert sorted(row["unit"] for row in body["ranking"]) == [JUSTICE_OFFICE, bureau]
    station = report(supervision, http, period="month", date="2026-11-18", level="unit", unit=POLICE_STATION)
    assert station["figures"]["parts_ended"]["value"] == 0 and station["ranking"] == []
    assert station["figures"]["parts_escalated"]["value"] == 1


def test_a_case_waiting_for_manual_triage_is_received_in_its_township_and_shown_waiting_until_assigned(
    supervision, http
):
    """A leader reading the day's report sees the disputes registered but waiting for staff to assign them."""
    supervision.sender = COORDINATOR_USER
    supervision.rebuild_report_model()  # the model complete: each stock is given
    case_id = "430426-20261103-00007"
    supervision.on_case_awaiting_manual_triage(
        CaseAwaitingManualTriage.build(
            message_id=UUID(int=71),
            occurred_at=at(3),
            case_id=case_id,
            sender=CENTRE,
            recipient=CENTRE,
            reason="no routing rule designates a competent unit",
            source=Source.WALK_IN,
            category=Category.DEBT,
            division_code="430426101",
        )
    )

    def read(level: str = "county", **scope: str) -> dict:
        body = report(supervision, http, period="day", date="2026-11-03", level=level, **scope)
        return {key: body["figures"][key]["value"] for key in ("cases_received", "cases_awaiting_triage_at_end")}

    assert read() == read("township", division="430426101") == {"cases_received": 1, "cases_awaiting_triage_at_end": 1}
    assert read("township", division="430426102") == {"cases_received": 0, "cases_awaiting_triage_at_end": 0}
    label = report(supervision, http, period="day", date="2026-11-03")["figures"]["cases_awaiting_triage_at_end"]
    assert label["label"] == "期末待人工分流案件数"

    supervision.on_case_assigned(assigned(72, case_id, Source.WALK_IN, referral(73, JUSTICE_OFFICE, "lead", at(4))))

    assert read() == {"cases_received": 1, "cases_awaiting_triage_at_end": 1}  # the 3rd, as it stood that evening
    fourth = report(supervision, http, period="day", date="2026-11-04")["figures"]
    assert (fourth["cases_received"]["value"], fourth["cases_awaiting_triage_at_end"]["value"]) == (0, 0)
    month = report(supervision, http, period="month", date="2026-11-18")["figures"]
    assert (month["cases_received"]["value"], month["cases_awaiting_triage_at_end"]["value"]) == (1, 0)  # once
    assert month["cases_open_at_end"]["value"] == 1  # assigned: handled as the rest
