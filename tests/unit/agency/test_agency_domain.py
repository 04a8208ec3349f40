"""A referral's life inside an agency: received → accepted → reported, or declined, and nothing out of turn."""

from datetime import UTC, datetime

import pytest

from shared.agency.domain import (
    AgencyReferral,
    ReferralActionRefused,
    ReferralStatus,
    accept,
    decline,
    record_progress,
    report_result,
)
from shared.contracts.vocabulary import Outcome

RECEIVED_AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
OFFICER_ACTS_AT = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)


def referral(status: ReferralStatus) -> AgencyReferral:
    return AgencyReferral(
        referral_id="referral-42", case_id="430426-20261122-00001", status=status, updated_at=RECEIVED_AT
    )


def resolve(r: AgencyReferral, at: datetime) -> AgencyReferral:
    return report_result(r, Outcome.RESOLVED, at)


def test_an_officer_accepts_a_received_referral():
    accepted = accept(referral(ReferralStatus.RECEIVED), OFFICER_ACTS_AT)

    assert accepted.status is ReferralStatus.ACCEPTED
    assert accepted.updated_at == OFFICER_ACTS_AT


@pytest.mark.parametrize("status", [ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.REPORTED])
def test_only_a_received_referral_can_be_accepted(status):
    with pytest.raises(ReferralActionRefused, match=f"referral-42 is {status}"):
        accept(referral(status), OFFICER_ACTS_AT)


@pytest.mark.parametrize("status", [ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED])
def test_a_referral_not_yet_reported_can_be_declined(status):
    declined = decline(referral(status), OFFICER_ACTS_AT)

    assert declined.status is ReferralStatus.DECLINED


@pytest.mark.parametrize("status", [ReferralStatus.DECLINED, ReferralStatus.REPORTED])
def test_a_finished_referral_can_no_longer_be_declined(status):
    with pytest.raises(ReferralActionRefused, match="can no longer be declined"):
        decline(referral(status), OFFICER_ACTS_AT)


def test_progress_on_an_accepted_referral_keeps_it_accepted():
    progressed = record_progress(referral(ReferralStatus.ACCEPTED), OFFICER_ACTS_AT)

    assert progressed.status is ReferralStatus.ACCEPTED
    assert progressed.updated_at == OFFICER_ACTS_AT


@pytest.mark.parametrize("status", [ReferralStatus.RECEIVED, ReferralStatus.DECLINED, ReferralStatus.REPORTED])
def test_progress_needs_an_accepted_referral(status):
    with pytest.raises(ReferralActionRefused, match="accept it before reporting progress"):
        record_progress(referral(status), OFFICER_ACTS_AT)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_an_accepted_referral_reports_its_outcome(outcome):
    reported = report_result(referral(ReferralStatus.ACCEPTED), outcome, OFFICER_ACTS_AT)

    assert (reported.status, reported.outcome) == (ReferralStatus.REPORTED, outcome)


@pytest.mark.parametrize("status", [ReferralStatus.RECEIVED, ReferralStatus.DECLINED, ReferralStatus.REPORTED])
def test_a_result_needs_an_accepted_referral(status):
    with pytest.raises(ReferralActionRefused, match="only an accepted referral can report a result"):
        resolve(referral(status), OFFICER_ACTS_AT)


def test_the_whole_path_from_receipt_to_result_leaves_the_original_untouched():
    received = referral(ReferralStatus.RECEIVED)

    done = resolve(record_progress(accept(received, OFFICER_ACTS_AT), OFFICER_ACTS_AT), OFFICER_ACTS_AT)

    assert done.status is ReferralStatus.REPORTED
    assert received.status is ReferralStatus.RECEIVED  # transitions return new values
    assert (done.referral_id, done.case_id) == (received.referral_id, received.case_id)
