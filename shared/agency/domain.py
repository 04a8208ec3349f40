"""Pure rules of a referral's life inside an agency: received → accepted → reported, or declined."""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from shared.contracts.vocabulary import Outcome


class ReferralStatus(StrEnum):
    RECEIVED = "received"  # 已签收前: waiting for an officer
    ACCEPTED = "accepted"  # 已受理
    DECLINED = "declined"  # 退回: not this unit's responsibility
    REPORTED = "reported"  # 已办结: result sent back


class ReferralActionRefused(Exception):
    """The officer's action does not fit the referral's state; the message says why."""


@dataclass(frozen=True)
class AgencyReferral:
    referral_id: str
    case_id: str
    status: ReferralStatus
    outcome: Outcome | None = None
    updated_at: datetime | None = None


def accept(referral: AgencyReferral, now: datetime) -> AgencyReferral:
    if referral.status is not ReferralStatus.RECEIVED:
        raise ReferralActionRefused(
            f"referral {referral.referral_id} is {referral.status}, only a received one can be accepted"
        )
    return replace(referral, status=ReferralStatus.ACCEPTED, updated_at=now)


def decline(referral: AgencyReferral, now: datetime) -> AgencyReferral:
    if referral.status not in (ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED):
        raise ReferralActionRefused(
            f"referral {referral.referral_id} is {referral.status} and can no longer be declined"
        )
    return replace(referral, status=ReferralStatus.DECLINED, updated_at=now)


def record_progress(referral: AgencyReferral, now: datetime) -> AgencyReferral:
    if referral.status is not ReferralStatus.ACCEPTED:
        raise ReferralActionRefused(
            f"referral {referral.referral_id} is {referral.status}; accept it before reporting progress"
        )
    return replace(referral, updated_at=now)


def report_result(referral: AgencyReferral, outcome: Outcome, now: datetime) -> AgencyReferral:
    if referral.status is not ReferralStatus.ACCEPTED:
        raise ReferralActionRefused(
            f"referral {referral.referral_id} is {referral.status}; only an accepted referral can report a result"
        )
    return replace(referral, status=ReferralStatus.REPORTED, outcome=outcome, updated_at=now)
