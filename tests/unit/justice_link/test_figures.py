"""Mediation figures: success rate is mediated ÷ (mediated + failed); open, withdrawn and declined count in neither."""

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

    assert figures["total"] == {
        "assigned": 7,
        "mediated": 2,
        "failed": 2,
        "open": 1,
        "success_rate": 0.5,
        "sessions": 8,
    }
    [town, village] = figures["organisations"]
    assert (village["name"], village["assigned"], village["success_rate"]) == ("新塘村人民调解委员会", 6, 0.5)
    assert (town["assigned"], town["success_rate"]) == (1, None)
    _, m1, m2 = figures["mediators"]  # by organisation, then mediator
    assert (m1["name"], m1["mediated"], m1["failed"], m1["success_rate"], m1["sessions"]) == ("陈国平", 2, 1, 0.6667, 6)
    assert (m2["mediated"], m2["failed"], m2["open"], m2["success_rate"]) == (0, 1, 1, 0.0)


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
