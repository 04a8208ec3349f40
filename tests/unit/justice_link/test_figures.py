"""Mediation figures: success rate is mediated ÷ (mediated + failed); open, withdrawn, declined and referred-on results
count in neither, and the rate is the coordinator's for the same results."""

from collections import Counter

import pytest

from services.coordinator.domain.figures import Figures, UnitFigures
from services.justice_link.domain.figures import AssignmentOutcome, MediationFigures
from shared.contracts.vocabulary import ResultCode as R


def outcome(
    mediator: str, status: str, result: R | None, sessions: int = 1, org: str = "zt-xintang"
) -> AssignmentOutcome:
    """An assignment whose `sessions` were all held by its own mediator."""
    return AssignmentOutcome(org, mediator, status, result, ((org, mediator, sessions),) if sessions else ())


def test_rates_and_counts_per_organisation_and_mediator() -> None:
    figures = MediationFigures.of(
        [
            outcome("m1", "reported", R.MEDIATED, 2),
            outcome("m1", "reported", R.JUDICIALLY_CONFIRMED),
            outcome("m1", "reported", R.MEDIATION_FAILED, 3),
            outcome("m2", "reported", R.REFERRED_TO_LITIGATION),
            outcome("m2", "accepted", None, 0),
            outcome("m2", "reported", R.WITHDRAWN),
            outcome("m3", "declined", None, 0, org="zt-town"),
        ]
    ).as_json({"zt-xintang": "新塘村人民调解委员会", "m1": "陈国平"})

    # The case taken to court (导入诉讼) is shown on its own and is not a failed mediation.
    assert figures["total"] == {
        "assigned": 7,
        "mediated": 2,
        "failed": 1,
        "referred_on": 1,
        "open": 1,
        "success_rate": 0.6667,
        "sessions": 8,
    }
    [town, village] = figures["organisations"]
    assert (village["name"], village["assigned"], village["success_rate"]) == ("新塘村人民调解委员会", 6, 0.6667)
    assert (town["assigned"], town["success_rate"]) == (1, None)
    _, m1, m2 = figures["mediators"]  # by organisation, then mediator
    assert (m1["name"], m1["mediated"], m1["failed"], m1["success_rate"], m1["sessions"]) == ("陈国平", 2, 1, 0.6667, 6)
    assert (m2["mediated"], m2["failed"], m2["referred_on"], m2["open"], m2["success_rate"]) == (0, 0, 1, 1, None)


def test_no_assignments_give_no_rate() -> None:
    assert MediationFigures.of([]).as_json({})["total"]["success_rate"] is None


def test_sessions_count_under_whoever_held_them_when_the_referral_was_reassigned() -> None:
    # 陈国平 (m1) held two sessions, then the township committee's m2 took it over and held the third.
    held = (("zt-town", "m2", 1), ("zt-xintang", "m1", 2))
    figures = MediationFigures.of([AssignmentOutcome("zt-town", "m2", "reported", R.MEDIATED, held)]).as_json({})

    assert figures["total"]["sessions"] == 3
    assert [(o["organisation"], o["assigned"], o["mediated"], o["sessions"]) for o in figures["organisations"]] == [
        ("zt-town", 1, 1, 1),
        ("zt-xintang", 0, 0, 2),
    ]
    assert [(m["mediator"], m["assigned"], m["success_rate"], m["sessions"]) for m in figures["mediators"]] == [
        ("m2", 1, 1.0, 1),
        ("m1", 0, None, 2),
    ]


SAME_CASES = [
    [R.MEDIATED, R.MEDIATION_FAILED, R.REFERRED_TO_LITIGATION, R.REFERRED_TO_ARBITRATION],
    [R.JUDICIALLY_CONFIRMED, R.NOT_SUITABLE_FOR_MEDIATION, R.REFERRED_TO_ADMINISTRATIVE_RULING, R.WITHDRAWN, R.HANDLED],
    [R.REFERRED_TO_ADMINISTRATIVE_REVIEW, R.REFERRED_TO_LITIGATION],
    [R.MEDIATED, R.MEDIATED, R.MEDIATED, R.MEDIATION_FAILED, R.REFERRED_TO_LITIGATION],
]


@pytest.mark.parametrize("results", SAME_CASES)
def test_the_bureau_and_the_centre_publish_one_success_rate_for_the_same_results(results: list[R]) -> None:
    bureau = MediationFigures.of(outcome("m1", "reported", r) for r in results).as_json({})["total"]
    centre = Figures(units=(UnitFigures("justice:430426101", finished=len(results), results=Counter(results)),))

    assert bureau["success_rate"] == centre.mediation_success_rate
    assert bureau["mediated"] == centre.mediation_succeeded
    assert bureau["mediated"] + bureau["failed"] == centre.mediation_attempted
    referred_on = sum(r.value.startswith("referred_to_") for r in results)
    assert bureau["referred_on"] == centre.mediation.referred_on == referred_on


def test_the_first_of_those_is_one_success_in_two_mediations_not_one_in_four() -> None:
    bureau = MediationFigures.of(outcome("m1", "reported", r) for r in SAME_CASES[0]).as_json({})["total"]

    assert (bureau["success_rate"], bureau["referred_on"]) == (0.5, 2)
