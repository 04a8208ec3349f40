"""Turn the domain's effects into the messages they stand for; no decisions are made here."""

from datetime import datetime

from services.coordinator import domain
from shared.clock import new_id
from shared.contracts.envelope import Envelope
from shared.contracts.messages import (
    CaseAssigned,
    CaseAwaitingManualTriage,
    CaseClosed,
    CaseReopened,
    CaseResolved,
    ReferralClosed,
    ReferralIssued,
    ReferralSummary,
    UnitDesignated,
)


def messages_for(case: domain.Case, effects: tuple, registered: dict, centre: str, at: datetime) -> list[Envelope]:
    common = {"occurred_at": at, "case_id": case.case_id, "sender": centre}
    out: list[Envelope] = []
    for effect in effects:
        match effect:
            case domain.IssueReferral(referral=r):
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
                        parties=[p if r.role.value == "lead" else {**p, "phone": None} for p in registered["parties"]],
                        due_at=r.due_at,
                        **common,
                    )
                )
            case domain.AnnounceDesignation(referral=r):
                out.append(UnitDesignated.build(message_id=new_id(), recipient=centre, referral=_summary(r), **common))
            case domain.CloseReferral():
                out.append(
                    ReferralClosed.build(
                        message_id=new_id(),
                        recipient=centre,
                        referral_id=effect.referral_id,
                        unit=effect.unit,
                        reason=effect.reason,
                        outcome=effect.outcome,
                        **common,
                    )
                )
            case domain.AnnounceAssignment():
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
            case domain.AnnounceManualTriage():
                out.append(
                    CaseAwaitingManualTriage.build(
                        message_id=new_id(), recipient=centre, reason=effect.reason, **common
                    )
                )
            case domain.AnnounceResolved():
                out.append(
                    CaseResolved.build(
                        message_id=new_id(), recipient=centre, lead_unit=effect.lead_unit, round=effect.round, **common
                    )
                )
            case domain.AnnounceClosed():
                out.append(CaseClosed.build(message_id=new_id(), recipient=centre, rating=effect.rating, **common))
            case domain.AnnounceReopened():
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
            case _:
                raise TypeError(f"no message for effect {effect!r}")
    return out


def _summary(referral: domain.Referral) -> ReferralSummary:
    return ReferralSummary(
        referral_id=referral.referral_id,
        unit=referral.unit,
        role=referral.role,
        round=referral.round,
        issued_at=referral.issued_at,
        due_at=referral.due_at,
    )
