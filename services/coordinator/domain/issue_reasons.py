"""Why a unit holds a referral that was not the case's first designation: read from the case's timeline.

A unit handed a case reopened, taken up a level, re-routed after another unit declined it, or called in
(吹哨报到) must know why before it acts: the citizen's complaint, the unit that declined and its reason, the delay
that sent the case up. The timeline holds all of it, in order: the line that explains a referral is the last
explaining line before the referral's own `referral_issued`.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from services.coordinator.domain.model import EscalationCause, TimelineKind
from shared.contracts.masking import mask_free_text
from shared.contracts.vocabulary import ReopenCause

# The lines that lead to referrals being issued; triage's is a case's first designation, which needs no reason.
_EXPLAINING = frozenset(
    {
        TimelineKind.CASE_TRIAGED,
        TimelineKind.CASE_REOPENED,
        TimelineKind.CASE_ESCALATED,
        TimelineKind.REFERRAL_DECLINED,
        TimelineKind.UNITS_CALLED_IN,
        TimelineKind.MANUALLY_ASSIGNED,
    }
)


def why_issued(timeline: Sequence[Mapping[str, Any]], referral_id: str) -> dict[str, Any] | None:
    """Why the referral was issued, as its unit's officers read it; None for a first designation (or a referral the
    timeline does not name)."""
    explaining: Mapping[str, Any] | None = None
    declined: Mapping[str, Any] | None = None
    repeated: Mapping[str, Any] | None = None
    for line in sorted(timeline, key=lambda line: int(line["seq"])):
        kind, detail = line.get("kind"), line.get("detail") or {}
        if kind == TimelineKind.REFERRAL_ISSUED and detail.get("referral_id") == referral_id:
            return _reason(explaining, declined, repeated)
        if kind in _EXPLAINING:
            explaining = line
        if kind == TimelineKind.REPEAT_LINKED:
            repeated = line
        if kind == TimelineKind.REFERRAL_DECLINED:
            declined = line
        elif kind in (TimelineKind.CASE_TRIAGED, TimelineKind.CASE_REOPENED):
            declined = None  # a new round's units answer for what happens from it on
    return None


def _reason(
    line: Mapping[str, Any] | None, declined: Mapping[str, Any] | None, repeated: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    reason = _unmasked_reason(line, declined)
    if reason is not None and reason.get("reopen_cause") == ReopenCause.REPEAT_REPORT and not reason.get("comment"):
        # The dispute came back: what the citizen said this time is what the new round answers (the repeat report
        # linked just before the case reopened; none from a report of contract version 1).
        reason["comment"] = ((repeated or {}).get("detail") or {}).get("summary")
    # What staff typed: masked as it was taken since it is free text, but a call-in's note was not before.
    return {k: mask_free_text(v) if isinstance(v, str) else v for k, v in reason.items()} if reason else None


def _unmasked_reason(line: Mapping[str, Any] | None, declined: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if line is None or line.get("kind") == TimelineKind.CASE_TRIAGED:
        return None
    kind, detail = line["kind"], line.get("detail") or {}
    at = line.get("at")
    reason: dict[str, Any] = {"at": at.isoformat() if isinstance(at, datetime) else at}
    if kind == TimelineKind.CASE_REOPENED:
        return {**reason, "cause": "reopened", "reopen_cause": detail.get("cause"), "comment": detail.get("comment")}
    if kind == TimelineKind.CASE_ESCALATED:
        # 超出本级处置能力: the unit declined first, with its reason, and the case went up a level.
        said = (declined or {}).get("detail") or {}
        why = said.get("reason") if detail.get("cause") == EscalationCause.BEYOND_LEVEL else None
        return {
            **reason,
            "cause": "escalated",
            "escalation_cause": detail.get("cause"),
            "from_unit": detail.get("unit"),
            "overdue_working_days": detail.get("overdue_working_days"),
            "reason": why if said.get("unit") == detail.get("unit") else None,
        }
    if kind == TimelineKind.REFERRAL_DECLINED:
        return {**reason, "cause": "declined", "from_unit": detail.get("unit"), "reason": detail.get("reason")}
    if kind == TimelineKind.UNITS_CALLED_IN:
        return {**reason, "cause": "called_in", "note": detail.get("note")}
    # By hand, most often after a unit declined and no other was left to route to: that unit and its reason.
    said = (declined or {}).get("detail") or {}
    return {**reason, "cause": "assigned_by_hand", "from_unit": said.get("unit"), "reason": said.get("reason")}
