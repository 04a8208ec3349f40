"""A case's life in the coordinator: triage, acceptance, declines, results, ratings and manual triage."""

import json
import tomllib
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from services.coordinator.domain.decisions import (
    AnnounceAssignment,
    AnnounceClosed,
    AnnounceDesignation,
    AnnounceManualTriage,
    AnnounceReopened,
    AnnounceResolved,
    Assignment,
    CloseReferral,
    Decision,
    IssueReferral,
)
from services.coordinator.domain.model import (
    SETTLING_RESULTS,
    Agreement,
    Case,
    CaseFacts,
    CaseStatus,
    Referral,
    Term,
)
from services.coordinator.domain.rules import (
    RefusalCode,
    assign_by_hand,
    is_unchanged,
    link_repeat,
    record_acceptance,
    record_decline,
    record_progress,
    record_rating,
    record_result,
    triage,
    unchanged,
)
from services.coordinator.routing import load_routing_table, parse_routing_table
from shared.contracts.vocabulary import (
    AGREEMENT_RESULTS,
    Category,
    Flag,
    HandlingMode,
    Rating,
    ReferralRole,
    ReopenCause,
    ResultCode,
    Source,
)
from shared.refusal import Refused
from shared.registry import DEFAULT_CONFIG_DIR, load_registry

REGISTRY = load_registry()
SHIPPED = load_routing_table(DEFAULT_CONFIG_DIR / "routing.toml", set(REGISTRY.agencies))

# A small table of our own, so these tests follow the state machine rather than the county's config.
TABLE = parse_routing_table(
    tomllib.loads(
        """
        [[rules]]
        category = "traffic"
        mode = "joint"
        lead = ["police", "court"]
        co = ["justice"]
        co_reserve = ["petition"]
        deadline_working_days = 15

        [[rules]]
        category = "neighbour"
        mode = "single_unit"
        lead = ["justice", "police"]
        deadline_working_days = 10

        [[rules]]
        category = "consultation"
        mode = "on_the_spot"
        lead = []

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
VILLAGE = "430426101203"  # a village of township 430426101, county 430426

POLICE = "police:430426101"
JUSTICE = "justice:430426101"
COURT = "court:430426"
PETITION = "petition:430426"
PLC = "plc:430426"


def every_day_works(issued_at: datetime, term: Term) -> datetime:
    """A calendar without weekends or holidays, so due dates are easy to read."""
    return issued_at + timedelta(days=term.days)


class Ids:
    """Referral ids 1, 2, 3 … in the order they are issued."""

    def __init__(self) -> None:
        self.issued = 0

    def __call__(self) -> UUID:
        self.issued += 1
        return UUID(int=self.issued)


def facts(category: Category, source: Source = Source.WALK_IN, flags: tuple[Flag, ...] = ()) -> CaseFacts:
    return CaseFacts(
        case_id="430426-20250303-00001",
        source=source,
        category=category,
        division_code=VILLAGE,
        flags=flags,
    )


def at(hours: int) -> datetime:
    return MONDAY + timedelta(hours=hours)


def ok(result: Decision) -> Decision:
    assert isinstance(result, Decision), result
    return result


def refused(attempt: Callable[[], Decision]) -> Refused:
    """The refusal a rule raises; a rule that decides instead fails the test."""
    with pytest.raises(Refused) as refusal:
        attempt()
    return refusal.value


def kinds(decision: Decision) -> list[str]:
    return [entry.kind.value for entry in decision.timeline]


def referral_of(case: Case, unit: str) -> Referral:
    """The latest referral to a unit."""
    return [r for r in case.referrals if r.unit == unit][-1]


def triaged(category: Category, flags: tuple[Flag, ...] = (), ids: Ids | None = None) -> Assignment:
    return triage(facts(category, flags=flags), TABLE, REGISTRY, MONDAY, every_day_works, ids or Ids())


def accept(case: Case, unit: str, hours: int = 1) -> Decision:
    return record_acceptance(case, referral_of(case, unit).referral_id, unit, "值班员", at(hours))


def decline(
    case: Case, unit: str, reason: str = "不属于本单位职责", hours: int = 2, ids: Ids | None = None
) -> Decision:
    referral_id = referral_of(case, unit).referral_id
    # Fresh ids unless the test follows them: a new Ids() would repeat the case's first id.
    return record_decline(case, referral_id, unit, "值班员", reason, at(hours), every_day_works, ids or uuid4)


def report(
    case: Case,
    unit: str,
    result: ResultCode = ResultCode.HANDLED,
    summary: str = "已依职能办结",
    hours: int = 10,
    by: str | None = None,
    agreement: Agreement | None = None,
) -> Decision:
    """`unit`'s referral reports a result; `by` sends it from another unit."""
    referral_id = referral_of(case, unit).referral_id
    return record_result(case, referral_id, by or unit, "值班员", result, summary, at(hours), agreement)


def resolve(case: Case, unit: str, hours: int = 10) -> Case:
    return ok(report(case, unit, hours=hours)).case


# --- triage -----------------------------------------------------------------------------


def test_triage_designates_the_units_of_the_case_s_place() -> None:
    court_filing = facts(Category.CONTRACT, Source.COURT_FILING, (Flag.HIGH_RISK, Flag.PETITION_INVOLVED))

    assignment = triage(court_filing, SHIPPED, REGISTRY, MONDAY, every_day_works, Ids())

    assert assignment.mode is HandlingMode.JOINT
    assert assignment.lead_unit == COURT
    assert assignment.co_units == (JUSTICE, PETITION, PLC)
    assert [(r.unit, r.role) for r in assignment.referrals] == [
        (COURT, ReferralRole.LEAD),
        (JUSTICE, ReferralRole.CO_UNIT),
        (PETITION, ReferralRole.CO_UNIT),
        (PLC, ReferralRole.CO_UNIT),
    ]
    assert assignment.case.status is CaseStatus.ASSIGNED


def test_a_high_risk_walk_in_goes_to_the_county_bureau_not_the_station() -> None:
    high_risk = facts(Category.NEIGHBOUR, Source.WALK_IN, (Flag.HIGH_RISK,))

    assignment = triage(high_risk, SHIPPED, REGISTRY, MONDAY, every_day_works, Ids())

    assert assignment.lead_unit == "police:430426"  # 大事不出县: the county bureau takes it
    assert PLC in assignment.co_units
    [lead] = [r for r in assignment.referrals if r.role is ReferralRole.LEAD]
    assert lead.due_at == MONDAY + timedelta(days=3)


def test_a_police_call_goes_to_the_township_police_station() -> None:
    police_call = facts(Category.NEIGHBOUR, Source.POLICE_CALL)

    assignment = triage(police_call, SHIPPED, REGISTRY, MONDAY, every_day_works)

    assert (assignment.lead_unit, assignment.co_units) == (POLICE, (JUSTICE,))


def test_referral_ids_and_deadlines_come_from_what_the_service_injects() -> None:
    assignment = triaged(Category.TRAFFIC)

    police, justice = assignment.referrals
    assert (police.referral_id, justice.referral_id) == (UUID(int=1), UUID(int=2))
    assert police.due_at == datetime(2025, 3, 18, 9, 0, tzinfo=CST)  # 15 days of the fake calendar
    assert police.round == 1


def test_triage_issues_each_referral_and_announces_them_in_the_assignment() -> None:
    assignment = triaged(Category.TRAFFIC, flags=(Flag.VIOLENCE_RISK,))

    *issued, announce = assignment.effects
    assert [type(e) for e in issued] == [IssueReferral, IssueReferral]
    assert announce == AnnounceAssignment(
        mode=HandlingMode.JOINT,
        source=Source.WALK_IN,
        category=Category.TRAFFIC,
        division_code=VILLAGE,
        flags=(Flag.VIOLENCE_RISK,),
        lead_unit=POLICE,
        co_units=(JUSTICE,),
        referrals=assignment.referrals,
    )
    # The assignment carries triage's units, so none is announced on its own.
    assert [(r.unit, r.role) for r in announce.referrals] == [
        (POLICE, ReferralRole.LEAD),
        (JUSTICE, ReferralRole.CO_UNIT),
    ]
    assert kinds(assignment) == ["case_triaged", "referral_issued", "referral_issued"]


def test_a_case_settled_at_the_window_waits_only_for_its_rating() -> None:
    assignment = triaged(Category.CONSULTATION)

    assert assignment.case.status is CaseStatus.RESOLVED
    assert assignment.referrals == ()
    assert assignment.effects[-1] == AnnounceResolved(lead_unit=None, round=1)

    closed = ok(record_rating(assignment.case, Rating.SATISFIED, "当场解答, 很清楚", at(48), every_day_works))
    assert closed.case.status is CaseStatus.CLOSED
    assert closed.effects == (AnnounceClosed(Rating.SATISFIED),)


# --- a joint case, start to finish ------------------------------------------------------


def test_a_joint_case_resolves_only_when_the_lead_and_every_co_unit_have_reported() -> None:
    case = triaged(Category.TRAFFIC).case
    police = referral_of(case, POLICE)

    accepted = ok(accept(case, POLICE))
    assert accepted.case.status is CaseStatus.IN_PROGRESS
    case = ok(accept(accepted.case, JUSTICE)).case
    progress = ok(record_progress(case, police.referral_id, POLICE, "张警官", "责任认定已出", at(30)))
    assert kinds(progress) == ["progress_reported"]

    lead_done = ok(report(progress.case, POLICE, summary="赔偿到位", hours=50))
    assert lead_done.case.status is CaseStatus.IN_PROGRESS  # the mediators have not reported yet
    assert lead_done.effects == (CloseReferral(police.referral_id, POLICE, "result_reported", ResultCode.HANDLED),)

    all_done = ok(report(lead_done.case, JUSTICE, summary="签订调解协议", hours=52))
    assert all_done.case.status is CaseStatus.RESOLVED
    # The resolution ends the co-unit's part too: no separate CloseReferral for it, but its own result goes with it.
    justice = referral_of(case, JUSTICE)
    closed_with_it = CloseReferral(justice.referral_id, JUSTICE, "result_reported", ResultCode.HANDLED)
    assert all_done.effects == (
        AnnounceResolved(lead_unit=POLICE, round=1, result=ResultCode.HANDLED, parts=(closed_with_it,)),
    )
    assert kinds(all_done) == ["result_reported", "case_resolved"]

    closed = ok(record_rating(all_done.case, Rating.BASICALLY_SATISFIED, None, at(120), every_day_works))
    assert closed.case.status is CaseStatus.CLOSED
    # triage 3, accepts 2, progress 1, results 2, resolved 1, closed 1
    assert closed.case.timeline_length == 10


def test_a_co_unit_may_finish_before_the_lead() -> None:
    case = triaged(Category.TRAFFIC).case

    case = resolve(case, JUSTICE)
    assert case.status is CaseStatus.IN_PROGRESS
    case = resolve(case, POLICE)
    assert case.status is CaseStatus.RESOLVED


def test_timeline_entries_are_numbered_on_from_the_case_s_last_entry() -> None:
    case = triaged(Category.TRAFFIC).case

    accepted = ok(accept(case, POLICE))

    assert [entry.seq for entry in accepted.timeline] == [4]
    assert accepted.timeline[0].detail == {
        "referral_id": str(UUID(int=1)),
        "unit": POLICE,
        "role": ReferralRole.LEAD,
        "officer": "值班员",
    }


# --- declines and manual triage ---------------------------------------------------------


def test_a_declined_lead_passes_to_the_next_fall_back_then_to_centre_staff() -> None:
    ids = Ids()
    case = triaged(Category.NEIGHBOUR, ids=ids).case
    justice = referral_of(case, JUSTICE)

    rerouted = ok(decline(case, JUSTICE, "属于治安案件", ids=ids))
    police = referral_of(rerouted.case, POLICE)
    assert (police.role, police.round, police.referral_id) == (ReferralRole.LEAD, 1, UUID(int=2))
    assert rerouted.effects == (
        CloseReferral(justice.referral_id, JUSTICE, "declined", None),
        IssueReferral(police),
        AnnounceDesignation(police),  # after triage, each new unit is announced on its own
    )
    assert rerouted.timeline[0].detail["reason"] == "属于治安案件"
    assert rerouted.timeline[-1].detail["replaces"] == str(justice.referral_id)
    assert rerouted.case.status is CaseStatus.ASSIGNED

    stuck = ok(decline(rerouted.case, POLICE, "纯民事纠纷", ids=ids))
    assert stuck.case.status is CaseStatus.AWAITING_MANUAL_TRIAGE
    assert stuck.effects[-1] == AnnounceManualTriage(f"{POLICE} declined as lead and no fall-back lead is left")

    assigned = ok(assign_by_hand(stuck.case, COURT, "综治中心 陈主任", at(5), every_day_works, ids))
    court = referral_of(assigned.case, COURT)
    assert (court.role, court.referral_id) == (ReferralRole.LEAD, UUID(int=3))
    assert assigned.effects == (IssueReferral(court), AnnounceDesignation(court))
    assert assigned.case.status is CaseStatus.ASSIGNED
    assert assigned.case.gaps == ()
    assert assigned.timeline[0].detail == {
        "unit": COURT,
        "role": ReferralRole.LEAD,
        "staff": "综治中心 陈主任",
    }

    assert resolve(assigned.case, COURT).status is CaseStatus.RESOLVED


def test_a_declined_co_unit_passes_to_the_reserve_and_never_back_to_a_unit_already_on_the_case() -> None:
    ids = Ids()
    case = triaged(Category.TRAFFIC, ids=ids).case

    rerouted = ok(decline(case, JUSTICE, "已在法院诉讼", ids=ids))
    assert referral_of(rerouted.case, PETITION).role is ReferralRole.CO_UNIT

    stuck = ok(decline(rerouted.case, PETITION, "未涉访", ids=ids))
    assert stuck.case.status is CaseStatus.AWAITING_MANUAL_TRIAGE
    assert [gap.role for gap in stuck.case.gaps] == [ReferralRole.CO_UNIT]
    # The court is a fall-back lead, not a reserve co-unit, so it was not asked.
    assert {r.unit for r in stuck.case.referrals} == {POLICE, JUSTICE, PETITION}

    filled = ok(assign_by_hand(stuck.case, PLC, "陈主任", at(4), every_day_works, ids))
    assert referral_of(filled.case, PLC).role is ReferralRole.CO_UNIT


def test_a_co_unit_gap_no_longer_matters_once_the_lead_has_resolved_the_dispute() -> None:
    case = triaged(Category.TRAFFIC).case
    case = ok(decline(case, JUSTICE)).case
    case = ok(decline(case, PETITION)).case
    assert case.status is CaseStatus.AWAITING_MANUAL_TRIAGE

    resolved = resolve(case, POLICE)

    assert resolved.status is CaseStatus.RESOLVED
    assert resolved.gaps == ()


def test_a_co_unit_that_declines_after_the_lead_resolved_the_dispute_is_not_replaced_and_the_case_resolves() -> None:
    case = triaged(Category.TRAFFIC).case  # police lead, justice co-unit, petition in reserve
    case = ok(report(case, POLICE, ResultCode.HANDLED)).case
    assert case.status is not CaseStatus.RESOLVED  # the lead waits for its co-unit

    declined = ok(decline(case, JUSTICE, "当事人已和解，无需配合"))

    assert {r.unit for r in declined.case.referrals} == {POLICE, JUSTICE}  # no reserve brought in for nothing
    assert declined.case.status is CaseStatus.RESOLVED and declined.case.gaps == ()


def test_a_co_unit_that_declines_after_the_lead_settled_leaves_no_gap_while_another_co_unit_still_works() -> None:
    two_co_units = parse_routing_table(
        tomllib.loads(
            """
            [[rules]]
            category = "*"
            mode = "joint"
            lead = ["police"]
            co = ["justice", "petition"]
            co_reserve = ["plc"]
            deadline_working_days = 15
            """
        ),
        set(REGISTRY.agencies),
    )
    case = triage(facts(Category.TRAFFIC), two_co_units, REGISTRY, MONDAY, every_day_works, Ids()).case
    case = ok(report(case, POLICE, ResultCode.HANDLED)).case

    declined = ok(decline(case, PETITION, "当事人已和解，无需配合"))

    assert declined.case.status is not CaseStatus.AWAITING_MANUAL_TRIAGE and declined.case.gaps == ()
    assert PLC not in {r.unit for r in declined.case.referrals}  # the reserve is not brought in
    assert ok(report(declined.case, JUSTICE)).case.status is CaseStatus.RESOLVED


def test_a_lead_that_cannot_mediate_sends_the_case_back_to_centre_staff_with_the_reason() -> None:
    case = triaged(Category.NEIGHBOUR).case
    justice = referral_of(case, JUSTICE)

    failed = ok(report(case, JUSTICE, ResultCode.MEDIATION_FAILED, "调解不成, 当事人坚持起诉"))

    assert failed.case.status is CaseStatus.AWAITING_MANUAL_TRIAGE
    assert failed.effects == (
        CloseReferral(justice.referral_id, JUSTICE, "result_reported", ResultCode.MEDIATION_FAILED),
        AnnounceManualTriage(f"lead unit {JUSTICE} reported the dispute unresolved: 调解不成, 当事人坚持起诉"),
    )
    returned = ok(assign_by_hand(failed.case, COURT, "陈主任", at(41), every_day_works))
    assert referral_of(returned.case, COURT).role is ReferralRole.LEAD
    assert returned.case.status is CaseStatus.IN_PROGRESS  # the mediators already worked on it


def test_staff_cannot_assign_a_case_that_awaits_nobody() -> None:
    case = triaged(Category.NEIGHBOUR).case

    refusal = refused(lambda: assign_by_hand(case, COURT, "陈主任", at(1), every_day_works))

    assert refusal.code == RefusalCode.WRONG_STATUS
    assert refusal.reason == "case 430426-20250303-00001 is assigned; nothing awaits manual triage"


def test_staff_must_name_a_real_unit_not_yet_holding_the_case() -> None:
    case = ok(report(triaged(Category.TRAFFIC).case, POLICE, ResultCode.MEDIATION_FAILED, "当事人坚持起诉")).case

    not_a_unit = refused(lambda: assign_by_hand(case, "法院", "陈主任", at(4), every_day_works))
    already_on = refused(lambda: assign_by_hand(case, JUSTICE, "陈主任", at(4), every_day_works))

    assert not_a_unit.code == RefusalCode.BAD_UNIT
    assert already_on.code == RefusalCode.UNIT_ALREADY_ON_CASE


# --- reports that do not count ------------------------------------------------------------


def test_a_result_from_a_unit_the_referral_did_not_go_to_is_refused() -> None:
    case = triaged(Category.TRAFFIC).case

    refusal = refused(lambda: report(case, POLICE, by=JUSTICE))

    assert refusal.code == RefusalCode.WRONG_UNIT
    assert refusal.reason == f"referral {UUID(int=1)} was issued to {POLICE}, not {JUSTICE}"


def test_a_second_result_for_a_closed_referral_is_refused() -> None:
    case = resolve(triaged(Category.TRAFFIC).case, POLICE)

    again = refused(lambda: report(case, POLICE, ResultCode.MEDIATION_FAILED, "当事人反悔"))
    late_decline = refused(lambda: decline(case, POLICE))

    assert again.code == late_decline.code == RefusalCode.REFERRAL_CLOSED
    assert again.reason == f"referral {UUID(int=1)} is already closed (reported)"


def test_a_referral_of_another_case_is_refused() -> None:
    case = triaged(Category.NEIGHBOUR).case

    refusal = refused(lambda: record_acceptance(case, UUID(int=999), JUSTICE, "李调解员", at(1)))

    assert refusal.code == RefusalCode.UNKNOWN_REFERRAL


def test_a_unit_accepting_again_changes_nothing_and_is_not_refused() -> None:
    """As after its database was restored: the agency lost its 签收, the officer redoes it (`wuyuan reconcile`)."""
    case = ok(accept(triaged(Category.NEIGHBOUR).case, JUSTICE)).case
    reported = resolve(case, JUSTICE)

    for held in (case, reported):
        again = accept(held, JUSTICE, hours=20)
        assert again == unchanged(held)
        assert is_unchanged(held, again)


def test_a_unit_reporting_its_result_or_decline_again_changes_nothing() -> None:
    reported = resolve(triaged(Category.NEIGHBOUR).case, JUSTICE)
    declined = ok(decline(triaged(Category.NEIGHBOUR).case, JUSTICE)).case

    assert report(reported, JUSTICE, hours=20) == unchanged(reported)
    assert decline(declined, JUSTICE, reason="重办退回", hours=20) == unchanged(declined)
    # A different result is no repeat: the first one decided the round.
    other = refused(lambda: report(reported, JUSTICE, ResultCode.MEDIATION_FAILED, hours=20))
    assert other.code == RefusalCode.REFERRAL_CLOSED


def test_an_acceptance_or_progress_handled_after_the_units_own_decline_is_recorded_not_refused() -> None:
    """Concurrent workers may handle the decline first; the late steps change nothing."""
    declined = ok(decline(triaged(Category.NEIGHBOUR).case, JUSTICE)).case
    rid = referral_of(declined, JUSTICE).referral_id

    late_accept = ok(record_acceptance(declined, rid, JUSTICE, "值班员", at(3)))
    late_progress = ok(record_progress(late_accept.case, rid, JUSTICE, "值班员", "已约谈", at(3)))

    assert late_progress.case.referrals == declined.referrals and late_progress.effects == ()
    assert [e.detail["late"] for e in (*late_accept.timeline, *late_progress.timeline)] == [True, True]


# --- ratings ------------------------------------------------------------------------------


def test_a_dissatisfied_citizen_reopens_the_case_with_the_same_lead_only() -> None:
    ids = Ids()
    case = resolve(resolve(triaged(Category.TRAFFIC, ids=ids).case, POLICE), JUSTICE)

    reopened = ok(record_rating(case, Rating.DISSATISFIED, "赔偿款还没到账", at(100), every_day_works, ids))

    assert reopened.case.status is CaseStatus.IN_PROGRESS
    assert reopened.case.round == 2
    new = [e.referral for e in reopened.effects if isinstance(e, IssueReferral)]
    assert [(r.unit, r.role, r.round) for r in new] == [(POLICE, ReferralRole.LEAD, 2)]
    assert AnnounceDesignation(new[0]) in reopened.effects
    assert reopened.effects[0] == AnnounceReopened(ReopenCause.DISSATISFIED, Rating.DISSATISFIED, 2)
    assert kinds(reopened) == ["case_reopened", "referral_issued"]

    # Round two is settled by the lead alone: the mediators' round-one result still stands.
    assert resolve(reopened.case, POLICE, hours=130).status is CaseStatus.RESOLVED


def test_a_dissatisfied_rating_of_a_window_case_goes_to_centre_staff() -> None:
    case = triaged(Category.CONSULTATION).case

    reopened = ok(record_rating(case, Rating.DISSATISFIED, "没有解决问题", at(24), every_day_works))

    assert reopened.case.status is CaseStatus.AWAITING_MANUAL_TRIAGE
    assert [gap.role for gap in reopened.case.gaps] == [ReferralRole.LEAD]


def test_a_rating_before_the_case_is_resolved_or_after_it_closed_is_refused() -> None:
    open_case = triaged(Category.NEIGHBOUR).case
    window_case = triaged(Category.CONSULTATION).case
    closed = ok(record_rating(window_case, Rating.SATISFIED, None, at(1), every_day_works)).case

    early = refused(lambda: record_rating(open_case, Rating.SATISFIED, None, at(1), every_day_works))
    late = refused(lambda: record_rating(closed, Rating.DISSATISFIED, None, at(2), every_day_works))

    assert early.code == late.code == RefusalCode.WRONG_STATUS
    assert early.reason == "case 430426-20250303-00001 is assigned; a rating counts only once it is resolved"


def test_a_repeat_report_is_recorded_without_changing_who_handles_the_case() -> None:
    case = triaged(Category.NEIGHBOUR).case

    linked = link_repeat(case, Source.HOTLINE, "12345-20250305-0042", "同一当事人再次来电", at(50), every_day_works)

    assert linked.case.repeat_reports == 1
    assert linked.case.status is case.status and linked.case.referrals == case.referrals
    assert linked.timeline[0].detail["source_record_id"] == "12345-20250305-0042"
    assert linked.effects == ()


def test_a_resolved_case_reported_again_waits_for_the_follow_up_visit() -> None:
    case = resolve(resolve(triaged(Category.TRAFFIC).case, POLICE), JUSTICE)

    linked = link_repeat(case, Source.HOTLINE, None, "同一当事人再次来电", at(100), every_day_works)

    assert linked.case.status is CaseStatus.RESOLVED and linked.case.round == 1
    assert linked.effects == ()


def test_a_closed_case_reported_again_goes_back_to_the_same_lead() -> None:
    ids = Ids()
    case = resolve(resolve(triaged(Category.TRAFFIC, ids=ids).case, POLICE), JUSTICE)
    closed = ok(record_rating(case, Rating.SATISFIED, None, at(100), every_day_works, ids)).case

    linked = link_repeat(closed, Source.HOTLINE, None, "纠纷再次发生", at(200), every_day_works, ids)

    assert linked.case.status is CaseStatus.IN_PROGRESS
    assert linked.case.round == 2 and linked.case.repeat_reports == 1
    new = [e.referral for e in linked.effects if isinstance(e, IssueReferral)]
    assert [(r.unit, r.role, r.round) for r in new] == [(POLICE, ReferralRole.LEAD, 2)]
    assert linked.effects[0] == AnnounceReopened(ReopenCause.REPEAT_REPORT, None, 2)
    assert kinds(linked) == ["repeat_linked", "case_reopened", "referral_issued"]
    assert linked.timeline[1].detail == {"cause": ReopenCause.REPEAT_REPORT, "round": 2}
    # The new round ends like any other: the lead resolves, the citizen rates, the case closes.
    again = resolve(linked.case, POLICE, hours=230)
    assert again.status is CaseStatus.RESOLVED
    assert ok(record_rating(again, Rating.SATISFIED, None, at(240), every_day_works)).case.status is CaseStatus.CLOSED


def test_a_petition_linked_to_a_case_in_hand_brings_the_bureau_in_as_co_unit_naming_the_petition() -> None:
    ids = Ids()
    case = triaged(Category.TRAFFIC, ids=ids).case

    linked = link_repeat(
        case, Source.PETITION, "XF-2025-0311", "同一当事人", at(50), every_day_works, ids, feeding_unit=PETITION
    )

    [joined] = [e.referral for e in linked.effects if isinstance(e, IssueReferral)]
    assert (joined.unit, joined.role, joined.round, joined.source_record_id) == (
        PETITION,
        ReferralRole.CO_UNIT,
        1,
        "XF-2025-0311",
    )
    assert kinds(linked) == ["repeat_linked", "referral_issued"]
    # The petition again, or while the bureau's part is still open: nothing more.
    again = link_repeat(
        linked.case, Source.PETITION, "XF-2025-0312", "同一当事人", at(60), every_day_works, ids, feeding_unit=PETITION
    )
    assert again.effects == ()


def test_a_petition_before_the_visit_reopens_the_case_with_its_lead_and_the_bureau_naming_the_petition() -> None:
    ids = Ids()
    resolved = resolve(resolve(triaged(Category.TRAFFIC, ids=ids).case, POLICE), JUSTICE)
    assert resolved.status is CaseStatus.RESOLVED

    linked = link_repeat(
        resolved, Source.PETITION, "XF-1", "同一当事人", at(100), every_day_works, ids, feeding_unit=PETITION
    )

    assert linked.case.status is CaseStatus.IN_PROGRESS and linked.case.round == 2
    assert linked.case.rating is None  # the visit never asked the citizen
    new = [e.referral for e in linked.effects if isinstance(e, IssueReferral)]
    assert [(r.unit, r.role, r.round, r.source_record_id) for r in new] == [
        (POLICE, ReferralRole.LEAD, 2, None),
        (PETITION, ReferralRole.CO_UNIT, 2, "XF-1"),
    ]
    assert linked.effects[0] == AnnounceReopened(ReopenCause.REPEAT_REPORT, None, 2)
    assert kinds(linked) == ["repeat_linked", "case_reopened", "referral_issued", "referral_issued"]


def test_other_sources_before_the_visit_only_add_to_the_record_and_bring_no_one_in() -> None:
    case = triaged(Category.TRAFFIC).case
    resolved = resolve(resolve(case, POLICE), JUSTICE)

    for source, unit in ((Source.POLICE_CALL, POLICE), (Source.HOTLINE, None), (Source.WALK_IN, None)):
        linked = link_repeat(resolved, source, "R-1", "同一当事人", at(100), every_day_works, feeding_unit=unit)
        assert (linked.case.status, linked.case.round, linked.effects) == (CaseStatus.RESOLVED, 1, ())
    assert (
        link_repeat(
            case, Source.POLICE_CALL, "JQ-1", "同一当事人", at(50), every_day_works, feeding_unit=POLICE
        ).effects
        == ()
    )


def test_a_petition_before_the_visit_of_a_case_settled_at_the_window_is_only_recorded() -> None:
    at_the_window = triaged(Category.CONSULTATION).case
    assert at_the_window.status is CaseStatus.RESOLVED

    linked = link_repeat(
        at_the_window, Source.PETITION, "XF-2", "同一当事人", at(100), every_day_works, feeding_unit=PETITION
    )

    assert (linked.case.status, linked.case.round, linked.effects) == (CaseStatus.RESOLVED, 1, ())
    assert kinds(linked) == ["repeat_linked"]


def test_the_same_petition_sent_again_before_the_visit_is_only_recorded() -> None:
    resolved = resolve(resolve(triaged(Category.TRAFFIC).case, POLICE), JUSTICE)

    linked = link_repeat(
        resolved, Source.PETITION, "XF-1", "same source record", at(100), every_day_works, feeding_unit=PETITION
    )

    assert (linked.case.status, linked.case.round, linked.effects) == (CaseStatus.RESOLVED, 1, ())


def test_a_rating_of_a_round_a_petition_reopened_is_kept_on_the_timeline_and_changes_nothing() -> None:
    ids = Ids()
    resolved = resolve(resolve(triaged(Category.TRAFFIC, ids=ids).case, POLICE), JUSTICE)
    reopened = link_repeat(
        resolved, Source.PETITION, "XF-1", "同一当事人", at(100), every_day_works, ids, feeding_unit=PETITION
    ).case

    late = ok(
        record_rating(
            reopened, Rating.SATISFIED, "已赔付", at(101), every_day_works, ids, rated_by="citizen:rating-link", round=1
        )
    )

    assert (late.case.status, late.case.round, late.case.referrals, late.case.rating) == (
        reopened.status,
        reopened.round,
        reopened.referrals,
        None,
    )
    assert late.effects == ()
    assert kinds(late) == ["rating_overtaken"]
    assert late.timeline[0].detail == {
        "rating": Rating.SATISFIED,
        "comment": "已赔付",
        "rated_by": "citizen:rating-link",
        "round": 1,
    }
    # A rating of the round the case is in, or one that names no round (an older supervision), is taken as before.
    current = ok(record_rating(resolved, Rating.SATISFIED, None, at(101), every_day_works, round=1))
    assert current.case.status is CaseStatus.CLOSED
    assert refused(lambda: record_rating(reopened, Rating.SATISFIED, None, at(101), every_day_works)).code == (
        RefusalCode.WRONG_STATUS
    )


def test_a_petition_linked_to_a_closed_case_reopens_it_with_its_lead_and_the_bureau() -> None:
    ids = Ids()
    case = resolve(resolve(triaged(Category.TRAFFIC, ids=ids).case, POLICE), JUSTICE)
    closed = ok(record_rating(case, Rating.SATISFIED, None, at(100), every_day_works, ids)).case

    linked = link_repeat(
        closed, Source.PETITION, "XF-9", "纠纷再次发生", at(200), every_day_works, ids, feeding_unit=PETITION
    )

    new = [e.referral for e in linked.effects if isinstance(e, IssueReferral)]
    assert [(r.unit, r.role, r.round) for r in new] == [
        (POLICE, ReferralRole.LEAD, 2),
        (PETITION, ReferralRole.CO_UNIT, 2),
    ]


def test_a_closed_window_case_reported_again_goes_to_centre_staff() -> None:
    window = triaged(Category.CONSULTATION).case
    closed = ok(record_rating(window, Rating.SATISFIED, None, at(1), every_day_works)).case

    linked = link_repeat(closed, Source.WALK_IN, None, "再次来访", at(30), every_day_works)

    assert linked.case.status is CaseStatus.AWAITING_MANUAL_TRIAGE
    assert linked.case.gaps[0].reason == "a case settled at the window was reported again after it was closed"


# --- any sequence of inputs -----------------------------------------------------------------

CASE_JSON = TypeAdapter(Case)  # the store keeps each case as a JSON document
SIGNED = Agreement(date(2025, 3, 4), "赔偿对方医药费三千元")
OPS = ("accept", "progress", "decline", "result", "rating", "assign", "repeat")
CANDIDATE_UNITS = (COURT, POLICE, JUSTICE, PETITION, PLC, "housing:430426")
STRANGER = "justice:430426999"

steps = st.lists(
    st.tuples(
        st.sampled_from(OPS),
        st.integers(min_value=0, max_value=11),
        st.booleans(),  # from the referral's own unit?
        st.sampled_from(ResultCode),
        st.sampled_from(Rating),
    ),
    max_size=30,
)


def apply(case: Case, step: tuple[str, int, bool, ResultCode, Rating], ids: Ids) -> Decision:
    op, pick, own_unit, result, rating = step
    when = at(pick + 1)
    if op == "rating":
        # A visit's rating names its round (an earlier one when a petition reopened the case meanwhile), or none.
        round = None if pick % 3 == 0 else max(1, case.round - pick % 2)
        return record_rating(case, rating, None, when, every_day_works, ids, round=round)
    if op == "assign":
        unit = CANDIDATE_UNITS[pick % len(CANDIDATE_UNITS)]
        return assign_by_hand(case, unit, "陈主任", when, every_day_works, ids)
    if op == "repeat" and own_unit:  # a petition: it brings the bureau in, and may reopen a case awaiting its visit
        return link_repeat(case, Source.PETITION, f"XF-{pick}", "同一当事人", when, every_day_works, ids, PETITION)
    if op == "repeat" or not case.referrals:
        return link_repeat(case, Source.GRID, None, "网格员再次上报", when, every_day_works, ids)
    referral = case.referrals[pick % len(case.referrals)]
    unit = referral.unit if own_unit else STRANGER
    rid = referral.referral_id
    if op == "accept":
        return record_acceptance(case, rid, unit, "officer", when)
    if op == "progress":
        return record_progress(case, rid, unit, "officer", "进展", when)
    if op == "decline":
        return record_decline(case, rid, unit, "officer", "不属于本单位职责", when, every_day_works, ids)
    agreement = SIGNED if result in AGREEMENT_RESULTS else None
    return record_result(case, rid, unit, "officer", result, "办理情况", when, agreement)


def lead_result_present(case: Case) -> bool:
    leads = [r for r in case.referrals if r.round == case.round and r.role is ReferralRole.LEAD]
    if not leads:
        return case.plan.mode is HandlingMode.ON_THE_SPOT and case.round == 1
    return leads[-1].result in SETTLING_RESULTS


@settings(max_examples=400, deadline=None)
@given(
    category=st.sampled_from(Category),
    source=st.sampled_from(Source),
    flags=st.sets(st.sampled_from(Flag)),
    steps=steps,
)
def test_no_sequence_of_inputs_resolves_a_case_without_its_lead_or_rewrites_its_timeline(
    category: Category, source: Source, flags: set[Flag], steps: list[tuple[str, int, bool, ResultCode, Rating]]
) -> None:
    ids = Ids()
    case_facts = facts(category, source, tuple(sorted(flags)))
    first = triage(case_facts, SHIPPED, REGISTRY, MONDAY, every_day_works, ids)
    case, timeline = first.case, list(first.timeline)

    for step in steps:
        try:
            result = apply(case, step, ids)
        except Refused:
            continue
        if is_unchanged(case, result):
            continue  # a unit repeating what the case holds (rules.unchanged)
        assert result.timeline, f"{step[0]} changed the case without a timeline entry"
        timeline.extend(result.timeline)
        case = result.case

        assert [entry.seq for entry in timeline] == list(range(1, len(timeline) + 1))
        assert case.timeline_length == len(timeline)
        json.dumps([entry.detail for entry in result.timeline])  # the store writes details as JSON
        assert CASE_JSON.validate_json(CASE_JSON.dump_json(case)) == case
        if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            assert lead_result_present(case), case
            assert not any(r.is_open for r in case.referrals)
            assert case.result == case.round_result()
        else:
            assert case.result is None, "only a settled round has a result"
        assert (case.status is CaseStatus.AWAITING_MANUAL_TRIAGE) == bool(case.gaps)
        open_leads = [r for r in case.referrals if r.is_open and r.role is ReferralRole.LEAD]
        assert len(open_leads) <= 1
        open_units = [r.unit for r in case.referrals if r.is_open]
        assert len(open_units) == len(set(open_units))


def _single_unit_case():
    return triage(facts(Category.NEIGHBOUR), SHIPPED, REGISTRY, MONDAY, every_day_works, Ids())


def test_acceptance_and_progress_handled_after_the_result_are_recorded_not_refused():
    """Concurrent workers may handle one unit's messages out of order; a late earlier step is no error."""
    assignment = _single_unit_case()
    referral = assignment.referrals[0]
    reported = ok(
        record_result(
            assignment.case, referral.referral_id, referral.unit, "调解员孙", ResultCode.WITHDRAWN, "双方和解", at(1)
        )
    )

    late_accept = ok(record_acceptance(reported.case, referral.referral_id, referral.unit, "调解员孙", at(2)))
    late_progress = ok(
        record_progress(late_accept.case, referral.referral_id, referral.unit, "调解员孙", "已约谈", at(2))
    )

    assert late_progress.case.status is reported.case.status
    assert late_progress.effects == ()
    assert [e.detail["late"] for e in (*late_accept.timeline, *late_progress.timeline)] == [True, True]


def test_a_late_report_from_another_unit_is_still_refused():
    assignment = _single_unit_case()
    referral = assignment.referrals[0]
    rid, unit = referral.referral_id, referral.unit
    reported = ok(record_result(assignment.case, rid, unit, "调解员孙", ResultCode.WITHDRAWN, "双方和解", at(1)))

    refusal = refused(lambda: record_progress(reported.case, rid, POLICE, "民警刘", "?", at(2)))

    assert refusal.code == RefusalCode.WRONG_UNIT
