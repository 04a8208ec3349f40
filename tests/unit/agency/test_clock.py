"""A referral's clock inside an agency: paused and resumed only while accepted, once at a time, ended by a result."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from shared.agency.domain import (
    ActionRefusal,
    AgencyReferral,
    AgencyReferralStatus,
    decline,
    pause,
    report_result,
    resume,
)
from shared.contracts.disputes import ResultReport
from shared.contracts.messages import PauseReason
from shared.contracts.vocabulary import ResultCode
from shared.refusal import Refused

ACCEPTED = AgencyReferral(
    referral_id=UUID("42424242-4242-4242-8242-424242424242"),
    case_id="430426-20261122-00001",
    unit="justice:430426101",
    status=AgencyReferralStatus.ACCEPTED,
)
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
WAITING = "申请人住院，出院后再组织调解"


def test_a_pause_counts_itself_and_a_resume_clears_it_but_keeps_the_count() -> None:
    first = pause(ACCEPTED, PauseReason.AWAITING_PARTY, WAITING, MONDAY)
    running = resume(first, MONDAY + timedelta(days=2))
    second = pause(running, PauseReason.JUDICIAL_CONFIRMATION, None, MONDAY + timedelta(days=3))

    assert (first.paused_at, first.pause_reason, first.pause_note, first.pauses) == (
        MONDAY,
        PauseReason.AWAITING_PARTY,
        WAITING,
        1,
    )
    assert (running.paused, running.pause_reason, running.pauses) == (False, None, 1)
    assert (second.pauses, second.pause_reason) == (2, PauseReason.JUDICIAL_CONFIRMATION)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (AgencyReferralStatus.RECEIVED, ActionRefusal.NOT_ACCEPTED),
        (AgencyReferralStatus.REPORTED, ActionRefusal.ALREADY_FINISHED),
    ],
)
def test_only_an_accepted_referrals_clock_can_be_paused(status: AgencyReferralStatus, code: ActionRefusal) -> None:
    with pytest.raises(Refused) as refused:
        pause(
            AgencyReferral(ACCEPTED.referral_id, ACCEPTED.case_id, ACCEPTED.unit, status),
            PauseReason.OTHER,
            "x",
            MONDAY,
        )

    assert refused.value.code == code


def test_a_paused_clock_cannot_be_paused_again_nor_a_running_one_resumed() -> None:
    paused = pause(ACCEPTED, PauseReason.APPRAISAL, None, MONDAY)

    with pytest.raises(Refused) as twice:
        pause(paused, PauseReason.APPRAISAL, None, MONDAY)
    with pytest.raises(Refused) as running:
        resume(ACCEPTED, MONDAY)

    assert (twice.value.code, running.value.code) == (ActionRefusal.ALREADY_PAUSED, ActionRefusal.NOT_PAUSED)


def test_a_result_or_a_decline_ends_a_pause() -> None:
    paused = pause(ACCEPTED, PauseReason.JUDICIAL_CONFIRMATION, None, MONDAY)

    reported = report_result(paused, ResultReport(result=ResultCode.HANDLED), MONDAY + timedelta(days=5))
    declined = decline(paused, MONDAY + timedelta(days=1))

    assert (reported.paused_at, reported.pause_reason, reported.pauses) == (None, None, 1)
    assert (declined.paused_at, declined.pause_reason) == (None, None)
