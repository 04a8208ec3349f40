"""How a case's result follows from its units' results: every result kept, the lead's deciding, mediation counting."""

import tomllib
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import TypeAdapter

from services.coordinator.domain.decisions import (
    AnnounceClosed,
    AnnounceManualTriage,
    AnnounceResolved,
    CloseReferral,
    Decision,
)
from services.coordinator.domain.model import (
    Agreement,
    Case,
    CaseFacts,
    CaseStatus,
    Gap,
    GapCode,
    Referral,
    ReferralStatus,
    Term,
    TimelineKind,
)
from services.coordinator.domain.rules import (
    assign_by_hand,
    link_repeat,
    record_decline,
    record_rating,
    record_result,
    triage,
)
from services.coordinator.domain.spot_checks import record_spot_check
from services.coordinator.routing import parse_routing_table
from shared.contracts.vocabulary import (
    FAILED_RESULTS,
    ONWARD_RESULTS,
    Category,
    Outcome,
    Rating,
    ReferralRole,
    ResultCode,
    Source,
)
from shared.registry import load_registry

REGISTRY = load_registry()
# 警调对接 and 访调对接 as the county runs them: the police or the petition bureau leads, the
# township's justice office mediates; a land dispute brings in the petition bureau as well.
TABLE = parse_routing_table(
    tomllib.loads(
        """
        [[rules]]
        category = "neighbour"
        mode = "joint"
        lead = ["police"]
        co = ["justice"]
        deadline_working_days = 10

        [[rules]]
        category = "land"
        mode = "joint"
        lead = ["police"]
        co = ["justice", "petition"]
        deadline_working_days = 15

        [[rules]]
        category = "debt"
        mode = "single_unit"
        lead = ["court"]
        deadline_working_days = 30

        [[rules]]
        category = "*"
        mode = "single_unit"
        lead = ["justice"]
        deadline_working_days = 15
        """
    ),
    set(REGISTRY.agencies),
)

CST = timezone(timedelta(hours=8))
MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=CST)
POLICE = "police:430426101"
JUSTICE = "justice:430426101"
PETITION = "petition:430426"
COURT = "court:430426"
CASE_JSON = TypeAdapter(Case)

WANG_ZHAO_AGREEMENT = Agreement(date(2025, 3, 5), "王某赔偿赵某医药费三千元，当场付清", "祁东人调〔2025〕17号")


def every_day_works(issued_at: datetime, term: Term) -> datetime:
    return issued_at + timedelta(days=term.days)


def triaged(category: Category) -> Case:
    facts = CaseFacts("430426-20250303-00009", Source.POLICE_CALL, category, "430426101203")
    return triage(facts, TABLE, REGISTRY, MONDAY, every_day_works).case


def referral_of(case: Case, unit: str) -> Referral:
    return [r for r in case.referrals if r.unit == unit][-1]


def report(
    case: Case,
    unit: str,
    result: ResultCode,
    summary: str = "已办结",
    agreement: Agreement | None = None,
    hours: int = 10,
) -> Decision:
    referral = referral_of(case, unit)
    when = MONDAY + timedelta(hours=hours)
    return record_result(case, referral.referral_id, unit, "值班员", result, summary, when, agreement)


def mediated(case: Case, unit: str = JUSTICE, hours: int = 10) -> Case:
    return report(case, unit, ResultCode.MEDIATED, "双方签订调解协议", WANG_ZHAO_AGREEMENT, hours).case


# --- a. every unit's result is kept, with its agreement, and recorded --------------------------


def test_a_co_units_mediated_result_is_kept_with_its_agreement_and_recorded_on_the_timeline() -> None:
    case = triaged(Category.NEIGHBOUR)

    decision = report(case, JUSTICE, ResultCode.MEDIATED, "双方签订调解协议", WANG_ZHAO_AGREEMENT)

    justice = referral_of(decision.case, JUSTICE)
    assert (justice.status, justice.result, justice.outcome) == (
        ReferralStatus.REPORTED,
        ResultCode.MEDIATED,
        Outcome.RESOLVED,
    )
    assert justice.agreement == WANG_ZHAO_AGREEMENT
    [line] = decision.timeline
    assert line.detail == {
        "referral_id": str(justice.referral_id),
        "unit": JUSTICE,
        "role": ReferralRole.CO_UNIT,
        "officer": "值班员",
        "result": ResultCode.MEDIATED,
        "outcome": Outcome.RESOLVED,
        "summary": "双方签订调解协议",
        "agreement": {
            "number": "祁东人调〔2025〕17号",
            "signed_on": "2025-03-05",
            "terms": "王某赔偿赵某医药费三千元，当场付清",
            "form": "written",
        },
    }
    # The round goes on (the lead has not reported), so the co-unit's part ends on its own, with its code.
    assert decision.effects == (CloseReferral(justice.referral_id, JUSTICE, "result_reported", ResultCode.MEDIATED),)
    assert decision.effects[0].outcome is Outcome.RESOLVED


def test_a_result_and_its_agreement_survive_the_stores_json() -> None:
    case = mediated(triaged(Category.NEIGHBOUR))

    assert CASE_JSON.validate_json(CASE_JSON.dump_json(case)) == case


# --- b. the lead's result decides the round ------------------------------------------------------


def test_a_lead_handling_the_case_by_its_own_procedure_settles_the_round_once_the_co_unit_has_reported() -> None:
    case = triaged(Category.NEIGHBOUR)

    lead_done = report(case, POLICE, ResultCode.HANDLED, "已作出治安调解")
    assert lead_done.case.status is CaseStatus.IN_PROGRESS  # e. the round waits for the justice office

    settled = report(lead_done.case, JUSTICE, ResultCode.WITHDRAWN, "申请人撤回")
    assert settled.case.status is CaseStatus.RESOLVED
    assert settled.case.result is ResultCode.HANDLED
    # The justice office's own result goes with the resolution: its withdrawal is no resolution of its part.
    withdrawn = CloseReferral(referral_of(case, JUSTICE).referral_id, JUSTICE, "result_reported", ResultCode.WITHDRAWN)
    assert settled.effects == (AnnounceResolved(POLICE, 1, ResultCode.HANDLED, (withdrawn,)),)
    assert settled.timeline[-1].detail == {"lead_unit": POLICE, "round": 1, "result": ResultCode.HANDLED}


def test_a_lead_taking_the_dispute_to_litigation_ends_the_centres_part_and_goes_to_the_follow_up() -> None:
    case = triaged(Category.DEBT)

    settled = report(case, COURT, ResultCode.REFERRED_TO_LITIGATION, "调解不成，已登记立案")

    assert settled.case.status is CaseStatus.RESOLVED
    assert settled.case.result is ResultCode.REFERRED_TO_LITIGATION
    assert settled.case.gaps == ()
    court = CloseReferral(
        referral_of(case, COURT).referral_id, COURT, "result_reported", ResultCode.REFERRED_TO_LITIGATION
    )
    assert settled.effects == (AnnounceResolved(COURT, 1, ResultCode.REFERRED_TO_LITIGATION, (court,)),)


def test_a_dispute_taken_to_court_and_reported_again_waits_for_staff_not_for_the_court() -> None:
    settled = report(triaged(Category.DEBT), COURT, ResultCode.REFERRED_TO_LITIGATION, "已登记立案").case
    closed = record_rating(settled, Rating.SATISFIED, None, MONDAY + timedelta(days=5), every_day_works).case

    again = link_repeat(closed, Source.WALK_IN, None, "same_parties", MONDAY + timedelta(days=20), every_day_works)

    assert (again.case.status, again.case.round) == (CaseStatus.AWAITING_MANUAL_TRIAGE, 2)
    [gap] = again.case.gaps
    assert (gap.code, gap.unit, gap.result) == (GapCode.ONWARD_CASE_REOPENED, COURT, ResultCode.REFERRED_TO_LITIGATION)
    assert [r for r in again.case.referrals if r.round == 2] == []


@pytest.mark.parametrize("onward", sorted(ONWARD_RESULTS))
def test_a_petition_before_the_visit_of_a_dispute_taken_into_a_statutory_procedure_is_only_recorded(
    onward: ResultCode,
) -> None:
    """诉访分离: a petition about a dispute a statutory procedure holds is that procedure's; the visit asks the
    citizen as planned."""
    settled = report(triaged(Category.DEBT), COURT, onward, "已导入法定途径").case

    linked = link_repeat(
        settled,
        Source.PETITION,
        "XF-3",
        "同一当事人",
        MONDAY + timedelta(days=3),
        every_day_works,
        feeding_unit=PETITION,
    )

    assert (linked.case.status, linked.case.round, linked.effects) == (CaseStatus.RESOLVED, 1, ())


@pytest.mark.parametrize("onward", sorted(ONWARD_RESULTS))
def test_a_citizen_dissatisfied_with_a_dispute_taken_into_a_statutory_procedure_is_heard_and_the_case_closes(
    onward: ResultCode,
) -> None:
    """A court has filed it (导入诉讼): a new round of the centre's would send the court a mediation of a lawsuit."""
    settled = report(triaged(Category.DEBT), COURT, onward, "调解不成，已导入法定途径").case

    rated = record_rating(settled, Rating.DISSATISFIED, "还要打官司", MONDAY + timedelta(days=5), every_day_works)

    assert (rated.case.status, rated.case.round, rated.case.rating) == (CaseStatus.CLOSED, 1, Rating.DISSATISFIED)
    assert rated.effects == (AnnounceClosed(Rating.DISSATISFIED),)
    [closed] = rated.timeline
    assert (closed.kind, closed.detail["stays_with"]) == (TimelineKind.CASE_CLOSED, onward)


def test_a_dissatisfied_spot_check_of_a_dispute_taken_to_court_is_noted_and_the_case_stays_closed() -> None:
    settled = report(triaged(Category.DEBT), COURT, ResultCode.REFERRED_TO_LITIGATION, "已登记立案").case
    closed = record_rating(settled, Rating.SATISFIED, None, MONDAY + timedelta(days=5), every_day_works).case

    found = record_spot_check(
        closed, 1, Rating.DISSATISFIED, "官司还没打完", "zhou.hui", MONDAY + timedelta(days=20), every_day_works
    )

    assert (found.case.status, found.case.round, found.effects) == (CaseStatus.CLOSED, 1, ())
    assert [entry.kind for entry in found.timeline] == [TimelineKind.SPOT_CHECKED]


@pytest.mark.parametrize("onward", sorted(ONWARD_RESULTS))
def test_every_statutory_procedure_settles_the_round_under_its_own_code(onward: ResultCode) -> None:
    settled = report(triaged(Category.DEBT), COURT, onward, "已导入法定途径").case

    assert (settled.status, settled.result) == (CaseStatus.RESOLVED, onward)


@pytest.mark.parametrize("failed", sorted(FAILED_RESULTS))
def test_a_lead_that_failed_leaves_the_lead_to_centre_staff_with_a_coded_reason(failed: ResultCode) -> None:
    case = triaged(Category.DEBT)

    decision = report(case, COURT, failed, "双方分歧过大")

    assert decision.case.status is CaseStatus.AWAITING_MANUAL_TRIAGE
    assert decision.case.result is None
    sentence = f"lead unit {COURT} reported the dispute unresolved: 双方分歧过大"
    assert decision.case.gaps == (Gap(ReferralRole.LEAD, sentence, GapCode.LEAD_FAILED, COURT, failed),)
    assert decision.effects[-1] == AnnounceManualTriage(sentence)
    assert decision.timeline[-1].detail == {
        "role": ReferralRole.LEAD,
        "reason": sentence,
        "code": GapCode.LEAD_FAILED,
        "by_unit": COURT,
        "result": failed,
    }


def test_a_lead_that_failed_while_its_co_unit_mediated_still_waits_for_staff() -> None:
    case = mediated(triaged(Category.NEIGHBOUR))

    failed = report(case, POLICE, ResultCode.MEDIATION_FAILED, "当事人拒绝调解").case

    assert failed.status is CaseStatus.AWAITING_MANUAL_TRIAGE
    # Staff's new lead decides the round; the justice office's agreement still counts for it.
    again = assign_by_hand(failed, "police:430426", "陈主任", MONDAY + timedelta(hours=20), every_day_works).case
    settled = report(again, "police:430426", ResultCode.HANDLED, "已依职能处理", hours=30).case
    assert (settled.status, settled.result) == (CaseStatus.RESOLVED, ResultCode.MEDIATED)


def test_a_declined_lead_leaves_a_gap_coded_with_the_unit_that_declined() -> None:
    case = triaged(Category.DEBT)
    court = referral_of(case, COURT)

    stuck = record_decline(case, court.referral_id, COURT, "法官", "不属于本院", MONDAY, every_day_works).case

    [gap] = stuck.gaps
    assert (gap.code, gap.unit, gap.result) == (GapCode.LEAD_DECLINED, COURT, None)
    assert gap.reason == f"{COURT} declined as lead and no fall-back lead is left"


# --- c. the round's result -------------------------------------------------------------------------


def test_police_handling_with_the_justice_offices_mediation_is_a_mediated_case() -> None:
    """警调对接: the police station leads and handles the call; the justice office's mediation resolved it."""
    handled = report(triaged(Category.NEIGHBOUR), POLICE, ResultCode.HANDLED, "出警处置，移交调解").case
    assert (handled.status, handled.result) == (CaseStatus.IN_PROGRESS, None)

    settled = report(handled, JUSTICE, ResultCode.MEDIATED, "签订协议", WANG_ZHAO_AGREEMENT)

    assert settled.case.result is ResultCode.MEDIATED
    mediators = CloseReferral(
        referral_of(handled, JUSTICE).referral_id, JUSTICE, "result_reported", ResultCode.MEDIATED
    )
    assert settled.effects == (AnnounceResolved(POLICE, 1, ResultCode.MEDIATED, (mediators,)),)


def test_a_court_confirmed_agreement_outranks_a_plain_one_among_co_units() -> None:
    case = triaged(Category.LAND)
    assert [r.unit for r in case.referrals] == [POLICE, JUSTICE, PETITION]
    case = report(case, PETITION, ResultCode.JUDICIALLY_CONFIRMED, "协议经司法确认", WANG_ZHAO_AGREEMENT).case
    case = mediated(case)

    settled = report(case, POLICE, ResultCode.HANDLED, "已处置").case

    assert settled.result is ResultCode.JUDICIALLY_CONFIRMED


@pytest.mark.parametrize(
    ("lead", "round_result"),
    [
        (ResultCode.WITHDRAWN, ResultCode.WITHDRAWN),
        (ResultCode.REFERRED_TO_ARBITRATION, ResultCode.REFERRED_TO_ARBITRATION),
        (ResultCode.MEDIATED, ResultCode.MEDIATED),
    ],
)
def test_only_a_lead_that_handled_the_case_gives_way_to_a_co_units_mediation(
    lead: ResultCode, round_result: ResultCode
) -> None:
    case = report(triaged(Category.LAND), PETITION, ResultCode.JUDICIALLY_CONFIRMED, "确认", WANG_ZHAO_AGREEMENT).case
    case = report(case, JUSTICE, ResultCode.MEDIATION_FAILED, "调解不成").case
    agreement = WANG_ZHAO_AGREEMENT if lead is ResultCode.MEDIATED else None

    settled = report(case, POLICE, lead, "牵头单位办结", agreement).case

    assert settled.result is round_result


def test_a_new_round_has_no_result_until_it_is_settled_and_only_its_own_units_count() -> None:
    case = report(mediated(triaged(Category.NEIGHBOUR)), POLICE, ResultCode.HANDLED, "已处置").case
    assert case.result is ResultCode.MEDIATED

    reopened = record_rating(case, Rating.DISSATISFIED, "赔偿款未到账", MONDAY + timedelta(days=3), every_day_works)
    assert (reopened.case.round, reopened.case.result) == (2, None)

    # Round two is the police station's alone: the justice office's round-one agreement does not make it mediated.
    again = report(reopened.case, POLICE, ResultCode.HANDLED, "督促履行完毕", hours=100)
    assert again.case.result is ResultCode.HANDLED
    [police] = [r for r in reopened.case.referrals if r.unit == POLICE and r.round == 2]
    station = CloseReferral(police.referral_id, POLICE, "result_reported", ResultCode.HANDLED)
    assert again.effects == (AnnounceResolved(POLICE, 2, ResultCode.HANDLED, (station,)),)


# --- d. a co-unit's failure neither blocks nor reopens the round -------------------------------------


@pytest.mark.parametrize("co_unit_result", [ResultCode.MEDIATION_FAILED, ResultCode.REFERRED_TO_LITIGATION])
def test_a_co_unit_that_failed_or_sent_the_dispute_on_is_recorded_and_the_lead_still_settles_the_round(
    co_unit_result: ResultCode,
) -> None:
    case = triaged(Category.NEIGHBOUR)

    helped = report(case, JUSTICE, co_unit_result, "调解未成")
    assert helped.case.status is CaseStatus.IN_PROGRESS
    assert helped.case.gaps == ()
    assert [type(e) for e in helped.effects] == [CloseReferral]

    settled = report(helped.case, POLICE, ResultCode.HANDLED, "已作出处理决定").case
    assert (settled.status, settled.result) == (CaseStatus.RESOLVED, ResultCode.HANDLED)
    assert referral_of(settled, JUSTICE).result is co_unit_result


# --- states stored before result codes -----------------------------------------------------------------


def stored_before_result_codes(case: Case) -> dict[str, Any]:
    """The JSON the store kept before result codes: no codes, agreements or coded gaps."""
    document = CASE_JSON.dump_python(case, mode="json")
    document.pop("result")
    for referral in document["referrals"]:
        del referral["result"], referral["agreement"]
    for gap in document["gaps"]:
        del gap["code"], gap["unit"], gap["result"]
    return document


def test_a_stored_referral_with_only_an_outcome_reads_as_the_code_it_stood_for() -> None:
    case = report(triaged(Category.NEIGHBOUR), POLICE, ResultCode.HANDLED, "已处置").case
    case = report(case, JUSTICE, ResultCode.MEDIATION_FAILED, "调解不成").case
    document = stored_before_result_codes(case)
    assert document["referrals"][0]["outcome"] == "resolved"

    old = CASE_JSON.validate_python(document)

    assert [(r.outcome, r.result) for r in old.referrals] == [
        (Outcome.RESOLVED, ResultCode.HANDLED),
        (Outcome.UNRESOLVED, ResultCode.MEDIATION_FAILED),
    ]
    assert (old.status, old.result) == (CaseStatus.RESOLVED, ResultCode.HANDLED)


def test_an_old_case_still_in_progress_settles_by_the_new_rules() -> None:
    lead_done = report(triaged(Category.NEIGHBOUR), POLICE, ResultCode.HANDLED, "已处置").case
    old = CASE_JSON.validate_python(stored_before_result_codes(lead_done))
    assert old.referrals[1].result is None  # the justice office's part is still open

    settled = mediated(old)

    assert (settled.status, settled.result) == (CaseStatus.RESOLVED, ResultCode.MEDIATED)


def test_an_old_gap_keeps_its_sentence_and_has_no_code() -> None:
    stuck = report(triaged(Category.DEBT), COURT, ResultCode.MEDIATION_FAILED, "调解不成").case

    old = CASE_JSON.validate_python(stored_before_result_codes(stuck))

    [gap] = old.gaps
    assert (gap.role, gap.code, gap.unit) == (ReferralRole.LEAD, None, None)
    assert gap.reason == f"lead unit {COURT} reported the dispute unresolved: 调解不成"


def test_an_old_case_settled_at_the_window_has_no_units_result() -> None:
    facts = CaseFacts("430426-20250303-00010", Source.WALK_IN, Category.CONSULTATION, "430426101203")
    shipped_like = parse_routing_table(
        tomllib.loads('[[rules]]\ncategory = "*"\nmode = "on_the_spot"\nlead = []\n'), set(REGISTRY.agencies)
    )
    window = triage(facts, shipped_like, REGISTRY, MONDAY, every_day_works).case

    old = CASE_JSON.validate_python(stored_before_result_codes(window))

    assert (old.status, old.result) == (CaseStatus.RESOLVED, None)
