"""The figures the counties publish for 警调对接, with Shandan's Jan–Jul 2024 as the ground truth."""

from dataclasses import replace

from services.police_link.domain.calls import Classification, Decision, KeptBecause, Procedure
from services.police_link.domain.figures import CallFigures, CallTally, rate
from shared.contracts.vocabulary import ResultCode

NEIGHBOUR, FAMILY, ECONOMIC = Classification.NEIGHBOUR, Classification.FAMILY, Classification.ECONOMIC


def tally(
    n: int,
    classification: Classification = NEIGHBOUR,
    result: ResultCode | None = None,
    *,
    kept: Procedure | None = None,
    reasons: tuple[KeptBecause, ...] = (),
    violence: bool = False,
    injury: bool = False,
    weapon_or_threat: bool = False,
    repeated: bool = False,
    civil_to_criminal_risk: bool = False,
) -> CallTally:
    return CallTally(
        classification=classification,
        decision=Decision.POLICE if kept else Decision.MEDIATION,
        procedure=kept,
        reasons=reasons,
        result=result,
        violence=violence,
        injury=injury,
        weapon_or_threat=weapon_or_threat,
        repeated=repeated,
        civil_to_criminal_risk=civil_to_criminal_risk,
        n=n,
    )


def shandan() -> CallFigures:
    """578 calls handed to mediation, 530 of them resolved (调处化解): 470 with an agreement, 12 confirmed by the
    court, 48 handled by the station itself; 40 failed and 8 still open. 160 more the police kept."""
    return CallFigures.of(
        [
            tally(300, NEIGHBOUR, ResultCode.MEDIATED),
            tally(150, FAMILY, ResultCode.MEDIATED, violence=True),
            tally(20, ECONOMIC, ResultCode.MEDIATED, civil_to_criminal_risk=True, weapon_or_threat=True),
            tally(12, ECONOMIC, ResultCode.JUDICIALLY_CONFIRMED),
            tally(48, NEIGHBOUR, ResultCode.HANDLED, injury=True),
            tally(40, FAMILY, ResultCode.MEDIATION_FAILED, violence=True, injury=True),
            tally(8, NEIGHBOUR, None, repeated=True),
            tally(100, FAMILY, kept=Procedure.PUBLIC_ORDER, reasons=(KeptBecause.NOT_SUITABLE,), violence=True),
            tally(
                60,
                NEIGHBOUR,
                kept=Procedure.CRIMINAL,
                reasons=(KeptBecause.CRIME_SUSPECTED,),
                injury=True,
                weapon_or_threat=True,
            ),
        ]
    )


def test_shandans_resolution_rate_is_the_published_91_6_percent_of_578_handed_calls() -> None:
    mediation = shandan().as_json()["mediation"]

    assert (mediation["handed_to_mediation"], mediation["resolved"]) == (578, 530)
    # 530 ÷ 578 = 0.91696…: Shandan printed 91.6 %, truncating; the platform rounds.
    assert mediation["resolution_rate"] == 0.917
    assert int(530 / 578 * 1000) / 10 == 91.6


def test_only_calls_ending_in_an_agreement_count_as_mediated_successfully() -> None:
    mediation = shandan().as_json()["mediation"]

    assert mediation["mediated"] == 482
    assert mediation["success_rate"] == rate(482, 578) == 0.8339
    assert (mediation["with_result"], mediation["awaiting_result"]) == (570, 8)
    assert mediation["by_result"]["handled"] == 48
    assert mediation["by_result"]["mediation_failed"] == 40
    assert mediation["by_result"]["referred_to_litigation"] == 0


def test_the_calls_count_every_dispute_call_and_why_the_police_kept_theirs() -> None:
    calls = shandan().as_json()["calls"]

    assert (calls["recorded"], calls["handed_to_mediation"], calls["kept_by_police"]) == (738, 578, 160)
    assert calls["handover_rate"] == 0.7832
    assert calls["kept_because"] == {"crime_suspected": 60, "not_suitable_for_mediation": 100}
    assert calls["kept_in_procedure"] == {"criminal": 60, "public_order": 100, "police_handling": 0}
    assert calls["by_classification"] == {
        "neighbour": 416,
        "family": 290,
        "romance": 0,
        "economic": 32,
        "land": 0,
        "labour": 0,
        "traffic": 0,
        "other": 0,
    }


def test_the_risk_counts_violence_or_injury_once_per_call_and_the_civil_to_criminal_risk() -> None:
    risk = shandan().as_json()["risk"]

    assert risk["violence_or_injury"] == 150 + 48 + 40 + 100 + 60
    assert (risk["violence"], risk["injury"]) == (290, 148)
    assert (risk["weapon_or_threat"], risk["repeat_calls"]) == (80, 8)
    assert (risk["civil_to_criminal_risk"], risk["civil_to_criminal_risk_handed_to_mediation"]) == (20, 20)


def test_a_period_without_calls_has_zero_counts_and_no_rates() -> None:
    figures = CallFigures().as_json()

    assert figures["calls"]["recorded"] == 0
    assert figures["calls"]["handover_rate"] is None
    assert (figures["mediation"]["success_rate"], figures["mediation"]["resolution_rate"]) == (None, None)
    assert rate(1, 3) == 0.3333


def test_a_call_joined_to_a_case_another_call_opened_is_handed_over_but_its_dispute_is_counted_once() -> None:
    """Two calls about one boundary: intake linked the second to the case the first opened. The officers handed both
    over; the mediation counts one case, mediated, and the second call never waits for a result of its own."""
    figures = CallFigures.of(
        [
            tally(1, NEIGHBOUR, ResultCode.MEDIATED),
            replace(tally(1, NEIGHBOUR), joined=True),
        ]
    ).as_json()

    assert (figures["calls"]["recorded"], figures["calls"]["handed_to_mediation"]) == (2, 2)
    mediation = figures["mediation"]
    assert (mediation["handed_to_mediation"], mediation["joined_existing_case"]) == (1, 1)
    assert (mediation["mediated"], mediation["awaiting_result"]) == (1, 0)
    assert (mediation["success_rate"], mediation["resolution_rate"]) == (1.0, 1.0)
