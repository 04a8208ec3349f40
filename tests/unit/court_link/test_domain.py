"""A court filing diverted to pre-litigation mediation: the fields it must carry and the flags it implies."""

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.court_link.domain import CourtFiling, flags_for
from services.court_link.domain.numbers import official
from tests.unit.records import refused_fields

FILING_NUMBER = "（2026）湘0426民诉前调1234号"


def refused(**details: Any) -> dict[str, str]:
    """The fields the court's record is refused for, each with the reason pydantic gives."""
    return refused_fields(CourtFiling, details)


# --- flags ---------------------------------------------------------------------------


def test_a_wage_claim_diverted_for_mediation_carries_no_risk_flag() -> None:
    filing = CourtFiling(filing_number=FILING_NUMBER, claim_amount_yuan=Decimal("38600.00"))

    assert flags_for(filing) == []


def test_a_filing_whose_parties_decline_mediation_still_carries_no_risk_flag() -> None:
    filing = CourtFiling(filing_number=FILING_NUMBER, consents_to_mediation=False)

    assert flags_for(filing) == []


@given(claim=st.decimals(min_value=0, max_value=Decimal("1e12"), places=2), consents=st.booleans())
def test_no_claim_amount_however_large_makes_a_filing_a_risk(claim: Decimal, consents: bool) -> None:
    filing = CourtFiling(filing_number=FILING_NUMBER, claim_amount_yuan=claim, consents_to_mediation=consents)

    assert flags_for(filing) == []


# --- what the court sends ------------------------------------------------------------


def test_a_filing_with_only_its_number_is_taken_as_consenting_with_no_amount_stated() -> None:
    filing = CourtFiling.model_validate({"filing_number": FILING_NUMBER})

    assert filing.filing_number == FILING_NUMBER
    assert filing.claim_amount_yuan is None
    assert filing.consents_to_mediation is True


def test_a_claim_amount_sent_as_text_keeps_every_fen() -> None:
    filing = CourtFiling.model_validate({"filing_number": FILING_NUMBER, "claim_amount_yuan": "120000.05"})

    assert filing.claim_amount_yuan == Decimal("120000.05")


def test_a_claim_of_nothing_and_a_claim_of_a_trillion_yuan_are_both_accepted() -> None:
    assert CourtFiling(filing_number=FILING_NUMBER, claim_amount_yuan=Decimal(0)).claim_amount_yuan == 0
    assert CourtFiling(filing_number=FILING_NUMBER, claim_amount_yuan=Decimal("1e12")).claim_amount_yuan == Decimal(
        "1e12"
    )


def test_a_negative_claim_amount_is_refused_by_name() -> None:
    assert refused(filing_number=FILING_NUMBER, claim_amount_yuan="-0.01") == {
        "claim_amount_yuan": "greater_than_equal"
    }


def test_a_claim_above_a_trillion_yuan_is_refused_by_name() -> None:
    assert refused(filing_number=FILING_NUMBER, claim_amount_yuan="1000000000000.01") == {
        "claim_amount_yuan": "less_than_equal"
    }


def test_a_filing_without_a_number_is_refused() -> None:
    assert refused(claim_amount_yuan="5000") == {"filing_number": "missing"}
    assert refused(filing_number="") == {"filing_number": "string_too_short"}


def test_a_filing_number_longer_than_64_characters_is_refused() -> None:
    assert CourtFiling(filing_number="号" * 64).filing_number == "号" * 64
    assert refused(filing_number="号" * 65) == {"filing_number": "string_too_long"}


def test_a_field_the_court_record_does_not_define_is_refused_and_named() -> None:
    assert refused(filing_number=FILING_NUMBER, judge="王法官") == {"judge": "extra_forbidden"}


# --- one number, whatever its form ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["(2026)湘0426民初123号", "（2026)湘0426民初123号", "(2026）湘0426民初123号", "（２０２６）湘０４２６民初１２３号"],
)
def test_a_filing_number_in_any_form_is_written_as_the_court_writes_it(typed: str) -> None:
    assert official(typed) == "（2026）湘0426民初123号"
    assert official(official(typed)) == official(typed)


def test_a_record_carries_its_filing_number_in_its_official_form() -> None:
    filing = CourtFiling.model_validate({"filing_number": " (2026)湘0426民诉前调1234号 "})

    assert filing.filing_number == "（2026）湘0426民诉前调1234号"


def test_a_received_filing_cannot_be_altered_afterwards() -> None:
    filing = CourtFiling(filing_number=FILING_NUMBER, claim_amount_yuan=Decimal("38600"))

    with pytest.raises(ValidationError):
        filing.claim_amount_yuan = Decimal(0)  # type: ignore[misc]
    assert filing.claim_amount_yuan == Decimal("38600")
