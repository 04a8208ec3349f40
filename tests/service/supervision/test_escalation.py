"""逾期提级 on supervision's timer: a unit overdue past its level's threshold gets its case sent up, once."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.supervision.service import Supervision
from shared.contracts.messages import EscalateCase, ReferralSummary, UnitDesignated
from shared.messaging.routing import address
from tests.service.supervision.conftest import COORDINATOR_USER, SUPERVISOR

CST = timezone(timedelta(hours=8))
CASE_ID = "430426-20250908-00003"
CENTRE = "centre:430426"
POLICE_STATION = "police:430426101"  # township level: 3 working days past due (config/centres.toml)
COUNTY_COURT = "court:430426"  # county level: 5
DUE = datetime(2025, 9, 22, 17, 30, tzinfo=CST)  # a Monday


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(DUE + timedelta(minutes=1))


@pytest.fixture
def supervision(uow, platform, clock) -> Supervision:
    return worker_factory(
        Supervision,
        uow=uow,
        platform=replace(platform, service="supervision", now=clock),
        sender=COORDINATOR_USER,
        caller=SUPERVISOR,
    )


def designate(supervision: Supervision, n: int, unit: str) -> UUID:
    referral_id = UUID(int=n)
    supervision.on_unit_designated(
        UnitDesignated.build(
            message_id=UUID(int=1000 + n),
            occurred_at=DUE - timedelta(days=14),
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            referral=ReferralSummary(
                referral_id=referral_id, unit=unit, role="lead", round=1, issued_at=DUE - timedelta(days=14), due_at=DUE
            ),
        )
    )
    return referral_id


def overdue_letter_sent(store, referral_id: UUID) -> None:
    """The 督办函 went out at the deadline (send_due_letters' part, tested with the letters)."""
    store.save_letters(replace(store.watches[referral_id], overdue_sent_at=DUE + timedelta(seconds=5)))


def tick(supervision: Supervision) -> None:
    supervision.escalate_overdue_cases()


def test_no_escalation_before_the_overdue_letter(supervision, uow, clock):
    designate(supervision, 3, POLICE_STATION)
    clock.at = datetime(2025, 9, 30, 10, 0, tzinfo=CST)

    tick(supervision)

    assert uow.sent_of(EscalateCase) == []


def test_a_township_unit_three_working_days_overdue_has_its_case_sent_up_once(
    supervision, uow, clock, supervision_store
):
    referral_id = designate(supervision, 1, POLICE_STATION)
    overdue_letter_sent(supervision_store, referral_id)
    tick(supervision)  # just overdue: not yet the escalation
    clock.at = datetime(2025, 9, 24, 10, 0, tzinfo=CST)  # Wednesday: two working days past due
    tick(supervision)
    assert uow.sent_of(EscalateCase) == []

    clock.at = datetime(2025, 9, 25, 10, 0, tzinfo=CST)  # Thursday: three
    tick(supervision)
    tick(supervision)

    [escalate] = uow.sent_of(EscalateCase)
    assert (escalate.referral_id, escalate.unit, escalate.overdue_working_days) == (referral_id, POLICE_STATION, 3)
    assert (escalate.sender, escalate.due_at) == (CENTRE, DUE)
    assert address(escalate, uow.registry) == ("wuyuan.documents", "coordinator.EscalateCase")


def test_a_county_unit_has_the_county_s_longer_threshold(supervision, uow, clock, supervision_store):
    overdue_letter_sent(supervision_store, designate(supervision, 2, COUNTY_COURT))
    tick(supervision)
    clock.at = datetime(2025, 9, 26, 10, 0, tzinfo=CST)  # Friday: four working days past due
    tick(supervision)
    assert uow.sent_of(EscalateCase) == []

    clock.at = datetime(2025, 9, 28, 10, 0, tzinfo=CST)  # Sunday 28 September 2025 is a working day (调休)
    tick(supervision)

    [escalate] = uow.sent_of(EscalateCase)
    assert escalate.overdue_working_days == 5
