"""Pure rules of a referral's life inside an agency: received → accepted → reported, or declined."""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from shared.contracts.disputes import Agreement, ResultReport
from shared.contracts.vocabulary import Outcome, ResultCode
from shared.refusal import Refused


class AgencyReferralStatus(StrEnum):
    """A referral as the receiving unit handles it; the centre follows its own view (`ReferralStatus`)."""

    RECEIVED = "received"  # 已签收前: waiting for an officer
    ACCEPTED = "accepted"  # 已受理
    DECLINED = "declined"  # 退回: not this unit's responsibility
    REPORTED = "reported"  # 已办结: result sent back


class ActionRefusal(StrEnum):
    NOT_RECEIVED = "not_received"  # only a referral waiting for an officer can be accepted
    NOT_ACCEPTED = "not_accepted"  # progress and results come after acceptance
    ALREADY_FINISHED = "already_finished"  # declined or reported: nothing more can be done


@dataclass(frozen=True)
class AgencyReferral:
    referral_id: UUID
    case_id: str
    unit: str  # the agency's unit it was issued to, which answers for it
    status: AgencyReferralStatus
    outcome: Outcome | None = None  # the coarse reading of `result`, kept for readers from before result codes
    result: ResultCode | None = None
    agreement: Agreement | None = None  # what the parties signed, for a mediated or confirmed result
    updated_at: datetime | None = None


def accept(referral: AgencyReferral, now: datetime) -> AgencyReferral:
    if referral.status is not AgencyReferralStatus.RECEIVED:
        raise Refused(
            ActionRefusal.NOT_RECEIVED,
            f"referral {referral.referral_id} is {referral.status}, only a received one can be accepted",
        )
    return replace(referral, status=AgencyReferralStatus.ACCEPTED, updated_at=now)


def decline(referral: AgencyReferral, now: datetime) -> AgencyReferral:
    if referral.status not in (AgencyReferralStatus.RECEIVED, AgencyReferralStatus.ACCEPTED):
        raise Refused(
            ActionRefusal.ALREADY_FINISHED,
            f"referral {referral.referral_id} is {referral.status} and can no longer be declined",
        )
    return replace(referral, status=AgencyReferralStatus.DECLINED, updated_at=now)


def record_progress(referral: AgencyReferral, now: datetime) -> AgencyReferral:
    if referral.status is not AgencyReferralStatus.ACCEPTED:
        raise Refused(
            ActionRefusal.NOT_ACCEPTED,
            f"referral {referral.referral_id} is {referral.status}; accept it before reporting progress",
        )
    return replace(referral, updated_at=now)


def report_result(referral: AgencyReferral, report: ResultReport, now: datetime) -> AgencyReferral:
    """The referral's part done, as `report` says; the report was checked as it was read (an agreement
    exactly when the result is one, an outcome that matches the result), so it is kept as it is."""
    if referral.status is not AgencyReferralStatus.ACCEPTED:
        raise Refused(
            ActionRefusal.NOT_ACCEPTED,
            f"referral {referral.referral_id} is {referral.status}; only an accepted referral can report a result",
        )
    return replace(
        referral,
        status=AgencyReferralStatus.REPORTED,
        outcome=report.outcome,
        result=report.result,
        agreement=report.agreement,
        updated_at=now,
    )
