"""An agency's store keeps a referral's paused clock, the pause a finishing report ended, and the deadline the centre
moved, whether fake or PostgreSQL."""

from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.agency.domain import accept, finished_by, pause, refused, report_result, resume
from shared.agency.store import PostgresAgencyStore
from shared.contracts.disputes import ResultReport
from shared.contracts.messages import PauseReason
from shared.contracts.vocabulary import ResultCode
from tests.fakes.agency import FakeAgencyStore
from tests.messages import referral_issued

SERVICE = "justice_link"  # an agency with the base's tables alone
FAKE = FakeAgencyStore
POSTGRES_STORE = PostgresAgencyStore

BEIJING = ZoneInfo("Asia/Shanghai")
CASE_ID = "430426-20261122-00001"
JUSTICE_OFFICE = "justice:430426101"
REFERRAL = UUID("55555555-5555-4555-8555-555555555555")
RECEIVED_AT = datetime(2026, 11, 23, 9, 30, tzinfo=BEIJING)
DUE_AT = datetime(2026, 12, 7, 17, 30, tzinfo=BEIJING)
PAUSED_AT = datetime(2026, 11, 25, 15, 0, tzinfo=BEIJING)
TRACE = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
WAITING = "申请人外出务工，约定12月1日返乡后再调解"
RESULT_MESSAGE = UUID("44444444-4444-4444-8444-444444444444")
REFUSAL = {"reason": "failed", "detail": "rejected: failed after 5 attempts", "rejected_type": "ResultReported"}


def accepted(stores) -> None:
    with stores.transaction() as store:
        store.add_referral(
            referral_issued(REFERRAL, JUSTICE_OFFICE, occurred_at=RECEIVED_AT, case_id=CASE_ID, due_at=DUE_AT),
            TRACE,
            RECEIVED_AT,
        )
    with stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        store.save_referral(accept(referral, RECEIVED_AT + timedelta(hours=1)))


def test_a_paused_clock_is_kept_with_its_reason_and_read_back_when_locked(stores) -> None:
    accepted(stores)

    with stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        store.save_referral(pause(referral, PauseReason.AWAITING_PARTY, WAITING, PAUSED_AT))

    with stores.transaction() as store:
        locked, _ = store.lock_referral(REFERRAL)
        shown = store.get_referral(REFERRAL)
    assert (locked.paused_at, locked.pause_reason, locked.pause_note, locked.pauses) == (
        PAUSED_AT,
        PauseReason.AWAITING_PARTY,
        WAITING,
        1,
    )
    assert (shown["paused_at"], shown["pause_reason"], shown["pause_note"], shown["pauses"]) == (
        PAUSED_AT,
        "awaiting_party",
        WAITING,
        1,
    )


def test_a_resumed_clock_keeps_the_count_of_its_pauses_and_a_result_clears_a_pause(stores) -> None:
    accepted(stores)
    with stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        store.save_referral(pause(referral, PauseReason.APPRAISAL, None, PAUSED_AT))
    with stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        store.save_referral(resume(referral, PAUSED_AT + timedelta(days=2)))
    with stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        store.save_referral(pause(referral, PauseReason.JUDICIAL_CONFIRMATION, None, PAUSED_AT + timedelta(days=3)))
    with stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        assert (referral.pauses, referral.pause_reason) == (2, PauseReason.JUDICIAL_CONFIRMATION)
        store.save_referral(
            report_result(referral, ResultReport(result=ResultCode.HANDLED), PAUSED_AT + timedelta(days=5))
        )

    with stores.transaction() as store:
        done, _ = store.lock_referral(REFERRAL)
    assert (done.status.value, done.paused_at, done.pause_reason, done.pauses) == ("reported", None, None, 2)


def test_the_centres_latest_revision_of_the_deadline_wins_later_or_earlier_whatever_the_order(stores) -> None:
    accepted(stores)
    two_days_later, one_day_later = DUE_AT + timedelta(days=2), DUE_AT + timedelta(days=1)

    with stores.transaction() as store:
        moved = store.move_deadline(REFERRAL, two_days_later, 2, True)
        stale = store.move_deadline(REFERRAL, DUE_AT + timedelta(days=5), 1, True)
        again = store.move_deadline(REFERRAL, two_days_later, 2, True)
        unknown = store.move_deadline(UUID(int=404), two_days_later, 1, False)

    assert (moved, stale, again, unknown) == (True, False, False, False)
    with stores.transaction() as store:
        kept = store.get_referral(REFERRAL)
    assert (kept["due_at"], kept["due_provisional"]) == (two_days_later, True)

    # a year's calendar loaded: the recomputed deadline may come earlier (a 调休 working weekend), and is exact
    with stores.transaction() as store:
        assert store.move_deadline(REFERRAL, one_day_later, 3, False) is True
    with stores.transaction() as store:
        kept = store.get_referral(REFERRAL)
    assert (kept["due_at"], kept["due_provisional"]) == (one_day_later, False)

    # a resume that leaves the deadline where it was (a pause over a weekend) moves nothing, yet its revision stands
    with stores.transaction() as store:
        same = store.move_deadline(REFERRAL, one_day_later, 4, False)
        older = store.move_deadline(REFERRAL, two_days_later, 3, True)
    assert (same, older) == (False, False)
    with stores.transaction() as store:
        kept = store.get_referral(REFERRAL)
    assert (kept["due_at"], kept["due_provisional"]) == (one_day_later, False)


def test_a_result_reported_while_paused_keeps_the_pause_and_a_refusal_of_it_brings_the_pause_back(stores) -> None:
    accepted(stores)
    with stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        store.save_referral(pause(referral, PauseReason.AWAITING_PARTY, WAITING, PAUSED_AT))
    with stores.transaction() as store:
        before, _ = store.lock_referral(REFERRAL)
        done = report_result(before, ResultReport(result=ResultCode.HANDLED), PAUSED_AT + timedelta(days=1))
        store.save_referral(finished_by(before, done, RESULT_MESSAGE))

    with stores.transaction() as store:
        reported, _ = store.lock_referral(REFERRAL)
        shown_reported = store.get_referral(REFERRAL)
    assert (reported.finished_paused_at, reported.finished_pause_reason, reported.finished_pause_note) == (
        PAUSED_AT,
        PauseReason.AWAITING_PARTY,
        WAITING,
    )
    assert (shown_reported["status"], shown_reported["paused_at"], shown_reported["pause_reason"]) == (
        "reported",
        None,
        None,
    )

    with stores.transaction() as store:
        reopened = refused(reported, RESULT_MESSAGE, "ResultReported", REFUSAL, PAUSED_AT + timedelta(days=2))
        assert reopened is not None
        store.save_referral(reopened)
    with stores.transaction() as store:
        locked, _ = store.lock_referral(REFERRAL)
        shown = store.get_referral(REFERRAL)

    assert (locked.status.value, locked.paused_at, locked.pause_reason, locked.pause_note, locked.pauses) == (
        "accepted",
        PAUSED_AT,
        PauseReason.AWAITING_PARTY,
        WAITING,
        1,
    )
    assert (locked.finished_paused_at, locked.finished_pause_reason, locked.finished_pause_note) == (None, None, None)
    assert (shown["paused_at"], shown["pause_reason"], shown["pause_note"], shown["pauses"]) == (
        PAUSED_AT,
        "awaiting_party",
        WAITING,
        1,
    )
    assert shown["refusal"] == REFUSAL
