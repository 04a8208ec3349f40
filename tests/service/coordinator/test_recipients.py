"""Every document the coordinator takes counts only when addressed to the county's centre: anything else is refused
(`wrong_recipient`), and the case, its timeline and the outbox stay as they were."""

from typing import Any
from uuid import UUID

import pytest

from services.coordinator.service import Coordinator
from shared.clock import now
from shared.contracts.envelope import Envelope
from shared.contracts.examples import valid_example
from shared.contracts.messages import (
    CaseRegistered,
    ClockPaused,
    ClockResumed,
    EscalateCase,
    FollowUpRated,
    LeadContactsProvided,
    ProgressReported,
    ReferralAccepted,
    ReferralDeclined,
    ReferralIssued,
    RepeatReportLinked,
    ResultReported,
    SpotCheckFound,
)
from shared.platform import SenderRefusal
from shared.refusal import Refused

CASE_ID = "430426-20261122-00001"
CENTRE = "centre:430426"
POLICE_STATION = "police:430426101"
INTAKE_USER = "wuyuan.intake"
POLICE_USER = "wuyuan.police_link"
SUPERVISION_USER = "wuyuan.supervision"
# Whom a report could be misaddressed to: another agency's unit, a township's centre, another county's centre.
ELSEWHERE = ["court:430426", "centre:430426101", "centre:430481"]
AGENCY_REPORTS = [ReferralAccepted, ProgressReported, ReferralDeclined, ResultReported, ClockPaused, ClockResumed]
CENTRE_DOCUMENTS = {
    CaseRegistered: INTAKE_USER,
    RepeatReportLinked: INTAKE_USER,
    LeadContactsProvided: INTAKE_USER,
    FollowUpRated: SUPERVISION_USER,
    SpotCheckFound: SUPERVISION_USER,
    EscalateCase: SUPERVISION_USER,
}


_ids = iter(range(1, 10_000))


def deliver(coordinator: Coordinator, message: Envelope, broker_user: str) -> None:
    """What the inbox does: the broker vouches for the publishing user, the handler of the message's type runs."""
    coordinator.sender = broker_user
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in message.type)
    getattr(coordinator, f"on{snake}")(message)


def document(model: type[Envelope], **fields: Any) -> Envelope:
    """A valid document of the type, about the case, with `fields` as given."""
    body = {**valid_example(model), "message_id": str(UUID(int=next(_ids))), "occurred_at": now().isoformat()}
    return model.model_validate({**body, "case_id": CASE_ID, **fields})


@pytest.fixture
def lead(coordinator, uow) -> ReferralIssued:
    """A police call registered and referred to the township's police station as lead."""
    deliver(coordinator, document(CaseRegistered, source="police_call", division_code="430426101"), INTAKE_USER)
    [referral] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == POLICE_STATION]
    return referral


def report(model: type[Envelope], lead: ReferralIssued, recipient: str) -> Envelope:
    return document(model, sender=POLICE_STATION, recipient=recipient, referral_id=str(lead.referral_id))


def test_a_progress_report_addressed_to_the_centre_is_recorded(coordinator, store, lead):
    before = len(store.timeline[CASE_ID])

    deliver(coordinator, report(ProgressReported, lead, CENTRE), POLICE_USER)

    assert len(store.timeline[CASE_ID]) > before


@pytest.mark.parametrize("recipient", ELSEWHERE)
@pytest.mark.parametrize("model", AGENCY_REPORTS, ids=lambda model: model.TYPE)
def test_an_agency_s_report_addressed_elsewhere_is_refused_and_nothing_is_recorded(
    coordinator, uow, store, lead, model, recipient
):
    timeline, row, sent = (
        list(store.timeline[CASE_ID]),
        dict(store.rows[CASE_ID]),
        len(uow.sent),
    )

    with pytest.raises(Refused) as refused:
        deliver(coordinator, report(model, lead, recipient), POLICE_USER)

    assert refused.value.code == SenderRefusal.WRONG_RECIPIENT
    assert recipient in refused.value.reason and CENTRE in refused.value.reason
    assert store.timeline[CASE_ID] == timeline
    assert store.rows[CASE_ID] == row
    assert len(uow.sent) == sent


def test_a_report_from_the_wrong_service_is_refused_as_such_whatever_it_is_addressed_to(coordinator, lead):
    with pytest.raises(Refused) as refused:
        deliver(coordinator, report(ProgressReported, lead, "court:430426"), "wuyuan.court_link")

    assert refused.value.code == SenderRefusal.WRONG_SENDER


@pytest.mark.parametrize(("model", "broker_user"), CENTRE_DOCUMENTS.items(), ids=[m.TYPE for m in CENTRE_DOCUMENTS])
def test_a_centre_service_s_document_addressed_to_another_centre_is_refused(
    coordinator, uow, store, model, broker_user
):
    with pytest.raises(Refused) as refused:
        deliver(coordinator, document(model, recipient="centre:430481"), broker_user)

    assert refused.value.code == SenderRefusal.WRONG_RECIPIENT
    assert store.rows == {}
    assert uow.sent == []
