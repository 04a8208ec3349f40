"""What a record's page says of the case intake joined it to: which of the agency's referrals tells how it ended."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from shared.agency.joined import joined_case_view, joins_another_case, reporting_referral

CASE = "430426-20261120-00004"
OTHER = "430426-20261121-00009"
LINKED_AT = datetime(2026, 11, 23, 1, 31, tzinfo=UTC)
LINK = {"record_id": "JQ4304262026112300017", "case_id": CASE, "reason": "same parties and category within 30 days"}


def referral(
    n: int, *, role: str = "lead", round: int = 1, result: str | None = None, case: str = CASE
) -> dict[str, Any]:
    return {
        "referral_id": UUID(int=n),
        "case_id": case,
        "unit": "police:430426101" if role == "lead" else "police:430426102",
        "role": role,
        "round": round,
        "status": "reported" if result else "accepted",
        "result": result,
        "outcome": None,
        "received_at": LINKED_AT + timedelta(minutes=n),
    }


def test_the_lead_of_the_latest_round_says_how_the_case_ended() -> None:
    referrals = [
        referral(1, result="mediation_failed"),
        referral(2, role="co_unit", round=2, result="handled"),
        referral(3, round=2, result="mediated"),
        referral(4, round=3, result="handled", case=OTHER),
    ]

    assert reporting_referral(referrals, CASE) == referrals[2]


def test_a_co_units_result_stands_while_the_lead_has_reported_nothing() -> None:
    referrals = [referral(1), referral(2, role="co_unit", result="handled")]

    assert reporting_referral(referrals, CASE) == referrals[1]


def test_a_case_taken_up_again_has_not_ended_whatever_the_earlier_round_said() -> None:
    assert reporting_referral([referral(1, result="mediated"), referral(2, round=2)], CASE) is None
    assert reporting_referral([referral(1, case=OTHER, result="mediated")], CASE) is None


def test_the_joined_case_names_the_result_its_outcome_and_whether_an_agreement_was_signed() -> None:
    view = joined_case_view({**LINK, "linked_at": LINKED_AT}, [referral(1, result="judicially_confirmed")])

    assert view == {
        "case_id": CASE,
        "reason": "same parties and category within 30 days",
        "linked_at": "2026-11-23T01:31:00+00:00",
        "result": "judicially_confirmed",
        "outcome": "resolved",
        "mediated": True,
        "result_by": {"referral_id": UUID(int=1), "unit": "police:430426101", "role": "lead", "round": 1},
        "referral_held": True,
    }


def test_a_failed_mediation_is_no_agreement_and_no_link_is_no_joined_case() -> None:
    view = joined_case_view({**LINK, "linked_at": LINKED_AT}, [referral(1, result="mediation_failed")])

    assert (view["result"], view["outcome"], view["mediated"]) == ("mediation_failed", "unresolved", False)
    assert joined_case_view(None, [referral(1, result="mediated")]) is None


def test_only_the_same_record_fed_again_joins_the_case_it_opened_itself() -> None:
    assert joins_another_case("same parties and category within 30 days") is True
    assert joins_another_case("same source record") is False


def test_a_case_with_no_result_says_whether_the_agency_holds_a_referral_of_it() -> None:
    """Not finished yet and held by the centre alone both have no result; only `referral_held` tells them apart."""
    linked = {**LINK, "linked_at": LINKED_AT}

    unfinished = joined_case_view(linked, [referral(1)])
    not_ours = joined_case_view(linked, [referral(2, case=OTHER, result="mediated")])

    assert (unfinished["result"], unfinished["referral_held"]) == (None, True)
    assert (not_ours["result"], not_ours["referral_held"]) == (None, False)
