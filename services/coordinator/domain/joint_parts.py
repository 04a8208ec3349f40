"""What the units of a joint case (共同办) read of each other's parts: the lead the co-units', a co-unit the lead's.

The lead unit (牵头单位) answers for the case as a whole, so it reads what each co-unit came to, the mediators'
signed agreement (调解协议) included: the court confirms it (司法确认), the petition bureau replies to the petitioner
with it (访调对接). A co-unit reads the lead's part, which settles the round. Co-units do not read each other's: the
minimum each needs."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from services.coordinator.domain.model import Case, Referral, TimelineKind
from shared.contracts.masking import mask_free_text
from shared.contracts.vocabulary import ReferralRole


def parts_read_by(case: Case, referral: Referral, timeline: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The other units' parts of the referral's round its officers may read, in the order they were issued: for the
    lead every co-unit's (one that declined too, since the lead works without it), for a co-unit the lead's, the one
    the round has now (a lead that declined, and the unit that took over, would read as two leads). None for a part
    passed on (declined, or taken up a level): that unit no longer works on the case, and what the others do and
    agree from then on is none of its business."""
    if referral.passed_on:
        return []
    reports = _last_reports(timeline)
    same_round = sorted((r for r in case.referrals if r.round == referral.round), key=lambda r: r.issued_at)
    if referral.role is ReferralRole.LEAD:
        read = [r for r in same_round if r.role is ReferralRole.CO_UNIT]
    else:
        read = [r for r in same_round if r.role is ReferralRole.LEAD][-1:]
    return [_part(other, reports.get(str(other.referral_id))) for other in read]


def earlier_round_read_by(
    case: Case, referral: Referral, timeline: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """For the lead of a round after the first, every unit's part of the round before it, in the order they were
    issued: the case came back (the citizen dissatisfied, the dispute back) against what those units did and agreed,
    which the lead takes up again. None for a co-unit, nor for a first round."""
    if referral.role is not ReferralRole.LEAD or referral.round <= 1 or referral.passed_on:
        return []
    reports = _last_reports(timeline)
    before = sorted((r for r in case.referrals if r.round == referral.round - 1), key=lambda r: r.issued_at)
    return [_part(other, reports.get(str(other.referral_id))) for other in before]


def _last_reports(timeline: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Each referral's latest result line (a unit reports once a round; a later line is the one that stands)."""
    reports: dict[str, Mapping[str, Any]] = {}
    for line in sorted(timeline, key=lambda line: int(line["seq"])):
        detail = line.get("detail") or {}
        if line.get("kind") == TimelineKind.RESULT_REPORTED and detail.get("referral_id"):
            reports[str(detail["referral_id"])] = line
    return reports


def _part(referral: Referral, report: Mapping[str, Any] | None) -> dict[str, Any]:
    detail = (report or {}).get("detail") or {}
    at = (report or {}).get("at")
    summary = detail.get("summary")
    agreement = referral.agreement.detail() if referral.agreement else None
    if agreement is not None:
        agreement["terms"] = mask_free_text(str(agreement["terms"]))
    return {
        "referral_id": str(referral.referral_id),
        "unit": referral.unit,
        "role": referral.role.value,
        "status": referral.status.value,
        "result": referral.result.value if referral.result else None,
        "outcome": referral.outcome.value if referral.outcome else None,
        "agreement": agreement,
        "reported_at": at.isoformat() if isinstance(at, datetime) else at,
        "summary": mask_free_text(summary) if isinstance(summary, str) else None,
    }
