"""Pure rules of a referral's life inside an agency: received → accepted → reported, or declined, or withdrawn;
while accepted, its clock paused and resumed; and a finishing report the centre refused, undone."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
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
    NOT_RECEIVED = "not_received"  # only a referral waiting for an officer can be accepted (it was, already)
    NOT_ACCEPTED = "not_accepted"  # progress, pauses and results come after acceptance
    ALREADY_FINISHED = "already_finished"  # declined, reported or taken back: nothing more can be done
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
    # The result or decline that finished the referral, as sent to the centre, and the status and paused clock to
    # return to should the centre refuse it: until the centre took it, the unit's part is not done, and the
    # centre still holds the clock paused as the unit had it.
    finished_by: UUID | None = None
    finished_from: AgencyReferralStatus | None = None
    finished_paused_at: datetime | None = None
    finished_pause_reason: PauseReason | None = None
    finished_pause_note: str | None = None
    refusal: Mapping[str, Any] | None = None  # the centre's refusal of that report, shown until the unit acts again

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


def _require_open(referral: AgencyReferral, action: str) -> None:
    """Whatever the action, a referral the unit declined or reported, or the centre took back, is done with: one
    code for it (`already_finished`), so that an officer repeating an action is told so the same way each time."""
    if referral.status not in (AgencyReferralStatus.RECEIVED, AgencyReferralStatus.ACCEPTED):
        raise Refused(
            ActionRefusal.ALREADY_FINISHED,
            f"referral {referral.referral_id} is {referral.status} and can no longer be {action}",
        )


def accept(referral: AgencyReferral, now: datetime) -> AgencyReferral:
    _require_open(referral, "accepted")
    if referral.status is not AgencyReferralStatus.RECEIVED:
        raise Refused(
            ActionRefusal.NOT_RECEIVED,
            f"referral {referral.referral_id} is {referral.status}, only a received one can be accepted",
        )
    return replace(referral, status=AgencyReferralStatus.ACCEPTED, updated_at=now)


def decline(referral: AgencyReferral, now: datetime) -> AgencyReferral:
    _require_open(referral, "declined")
    return replace(
        referral,
        status=AgencyReferralStatus.DECLINED,
        updated_at=now,
        paused_at=None,
        pause_reason=None,
        pause_note=None,
    )


# The reports that finish a referral, by message type, and the status each leaves it in.
FINISHING_REPORTS = {"ResultReported": AgencyReferralStatus.REPORTED, "ReferralDeclined": AgencyReferralStatus.DECLINED}


def withdraw(referral: AgencyReferral, now: datetime) -> AgencyReferral | None:
    """The centre took the referral back: an open one ends here, its clock with it. One the unit already
    finished stays as it is (None: nothing to change), but should the centre refuse the report that finished
    it (the report crossed the withdrawal), it is withdrawn then rather than reopened (`refused`)."""
    if referral.status not in (AgencyReferralStatus.RECEIVED, AgencyReferralStatus.ACCEPTED):
        if referral.finished_by is None or referral.finished_from is AgencyReferralStatus.WITHDRAWN:
            return None
        return replace(
            referral,
            finished_from=AgencyReferralStatus.WITHDRAWN,
            updated_at=now,
            # The centre's withdrawal ended the clock too: a refusal then brings back no pause.
            finished_paused_at=None,
            finished_pause_reason=None,
            finished_pause_note=None,
        )
    return replace(
        referral,
        status=AgencyReferralStatus.WITHDRAWN,
        updated_at=now,
        paused_at=None,
        pause_reason=None,
        pause_note=None,
    )


def record_progress(referral: AgencyReferral, now: datetime) -> AgencyReferral:
    _require_open(referral, "reported on")
    if referral.status is not AgencyReferralStatus.ACCEPTED:
        raise Refused(
            ActionRefusal.NOT_ACCEPTED,
            f"referral {referral.referral_id} is {referral.status}; accept it before reporting progress",
        )
    return replace(referral, updated_at=now)


def report_result(referral: AgencyReferral, report: ResultReport, now: datetime) -> AgencyReferral:
    """The referral's part done, as `report` says; the report was checked as it was read (an agreement
    exactly when the result is one, an outcome that matches the result), so it is kept as it is."""
    _require_open(referral, "reported on")
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
    _require_open(referral, "paused")
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
    _require_open(referral, "resumed")
    if referral.status is not AgencyReferralStatus.ACCEPTED or referral.paused_at is None:
        raise Refused(ActionRefusal.NOT_PAUSED, f"the clock of referral {referral.referral_id} is not paused")
    return replace(referral, updated_at=now, paused_at=None, pause_reason=None, pause_note=None)


def finished_by(before: AgencyReferral, after: AgencyReferral, report_id: UUID) -> AgencyReferral:
    """`after`, once an officer's action sent `report_id`: when that report finished the referral (a result or
    a decline), it is kept with the status and the clock's pause before, to go back to should the centre refuse
    it, and the refusal of an earlier report is no longer shown."""
    if after.status not in FINISHING_REPORTS.values() or before.status is after.status:
        return after
    return replace(
        after,
        finished_by=report_id,
        finished_from=before.status,
        finished_paused_at=before.paused_at,
        finished_pause_reason=before.pause_reason,
        finished_pause_note=before.pause_note,
        refusal=None,
    )


def refused(
    referral: AgencyReferral,
    rejected_message_id: UUID | None,
    rejected_type: str | None,
    refusal: Mapping[str, Any],
    now: datetime,
) -> AgencyReferral | None:
    """The centre refused one of the unit's messages for good (MessageRejected). When it is the very result or
    decline that finished the referral, the unit's part is not done: left finished, the referral could never be
    reported again and the case would wait on the unit for good. It goes back to the status it had before
    (accepted after a result, received or accepted after a decline; withdrawn if the centre took it back
    meanwhile), with its clock paused as it was (the same pause, not a new one), its unaccepted result dropped,
    `refusal` kept to show. The refusal of any other message (an older one, or one that finished nothing)
    changes no status: None."""
    finished = FINISHING_REPORTS.get(rejected_type or "")
    if rejected_message_id is None or rejected_message_id != referral.finished_by or referral.status is not finished:
        return None
    return replace(
        referral,
        status=referral.finished_from or AgencyReferralStatus.ACCEPTED,
        outcome=None,
        result=None,
        agreement=None,
        updated_at=now,
        # The centre never saw the report, so it still holds the clock paused since then: a pause dropped here
        # would leave the unit's screen showing a running clock it could not resume.
        paused_at=referral.finished_paused_at,
        pause_reason=referral.finished_pause_reason,
        pause_note=referral.finished_pause_note,
        finished_by=None,
        finished_from=None,
        finished_paused_at=None,
        finished_pause_reason=None,
        finished_pause_note=None,
        refusal=dict(refusal),
    )
