"""What a record's page (a court filing, a police call, a petition) shows of the existing case intake linked the record
to as a repeat (RecordLinked): the case, why, and what the agency's own referrals of it came to."""

from collections.abc import Mapping, Sequence
from typing import Any

from shared.contracts.vocabulary import AGREEMENT_RESULTS, LinkReason, ResultCode, outcome_of


def joins_another_case(reason: str) -> bool:
    """Whether a record linked for `reason` joined a case it did not open (so no referral names it): any reason but
    the same record fed again, whose case a referral names already."""
    return reason != LinkReason.SAME_SOURCE_RECORD


def reporting_referral(referrals: Sequence[Mapping[str, Any]], case_id: str) -> Mapping[str, Any] | None:
    """Of the agency's referrals of `case_id`, the one whose result says what the case came to: in the latest round
    the agency holds a part of, the lead's before a co-unit's, then the latest received. None while no referral of
    that round is reported: a case taken up again (a new round) has not ended, whatever an earlier round said."""
    of_case = [r for r in referrals if r["case_id"] == case_id]
    if not of_case:
        return None
    latest = max(r["round"] for r in of_case)
    reported = [r for r in of_case if r["round"] == latest and r["status"] == "reported" and r["result"]]
    if not reported:
        return None
    return max(reported, key=lambda r: (r["role"] == "lead", r["received_at"], str(r["referral_id"])))


def joined_case_view(link: Mapping[str, Any] | None, referrals: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The existing case intake linked a fed record to as a repeat (`store.record_link`), why, and what the agency's
    referrals of it (those the page lists) came to: `result`, `outcome` and `mediated` (调解成功: an agreement signed
    or confirmed), with `result_by` naming the referral that reported it; all null while none has. `referral_held`
    says why a null result is null: true while the agency's referrals of the case have not ended it, false when the
    agency holds no referral of it at all (the centre has its result). None for a record that opened a case of its
    own, or was not fed, or whose link has not arrived yet."""
    if link is None:
        return None
    case_id = str(link["case_id"])
    reporting = reporting_referral(referrals, case_id)
    result = ResultCode(reporting["result"]) if reporting else None
    return {
        "case_id": link["case_id"],
        "reason": link["reason"],
        "linked_at": link["linked_at"].isoformat(),
        "result": result.value if result else None,
        "outcome": outcome_of(result).value if result else None,
        "mediated": None if result is None else result in AGREEMENT_RESULTS,
        "result_by": None if reporting is None else {k: reporting[k] for k in ("referral_id", "unit", "role", "round")},
        "referral_held": any(r["case_id"] == case_id for r in referrals),
    }
