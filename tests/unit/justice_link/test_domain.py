"""A people's-mediation request: the fields it may carry and the flags it implies."""

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.justice_link.domain import MediationRequest, flags_for
from tests.unit.records import refused_fields

COMMITTEE = "洪桥街道人民调解委员会"


def refused(**details: Any) -> dict[str, str]:
    """The fields the mediation request is refused for, each with the reason pydantic gives."""
    return refused_fields(MediationRequest, details)


# --- flags ---------------------------------------------------------------------------


def test_a_request_to_a_committee_carries_no_risk_flag() -> None:
    assert flags_for(MediationRequest(committee=COMMITTEE)) == []


def test_asking_for_legal_aid_does_not_make_a_request_a_risk() -> None:
    assert flags_for(MediationRequest(committee=COMMITTEE, legal_aid_requested=True)) == []


@given(committee=st.none() | st.text(max_size=100), legal_aid_requested=st.booleans())
def test_no_mediation_request_implies_a_flag(committee: str | None, legal_aid_requested: bool) -> None:
    try:
        request = MediationRequest(committee=committee, legal_aid_requested=legal_aid_requested)
    except ValidationError:  # a blank name, or one of several lines: refused, naming committee
        assume(False)

    assert flags_for(request) == []


# --- what the justice bureau sends ---------------------------------------------------


def test_an_empty_request_names_no_committee_and_asks_no_legal_aid() -> None:
    request = MediationRequest.model_validate({})

    assert request.committee is None
    assert request.legal_aid_requested is False


def test_a_request_keeps_the_committee_it_was_sent_to() -> None:
    request = MediationRequest.model_validate({"committee": COMMITTEE, "legal_aid_requested": True})

    assert request.committee == COMMITTEE
    assert request.legal_aid_requested is True


def test_a_committee_name_longer_than_100_characters_is_refused_by_name() -> None:
    assert MediationRequest(committee="调" * 100).committee == "调" * 100
    assert refused(committee="调" * 101) == {"committee": "string_too_long"}


def test_a_field_the_mediation_request_does_not_define_is_refused_and_named() -> None:
    assert refused(committee=COMMITTEE, mediator="赵调解员") == {"mediator": "extra_forbidden"}


def test_a_legal_aid_answer_that_is_not_yes_or_no_is_refused_by_name() -> None:
    assert refused(committee=COMMITTEE, legal_aid_requested="也许") == {"legal_aid_requested": "bool_parsing"}


@pytest.mark.parametrize("committee", ["   ", "洪桥\n人民调解委员会", "洪桥\x1b[2J调委会", "洪桥\u202e调委会"])
def test_a_committee_name_that_is_blank_or_not_one_line_is_refused_by_name(committee: str) -> None:
    """It is printed on the case's letters: a line break or an escape forges lines there, a blank names no one."""
    assert set(refused(committee=committee)) == {"committee"}
