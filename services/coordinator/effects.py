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
                out.append(
                    UnitDesignated.build(
                        message_id=new_id(),
                        recipient=centre,
                        **common,
                        referral=ReferralSummary(
                            referral_id=r.referral_id,
                            unit=r.unit,
                            role=r.role,
                            round=r.round,
                            issued_at=r.issued_at,
                            due_at=r.due_at,
                        ),
                    )
                )
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
                    CaseResolved.build(message_id=new_id(), recipient=centre, lead_unit=effect.lead_unit, **common)
                )
            case domain.AnnounceClosed():
                out.append(CaseClosed.build(message_id=new_id(), recipient=centre, rating=effect.rating, **common))
            case domain.AnnounceReopened():
                out.append(
                    CaseReopened.build(
                        message_id=new_id(), recipient=centre, rating=effect.rating, round=effect.round, **common
                    )
                )
            case _:
                raise TypeError(f"no message for effect {effect!r}")
    return out
