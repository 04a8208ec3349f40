"""回访抽查 at the coordinator: a dissatisfied spot check reopens a closed case, from supervision only."""

from dataclasses import replace

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from shared.clock import now
from shared.contracts.messages import CaseReopened, FollowUpRated, ReferralIssued, SpotCheckFound
from shared.contracts.vocabulary import ReopenCause
from shared.refusal import Refused
from tests.fakes.coordinator import FakeCaseStore
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.service.coordinator.test_coordinator_service import (
    CASE_ID,
    COORDINATOR,
    INTAKE_USER,
    JUSTICE_OFFICE,
    JUSTICE_USER,
    POLICE_STATION,
    POLICE_USER,
    SUPERVISION_USER,
    accepted,
    deliver,
    next_message_id,
    police_call,
    referral_to,
    result,
)

CENTRE = "centre:430426"


@pytest.fixture
def coordinator_store() -> FakeCaseStore:
    return FakeCaseStore()


@pytest.fixture
def uow(coordinator_store) -> FakeUnitOfWork[FakeCaseStore]:
    return FakeUnitOfWork(coordinator_store)


@pytest.fixture
def coordinator(uow, platform) -> Coordinator:
    return worker_factory(
        Coordinator, uow=uow, desk=coordination_for(replace(platform, service="coordinator")), caller=COORDINATOR
    )


@pytest.fixture
def triaged(coordinator, uow):
    deliver(coordinator, police_call(), INTAKE_USER)
    return referral_to(uow, POLICE_STATION), referral_to(uow, JUSTICE_OFFICE)


@pytest.fixture
def closed_case(coordinator, uow, triaged):
    """The triaged case resolved by both units and closed on a satisfied rating."""
    for referral, user in zip(triaged, (POLICE_USER, JUSTICE_USER), strict=True):
        deliver(coordinator, accepted(referral), user)
        deliver(coordinator, result(referral), user)
    rating = FollowUpRated.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        rating="satisfied",
        rated_by="zhou.hui",
    )
    deliver(coordinator, rating, SUPERVISION_USER)
    return coordinator


def found(rating: str, round: int = 1) -> SpotCheckFound:
    return SpotCheckFound.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        round=round,
        rating=rating,
        comment="回访发现问题仍未解决",
        checked_by="zhou.hui",
    )


def test_a_dissatisfied_spot_check_reopens_the_closed_case_with_the_same_lead(closed_case, uow, coordinator_store):
    issued_before = len(uow.sent_of(ReferralIssued))
    closed_case.sender = SUPERVISION_USER
    closed_case.on_spot_check_found(found("dissatisfied"))

    case = coordinator_store.case(CASE_ID)
    assert (case.status.value, case.round) == ("in_progress", 2)
    [reopened] = uow.sent_of(CaseReopened)
    assert (reopened.cause, reopened.rating.value, reopened.round) == (ReopenCause.SPOT_CHECK, "dissatisfied", 2)
    [new_lead] = uow.sent_of(ReferralIssued)[issued_before:]
    assert (new_lead.recipient, new_lead.round) == (POLICE_STATION, 2)
    entry = next(e for e in coordinator_store.timeline[CASE_ID] if e["kind"] == "case_reopened")
    assert (entry["detail"]["cause"], entry["detail"]["rated_by"]) == ("spot_check", "zhou.hui")


def test_a_satisfied_spot_check_is_noted_and_the_case_stays_closed(closed_case, uow, coordinator_store):
    closed_case.sender = SUPERVISION_USER
    closed_case.on_spot_check_found(found("basically_satisfied"))

    assert coordinator_store.case(CASE_ID).status.value == "closed"
    assert uow.sent_of(CaseReopened) == []
    last = coordinator_store.timeline[CASE_ID][-1]
    assert (last["kind"], last["detail"]["rating"]) == ("spot_checked", "basically_satisfied")


def test_a_finding_about_an_earlier_round_only_notes_it(closed_case, uow, coordinator_store):
    closed_case.sender = SUPERVISION_USER
    closed_case.on_spot_check_found(found("dissatisfied", round=2))
    assert coordinator_store.case(CASE_ID).status.value == "closed"
    assert uow.sent_of(CaseReopened) == []


def test_a_spot_check_from_anyone_but_supervision_is_refused(closed_case, coordinator_store):
    closed_case.sender = INTAKE_USER
    with pytest.raises(Refused, match="wrong_sender"):
        closed_case.on_spot_check_found(found("dissatisfied"))
    assert coordinator_store.case(CASE_ID).status.value == "closed"
