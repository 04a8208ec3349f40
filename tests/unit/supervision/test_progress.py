"""Where a case stands for the citizen, from supervision's kept facts and its lead units' clocks."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from services.supervision.domain import KeptFact, ProgressStatus, Watch, progress_of
from shared.contracts.vocabulary import ReferralRole

CASE_ID = "430426-20261204-00007"
T0 = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
ASSIGNED = KeptFact("CaseAssigned", T0, "neighbourhood")
LEAD = Watch(UUID(int=1), CASE_ID, "police:430426101", ReferralRole.LEAD, T0, T0 + timedelta(days=10))


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def test_a_case_supervision_has_not_heard_of_waits_for_a_unit() -> None:
    progress = progress_of([], [])
    assert (progress.status, progress.category, progress.lead) == (ProgressStatus.AWAITING_UNIT, None, None)


def test_an_assigned_case_is_handled_by_its_lead_with_its_deadline() -> None:
    progress = progress_of([ASSIGNED], [LEAD])
    assert (progress.status, progress.category, progress.lead) == (ProgressStatus.HANDLING, "neighbourhood", LEAD)


def test_a_case_waiting_for_manual_triage_waits_for_a_unit_until_one_is_designated() -> None:
    waiting = KeptFact("CaseAwaitingManualTriage", at(1), "wages")
    declined = replace(LEAD, closed_at=at(1))
    assert progress_of([ASSIGNED, waiting], [declined]).status is ProgressStatus.AWAITING_UNIT
    designated = Watch(UUID(int=2), CASE_ID, "justice:430426101", ReferralRole.LEAD, at(2), at(200))
    progress = progress_of([ASSIGNED, waiting], [declined, designated])
    assert (progress.status, progress.lead, progress.category) == (ProgressStatus.HANDLING, designated, "wages")


def test_a_resolved_case_awaits_its_visit_and_names_the_lead_that_handled_it() -> None:
    resolved = KeptFact("CaseResolved", at(5))
    progress = progress_of([resolved, ASSIGNED], [replace(LEAD, closed_at=at(5))])  # in any order
    assert progress.status is ProgressStatus.AWAITING_VISIT
    assert progress.lead is not None and progress.lead.unit == LEAD.unit


def test_a_closed_case_says_when_it_closed() -> None:
    progress = progress_of([ASSIGNED, KeptFact("CaseResolved", at(5)), KeptFact("CaseClosed", at(9))], [])
    assert (progress.status, progress.closed_at) == (ProgressStatus.CLOSED, at(9))


def test_a_reopened_case_is_being_handled_again() -> None:
    facts = [ASSIGNED, KeptFact("CaseResolved", at(5)), KeptFact("CaseClosed", at(9)), KeptFact("CaseReopened", at(20))]
    progress = progress_of(facts, [replace(LEAD, closed_at=at(5))])
    assert (progress.status, progress.closed_at, progress.lead) == (ProgressStatus.HANDLING, None, None)


def test_a_case_settled_at_the_window_is_handled_with_no_lead_clock() -> None:
    progress = progress_of([ASSIGNED], [])
    assert (progress.status, progress.lead) == (ProgressStatus.HANDLING, None)
