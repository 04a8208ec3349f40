"""Units' results through the coordinator's handlers: the round's result in CaseResolved, the case page, overview."""

from dataclasses import replace
from itertools import count
from typing import Any
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from shared.auth.principal import Principal, Role
from shared.clock import now
from shared.contracts.messages import (
    CaseAwaitingManualTriage,
    CaseRegistered,
    CaseResolved,
    ReferralClosed,
    ReferralIssued,
    ResultReported,
)
from shared.refusal import Refused

CASE_ID = "430426-20261204-00031"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
COUNTY_COURT = "court:430426"
BROKER_USERS = {"police": "wuyuan.police_link", "justice": "wuyuan.justice_link", "court": "wuyuan.court_link"}
COORDINATOR = Principal("chen.zhuren", "陈主任", frozenset({Role.COORDINATOR}))
AGREEMENT = {
    "number": "祁东人调〔2026〕118号",
    "signed_on": "2026-12-03",
    "terms": "李四赔偿张三医药费3000元，当场付清",
}

_ids = count(1)


@pytest.fixture
def coordinator(uow, platform) -> Coordinator:
    desk = coordination_for(replace(platform, service="coordinator"))
    return worker_factory(Coordinator, uow=uow, desk=desk, caller=COORDINATOR)


def register(coordinator: Coordinator, source: str, category: str = "neighbour", case_id: str = CASE_ID) -> None:
    coordinator.sender = "wuyuan.intake"
    coordinator.on_case_registered(
        CaseRegistered.build(
            message_id=UUID(int=next(_ids)),
            occurred_at=now(),
            case_id=case_id,
            sender="centre:430426",
            recipient="centre:430426",
            source=source,
            category=category,
            division_code="430426101",
            summary="张三与李四因宅基地界址发生争执，出警后移交调解。",
            flags=[],
            parties=[
                {"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000"},
                {"role": "respondent", "kind": "person", "name": "李四"},
            ],
        )
    )


def referral_to(uow, unit: str, case_id: str = CASE_ID) -> ReferralIssued:
    [referral] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == unit and m.case_id == case_id]
    return referral


def report(coordinator: Coordinator, referral: ReferralIssued, **result: Any) -> None:
    """The unit's agency service delivers its result; `result` is the report's own fields."""
    coordinator.sender = BROKER_USERS[referral.recipient.split(":")[0]]
    coordinator.on_result_reported(
        ResultReported.model_validate(
            {
                "message_id": str(UUID(int=next(_ids))),
                "type": "ResultReported",
                "schema_version": 2,
                "occurred_at": now().isoformat(),
                "case_id": referral.case_id,
                "sender": referral.recipient,
                "recipient": "centre:430426",
                "referral_id": str(referral.referral_id),
                "officer": "zhou.tiaojie",
                "summary": "办理完毕。",
                **result,
            }
        )
    )


def case_page(coordinator: Coordinator, http, case_id: str = CASE_ID) -> dict[str, Any]:
    return http.body(coordinator.show_case(http.get(), case_id))


def test_a_police_call_the_justice_office_mediated_is_resolved_as_mediated(coordinator, uow, http):
    """警调对接: the police station handles the call by its own procedure, the justice office mediates."""
    register(coordinator, "police_call")
    police, justice = referral_to(uow, POLICE_STATION), referral_to(uow, JUSTICE_OFFICE)

    report(coordinator, police, result="handled", summary="出警调处，移交司法所调解。")
    report(coordinator, justice, result="mediated", agreement=AGREEMENT, summary="双方签订人民调解协议。")

    [closed] = uow.sent_of(ReferralClosed)
    assert (closed.unit, closed.result.value, closed.outcome.value) == (POLICE_STATION, "handled", "resolved")
    [resolved] = uow.sent_of(CaseResolved)
    assert (resolved.lead_unit, resolved.round, resolved.result.value) == (POLICE_STATION, 1, "mediated")

    page = case_page(coordinator, http)
    assert (page["status"], page["result"]) == ("resolved", "mediated")
    assert [(r["unit"], r["result"], r["agreement"]) for r in page["referrals"]] == [
        (POLICE_STATION, "handled", None),
        (JUSTICE_OFFICE, "mediated", {**AGREEMENT, "form": "written"}),
    ]
    mediation = next(line for line in page["timeline"] if line["detail"].get("result") == "mediated")
    assert mediation["kind"] == "result_reported"
    assert mediation["detail"]["agreement"] == {**AGREEMENT, "form": "written"}
    assert page["timeline"][-1]["kind"] == "case_resolved"
    assert page["timeline"][-1]["detail"]["result"] == "mediated"


def test_an_oral_agreement_is_kept_as_oral_and_counted_as_a_successful_mediation(coordinator, uow, http):
    """口头协议 (人民调解法 第二十八条): the mediator recorded it; it is 调解成功 like a signed one."""
    register(coordinator, "police_call")
    police, justice = referral_to(uow, POLICE_STATION), referral_to(uow, JUSTICE_OFFICE)
    oral = {"signed_on": "2026-12-03", "terms": "李四当场赔偿张三医药费300元", "form": "oral"}

    report(coordinator, police, result="handled", summary="出警调处，移交司法所调解。")
    report(coordinator, justice, schema_version=3, result="mediated", agreement=oral, summary="达成口头协议。")

    page = case_page(coordinator, http)
    assert page["result"] == "mediated"
    [agreement] = [r["agreement"] for r in page["referrals"] if r["agreement"]]
    assert agreement == {**oral, "number": None}
    overview = http.body(coordinator.overview(http.get()))
    assert (overview["mediation"]["succeeded"], overview["mediation"]["success_rate"]) == (1, 1.0)


def test_a_court_filing_taken_to_litigation_is_resolved_under_that_code(coordinator, uow, http):
    register(coordinator, "court_filing", "debt")
    court, justice = referral_to(uow, COUNTY_COURT), referral_to(uow, JUSTICE_OFFICE)

    report(coordinator, justice, result="mediation_failed", summary="诉前调解不成。")
    report(coordinator, court, result="referred_to_litigation", summary="已登记立案，转入诉讼程序。")

    [resolved] = uow.sent_of(CaseResolved)
    assert (resolved.lead_unit, resolved.result.value) == (COUNTY_COURT, "referred_to_litigation")
    # The justice office's failure closed its own part while the round went on; it did not stop the round.
    [closed] = uow.sent_of(ReferralClosed)
    assert (closed.unit, closed.result.value) == (JUSTICE_OFFICE, "mediation_failed")
    assert uow.sent_of(CaseAwaitingManualTriage) == []
    assert case_page(coordinator, http)["result"] == "referred_to_litigation"


def test_a_lead_whose_mediation_failed_sends_the_case_to_manual_triage_with_a_coded_gap(coordinator, uow, http):
    register(coordinator, "police_call")
    police = referral_to(uow, POLICE_STATION)

    report(coordinator, police, result="mediation_failed", summary="双方分歧过大，调解不成。")

    [waiting] = uow.sent_of(CaseAwaitingManualTriage)
    assert waiting.reason == f"lead unit {POLICE_STATION} reported the dispute unresolved: 双方分歧过大，调解不成。"
    # The case's place and kind travel with it, so supervision counts the waiting case where it happened.
    assert (waiting.source, waiting.category, waiting.division_code) == ("police_call", "neighbour", "430426101")
    assert uow.sent_of(CaseResolved) == []
    page = case_page(coordinator, http)
    assert (page["status"], page["result"]) == ("awaiting_manual_triage", None)
    assert page["gaps"] == [
        {
            "role": "lead",
            "code": "lead_failed",
            "unit": POLICE_STATION,
            "result": "mediation_failed",
            "reason": waiting.reason,
        }
    ]
    line = page["timeline"][-1]
    assert (line["kind"], line["detail"]["code"], line["detail"]["by_unit"]) == (
        "manual_triage_needed",
        "lead_failed",
        POLICE_STATION,
    )


def test_a_co_unit_whose_mediation_failed_is_counted_while_the_lead_resolves_the_case(coordinator, uow, http):
    register(coordinator, "police_call")
    police, justice = referral_to(uow, POLICE_STATION), referral_to(uow, JUSTICE_OFFICE)

    report(coordinator, justice, result="mediation_failed", summary="一方拒绝调解。")
    report(coordinator, police, result="handled", summary="依法作出治安处理。")

    [resolved] = uow.sent_of(CaseResolved)
    assert resolved.result.value == "handled"
    overview = http.body(coordinator.overview(http.get()))
    by_unit = {row["unit"]: row["results"] for row in overview["by_unit"]}
    assert by_unit[JUSTICE_OFFICE]["mediation_failed"] == 1
    assert by_unit[POLICE_STATION]["handled"] == 1
    assert overview["case_results"]["handled"] == 1
    assert overview["mediation"] == {"attempted": 1, "succeeded": 0, "referred_on": 0, "success_rate": 0.0}


def test_a_version_1_result_with_only_an_outcome_counts_as_handled(coordinator, uow, http):
    register(coordinator, "police_call")
    police, justice = referral_to(uow, POLICE_STATION), referral_to(uow, JUSTICE_OFFICE)

    report(coordinator, police, schema_version=1, outcome="resolved")
    report(coordinator, justice, schema_version=1, outcome="resolved")

    [resolved] = uow.sent_of(CaseResolved)
    assert resolved.result.value == "handled"
    assert [r["result"] for r in case_page(coordinator, http)["referrals"]] == ["handled", "handled"]


def test_the_overview_counts_results_by_unit_and_code_settled_cases_and_mediation(coordinator, uow, http):
    # 警调对接 resolved by mediation; a court filing the court mediated and confirmed; one still open.
    fence, loan, open_case = "430426-20261204-00031", "430426-20261204-00032", "430426-20261204-00033"
    register(coordinator, "police_call", case_id=fence)
    report(coordinator, referral_to(uow, POLICE_STATION, fence), result="handled")
    report(coordinator, referral_to(uow, JUSTICE_OFFICE, fence), result="mediated", agreement=AGREEMENT)
    register(coordinator, "court_filing", "debt", case_id=loan)
    report(coordinator, referral_to(uow, JUSTICE_OFFICE, loan), result="not_suitable_for_mediation")
    report(coordinator, referral_to(uow, COUNTY_COURT, loan), result="judicially_confirmed", agreement=AGREEMENT)
    register(coordinator, "police_call", case_id=open_case)

    overview = http.body(coordinator.overview(http.get()))

    nothing = {
        "mediated": 0,
        "judicially_confirmed": 0,
        "withdrawn": 0,
        "handled": 0,
        "referred_to_arbitration": 0,
        "referred_to_administrative_ruling": 0,
        "referred_to_administrative_review": 0,
        "referred_to_litigation": 0,
        "not_suitable_for_mediation": 0,
        "mediation_failed": 0,
    }
    assert overview["results"] == {
        **nothing,
        "mediated": 1,
        "judicially_confirmed": 1,
        "handled": 1,
        "not_suitable_for_mediation": 1,
    }
    assert overview["case_results"] == {**nothing, "mediated": 1, "judicially_confirmed": 1}
    assert overview["mediation"] == {"attempted": 3, "succeeded": 2, "referred_on": 0, "success_rate": 0.6667}
    assert [(row["unit"], row["finished"], row["results"]) for row in overview["by_unit"]] == [
        (COUNTY_COURT, 1, {**nothing, "judicially_confirmed": 1}),
        (JUSTICE_OFFICE, 2, {**nothing, "mediated": 1, "not_suitable_for_mediation": 1}),
        (POLICE_STATION, 1, {**nothing, "handled": 1}),
    ]
    rows = {row["case_id"]: row["result"] for row in http.body(coordinator.list_cases(http.get()))["cases"]}
    assert rows == {fence: "mediated", loan: "judicially_confirmed", open_case: None}


def test_an_agreement_dated_after_the_report_is_refused_and_the_case_waits_for_the_unit(coordinator, uow, http):
    """The agencies' APIs refuse it as they take it; a sender written elsewhere (or a forged message) is held here."""
    register(coordinator, "walk_in")
    justice = referral_to(uow, JUSTICE_OFFICE)
    before = case_page(coordinator, http)

    with pytest.raises(Refused) as refused:
        report(coordinator, justice, result="mediated", agreement={**AGREEMENT, "signed_on": "2099-01-01"})

    assert refused.value.code == "agreement_after_report"
    assert case_page(coordinator, http) == before
    assert uow.sent_of(CaseResolved) == []
