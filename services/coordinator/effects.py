"""Turn a decision's effects into the messages they stand for; no decisions are made here."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from services.coordinator.domain import decisions
from services.coordinator.domain.decisions import Effect
from services.coordinator.domain.model import Case, Referral
from shared.contracts.disputes import as_one_line, parties_as_one_line
from shared.contracts.envelope import Envelope
from shared.contracts.messages import (
    CaseAssigned,
    CaseAwaitingManualTriage,
    CaseClosed,
    CaseReopened,
    CaseResolved,
    DeadlineChanged,
    EndedPart,
    ReferralClosed,
    ReferralDeadlineChanged,
    ReferralIssued,
    ReferralSummary,
    ReferralWithdrawn,
    UnitDesignated,
)


def messages_for(
    case: Case,
    effects: Sequence[Effect],
    registered: dict[str, Any],
    centre: str,
    at: datetime,
    new_id: Callable[[], UUID],
) -> list[Envelope]:
    """The messages of one decision, in the order of its effects; `registered` is what intake registered."""
    common: dict[str, Any] = {"occurred_at": at, "case_id": case.case_id, "sender": centre}
    out: list[Envelope] = []
    for effect in effects:
        match effect:
            case decisions.IssueReferral(referral=r):
                out.append(
                    ReferralIssued.build(
                        message_id=new_id(),
                        recipient=r.unit,
                        referral_id=r.referral_id,
                        role=r.role,
                        round=r.round,
                        source=registered["source"],
                        category=registered["category"],
                        division_code=registered["division_code"],
                        summary=registered["summary"],
                        flags=registered["flags"],
                        # Only the lead contacts the parties; co-units get names and roles.
                        parties=[
                            p if r.role.value == "lead" else {**p, "phone": None}
                            for p in parties_as_one_line(registered["parties"])
                        ],
                        due_at=r.due_at,
                        due_provisional=r.due_provisional,
                        # The agency's own record, so that it can tie the referral to it: the one the case came from,
                        # or one of its own linked to the case (a petition), which brought it in.
                        source_record_id=_one_line_or_none(r.source_record_id or registered.get("source_record_id")),
                        **common,
                    )
                )
            case decisions.AnnounceDesignation(referral=r):
                out.append(UnitDesignated.build(message_id=new_id(), recipient=centre, referral=_summary(r), **common))
            case decisions.CloseReferral():
                out.append(
                    ReferralClosed.build(
                        message_id=new_id(),
                        recipient=centre,
                        referral_id=effect.referral_id,
                        unit=effect.unit,
                        reason=effect.reason,
                        outcome=effect.outcome,
                        result=effect.result,
                        **common,
                    )
                )
            case decisions.WithdrawReferral():
                out.append(
                    ReferralWithdrawn.build(
                        message_id=new_id(),
                        recipient=effect.unit,
                        referral_id=effect.referral_id,
                        reason=effect.reason,
                        successor=effect.successor,
                        **common,
                    )
                )
            case decisions.AnnounceAssignment():
                out.append(
                    CaseAssigned.build(
                        message_id=new_id(),
                        recipient=centre,
                        mode=effect.mode,
                        source=effect.source,
                        category=effect.category,
                        division_code=effect.division_code,
                        flags=list(effect.flags),
                        lead_unit=effect.lead_unit,
                        co_units=list(effect.co_units),
                        referrals=[_summary(r) for r in effect.referrals],
                        **common,
                    )
                )
            case decisions.AnnounceManualTriage():
                out.append(
                    CaseAwaitingManualTriage.build(
                        message_id=new_id(),
                        recipient=centre,
                        reason=effect.reason,
                        source=case.facts.source,
                        category=case.facts.category,
                        division_code=case.facts.division_code,
                        **common,
                    )
                )
            case decisions.AnnounceResolved():
                out.append(
                    CaseResolved.build(
                        message_id=new_id(),
                        recipient=centre,
                        lead_unit=effect.lead_unit,
                        round=effect.round,
                        result=effect.result,
                        parts=[
                            EndedPart(referral_id=p.referral_id, unit=p.unit, reason=p.reason, result=p.result)
                            for p in effect.parts
                        ],
                        **common,
                    )
                )
            case decisions.AnnounceClosed():
                out.append(CaseClosed.build(message_id=new_id(), recipient=centre, rating=effect.rating, **common))
            case decisions.AnnounceReopened():
                out.append(
                    CaseReopened.build(
                        message_id=new_id(),
                        recipient=centre,
                        cause=effect.cause,
                        rating=effect.rating,
                        round=effect.round,
                        **common,
                    )
                )
            case decisions.AnnounceDeadline(referral=r):
                out.append(
                    DeadlineChanged.build(
                        message_id=new_id(),
                        recipient=centre,
                        referral_id=r.referral_id,
                        unit=r.unit,
                        due_at=r.due_at,
                        due_provisional=r.due_provisional,
                        revision=r.deadline_revision,
                        paused=r.paused,
                        paused_at=r.paused_at if r.paused else None,
                        reason=r.pause_reason if r.paused else None,
                        **common,
                    )
                )
            case decisions.TellUnitDeadline(referral=r):
                out.append(
                    ReferralDeadlineChanged.build(
                        message_id=new_id(),
                        recipient=r.unit,
                        referral_id=r.referral_id,
                        due_at=r.due_at,
                        due_provisional=r.due_provisional,
                        revision=r.deadline_revision,
                        **common,
                    )
                )
            case _:
                raise TypeError(f"no message for effect {effect!r}")
    return out


def _summary(referral: Referral) -> ReferralSummary:
    return ReferralSummary(
        referral_id=referral.referral_id,
        unit=referral.unit,
        role=referral.role,
        round=referral.round,
        issued_at=referral.issued_at,
        due_at=referral.due_at,
        due_provisional=referral.due_provisional,
    )


def _one_line_or_none(text: str | None) -> str | None:
    """A stored record number, one line (as_one_line): registered before it had to be."""
    return as_one_line(text) if text else None
