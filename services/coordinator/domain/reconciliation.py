"""Reconciling one agency restored to an earlier point: which documents to send again, and what officers must redo."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from services.coordinator.domain.model import Referral, ReferralStatus

ISSUED = "ReferralIssued"
DEADLINE_CHANGED = "ReferralDeadlineChanged"
WITHDRAWN = "ReferralWithdrawn"


@dataclass(frozen=True)
class SentDocument:
    """A document the centre sent a unit about a referral, as kept (less parties and summary) with its id."""

    message_id: UUID
    message_type: str
    referral_id: UUID
    body: dict[str, Any]
    recorded_at: datetime

    @property
    def revision(self) -> int:
        return int(self.body.get("revision") or 0)


class Redo(StrEnum):
    """What the centre holds from the agency that the agency's restored database may no longer have.

    Messages cannot give it back: it was the agency's own act, so its officers do it again."""

    ACCEPT = "accept"
    PROGRESS = "progress"
    PAUSE = "pause"
    DECLINE = "decline"
    RESULT = "result"


class Gap(StrEnum):
    """Why a referral's documents could not all be sent again."""

    ISSUED_UNKNOWN = "issued_unknown"  # sent before documents were kept, and its outbox row is pruned


@dataclass(frozen=True)
class ReferralPlan:
    """One referral's part in the reconciliation."""

    case_id: str
    referral: Referral
    resend: tuple[SentDocument, ...]
    redo: tuple[Redo, ...]
    gaps: tuple[Gap, ...]


def plan_referral(
    case_id: str, referral: Referral, documents: Sequence[SentDocument], since: datetime | None
) -> ReferralPlan | None:
    """The referral's plan, or None when it is no concern of the reconciliation.

    Open referrals are all concerned (the agency's inbox skips what it still has). With `since` (when the
    restored backup was taken), so are referrals the centre closed from then on: a withdrawal is sent again
    with its referral; a decline or result the agency reported since then is for officers to redo. Without
    `since`, whatever the centre holds from the agency on an open referral is listed for officers to check.
    """
    closed_since = since is not None and referral.closed_at is not None and referral.closed_at >= since
    if not referral.is_open and not closed_since:
        return None
    mine = sorted((d for d in documents if d.referral_id == referral.referral_id), key=lambda d: d.recorded_at)
    issued = [d for d in mine if d.message_type == ISSUED][:1]
    withdrawn = [d for d in mine if d.message_type == WITHDRAWN][-1:]
    deadlines = sorted((d for d in mine if d.message_type == DEADLINE_CHANGED), key=lambda d: d.revision)[-1:]
    gaps: tuple[Gap, ...] = ()
    resend: tuple[SentDocument, ...] = ()
    if referral.is_open or referral.status is ReferralStatus.ESCALATED:
        if issued:
            resend = (*issued, *deadlines, *withdrawn)
        else:
            gaps = (Gap.ISSUED_UNKNOWN,)
    return ReferralPlan(case_id, referral, resend, _redo(referral, since), gaps)


def _redo(referral: Referral, since: datetime | None) -> tuple[Redo, ...]:
    def after(moment: datetime | None) -> bool:
        return moment is not None and (since is None or moment >= since)

    redo: list[Redo] = []
    if after(referral.accepted_at):
        redo.append(Redo.ACCEPT)
    if after(referral.last_progress_at):
        redo.append(Redo.PROGRESS)
    if referral.paused and after(referral.paused_at):
        redo.append(Redo.PAUSE)
    if referral.status is ReferralStatus.DECLINED and after(referral.closed_at):
        redo.append(Redo.DECLINE)
    if referral.status is ReferralStatus.REPORTED and after(referral.closed_at):
        redo.append(Redo.RESULT)
    return tuple(redo)
