"""A referral's life inside an agency: received → accepted → reported, or declined, and nothing out of turn."""

from datetime import UTC, date, datetime
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
from shared.contracts.disputes import Agreement, ResultReport
from shared.contracts.vocabulary import AGREEMENT_RESULTS, Outcome, ResultCode
from shared.refusal import Refused

REFERRAL_ID = UUID("42424242-4242-4242-8242-424242424242")
RECEIVED_AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
OFFICER_ACTS_AT = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
AGREEMENT = Agreement(
    number="祁司调字〔2026〕第118号", signed_on=date(2026, 11, 23), terms="李四赔偿张三医药费三千元，当场付清。"
)


def referral(status: AgencyReferralStatus) -> AgencyReferral:
    return AgencyReferral(
        referral_id=REFERRAL_ID,
        case_id="430426-20261122-00001",
        unit="police:430426101",
        status=status,
        updated_at=RECEIVED_AT,
    )


def resolve(r: AgencyReferral, at: datetime) -> AgencyReferral:
    return report_result(r, ResultReport(result=ResultCode.HANDLED), at)


def report_of(result: ResultCode) -> ResultReport:
    """A valid report of `result`: with the signed agreement exactly when the result is one."""
    return ResultReport(result=result, agreement=AGREEMENT if result in AGREEMENT_RESULTS else None)


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


def test_progress_needs_an_accepted_referral():
    with pytest.raises(Refused, match="accept it before reporting progress"):
        record_progress(referral(AgencyReferralStatus.RECEIVED), OFFICER_ACTS_AT)


FINISHED = [AgencyReferralStatus.DECLINED, AgencyReferralStatus.REPORTED, AgencyReferralStatus.WITHDRAWN]


@pytest.mark.parametrize("status", FINISHED)
def test_every_action_on_a_finished_referral_is_refused_as_already_finished(status):
    """One code whatever the officer repeats: the Node.js example answers the same (examples/womens_federation)."""
    finished = referral(status)
    actions = [
        lambda: accept(finished, OFFICER_ACTS_AT),
        lambda: decline(finished, OFFICER_ACTS_AT),
        lambda: record_progress(finished, OFFICER_ACTS_AT),
        lambda: resolve(finished, OFFICER_ACTS_AT),
    ]
    for action in actions:
        with pytest.raises(Refused) as refused:
            action()
        assert refused.value.code == "already_finished"


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (ResultCode.MEDIATED, Outcome.RESOLVED),
        (ResultCode.JUDICIALLY_CONFIRMED, Outcome.RESOLVED),
        (ResultCode.WITHDRAWN, Outcome.RESOLVED),
        (ResultCode.HANDLED, Outcome.RESOLVED),
        (ResultCode.REFERRED_TO_LITIGATION, Outcome.UNRESOLVED),
        (ResultCode.REFERRED_TO_ARBITRATION, Outcome.UNRESOLVED),
        (ResultCode.NOT_SUITABLE_FOR_MEDIATION, Outcome.UNRESOLVED),
        (ResultCode.MEDIATION_FAILED, Outcome.UNRESOLVED),
    ],
)
def test_an_accepted_referral_reports_its_result_and_the_outcome_it_implies(result, outcome):
    reported = report_result(referral(AgencyReferralStatus.ACCEPTED), report_of(result), OFFICER_ACTS_AT)

    assert (reported.status, reported.result, reported.outcome) == (AgencyReferralStatus.REPORTED, result, outcome)
    assert reported.updated_at == OFFICER_ACTS_AT


def test_a_mediated_result_keeps_the_agreement_the_parties_signed():
    reported = report_result(referral(AgencyReferralStatus.ACCEPTED), report_of(ResultCode.MEDIATED), OFFICER_ACTS_AT)

    assert reported.agreement == AGREEMENT
    assert reported.agreement.signed_on == date(2026, 11, 23)


def test_a_result_without_an_agreement_keeps_none():
    reported = report_result(referral(AgencyReferralStatus.ACCEPTED), report_of(ResultCode.HANDLED), OFFICER_ACTS_AT)

    assert reported.agreement is None


@pytest.mark.parametrize(
    ("outcome", "read_as"),
    [(Outcome.RESOLVED, ResultCode.HANDLED), (Outcome.UNRESOLVED, ResultCode.MEDIATION_FAILED)],
)
def test_a_report_from_before_result_codes_is_kept_as_the_result_its_outcome_stood_for(outcome, read_as):
    legacy = ResultReport(outcome=outcome)

    reported = report_result(referral(AgencyReferralStatus.ACCEPTED), legacy, OFFICER_ACTS_AT)

    assert (reported.result, reported.outcome, reported.agreement) == (read_as, outcome, None)


def test_a_result_needs_an_accepted_referral():
    with pytest.raises(Refused, match="only an accepted referral can report a result"):
        resolve(referral(AgencyReferralStatus.RECEIVED), OFFICER_ACTS_AT)


def test_the_whole_path_from_receipt_to_result_leaves_the_original_untouched():
    received = referral(AgencyReferralStatus.RECEIVED)

    done = resolve(record_progress(accept(received, OFFICER_ACTS_AT), OFFICER_ACTS_AT), OFFICER_ACTS_AT)

    assert done.status is AgencyReferralStatus.REPORTED
    assert received.status is AgencyReferralStatus.RECEIVED  # transitions return new values
    assert (done.referral_id, done.case_id) == (received.referral_id, received.case_id)
