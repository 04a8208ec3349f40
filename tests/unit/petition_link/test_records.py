"""A petition fed in as a record: the details it must carry, and when it is a group petition."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.petition_link.domain.records import GROUP_PETITION_PERSONS, PetitionDetails, flags_for
from shared.contracts.vocabulary import Flag
from tests.unit.records import refused_fields

PETITION_NUMBER = "430426-XF-20261122-0158"


def refused(**details: Any) -> dict[str, str]:
    """The fields the petition record is refused for, each with the reason pydantic gives."""
    return refused_fields(PetitionDetails, details)


# --- flags ---------------------------------------------------------------------------


def test_a_single_petitioner_marks_the_case_as_involving_a_petition() -> None:
    assert flags_for(PetitionDetails(petition_number=PETITION_NUMBER)) == [Flag.PETITION_INVOLVED]


def test_a_group_petition_is_five_or_more_people_in_one_visit() -> None:
    assert GROUP_PETITION_PERSONS == 5


def test_four_petitioners_together_are_not_a_group_petition() -> None:
    assert flags_for(PetitionDetails(petition_number=PETITION_NUMBER, persons=4)) == [Flag.PETITION_INVOLVED]


def test_five_petitioners_together_are_a_group_petition() -> None:
    assert flags_for(PetitionDetails(petition_number=PETITION_NUMBER, persons=5)) == [
        Flag.PETITION_INVOLVED,
        Flag.GROUP,
    ]


def test_a_repeat_petition_by_one_person_is_still_not_a_group_petition() -> None:
    petition = PetitionDetails(petition_number=PETITION_NUMBER, persons=1, repeat_petition=True)

    assert flags_for(petition) == [Flag.PETITION_INVOLVED]


@given(persons=st.integers(min_value=1, max_value=10_000), repeat_petition=st.booleans())
def test_every_petition_is_flagged_as_involving_one_and_as_a_group_from_five_people(
    persons: int, repeat_petition: bool
) -> None:
    flags = flags_for(
        PetitionDetails(petition_number=PETITION_NUMBER, persons=persons, repeat_petition=repeat_petition)
    )

    assert Flag.PETITION_INVOLVED in flags
    assert (Flag.GROUP in flags) == (persons >= 5)
    assert set(flags) <= {Flag.PETITION_INVOLVED, Flag.GROUP}


# --- what the petition bureau sends --------------------------------------------------


def test_a_petition_with_only_its_number_is_one_person_on_a_first_visit() -> None:
    petition = PetitionDetails.model_validate({"petition_number": PETITION_NUMBER})

    assert petition.persons == 1
    assert petition.repeat_petition is False


def test_a_petition_of_nobody_is_refused_by_name() -> None:
    assert refused(petition_number=PETITION_NUMBER, persons=0) == {"persons": "greater_than_equal"}


def test_up_to_ten_thousand_people_in_one_batch_are_accepted_and_more_refused() -> None:
    assert PetitionDetails(petition_number=PETITION_NUMBER, persons=10_000).persons == 10_000
    assert refused(petition_number=PETITION_NUMBER, persons=10_001) == {"persons": "less_than_equal"}


def test_a_number_of_people_that_is_not_a_whole_number_is_refused() -> None:
    assert refused(petition_number=PETITION_NUMBER, persons=5.5) == {"persons": "int_from_float"}


def test_a_petition_without_a_number_is_refused() -> None:
    assert refused(persons=12) == {"petition_number": "missing"}
    assert refused(petition_number="") == {"petition_number": "string_too_short"}


def test_a_field_the_petition_record_does_not_define_is_refused_and_named() -> None:
    assert refused(petition_number=PETITION_NUMBER, leader="孙七") == {"leader": "extra_forbidden"}


@pytest.mark.parametrize("number", ["   ", "XF\n2026", "XF\x1b[2J2026", "XF\u202e2026"])
def test_a_fed_petition_number_that_is_blank_or_not_one_line_is_refused_by_name(number: str) -> None:
    """The number is shown beside the case and matched against the bureau's register: one visible line."""
    assert set(refused(petition_number=number)) == {"petition_number"}
