"""立案审查: a filing goes to the centre for 诉前调解 only when the law allows it and all of Shandan's criteria hold."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.court_link.domain.screening import (
    AdministrativeMatter,
    CaseType,
    FilingDecision,
    NotDiverted,
    ScreeningFacts,
    screen,
)

CLEAR_AND_WILLING = ScreeningFacts(legal_relation_clear=True, facts_clear=True, parties_consent=True)


@pytest.mark.parametrize("case_type", [CaseType.CIVIL, CaseType.COMMERCIAL])
def test_a_clear_civil_or_commercial_dispute_whose_parties_agree_goes_to_the_centre(case_type):
    screening = screen(case_type, CLEAR_AND_WILLING)

    assert (screening.decision, screening.reasons, screening.diverted) == (FilingDecision.DIVERTED, (), True)


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (ScreeningFacts(False, True, True), NotDiverted.LEGAL_RELATION_UNCLEAR),
        (ScreeningFacts(True, False, True), NotDiverted.FACTS_UNCLEAR),
        (ScreeningFacts(True, True, False), NotDiverted.NO_CONSENT),
    ],
    ids=["legal relation unclear", "facts unclear", "a party refuses mediation"],
)
def test_a_filing_failing_one_criterion_is_filed_and_says_which(facts, reason):
    screening = screen(CaseType.CIVIL, facts)

    assert (screening.decision, screening.reasons) == (FilingDecision.FILED, (reason,))


def test_a_filing_failing_every_criterion_names_them_all_in_a_fixed_order():
    screening = screen(CaseType.COMMERCIAL, ScreeningFacts(False, False, False))

    assert screening.reasons == (
        NotDiverted.LEGAL_RELATION_UNCLEAR,
        NotDiverted.FACTS_UNCLEAR,
        NotDiverted.NO_CONSENT,
    )


@pytest.mark.parametrize(
    "matter", [AdministrativeMatter.COMPENSATION, AdministrativeMatter.INDEMNITY, AdministrativeMatter.DISCRETION]
)
def test_an_administrative_filing_the_law_lets_a_court_mediate_is_screened_like_a_civil_one(matter):
    """行政诉讼法 第六十条: 行政赔偿、补偿以及行政机关行使法律、法规规定的自由裁量权的案件可以调解."""
    assert screen(CaseType.ADMINISTRATIVE, CLEAR_AND_WILLING, matter).decision is FilingDecision.DIVERTED
    assert screen(CaseType.ADMINISTRATIVE, ScreeningFacts(True, True, False), matter).reasons == (
        NotDiverted.NO_CONSENT,
    )


@pytest.mark.parametrize("matter", [AdministrativeMatter.OTHER, None])
def test_any_other_administrative_filing_is_filed_however_clear_and_willing(matter):
    """人民法院审理行政案件，不适用调解; a matter not stated is not taken to be mediable."""
    screening = screen(CaseType.ADMINISTRATIVE, CLEAR_AND_WILLING, matter)

    assert (screening.decision, screening.reasons) == (FilingDecision.FILED, (NotDiverted.NOT_MEDIABLE_BY_LAW,))


@given(
    case_type=st.sampled_from(CaseType),
    matter=st.sampled_from([*AdministrativeMatter, None]),
    facts=st.builds(ScreeningFacts, st.booleans(), st.booleans(), st.booleans()),
)
def test_a_filing_is_diverted_exactly_when_it_fails_no_criterion(case_type, matter, facts):
    screening = screen(case_type, facts, matter)

    assert screening.diverted == (screening.reasons == ())
    all_hold = facts.legal_relation_clear and facts.facts_clear and facts.parties_consent
    mediable = case_type is not CaseType.ADMINISTRATIVE or matter not in (AdministrativeMatter.OTHER, None)
    assert screening.diverted == (all_hold and mediable)
