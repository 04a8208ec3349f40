"""A referral's life inside an agency: received → accepted → reported, or declined, and nothing out of turn."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from shared.agency.domain import (
    AgencyReferral,
    AgencyReferralStatus,
    accept,
    decline,
    record_progress,
    report_result,
)
from shared.contracts.vocabulary import Outcome
from shared.refusal import Refused

REFERRAL_ID = UUID("42424242-4242-4242-8242-424242424242")
RECEIVED_AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
OFFICER_ACTS_AT = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)


def referral(status: AgencyReferralStatus) -> AgencyReferral:
    return AgencyReferral(
        referral_id=REFERRAL_ID,
        case_id="430426-20261122-00001",
        unit="police:430426101",
        status=status,
        updated_at=RECEIVED_AT,
    )


def resolve(r: AgencyReferral, at: datetime) -> AgencyReferral:
    return report_result(r, Outcome.RESOLVED, at)


def test_an_officer_accepts_a_received_referral():
    accepted = accept(referral(AgencyReferralStatus.RECEIVED), OFFICER_ACTS_AT)

    assert accepted.status is AgencyReferralStatus.ACCEPTED
    assert accepted.updated_at == OFFICER_ACTS_AT


@pytest.mark.parametrize(
    "status", [AgencyReferralStatus.ACCEPTED, AgencyReferralStatus.DECLINED, AgencyReferralStatus.REPORTED]
)
def test_only_a_received_referral_can_be_accepted(status):
    with pytest.raises(Refused, match=f"referral {REFERRAL_ID} is {status}"):
        accept(referral(status), OFFICER_ACTS_AT)


@pytest.mark.parametrize("status", [AgencyReferralStatus.RECEIVED, AgencyReferralStatus.ACCEPTED])
def test_a_referral_not_yet_reported_can_be_declined(status):
    declined = decline(referral(status), OFFICER_ACTS_AT)

    assert declined.status is AgencyReferralStatus.DECLINED


@pytest.mark.parametrize("status", [AgencyReferralStatus.DECLINED, AgencyReferralStatus.REPORTED])
def test_a_finished_referral_can_no_longer_be_declined(status):
    with pytest.raises(Refused, match="can no longer be declined"):
        decline(referral(status), OFFICER_ACTS_AT)


def test_progress_on_an_accepted_referral_keeps_it_accepted():
    progressed = record_progress(referral(AgencyReferralStatus.ACCEPTED), OFFICER_ACTS_AT)

    assert progressed.status is AgencyReferralStatus.ACCEPTED
    assert progressed.updated_at == OFFICER_ACTS_AT


@pytest.mark.parametrize(
    "status", [AgencyReferralStatus.RECEIVED, AgencyReferralStatus.DECLINED, AgencyReferralStatus.REPORTED]
)
def test_progress_needs_an_accepted_referral(status):
    with pytest.raises(Refused, match="accept it before reporting progress"):
        record_progress(referral(status), OFFICER_ACTS_AT)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_an_accepted_referral_reports_its_outcome(outcome):
    reported = report_result(referral(AgencyReferralStatus.ACCEPTED), outcome, OFFICER_ACTS_AT)

    assert (reported.status, reported.outcome) == (AgencyReferralStatus.REPORTED, outcome)


@pytest.mark.parametrize(
    "status", [AgencyReferralStatus.RECEIVED, AgencyReferralStatus.DECLINED, AgencyReferralStatus.REPORTED]
)
def test_a_result_needs_an_accepted_referral(status):
    with pytest.raises(Refused, match="only an accepted referral can report a result"):
        resolve(referral(status), OFFICER_ACTS_AT)


def test_the_whole_path_from_receipt_to_result_leaves_the_original_untouched():
    received = referral(AgencyReferralStatus.RECEIVED)

    done = resolve(record_progress(accept(received, OFFICER_ACTS_AT), OFFICER_ACTS_AT), OFFICER_ACTS_AT)

    assert done.status is AgencyReferralStatus.REPORTED
    assert received.status is AgencyReferralStatus.RECEIVED  # transitions return new values
    assert (done.referral_id, done.case_id) == (received.referral_id, received.case_id)
