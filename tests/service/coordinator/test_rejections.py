"""A report the coordinator refuses about a case it holds goes on the case's timeline as `report_rejected`."""

from dataclasses import replace
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.coordinator import handlers
from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from shared.clock import now
from shared.contracts.messages import CaseRegistered, MessageRejected, ReferralAccepted, ReferralDeclined
from shared.delivery.inbox import MESSAGE_ID_REUSED
from shared.refusal import Refused
from shared.runtime.refusals import OnRefusal
from tests.fakes.coordinator import FakeCaseStore
from tests.fakes.unit_of_work import FakeUnitOfWork

CASE_ID = "430426-20261122-00001"
JUSTICE_OFFICE = "justice:430426101"  # 砖塘镇司法所, which leads a neighbours' dispute at 砖塘镇
REPORT = UUID("44444444-4444-4444-8444-444444444444")
REFERRAL = UUID("33333333-3333-4333-8333-333333333333")


@pytest.fixture
def uow() -> FakeUnitOfWork[FakeCaseStore]:
    return FakeUnitOfWork(FakeCaseStore())


@pytest.fixture
def coordinating(platform):
    return replace(platform, service="coordinator")


def registered(uow, platform) -> None:
    message = CaseRegistered.build(
        message_id=UUID(int=1),
        occurred_at=now(),
        case_id=CASE_ID,
        sender="centre:430426",
        recipient="centre:430426",
        source="walk_in",
        category="neighbour",
        division_code="430426101",
        summary="邻里因宅基地界址争吵。",
        flags=[],
        parties=[
            {"role": "applicant", "kind": "person", "name": "张三"},
            {"role": "respondent", "kind": "person", "name": "李四"},
        ],
    )
    handlers.handle_case_registered(message, "wuyuan.intake", uow, coordination_for(platform))


def notice(case_id: str | None = CASE_ID, unit: str = JUSTICE_OFFICE) -> MessageRejected:
    return MessageRejected.build(
        message_id=UUID("77777777-7777-4777-8777-777777777777"),
        occurred_at=now(),
        case_id=case_id,
        sender="centre:430426",
        recipient=unit,
        rejected_message_id=REPORT,
        rejected_type="ResultReported",
        reason="referral_closed",
        detail="rejected: referral_closed: the referral is closed",
        referral_id=REFERRAL,
        refused_by="coordinator",
    )


def timeline(uow) -> list[dict]:
    with uow:
        _, lines = uow.store.read(CASE_ID)
    return lines


def test_a_refusal_about_a_held_case_is_a_timeline_line_after_the_others(uow, coordinating):
    registered(uow, coordinating)
    before = timeline(uow)

    with uow:
        handlers.note_refusal(notice(), uow, coordinating)

    lines = timeline(uow)
    assert len(lines) == len(before) + 1
    last = lines[-1]
    assert last["kind"] == "report_rejected"
    assert last["seq"] == before[-1]["seq"] + 1
    assert (last["detail"]["unit"], last["detail"]["reason"]) == (JUSTICE_OFFICE, "referral_closed")
    assert last["detail"]["rejected_message_id"] == str(REPORT)


def test_a_refusal_about_no_case_or_a_case_not_held_changes_nothing(uow, coordinating):
    registered(uow, coordinating)
    before = timeline(uow)

    with uow:
        handlers.note_refusal(notice(case_id=None), uow, coordinating)
        handlers.note_refusal(notice(case_id="430426-20261122-00099"), uow, coordinating)

    assert timeline(uow) == before
    with uow:
        assert list(uow.store.timeline) == [CASE_ID]


def test_a_refusal_naming_a_case_the_refused_agency_has_no_part_in_is_not_that_cases_history(uow, coordinating):
    """An agency's broken body may name any case number: only a case with a referral to that agency records it."""
    registered(uow, coordinating)
    before = timeline(uow)

    with uow:
        handlers.note_refusal(notice(unit="petition:430426"), uow, coordinating)

    assert timeline(uow) == before


def test_another_agencys_report_naming_one_of_the_cases_referrals_is_kept_on_the_case_for_staff_to_see(
    uow, coordinating
):
    """The police report on the justice office's referral: the police are not on the case, but its referral ids reach
    only the office, so staff are shown that someone reported on the case who should not have."""
    registered(uow, coordinating)
    with uow:
        stored, _ = uow.store.read(CASE_ID)
    [justice] = stored.case.referrals

    with uow:
        handlers.note_refusal(
            notice(unit="police:430426").model_copy(update={"referral_id": justice.referral_id}), uow, coordinating
        )

    last = timeline(uow)[-1]
    assert (last["kind"], last["detail"]["unit"]) == ("report_rejected", "police:430426")


def test_the_coordinator_declares_its_timeline_hook_for_refusals():
    hooks = [value for value in vars(Coordinator).values() if isinstance(value, OnRefusal)]
    assert [hook.hook for hook in hooks] == [handlers.note_refusal]


def test_a_decline_sent_under_the_id_of_the_units_acceptance_is_refused_not_lost(platform):
    """Skipped as a redelivery, the decline would never reach the case, and the unit would not know."""
    uow = FakeUnitOfWork(FakeCaseStore())
    coordinator = worker_factory(Coordinator, uow=uow, desk=coordination_for(replace(platform, service="coordinator")))
    registered(uow, replace(platform, service="coordinator"))
    with uow:
        stored, _ = uow.store.read(CASE_ID)
    [justice] = stored.case.referrals
    coordinator.sender = "wuyuan.justice_link"
    same = {"occurred_at": now(), "case_id": CASE_ID, "sender": JUSTICE_OFFICE, "recipient": "centre:430426"}
    coordinator.on_referral_accepted(
        ReferralAccepted.build(message_id=REPORT, referral_id=justice.referral_id, officer="li.tiaojie", **same)
    )

    with pytest.raises(Refused) as refused:
        coordinator.on_referral_declined(
            ReferralDeclined.build(
                message_id=REPORT, referral_id=justice.referral_id, officer="li.tiaojie", reason="不属于本所", **same
            )
        )

    assert refused.value.code == MESSAGE_ID_REUSED
