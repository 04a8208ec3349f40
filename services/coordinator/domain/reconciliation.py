"""Reconciling one agency restored to an earlier point: which documents to send again, and what officers must redo."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from services.coordinator.domain.model import Case, Referral, ReferralStatus
from services.coordinator.domain.rules import holds_phones
from shared.contracts.identifiers import split_unit
from shared.contracts.vocabulary import ReferralRole

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

    Messages cannot give it back: it was the agency's own act, so its officers do it again. The centre takes
    each redo as a repeat of what it holds (`rules.unchanged`): nothing is counted or timed twice. Pauses and
    resumes are redone in turn up to the centre's count; a step on the way after which the agency's clock stands
    otherwise than the centre's (a pause while the centre's clock runs, a resume while it stands still) is refused
    (`centre_clock_running`, `centre_clock_paused`: `rules._repeat`), telling the officers the centre's clock, and the
    next step agrees again. A pause the officers make anew before they finish would otherwise be lost unseen."""

    ACCEPT = "accept"
    PROGRESS = "progress"  # for checking only: the centre keeps it; one reported again is another line
    PAUSE = "pause"  # the clock stands paused at the centre: pauses and resumes up to its count of pauses
    RESUME = "resume"  # the clock runs again at the centre after a change since the backup: up to its last resume
    DECLINE = "decline"
    RESULT = "result"  # the same result code as the centre holds (another one is refused: `referral_closed`)


class Gap(StrEnum):
    """What reconciling cannot give the agency back, whatever its officers redo."""

    ISSUED_UNKNOWN = "issued_unknown"  # sent before documents were kept, and its outbox row is pruned
    # Issued and finished (declined or reported) after the backup: the restored agency never had it, and a
    # finished referral is not sent again, so there is nothing to redo; the centre's record stands.
    FINISHED_NOT_RESENT = "finished_not_resent"


@dataclass(frozen=True)
class ReferralPlan:
    """One referral's part in the reconciliation.

    `awaits_contacts`: `resend` goes only once intake has given the parties' mobile numbers back (a lead's
    referral to an agency that held them, which the centre has dropped since: `agency_had_numbers`)."""

    case_id: str
    referral: Referral
    resend: tuple[SentDocument, ...]
    redo: tuple[Redo, ...]
    gaps: tuple[Gap, ...]
    awaits_contacts: bool = False


def plan_referral(
    case_id: str,
    referral: Referral,
    documents: Sequence[SentDocument],
    since: datetime | None,
    *,
    agency_had_numbers: bool = False,
) -> ReferralPlan | None:
    """The referral's plan, or None when it is no concern of the reconciliation.

    Open referrals are all concerned (the agency's inbox skips what it still has). With `since` (when the
    restored backup was taken), so are referrals the centre closed from then on: a withdrawal is sent again
    with its referral; a decline or result the agency reported since then is for officers to redo, on a
    referral the agency had at the backup (one issued after it, and finished, it never had: `finished_not_resent`).
    Without `since`, whatever the centre holds from the agency on an open referral is listed for officers to
    check. `agency_had_numbers` (`agency_had_numbers()`): a lead's referral sent again to an agency that held the
    parties' mobile numbers the centre has dropped since waits for intake to give them back (`awaits_contacts`),
    whether or not the agency still has it (its inbox skips what it has).
    """
    closed_since = since is not None and referral.closed_at is not None and referral.closed_at >= since
    if not referral.is_open and not closed_since:
        return None
    mine = sorted((d for d in documents if d.referral_id == referral.referral_id), key=lambda d: d.recorded_at)
    gaps: list[Gap] = []
    resend: tuple[SentDocument, ...] = ()
    if referral.is_open or referral.status is ReferralStatus.ESCALATED:
        resend = documents_again(referral, mine)
        if not resend:
            gaps.append(Gap.ISSUED_UNKNOWN)
    elif _after(referral.issued_at, since):
        return ReferralPlan(case_id, referral, (), (), (Gap.FINISHED_NOT_RESENT,))
    if referral.status is ReferralStatus.ESCALATED:
        # The agency gets the referral and its withdrawal: its officers can do nothing more on it.
        return ReferralPlan(case_id, referral, resend, (), tuple(gaps))
    # Issued before the backup is no proof the agency had it then (it may have been down), so every lead's referral
    # sent again to an agency that held the numbers waits for them.
    awaits = bool(resend) and referral.role is ReferralRole.LEAD and agency_had_numbers
    clock_changed = any(_after(d.recorded_at, since) for d in mine if d.message_type == DEADLINE_CHANGED)
    return ReferralPlan(case_id, referral, resend, _redo(referral, since, clock_changed), tuple(gaps), awaits)


def numbers_dropped_at(case: Case, parties: Sequence[Mapping[str, Any]]) -> datetime | None:
    """When the centre dropped the parties' mobile numbers the case was registered with (`parties`, as its
    registration keeps them now): the first time a lead took the case, by accepting it or by reporting its result
    (`rules.lead_has_taken_contacts`, when `handlers.CaseChange.apply` drops them). None while a person's number is
    still held, when the parties are organisations alone (they have no numbers), or before any lead took the case.
    Persons who never gave a number cannot be told apart (both read null): intake is asked then too, and answers
    with none."""
    persons = [p for p in parties if p.get("kind", "person") == "person"]
    if not persons or holds_phones(persons):
        return None
    taken = [
        r.accepted_at or r.closed_at
        for r in case.referrals
        if r.role is ReferralRole.LEAD and (r.accepted_at is not None or r.status is ReferralStatus.REPORTED)
    ]
    return min((moment for moment in taken if moment is not None), default=None)


def agency_had_numbers(case: Case, referral: Referral, dropped_at: datetime | None) -> bool:
    """Whether the referral's agency held the parties' mobile numbers the centre dropped at `dropped_at`, so that a
    lead's referral sent to it again may carry them: a lead referral of the case to one of its units was issued
    before they were dropped. That is the referral itself, or an earlier one the agency copied them from into a
    later lead referral (another round, or the county unit taking over from its township's: `carry_over_phones` in
    shared/agency). Co-units never get them, nor does an agency whose first lead referral came after."""
    if referral.role is not ReferralRole.LEAD or dropped_at is None:
        return False
    agency = split_unit(referral.unit)[0]
    return any(
        r.role is ReferralRole.LEAD and split_unit(r.unit)[0] == agency and r.issued_at < dropped_at
        for r in case.referrals
    )


def documents_again(referral: Referral, documents: Sequence[SentDocument]) -> tuple[SentDocument, ...]:
    """What goes to the unit again for a referral, from the documents kept for it (oldest first): its issue, its
    latest deadline and its withdrawal, if any; nothing when its issue was never kept."""
    mine = [d for d in documents if d.referral_id == referral.referral_id]
    issued = [d for d in mine if d.message_type == ISSUED][:1]
    if not issued:
        return ()
    withdrawn = [d for d in mine if d.message_type == WITHDRAWN][-1:]
    deadlines = sorted((d for d in mine if d.message_type == DEADLINE_CHANGED), key=lambda d: d.revision)[-1:]
    return (*issued, *deadlines, *withdrawn)


def _after(moment: datetime | None, since: datetime | None) -> bool:
    """At or after the backup; without a backup time, anything the centre holds."""
    return moment is not None and (since is None or moment >= since)


def _redo(referral: Referral, since: datetime | None, clock_changed: bool) -> tuple[Redo, ...]:
    redo: list[Redo] = []
    if _after(referral.accepted_at, since):
        redo.append(Redo.ACCEPT)
    if _after(referral.last_progress_at, since):
        redo.append(Redo.PROGRESS)
    if referral.paused and _after(referral.paused_at, since):
        redo.append(Redo.PAUSE)
    elif referral.is_open and not referral.paused and referral.pauses and clock_changed:
        # Resumed since the backup (a ReferralDeadlineChanged went out then): the agency may show it paused still.
        redo.append(Redo.RESUME)
    if referral.status is ReferralStatus.DECLINED and _after(referral.closed_at, since):
        redo.append(Redo.DECLINE)
    if referral.status is ReferralStatus.REPORTED and _after(referral.closed_at, since):
        redo.append(Redo.RESULT)
    return tuple(redo)
