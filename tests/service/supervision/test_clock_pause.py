"""Supervision and a paused clock: no 提醒函 or 督办函 while it stands still; the reminder follows the new deadline."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from shared.contracts.messages import CaseAssigned, DeadlineChanged, ReferralSummary
from shared.persistence.errors import NotFound
from shared.refusal import Refused

CASE_ID = "430426-20261122-00001"
POLICE_STATION = "police:430426101"
CENTRE = "centre:430426"
LEAD_REFERRAL = UUID("11111111-1111-4111-8111-111111111111")
# Ten days from 20 November: the 提醒函 is due on 28 November (80 %), the 督办函 after 30 November.
ISSUED = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
DUE = ISSUED + timedelta(days=10)
PAUSED = ISSUED + timedelta(days=5)
# Paused for ten days: the deadline moves to 10 December, and the reminder to 80 % of twenty days: 6 December.
MOVED_DUE = ISSUED + timedelta(days=20)


def assigned() -> CaseAssigned:
    lead = ReferralSummary(
        referral_id=LEAD_REFERRAL, unit=POLICE_STATION, role="lead", round=1, issued_at=ISSUED, due_at=DUE
    )
    return CaseAssigned.build(
        message_id=UUID(int=500),
        occurred_at=ISSUED,
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        mode="single_unit",
        source="police_call",
        category="neighbour",
        division_code="430426101203",
        flags=[],
        lead_unit=POLICE_STATION,
        co_units=[],
        referrals=[lead],
    )


def deadline_changed(revision: int, due_at: datetime, paused: bool) -> DeadlineChanged:
    return DeadlineChanged.build(
        message_id=UUID(int=600 + revision),
        occurred_at=PAUSED,
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        referral_id=LEAD_REFERRAL,
        unit=POLICE_STATION,
        due_at=due_at,
        revision=revision,
        paused=paused,
        paused_at=PAUSED if paused else None,
        reason="judicial_confirmation" if paused else None,
    )


PAUSE = deadline_changed(1, DUE, paused=True)
RESUME = deadline_changed(2, MOVED_DUE, paused=False)


def tick(supervision, at: datetime) -> None:
    supervision.platform = replace(supervision.platform, now=lambda: at)
    supervision.send_due_letters()


@pytest.fixture
def watched(supervision):
    supervision.on_case_assigned(assigned())
    return supervision


@pytest.mark.parametrize("at", [ISSUED + timedelta(days=8), DUE + timedelta(days=3)])
def test_a_paused_unit_gets_no_reminder_and_no_overdue_notice(watched, uow, at):
    watched.on_deadline_changed(PAUSE)

    tick(watched, at)

    assert uow.sent == []


def test_after_a_resume_the_reminder_comes_at_80_percent_of_the_moved_term(watched, uow, supervision_store):
    watched.on_deadline_changed(PAUSE)
    watched.on_deadline_changed(RESUME)

    tick(watched, ISSUED + timedelta(days=15, hours=23))  # past the old deadline, before the new reminder
    assert uow.sent == []

    tick(watched, ISSUED + timedelta(days=16))
    [reminder] = uow.sent
    assert (reminder.type, reminder.due_at) == ("ReminderIssued", MOVED_DUE)
    assert supervision_store.watches[LEAD_REFERRAL].paused_at is None


def test_a_pause_handled_after_its_resume_changes_nothing(watched, supervision_store):
    watched.on_deadline_changed(RESUME)
    watched.on_deadline_changed(PAUSE)

    watch = supervision_store.watches[LEAD_REFERRAL]
    assert (watch.due_at, watch.paused_at, watch.clock_revision) == (MOVED_DUE, None, 2)


def test_a_deadline_change_that_overtook_its_watch_is_retried(supervision, uow):
    with pytest.raises(NotFound):
        supervision.on_deadline_changed(PAUSE)

    assert PAUSE.message_id not in uow.claimed


def test_a_deadline_change_not_from_the_coordinator_is_refused(watched, supervision_store):
    watched.sender = "wuyuan.police_link"

    with pytest.raises(Refused, match=r"must come from wuyuan\.coordinator"):
        watched.on_deadline_changed(RESUME)

    assert supervision_store.watches[LEAD_REFERRAL].due_at == DUE


def test_the_board_shows_a_paused_watch_where_it_stood_when_its_clock_stopped(watched, http):
    watched.on_deadline_changed(PAUSE)
    watched.platform = replace(watched.platform, now=lambda: DUE + timedelta(days=3))

    body = http.body(watched.board(http.get()))

    [row] = body["watches"]
    assert (row["state"], row["paused_at"]) == ("on_time", PAUSED.isoformat())
    assert body["units"] == [{"unit": POLICE_STATION, "open": 1, "near": 0, "overdue": 0}]
    [watch] = http.body(watched.case_watches(http.get(), CASE_ID))["watches"]
    assert watch["paused_at"] is not None


def test_a_watch_paused_after_its_deadline_stays_as_late_on_the_board_as_it_was_when_its_clock_stopped(watched, http):
    # Due Monday 30 November at 09:00 (Beijing); the clock stopped on Tuesday (one working day late) for 司法确认.
    paused_late = DUE + timedelta(days=1)
    watched.on_deadline_changed(PAUSE.model_copy(update={"paused_at": paused_late}))
    watched.platform = replace(watched.platform, now=lambda: DUE + timedelta(days=10))  # Thursday 10 December

    [row] = http.body(watched.board(http.get()))["watches"]

    assert (row["state"], row["paused_at"]) == ("overdue", paused_late.isoformat())
    # standing still: not the eight working days to 10 December, as neither its letters nor 逾期提级 count them
    assert (row["overdue_working_days"], row["overdue_working_days_provisional"]) == (1, False)
