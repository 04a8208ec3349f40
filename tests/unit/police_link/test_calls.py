"""A dispute call's classification, its risk flags, and whether the police hand it to mediation or keep it."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.police_link.domain.calls import (
    CATEGORIES,
    CallDecision,
    Classification,
    Decision,
    KeptBecause,
    Offence,
    Procedure,
    SceneFacts,
    category_for,
    decide,
    flags_of,
    local_day,
    mediated,
    reported_by_mediators,
)
from services.police_link.domain.risk import RiskFacts, risk_flags
from shared.contracts.vocabulary import Category, Flag, ResultCode

BEIJING = timezone(timedelta(hours=8))
HANDED = CallDecision(Decision.MEDIATION, None, ())


def scene(suitable: bool = True, offence: Offence = Offence.NONE, **risk: bool | int) -> SceneFacts:
    return SceneFacts(RiskFacts(**risk), suitable, offence)


# --- 警调对接: handed over or kept ----------------------------------------------------------


def test_a_quarrel_the_officer_finds_suitable_is_handed_to_mediation() -> None:
    assert decide(scene()) == HANDED


def test_violence_and_a_risk_of_turning_criminal_do_not_keep_a_suitable_call_from_mediation() -> None:
    assert decide(scene(violence=True, injury=True, civil_to_criminal_risk=True)) == HANDED


def test_a_minor_public_order_offence_from_a_civil_dispute_may_still_be_mediated() -> None:
    # 治安管理处罚法 第九条: 治安调解 of a fight or damage that grew out of a civil dispute.
    assert decide(scene(offence=Offence.PUBLIC_ORDER, violence=True)) == HANDED


def test_a_suspected_crime_is_kept_for_the_criminal_procedure_even_if_the_parties_would_settle() -> None:
    assert decide(scene(offence=Offence.CRIMINAL, weapon_or_threat=True)) == CallDecision(
        Decision.POLICE, Procedure.CRIMINAL, (KeptBecause.CRIME_SUSPECTED,)
    )


def test_a_public_order_case_the_officer_finds_unsuitable_goes_to_the_public_order_procedure() -> None:
    assert decide(scene(suitable=False, offence=Offence.PUBLIC_ORDER)) == CallDecision(
        Decision.POLICE, Procedure.PUBLIC_ORDER, (KeptBecause.NOT_SUITABLE,)
    )


def test_a_civil_dispute_the_officer_finds_unsuitable_is_handled_by_the_police_alone() -> None:
    decided = decide(scene(suitable=False))

    assert decided == CallDecision(Decision.POLICE, Procedure.POLICE_HANDLING, (KeptBecause.NOT_SUITABLE,))
    assert not decided.handed_over


def test_a_call_kept_for_both_reasons_names_both() -> None:
    assert decide(scene(suitable=False, offence=Offence.CRIMINAL)).reasons == (
        KeptBecause.CRIME_SUSPECTED,
        KeptBecause.NOT_SUITABLE,
    )


@given(suitable=st.booleans(), offence=st.sampled_from(Offence))
def test_a_call_is_handed_over_exactly_when_suitable_and_no_crime_is_suspected(
    suitable: bool, offence: Offence
) -> None:
    decided = decide(scene(suitable=suitable, offence=offence))

    assert decided.handed_over == (suitable and offence is not Offence.CRIMINAL)
    assert (decided.procedure is None) == decided.handed_over
    assert bool(decided.reasons) != decided.handed_over


# --- the risk a call carries ---------------------------------------------------------------


def test_a_calm_quarrel_carries_no_flag() -> None:
    assert flags_of(scene()) == []


@pytest.mark.parametrize(
    "risk",
    [{"violence": True}, {"injury": True}, {"weapon_or_threat": True}, {"repeat_calls": 1}, {"repeat_calls": 4}],
    ids=lambda r: "-".join(f"{k}={v}" for k, v in r.items()),
)
def test_violence_injury_a_weapon_or_threat_or_repeated_calls_flag_violence_risk(risk: dict[str, int]) -> None:
    assert flags_of(scene(**risk)) == [Flag.VIOLENCE_RISK]


def test_the_officers_judgement_of_a_risk_of_turning_criminal_adds_high_risk() -> None:
    assert flags_of(scene(civil_to_criminal_risk=True)) == [Flag.VIOLENCE_RISK, Flag.HIGH_RISK]


@given(
    violence=st.booleans(),
    injury=st.booleans(),
    weapon_or_threat=st.booleans(),
    repeat_calls=st.integers(0, 999),
    civil_to_criminal_risk=st.booleans(),
)
def test_high_risk_comes_only_from_the_officers_judgement_and_always_with_violence_risk(
    violence: bool, injury: bool, weapon_or_threat: bool, repeat_calls: int, civil_to_criminal_risk: bool
) -> None:
    facts = RiskFacts(violence, injury, weapon_or_threat, repeat_calls, civil_to_criminal_risk)

    flags = risk_flags(facts)

    assert (Flag.HIGH_RISK in flags) == civil_to_criminal_risk
    assert (Flag.VIOLENCE_RISK in flags) == (
        violence or injury or weapon_or_threat or repeat_calls > 0 or civil_to_criminal_risk
    )
    assert len(flags) == len(set(flags))


# --- the police's classification and the centre's category ------------------------------------


@pytest.mark.parametrize(
    ("classification", "category"),
    [
        (Classification.NEIGHBOUR, Category.NEIGHBOUR),
        (Classification.FAMILY, Category.FAMILY),
        (Classification.ROMANCE, Category.FAMILY),
        (Classification.ECONOMIC, Category.OTHER),
        (Classification.LAND, Category.LAND),
        (Classification.LABOUR, Category.WAGES),
        (Classification.TRAFFIC, Category.TRAFFIC),
        (Classification.OTHER, Category.OTHER),
    ],
)
def test_each_classification_becomes_a_category_of_the_centre(
    classification: Classification, category: Category
) -> None:
    assert category_for(classification, None) is category


def test_an_economic_dispute_takes_the_category_the_officer_names() -> None:
    assert category_for(Classification.ECONOMIC, Category.DEBT) is Category.DEBT


def test_a_category_the_classification_does_not_allow_is_refused_naming_those_it_does() -> None:
    with pytest.raises(ValueError, match="a labour call is one of: wages"):
        category_for(Classification.LABOUR, Category.DEBT)


def test_no_call_becomes_a_consultation_which_would_be_settled_at_the_window_with_nobody_designated() -> None:
    assert all(Category.CONSULTATION not in allowed for allowed in CATEGORIES.values())


# --- what the police are told ------------------------------------------------------------------


def test_a_call_received_late_in_the_evening_counts_on_the_countys_day() -> None:
    assert local_day(datetime(2026, 11, 30, 23, 30, tzinfo=BEIJING)) == date(2026, 11, 30)
    assert local_day(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == date(2026, 12, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        local_day(datetime(2026, 11, 30, 23, 30))


def test_only_an_agreement_is_a_successful_mediation() -> None:
    assert mediated(ResultCode.MEDIATED) is True
    assert mediated(ResultCode.JUDICIALLY_CONFIRMED) is True
    assert mediated(ResultCode.HANDLED) is False
    assert mediated(ResultCode.MEDIATION_FAILED) is False
    assert mediated(None) is None


def test_the_mediators_are_the_justice_offices() -> None:
    assert reported_by_mediators("justice:430426101")
    assert not reported_by_mediators("plc:430426")
    assert not reported_by_mediators("police:430426101")
