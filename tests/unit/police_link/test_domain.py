"""A dispute-type police call handed to mediation: the fields it must carry and the risk flags it implies."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.police_link.domain import PoliceCall, flags_for
from shared.contracts.vocabulary import Flag
from tests.unit.records import refused_fields

BEIJING = timezone(timedelta(hours=8))
CALL_NUMBER = "110-20261122-0042"
CALLED_AT = datetime(2026, 11, 22, 21, 40, tzinfo=BEIJING)


def refused(**details: Any) -> dict[str, str]:
    """The fields the police record is refused for, each with the reason pydantic gives."""
    return refused_fields(PoliceCall, details)


# --- flags ---------------------------------------------------------------------------


def test_a_quarrel_without_violence_or_escalation_risk_carries_no_flag() -> None:
    assert flags_for(PoliceCall(call_number=CALL_NUMBER)) == []


def test_violence_seen_at_the_scene_flags_violence_risk_only() -> None:
    call = PoliceCall(call_number=CALL_NUMBER, violence=True)

    assert flags_for(call) == [Flag.VIOLENCE_RISK]


def test_a_risk_of_turning_criminal_flags_both_violence_and_high_risk() -> None:
    call = PoliceCall(call_number=CALL_NUMBER, civil_to_criminal_risk=True)

    assert flags_for(call) == [Flag.VIOLENCE_RISK, Flag.HIGH_RISK]


def test_violence_and_a_risk_of_turning_criminal_flag_violence_risk_once() -> None:
    call = PoliceCall(call_number=CALL_NUMBER, violence=True, civil_to_criminal_risk=True)

    assert flags_for(call) == [Flag.VIOLENCE_RISK, Flag.HIGH_RISK]


def test_injury_a_weapon_or_repeated_calls_in_a_fed_record_flag_violence_risk_as_a_recorded_call_does() -> None:
    assert flags_for(PoliceCall(call_number=CALL_NUMBER, injury=True)) == [Flag.VIOLENCE_RISK]
    assert flags_for(PoliceCall(call_number=CALL_NUMBER, weapon_or_threat=True)) == [Flag.VIOLENCE_RISK]
    assert flags_for(PoliceCall(call_number=CALL_NUMBER, repeat_calls=2)) == [Flag.VIOLENCE_RISK]


def test_a_negative_count_of_repeated_calls_is_refused_by_name() -> None:
    assert refused(call_number=CALL_NUMBER, repeat_calls=-1) == {"repeat_calls": "greater_than_equal"}


@given(violence=st.booleans(), civil_to_criminal_risk=st.booleans())
def test_high_risk_is_flagged_exactly_when_the_officer_judged_a_risk_of_turning_criminal(
    violence: bool, civil_to_criminal_risk: bool
) -> None:
    call = PoliceCall(call_number=CALL_NUMBER, violence=violence, civil_to_criminal_risk=civil_to_criminal_risk)

    flags = flags_for(call)

    assert (Flag.HIGH_RISK in flags) == civil_to_criminal_risk
    assert (Flag.VIOLENCE_RISK in flags) == (violence or civil_to_criminal_risk)
    assert Flag.HIGH_RISK not in flags or Flag.VIOLENCE_RISK in flags
    assert len(flags) == len(set(flags))


# --- what the police send ------------------------------------------------------------


def test_a_call_with_only_its_number_has_no_time_and_no_risk() -> None:
    call = PoliceCall.model_validate({"call_number": CALL_NUMBER})

    assert call.call_number == CALL_NUMBER
    assert call.called_at is None
    assert (call.violence, call.civil_to_criminal_risk) == (False, False)


def test_a_call_time_with_its_offset_is_kept_as_the_same_instant() -> None:
    call = PoliceCall.model_validate({"call_number": CALL_NUMBER, "called_at": "2026-11-22T21:40:00+08:00"})

    assert call.called_at == CALLED_AT
    assert call.called_at == datetime(2026, 11, 22, 13, 40, tzinfo=UTC)


def test_a_call_time_without_a_timezone_is_refused_by_name() -> None:
    assert refused(call_number=CALL_NUMBER, called_at="2026-11-22T21:40:00") == {"called_at": "timezone_aware"}
    assert refused(call_number=CALL_NUMBER, called_at=datetime(2026, 11, 22, 21, 40)) == {"called_at": "timezone_aware"}


def test_a_call_without_a_number_is_refused() -> None:
    assert refused(called_at=CALLED_AT) == {"call_number": "missing"}
    assert refused(call_number="") == {"call_number": "string_too_short"}


def test_a_call_number_longer_than_64_characters_is_refused() -> None:
    assert refused(call_number="1" * 65) == {"call_number": "string_too_long"}


def test_a_field_the_police_record_does_not_define_is_refused_and_named() -> None:
    assert refused(call_number=CALL_NUMBER, injured=True) == {"injured": "extra_forbidden"}


def test_a_received_call_cannot_have_its_risk_judgement_changed_afterwards() -> None:
    call = PoliceCall(call_number=CALL_NUMBER, civil_to_criminal_risk=True)

    with pytest.raises(ValidationError):
        call.civil_to_criminal_risk = False  # type: ignore[misc]
    assert flags_for(call) == [Flag.VIOLENCE_RISK, Flag.HIGH_RISK]


@pytest.mark.parametrize("number", ["   ", "JQ\n2026", "JQ\x1b[2J2026", "JQ\u202e2026"])
def test_a_fed_call_number_that_is_blank_or_not_one_line_is_refused_by_name(number: str) -> None:
    """The number is shown beside the case and matched against the bureau's register: one visible line."""
    assert set(refused(call_number=number)) == {"call_number"}
