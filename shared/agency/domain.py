"""Pure rules of a referral's life inside an agency: received → accepted → reported, or declined;
and, while accepted, its clock paused and resumed."""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from shared.contracts.disputes import Agreement, ResultReport
from shared.contracts.messages import PauseReason
from shared.contracts.vocabulary import Outcome, ResultCode
from shared.refusal import Refused


class AgencyReferralStatus(StrEnum):
    """A referral as the receiving unit handles it; the centre follows its own view (`ReferralStatus`)."""

    RECEIVED = "received"  # 已签收前: waiting for an officer
    ACCEPTED = "accepted"  # 已受理
    DECLINED = "declined"  # 退回: not this unit's responsibility
    REPORTED = "reported"  # 已办结: result sent back
    WITHDRAWN = "withdrawn"  # 已提级: the centre took it back (the case went up a level while it was overdue)


class ActionRefusal(StrEnum):
    NOT_RECEIVED = "not_received"  # only a referral waiting for an officer can be accepted
    NOT_ACCEPTED = "not_accepted"  # progress and results come after acceptance
    ALREADY_FINISHED = "already_finished"  # declined or reported: nothing more can be done
    ALREADY_PAUSED = "already_paused"  # the clock stands still already: resume it first
    NOT_PAUSED = "not_paused"  # only a paused clock can be resumed


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
    paused_at: datetime | None = None  # the unit's clock stands still since then (暂停计时)
    pause_reason: PauseReason | None = None
    pause_note: str | None = None
    pauses: int = 0  # pauses so far; each pause and its resume carry the number, so the centre keeps them in order

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


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
    return replace(
        referral,
        status=AgencyReferralStatus.DECLINED,
        updated_at=now,
        paused_at=None,
        pause_reason=None,
        pause_note=None,
    )


def withdraw(referral: AgencyReferral, now: datetime) -> AgencyReferral | None:
    """The centre took the referral back: an open one ends here, its clock with it; one the unit already
    finished stays as it is (None: nothing to change)."""
    if referral.status not in (AgencyReferralStatus.RECEIVED, AgencyReferralStatus.ACCEPTED):
        return None
    return replace(
        referral,
        status=AgencyReferralStatus.WITHDRAWN,
        updated_at=now,
        paused_at=None,
        pause_reason=None,
        pause_note=None,
    )


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
        # A result ends the pause with the referral: the centre judges it as of the pause.
        paused_at=None,
        pause_reason=None,
        pause_note=None,
    )


def pause(referral: AgencyReferral, reason: PauseReason, note: str | None, now: datetime) -> AgencyReferral:
    """期限中止: the unit's clock stops while it waits for a party, a court's confirmation, an appraisal …"""
    if referral.status is not AgencyReferralStatus.ACCEPTED:
        raise Refused(
            ActionRefusal.NOT_ACCEPTED,
            f"referral {referral.referral_id} is {referral.status}; only an accepted referral's clock can be paused",
        )
    if referral.paused_at is not None:
        raise Refused(
            ActionRefusal.ALREADY_PAUSED,
            f"the clock of referral {referral.referral_id} is paused since {referral.paused_at.isoformat()}",
        )
    return replace(
        referral, paused_at=now, pause_reason=reason, pause_note=note, pauses=referral.pauses + 1, updated_at=now
    )


def resume(referral: AgencyReferral, now: datetime) -> AgencyReferral:
    """The clock runs again; the centre moves the deadline by the pause."""
    if referral.status is not AgencyReferralStatus.ACCEPTED or referral.paused_at is None:
        raise Refused(ActionRefusal.NOT_PAUSED, f"the clock of referral {referral.referral_id} is not paused")
    return replace(referral, updated_at=now, paused_at=None, pause_reason=None, pause_note=None)
