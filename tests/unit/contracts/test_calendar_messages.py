"""The provisional mark is an optional field of a new version; older versions still read, as not provisional."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from pydantic import ValidationError

from shared.contracts.messages import (
    EVENTS_EXCHANGE,
    CalendarYearLoaded,
    DeadlineChanged,
    ReferralDeadlineChanged,
    UnitDesignated,
)
from shared.messaging.routing import address
from shared.registry import load_registry
from tests.calendar_years import TEST_2027

AT = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
ENVELOPE = {
    "message_id": str(UUID(int=1)),
    "case_id": "430426-20261204-00007",
    "sender": "centre:430426",
    "recipient": "centre:430426",
    "occurred_at": AT.isoformat(),
}


# A unit's deadline moved, as version 1 wrote it.
DEADLINE_CHANGED = {
    **ENVELOPE,
    "type": "DeadlineChanged",
    "schema_version": 1,
    "referral_id": str(UUID(int=2)),
    "unit": "police:430426101",
    "due_at": "2027-01-07T09:30:00+00:00",
    "revision": 2,
    "paused": False,
}


def test_a_version_1_deadline_change_reads_as_not_provisional() -> None:
    body = DEADLINE_CHANGED
    assert DeadlineChanged.model_validate(body).due_provisional is False
    unit_body = {k: v for k, v in body.items() if k not in ("unit", "paused")}
    assert (
        ReferralDeadlineChanged.model_validate({**unit_body, "type": "ReferralDeadlineChanged"}).due_provisional
        is False
    )


def test_a_version_1_designation_reads_as_not_provisional() -> None:
    referral = {
        "referral_id": str(UUID(int=3)),
        "unit": "court:430426",
        "role": "lead",
        "round": 1,
        "issued_at": AT.isoformat(),
        "due_at": "2027-01-07T09:30:00+00:00",
    }
    message = UnitDesignated.model_validate(
        {**ENVELOPE, "type": "UnitDesignated", "schema_version": 1, "referral": referral}
    )
    assert message.referral.due_provisional is False


def test_a_loaded_year_is_an_event_about_no_case() -> None:
    message = CalendarYearLoaded.build(
        message_id=UUID(int=4),
        occurred_at=AT,
        sender="centre:430426",
        recipient="centre:430426",
        loaded_by="yunwei.wang",
        **TEST_2027,
    )
    assert message.case_id is None
    assert address(message, load_registry()) == (EVENTS_EXCHANGE, "CalendarYearLoaded")
    assert CalendarYearLoaded.model_validate(message.model_dump(mode="json")) == message


def test_a_paused_clock_that_does_not_say_when_or_why_names_the_field_it_lacks() -> None:
    body = {**DEADLINE_CHANGED, "schema_version": 2, "paused": True, "reason": "awaiting_party"}
    with pytest.raises(ValidationError) as refused:
        DeadlineChanged.model_validate(body)
    [error] = refused.value.errors()
    assert (error["loc"], error["type"]) == (("paused_at",), "missing")
