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
        sent_again=None,
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


def designate_due(supervision: Supervision, n: int, unit: str, due_at: datetime) -> UUID:
    referral_id = UUID(int=n)
    issued_at = due_at - timedelta(days=14)
    supervision.on_unit_designated(
        UnitDesignated.build(
            message_id=UUID(int=1000 + n),
            occurred_at=issued_at,
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            referral=ReferralSummary(
                referral_id=referral_id, unit=unit, role="lead", round=1, issued_at=issued_at, due_at=due_at
            ),
        )
    )
    return referral_id


YEAR_END_DUE = datetime(2026, 12, 30, 17, 30, tzinfo=CST)  # a Wednesday


def test_past_the_known_calendar_weekdays_less_statutory_holidays_stand_in_and_the_case_still_goes_up(
    supervision, uow, clock, supervision_store
):
    referral_id = designate_due(supervision, 5, POLICE_STATION, YEAR_END_DUE)
    supervision_store.save_letters(
        replace(supervision_store.watches[referral_id], overdue_sent_at=YEAR_END_DUE + timedelta(seconds=5))
    )
    # 2027 not loaded: Thu 31, then Mon 4 to Thu 7 as weekdays, Friday 1 January being 元旦.
    clock.at = datetime(2027, 1, 7, 10, 0, tzinfo=CST)

    tick(supervision)

    [escalate] = uow.sent_of(EscalateCase)
    assert (escalate.referral_id, escalate.overdue_working_days) == (referral_id, 5)


def test_a_watch_that_cannot_be_judged_does_not_hold_up_the_others(
    supervision, uow, clock, supervision_store, monkeypatch
):
    from services.supervision import escalation_handlers

    broken = designate_due(supervision, 6, POLICE_STATION, YEAR_END_DUE - timedelta(days=1))
    fine = designate_due(supervision, 7, POLICE_STATION, YEAR_END_DUE)
    for referral_id in (broken, fine):
        supervision_store.save_letters(
            replace(supervision_store.watches[referral_id], overdue_sent_at=YEAR_END_DUE + timedelta(seconds=5))
        )
    judge = escalation_handlers.escalation_due

    def failing_for_one(watch, *args):  # type: ignore[no-untyped-def]
        if watch.referral_id == broken:
            raise KeyError("a unit missing from centres.toml")
        return judge(watch, *args)

    monkeypatch.setattr(escalation_handlers, "escalation_due", failing_for_one)
    clock.at = datetime(2027, 1, 6, 10, 0, tzinfo=CST)

    tick(supervision)

    assert [m.referral_id for m in uow.sent_of(EscalateCase)] == [fine]


def test_county_units_short_of_their_longer_threshold_never_fill_the_batch_ahead_of_a_township_unit_due(
    supervision, uow, clock, supervision_store, monkeypatch
):
    from services.supervision import escalation_handlers

    monkeypatch.setattr(escalation_handlers, "ESCALATION_BATCH", 2)
    # Three county-level referrals due the Friday before: four working days late on Thursday, short of the county's 5.
    for n in (11, 12, 13):
        overdue_letter_sent(supervision_store, designate_due(supervision, n, COUNTY_COURT, DUE - timedelta(days=3)))
    station = designate(supervision, 14, POLICE_STATION)  # due Monday: three working days late, the township's 3
    overdue_letter_sent(supervision_store, station)
    clock.at = datetime(2025, 9, 25, 10, 0, tzinfo=CST)  # Thursday

    tick(supervision)

    [escalate] = uow.sent_of(EscalateCase)
    assert (escalate.referral_id, escalate.unit, escalate.overdue_working_days) == (station, POLICE_STATION, 3)
