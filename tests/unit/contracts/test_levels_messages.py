"""The messages of 三级: a decline's reason code (ReferralDeclined v2), a part closed as escalated, EscalateCase."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from pydantic import ValidationError

from shared.contracts.messages import DeclineReason, EscalateCase, ReferralClosed, ReferralDeclined

AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
ENVELOPE = {
    "message_id": "00000000-0000-4000-8000-000000000001",
    "case_id": "430426-20261123-00007",
    "recipient": "centre:430426",
    "occurred_at": AT.isoformat(),
}


def test_a_version_1_decline_reads_as_not_competent():
    body = {
        **ENVELOPE,
        "type": "ReferralDeclined",
        "schema_version": 1,
        "sender": "police:430426101",
        "referral_id": "00000000-0000-4000-8000-000000000002",
        "officer": "liu.yang",
        "reason": "不属于本所辖区",
    }

    assert ReferralDeclined.model_validate(body).reason_code is DeclineReason.NOT_COMPETENT


def test_an_unknown_decline_code_is_refused_at_reason_code():
    with pytest.raises(ValidationError) as refused:
        ReferralDeclined.build(
            message_id=UUID(int=3),
            occurred_at=AT,
            case_id="430426-20261123-00007",
            sender="police:430426101",
            recipient="centre:430426",
            referral_id=UUID(int=2),
            officer="liu.yang",
            reason="太忙",
            reason_code="too_busy",
        )

    assert [e["loc"] for e in refused.value.errors()] == [("reason_code",)]


def test_a_part_closed_because_the_case_went_up_says_escalated_and_a_version_2_close_still_reads():
    common = {**ENVELOPE, "type": "ReferralClosed", "sender": "centre:430426", "unit": "justice:430426101"}
    common["referral_id"] = "00000000-0000-4000-8000-000000000002"

    escalated = ReferralClosed.model_validate({**common, "schema_version": 3, "reason": "escalated"})
    older = ReferralClosed.model_validate({**common, "schema_version": 2, "reason": "declined"})

    assert (escalated.reason, older.reason) == ("escalated", "declined")


def test_an_escalation_counts_whole_working_days_overdue():
    with pytest.raises(ValidationError) as refused:
        EscalateCase.build(
            message_id=UUID(int=4),
            occurred_at=AT,
            case_id="430426-20261123-00007",
            sender="centre:430426",
            recipient="centre:430426",
            referral_id=UUID(int=2),
            unit="justice:430426101",
            due_at=AT,
            overdue_working_days=-1,
        )

    assert [e["loc"] for e in refused.value.errors()] == [("overdue_working_days",)]
