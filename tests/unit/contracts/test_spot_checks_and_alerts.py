"""The spot-check and alert messages: a spot check's reopen carries its finding, alerts carry no personal data."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from pydantic import ValidationError

from shared.contracts.masking import mask_person_name
from shared.contracts.messages import CaseReopened, HighFrequencyAlertRaised, StabilityAlertRaised
from shared.messaging.routing import address
from shared.registry import load_registry

AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
ENVELOPE = {"occurred_at": AT, "case_id": "430426-20261130-00003", "sender": "centre:430426"}


def reopened(**fields) -> CaseReopened:
    return CaseReopened.build(message_id=UUID(int=1), recipient="centre:430426", round=2, **ENVELOPE, **fields)


def test_a_spot_check_reopen_carries_the_dissatisfied_finding() -> None:
    assert reopened(cause="spot_check", rating="dissatisfied").schema_version == 3
    with pytest.raises(ValidationError, match="spot check"):
        reopened(cause="spot_check")


def test_a_version_2_reopen_still_reads() -> None:
    wire = reopened(cause="repeat_report").model_dump(mode="json") | {"schema_version": 2}
    assert CaseReopened.model_validate(wire).cause.value == "repeat_report"


def alert_fields(**changes) -> dict:
    return {
        "alert_id": UUID(int=7),
        "kind": "repeated_applicant",
        "person_ref": "0123456789abcdef0123456789abcdef",
        "masked_name": "张*",
        "count": 3,
        "threshold": 3,
        "window_days": 30,
        "window_start": AT - timedelta(days=30),
        "case_ids": ["430426-20261130-00003"],
        "division_code": "430426101",
        **changes,
    }


def test_alerts_go_to_supervision_and_to_stability() -> None:
    registry = load_registry()
    to_supervision = HighFrequencyAlertRaised.build(
        message_id=UUID(int=1), recipient="centre:430426", **ENVELOPE, **alert_fields()
    )
    to_stability = StabilityAlertRaised.build(
        message_id=UUID(int=2), recipient="plc:430426", **ENVELOPE, **alert_fields()
    )
    assert address(to_supervision, registry)[1] == "supervision.HighFrequencyAlertRaised"
    assert address(to_stability, registry)[1] == "stability.StabilityAlertRaised"


@pytest.mark.parametrize("person_ref", ["430426199005201239", "13800138000", "张三"])
def test_an_alert_refuses_a_person_reference_that_is_not_a_key(person_ref: str) -> None:
    with pytest.raises(ValidationError, match="person_ref"):
        HighFrequencyAlertRaised.build(
            message_id=UUID(int=1), recipient="centre:430426", **ENVELOPE, **alert_fields(person_ref=person_ref)
        )


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("张", "张*"), ("13800138000", "1**********")]
)
def test_person_names_are_masked_to_their_first_character(name: str, masked: str) -> None:
    assert mask_person_name(name) == masked
