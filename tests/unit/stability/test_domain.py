"""A stability-risk lead's flags, and the three-colour warning a case's risk flags give it."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.stability.domain import StabilityLead, WarningColour, flags_for, warning_colour
from shared.contracts.vocabulary import Flag
from tests.unit.records import refused_fields

RISK_FLAGS = {Flag.HIGH_RISK, Flag.VIOLENCE_RISK, Flag.GROUP}
OTHER_FLAGS = set(Flag) - RISK_FLAGS


def refused(**details: Any) -> dict[str, str]:
    """The fields the stability lead is refused for, each with the reason pydantic gives."""
    return refused_fields(StabilityLead, details)


# --- a lead's flags ------------------------------------------------------------------


def test_a_red_lead_marks_the_case_high_risk() -> None:
    assert flags_for(StabilityLead(colour=WarningColour.RED)) == [Flag.HIGH_RISK]


@pytest.mark.parametrize("colour", [WarningColour.YELLOW, WarningColour.GREEN])
def test_a_yellow_or_green_lead_adds_no_flag(colour: WarningColour) -> None:
    assert flags_for(StabilityLead(colour=colour)) == []


def test_a_person_under_source_control_does_not_by_itself_make_a_lead_high_risk() -> None:
    assert flags_for(StabilityLead(colour=WarningColour.GREEN, source_control=True)) == []
    assert flags_for(StabilityLead(colour=WarningColour.RED, source_control=True)) == [Flag.HIGH_RISK]


def test_a_red_lead_puts_its_case_on_the_register_as_red() -> None:
    assert warning_colour(flags_for(StabilityLead(colour=WarningColour.RED))) is WarningColour.RED


# --- a case's warning colour ---------------------------------------------------------


def test_a_case_at_risk_of_a_killing_is_red() -> None:
    assert warning_colour([Flag.HIGH_RISK]) is WarningColour.RED


def test_a_case_with_violence_risk_is_yellow() -> None:
    assert warning_colour([Flag.VIOLENCE_RISK]) is WarningColour.YELLOW


def test_a_group_dispute_is_yellow() -> None:
    assert warning_colour([Flag.GROUP]) is WarningColour.YELLOW


@pytest.mark.parametrize(
    "flags",
    [
        [Flag.HIGH_RISK, Flag.VIOLENCE_RISK],
        [Flag.VIOLENCE_RISK, Flag.HIGH_RISK],
        [Flag.GROUP, Flag.HIGH_RISK],
        [Flag.PETITION_INVOLVED, Flag.GROUP, Flag.VIOLENCE_RISK, Flag.HIGH_RISK],
    ],
    ids=["high then violence", "violence then high", "group then high", "every risk and a petition"],
)
def test_high_risk_makes_a_case_red_whatever_else_it_carries(flags: list[Flag]) -> None:
    assert warning_colour(flags) is WarningColour.RED


def test_a_group_dispute_with_violence_risk_is_still_only_yellow() -> None:
    assert warning_colour([Flag.GROUP, Flag.VIOLENCE_RISK]) is WarningColour.YELLOW


@pytest.mark.parametrize(
    "flags",
    [[], [Flag.PETITION_INVOLVED], [Flag.RESOLVED_AT_WINDOW], [Flag.PETITION_INVOLVED, Flag.RESOLVED_AT_WINDOW]],
    ids=["no flags", "petition", "resolved at the window", "petition resolved at the window"],
)
def test_a_case_without_a_risk_flag_gets_no_warning_colour(flags: list[Flag]) -> None:
    assert warning_colour(flags) is None


@given(flags=st.lists(st.sampled_from(list(Flag))))
def test_a_case_is_coloured_exactly_when_it_carries_a_risk_flag(flags: list[Flag]) -> None:
    colour = warning_colour(flags)

    assert (colour is None) == RISK_FLAGS.isdisjoint(flags)
    assert (colour is WarningColour.RED) == (Flag.HIGH_RISK in flags)
    assert colour is not WarningColour.GREEN


@given(
    risk=st.sets(st.sampled_from(sorted(RISK_FLAGS)), min_size=1), other=st.sets(st.sampled_from(sorted(OTHER_FLAGS)))
)
def test_flags_that_carry_no_risk_never_change_a_case_colour(risk: set[Flag], other: set[Flag]) -> None:
    assert warning_colour([*risk, *other]) is warning_colour(sorted(risk))
    assert warning_colour(sorted(other)) is None


# --- what the stability office sends -------------------------------------------------


def test_a_lead_with_no_colour_given_is_yellow_and_not_under_source_control() -> None:
    lead = StabilityLead.model_validate({})

    assert lead.colour is WarningColour.YELLOW
    assert lead.source_control is False


def test_a_colour_sent_as_text_is_read_as_that_colour() -> None:
    assert StabilityLead.model_validate({"colour": "red"}).colour is WarningColour.RED


def test_a_colour_outside_the_three_is_refused_by_name() -> None:
    assert refused(colour="orange") == {"colour": "enum"}


def test_a_field_the_stability_lead_does_not_define_is_refused_and_named() -> None:
    assert refused(colour="red", township="玉合街道") == {"township": "extra_forbidden"}
