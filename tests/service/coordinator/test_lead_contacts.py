"""A lead's referral sent again after its agency's restore, with the parties' numbers intake gives back."""

from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.domain.model import Case, CaseFacts, CaseStatus, Plan, Referral, ReferralStatus
from services.coordinator.service import Coordinator
from shared.clock import now
from shared.contracts.disputes import PartyNotice
from shared.contracts.messages import LeadContactsProvided, ReferralIssued, ReferralWithdrawn
from shared.contracts.vocabulary import Category, HandlingMode, ReferralRole, Source
from shared.refusal import Refused
from tests.messages import referral_issued
from tests.service.coordinator.test_coordinator_service import (
    CASE_ID,
    INTAKE_USER,
    JUSTICE_OFFICE,
    LI_SI_PHONE,
    POLICE_STATION,
    POLICE_USER,
    ZHANG_SAN_PHONE,
    accepted,
    deliver,
    next_message_id,
    police_call,
    referral_to,
    result,
)

GIVEN_BACK = [
    PartyNotice(role="applicant", kind="person", name="张三", phone=ZHANG_SAN_PHONE),
    PartyNotice(role="respondent", kind="person", name="李四", phone=LI_SI_PHONE),
]


@pytest.fixture
def coordinator(uow, platform) -> Coordinator:
    return worker_factory(Coordinator, uow=uow, desk=coordination_for(replace(platform, service="coordinator")))


@pytest.fixture
def taken(coordinator, uow, store) -> tuple[ReferralIssued, ReferralIssued]:
    """A police call whose lead (the police station) accepted it: the centre has dropped the parties' numbers.
    The outbox's trigger kept each referral's documents as they were queued."""
    deliver(coordinator, police_call(), INTAKE_USER)
    lead, co_unit = referral_to(uow, POLICE_STATION), referral_to(uow, JUSTICE_OFFICE)
    deliver(coordinator, accepted(lead), POLICE_USER)
    assert all(p["phone"] is None for p in store.rows[CASE_ID]["registered"]["parties"])
    assert {d.message_id for d in store.sent.kept} == {lead.message_id, co_unit.message_id}
    return lead, co_unit


def given_back(referral: ReferralIssued, parties: list[PartyNotice] | None = GIVEN_BACK) -> LeadContactsProvided:
    return LeadContactsProvided.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=referral.case_id,
        sender="centre:430426",
        recipient="centre:430426",
        referral_id=referral.referral_id,
        parties=parties,
    )


def answer(coordinator: Coordinator, message: LeadContactsProvided, broker_user: str = INTAKE_USER) -> None:
    coordinator.sender = broker_user
    coordinator.on_lead_contacts_provided(message)


def sent_again(uow, before: int) -> list[ReferralIssued]:
    return [m for m in uow.sent[before:] if isinstance(m, ReferralIssued)]


def test_the_lead_gets_its_referral_again_with_the_numbers_it_first_came_with(coordinator, uow, store, taken):
    lead, _ = taken
    before = len(uow.sent)

    answer(coordinator, given_back(lead))

    [again] = sent_again(uow, before)
    assert again.message_id == lead.message_id and again == lead  # as first sent: its agency's inbox knows the id
    assert [p.phone for p in again.parties] == [ZHANG_SAN_PHONE, LI_SI_PHONE]
    assert store.sent.cleared == [lead.message_id]
    # The centre keeps no number but in that outbox row, which is scrubbed once sent.
    assert all(p["phone"] is None for p in store.rows[CASE_ID]["registered"]["parties"])


def test_numbers_count_only_from_intake(coordinator, uow, taken):
    lead, _ = taken
    before = len(uow.sent)

    with pytest.raises(Refused) as refused:
        answer(coordinator, given_back(lead), POLICE_USER)

    assert refused.value.code == "wrong_sender"
    assert uow.sent[before:] == []


def test_a_co_unit_is_sent_again_without_numbers_whatever_comes_back(coordinator, uow, taken):
    _, co_unit = taken
    before = len(uow.sent)

    answer(coordinator, given_back(co_unit))

    [again] = sent_again(uow, before)
    assert again == co_unit and all(p.phone is None for p in again.parties)


def test_without_numbers_from_intake_the_lead_gets_the_parties_as_the_centre_holds_them(coordinator, uow, taken):
    lead, _ = taken
    before = len(uow.sent)

    answer(coordinator, given_back(lead, parties=None))  # intake holds no such case

    [again] = sent_again(uow, before)
    assert again.message_id == lead.message_id
    assert [(p.name, p.phone) for p in again.parties] == [("张三", None), ("李四", None)]


def test_a_referral_closed_before_the_numbers_came_back_is_not_sent(coordinator, uow, taken):
    lead, _ = taken
    deliver(coordinator, result(lead), POLICE_USER)
    before = len(uow.sent)

    answer(coordinator, given_back(lead))

    assert sent_again(uow, before) == []


def test_a_document_still_waiting_to_be_sent_is_not_queued_twice(coordinator, uow, store, taken):
    lead, _ = taken
    store.sent.waiting.add(lead.message_id)
    before = len(uow.sent)

    answer(coordinator, given_back(lead))

    assert sent_again(uow, before) == []


def test_numbers_for_a_case_or_referral_the_centre_does_not_hold_send_nothing(coordinator, uow, taken):
    lead, _ = taken
    before = len(uow.sent)
    unknown_referral = given_back(lead).model_copy(update={"referral_id": UUID(int=999_999)})
    unknown_case = given_back(lead).model_copy(update={"case_id": "430426-20261122-09999"})

    answer(coordinator, unknown_referral)
    answer(coordinator, unknown_case)

    assert uow.sent[before:] == []
    assert {unknown_referral.message_id, unknown_case.message_id} <= uow.claimed


@pytest.fixture
def handed_over(uow) -> tuple[ReferralIssued, ReferralWithdrawn, ReferralIssued]:
    """The police station accepted the case (the centre dropped the numbers), went overdue, and the case went up a
    level: its referral was taken back, and the court took the lead over. Each document was kept as it was queued."""
    dropped = now() - timedelta(days=3)
    facts = CaseFacts(CASE_ID, Source.POLICE_CALL, Category.NEIGHBOUR, "430426101")
    station = Referral(
        UUID("5b0c1c7e-0000-4000-8000-000000000071"),
        POLICE_STATION,
        ReferralRole.LEAD,
        1,
        dropped - timedelta(hours=2),
        dropped + timedelta(days=1),
    )
    taken_back = dropped + timedelta(days=1)
    station = replace(station, status=ReferralStatus.ESCALATED, accepted_at=dropped, closed_at=taken_back)
    court = Referral(
        UUID("5b0c1c7e-0000-4000-8000-000000000072"),
        "court:430426",
        ReferralRole.LEAD,
        1,
        dropped + timedelta(days=1),
        dropped + timedelta(days=15),
    )
    plan = Plan(0, HandlingMode.SINGLE_UNIT, (POLICE_STATION,), (), (), 10)
    case = Case(facts=facts, plan=plan, status=CaseStatus.IN_PROGRESS, referrals=(station, court))
    kept = [{"role": "applicant", "kind": "person", "name": "张三", "phone": None}]
    first_to_station = referral_issued(station.referral_id, station.unit, case_id=CASE_ID)  # with the numbers
    withdrawn = ReferralWithdrawn.build(
        message_id=next_message_id(),
        occurred_at=dropped + timedelta(days=1),
        case_id=CASE_ID,
        sender="centre:430426",
        recipient=station.unit,
        referral_id=station.referral_id,
        reason="escalated",
        successor=court.unit,
    )
    first_to_court = referral_issued(court.referral_id, court.unit, case_id=CASE_ID, parties=kept)
    with uow:
        uow.store.add(case, {"parties": kept, "summary": first_to_court.summary}, {}, dropped)
        for message in (first_to_station, withdrawn, first_to_court):
            uow.send(message)  # the outbox's trigger keeps each
    return first_to_station, withdrawn, first_to_court


def test_a_lead_whose_agency_never_held_the_numbers_is_sent_again_without_them(coordinator, uow, handed_over):
    """The court's referral first went without the numbers, so it goes again without them, whatever intake says."""
    _, _, first_to_court = handed_over
    before = len(uow.sent)

    answer(coordinator, given_back(first_to_court))

    [again] = sent_again(uow, before)
    assert again == first_to_court and [p.phone for p in again.parties] == [None]


def test_a_referral_taken_back_while_its_numbers_were_asked_for_goes_with_its_withdrawal_and_no_numbers(
    coordinator, uow, handed_over
):
    first_to_station, withdrawn, _ = handed_over
    before = len(uow.sent)

    answer(coordinator, given_back(first_to_station))

    again = uow.sent[before:]
    assert [m.message_id for m in again] == [first_to_station.message_id, withdrawn.message_id]
    assert isinstance(again[0], ReferralIssued) and all(p.phone is None for p in again[0].parties)
