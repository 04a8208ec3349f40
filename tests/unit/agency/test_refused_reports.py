"""A result or decline the centre refused for good: the referral goes back to where it was, its clock paused as it
was, once, and no other."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from shared.agency.domain import (
    AgencyReferral,
    AgencyReferralStatus,
    accept,
    decline,
    finished_by,
    pause,
    record_progress,
    refused,
    report_result,
    resume,
    withdraw,
)
from shared.contracts.disputes import ResultReport
from shared.contracts.messages import PauseReason
from shared.contracts.vocabulary import ResultCode

RECEIVED_AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
AT = RECEIVED_AT + timedelta(days=2)
LATER = AT + timedelta(hours=1)
RESULT_MESSAGE = UUID("44444444-4444-4444-8444-444444444444")
DECLINE_MESSAGE = UUID("55555555-5555-4555-8555-555555555555")
OLDER_MESSAGE = UUID("66666666-6666-4666-8666-666666666666")
REFUSAL = {"reason": "failed", "detail": "rejected: failed after 5 attempts", "rejected_type": "ResultReported"}
PAUSED_AT = AT + timedelta(minutes=30)
WAITING = "等待司法鉴定所出具伤情鉴定意见"


def received() -> AgencyReferral:
    return AgencyReferral(
        referral_id=UUID("42424242-4242-4242-8242-424242424242"),
        case_id="430426-20261122-00001",
        unit="police:430426101",
        status=AgencyReferralStatus.RECEIVED,
        updated_at=RECEIVED_AT,
    )


def reported(before: AgencyReferral | None = None) -> AgencyReferral:
    before = before or accept(received(), AT)
    return finished_by(before, report_result(before, ResultReport(result=ResultCode.HANDLED), AT), RESULT_MESSAGE)


def test_a_result_remembers_the_report_that_finished_it_and_the_status_before():
    done = reported()
    assert (done.status, done.finished_by, done.finished_from) == (
        AgencyReferralStatus.REPORTED,
        RESULT_MESSAGE,
        AgencyReferralStatus.ACCEPTED,
    )


def test_an_action_that_finishes_nothing_remembers_no_report():
    accepted = accept(received(), AT)
    assert finished_by(accepted, record_progress(accepted, AT), OLDER_MESSAGE).finished_by is None
    assert finished_by(received(), accepted, OLDER_MESSAGE).finished_by is None


def test_a_refused_result_goes_back_to_accepted_without_the_result_and_with_the_refusal():
    reopened = refused(reported(), RESULT_MESSAGE, "ResultReported", REFUSAL, LATER)

    assert reopened is not None
    assert (reopened.status, reopened.result, reopened.outcome, reopened.agreement) == (
        AgencyReferralStatus.ACCEPTED,
        None,
        None,
        None,
    )
    assert (reopened.refusal, reopened.updated_at, reopened.finished_by) == (REFUSAL, LATER, None)
    # The officer can report again, and the new result no longer shows the old refusal.
    result = report_result(reopened, ResultReport(result=ResultCode.HANDLED), LATER)
    again = finished_by(reopened, result, OLDER_MESSAGE)
    assert (again.status, again.refusal) == (AgencyReferralStatus.REPORTED, None)


@pytest.mark.parametrize("was", [AgencyReferralStatus.RECEIVED, AgencyReferralStatus.ACCEPTED])
def test_a_refused_decline_goes_back_to_the_status_it_was_declined_from(was):
    before = received() if was is AgencyReferralStatus.RECEIVED else accept(received(), AT)
    declined = finished_by(before, decline(before, AT), DECLINE_MESSAGE)

    reopened = refused(declined, DECLINE_MESSAGE, "ReferralDeclined", REFUSAL, LATER)

    assert reopened is not None and reopened.status is was


def test_a_refused_result_is_undone_once_a_second_notice_changes_nothing():
    reopened = refused(reported(), RESULT_MESSAGE, "ResultReported", REFUSAL, LATER)
    assert reopened is not None
    assert refused(reopened, RESULT_MESSAGE, "ResultReported", REFUSAL, LATER) is None


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (OLDER_MESSAGE, "ProgressReported"),  # an older message, which finished nothing
        (OLDER_MESSAGE, "ResultReported"),  # not the result that finished it
        (RESULT_MESSAGE, "ReferralDeclined"),  # the id, but not a report of the kind that finished it
        (None, "ResultReported"),  # a notice that could not read the refused message's id
    ],
)
def test_the_refusal_of_any_other_message_changes_no_status(message, kind):
    assert refused(reported(), message, kind, REFUSAL, LATER) is None
    assert refused(accept(received(), AT), message, kind, REFUSAL, LATER) is None


def test_a_withdrawal_then_the_refusal_of_the_report_it_crossed_leaves_the_referral_withdrawn():
    done = reported()
    kept = withdraw(done, LATER)
    assert kept is not None and kept.status is AgencyReferralStatus.REPORTED  # the centre may yet take the result
    assert withdraw(kept, LATER) is None  # a redelivered withdrawal changes nothing more

    reopened = refused(kept, RESULT_MESSAGE, "ResultReported", REFUSAL, LATER)

    assert reopened is not None and reopened.status is AgencyReferralStatus.WITHDRAWN


def test_the_refusal_then_the_withdrawal_withdraws_the_referral_as_usual():
    reopened = refused(reported(), RESULT_MESSAGE, "ResultReported", REFUSAL, LATER)
    assert reopened is not None

    withdrawn = withdraw(reopened, LATER)

    assert withdrawn is not None and withdrawn.status is AgencyReferralStatus.WITHDRAWN


def test_a_finished_referral_whose_report_is_not_known_stays_as_it_is_when_withdrawn():
    legacy = report_result(accept(received(), AT), ResultReport(result=ResultCode.HANDLED), AT)
    assert withdraw(legacy, LATER) is None


# --- finished while the clock stood still ---------------------------------------------------------


def paused() -> AgencyReferral:
    return pause(accept(received(), AT), PauseReason.APPRAISAL, WAITING, PAUSED_AT)


def pause_of(referral: AgencyReferral) -> tuple[object, ...]:
    return (referral.paused_at, referral.pause_reason, referral.pause_note, referral.pauses)


def test_a_result_reported_while_paused_keeps_the_pause_it_ended_beside_the_status_before():
    done = reported(paused())

    assert (done.status, done.paused) == (AgencyReferralStatus.REPORTED, False)
    assert (done.finished_paused_at, done.finished_pause_reason, done.finished_pause_note) == (
        PAUSED_AT,
        PauseReason.APPRAISAL,
        WAITING,
    )


def test_a_refused_result_reported_while_paused_goes_back_paused_as_it_was_and_can_be_resumed():
    reopened = refused(reported(paused()), RESULT_MESSAGE, "ResultReported", REFUSAL, LATER)

    assert reopened is not None
    assert (reopened.status, reopened.result) == (AgencyReferralStatus.ACCEPTED, None)
    # The same pause the centre still holds: its time, reason and note, and no second pause counted.
    assert pause_of(reopened) == (PAUSED_AT, PauseReason.APPRAISAL, WAITING, 1)
    assert (reopened.finished_paused_at, reopened.finished_pause_reason, reopened.finished_pause_note) == (
        None,
        None,
        None,
    )
    running = resume(reopened, LATER)
    assert (running.paused, running.pauses) == (False, 1)


def test_a_refused_decline_made_while_paused_goes_back_paused_as_it_was():
    before = paused()
    declined = finished_by(before, decline(before, AT + timedelta(hours=1)), DECLINE_MESSAGE)
    assert declined.paused is False

    reopened = refused(declined, DECLINE_MESSAGE, "ReferralDeclined", REFUSAL, LATER)

    assert reopened is not None and reopened.status is AgencyReferralStatus.ACCEPTED
    assert pause_of(reopened) == (PAUSED_AT, PauseReason.APPRAISAL, WAITING, 1)
    assert resume(reopened, LATER).paused is False


def test_a_refused_result_reported_with_the_clock_running_goes_back_running():
    running = resume(paused(), AT + timedelta(hours=1))

    reopened = refused(reported(running), RESULT_MESSAGE, "ResultReported", REFUSAL, LATER)

    assert reopened is not None
    assert pause_of(reopened) == (None, None, None, 1)


def test_a_withdrawal_crossing_a_result_reported_while_paused_leaves_the_referral_withdrawn_without_a_pause():
    kept = withdraw(reported(paused()), LATER)
    assert kept is not None

    reopened = refused(kept, RESULT_MESSAGE, "ResultReported", REFUSAL, LATER)

    assert reopened is not None
    assert (reopened.status, reopened.paused) == (AgencyReferralStatus.WITHDRAWN, False)
