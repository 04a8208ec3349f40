"""Messages as the centre sends them, for tests: realistic defaults, and each test names what it cares about."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from shared.contracts.messages import NoticeCirculated, RecordLinked, ReferralIssued

CENTRE = "centre:430426"
ISSUED_AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def referral_issued(referral_id: UUID, recipient: str, **fields: Any) -> ReferralIssued:
    """A lead referral of a neighbours' dispute, due in 14 days; `fields` override any of it."""
    occurred_at = fields.pop("occurred_at", ISSUED_AT)
    defaults: dict[str, Any] = {
        "case_id": "430426-20261122-00001",
        "sender": CENTRE,
        "role": "lead",
        "round": 1,
        "source": "walk_in",
        "category": "neighbour",
        "division_code": "430426101",
        "summary": "邻里因宅基地界址争吵。",
        "flags": [],
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000"},
            {"role": "respondent", "kind": "person", "name": "李四", "phone": None},
        ],
        "due_at": occurred_at + timedelta(days=14),
    }
    return ReferralIssued.build(
        message_id=UUID(int=referral_id.int ^ 1),
        occurred_at=occurred_at,
        recipient=recipient,
        referral_id=referral_id,
        **{**defaults, **fields},
    )


def record_linked(message_id: UUID, recipient: str, record_id: str, case_id: str, **fields: Any) -> RecordLinked:
    """Intake's word that `recipient`'s fed record `record_id` joined `case_id` as a repeat; `fields` override."""
    defaults: dict[str, Any] = {
        "occurred_at": ISSUED_AT,
        "sender": CENTRE,
        "reason": "same parties and category within 30 days",
        "fed_message_id": UUID(int=message_id.int ^ 1),
    }
    return RecordLinked.build(
        message_id=message_id, recipient=recipient, record_id=record_id, case_id=case_id, **{**defaults, **fields}
    )


def notice_circulated(document_id: UUID, recipient: str, number: str, **fields: Any) -> NoticeCirculated:
    """November's 通报 naming `recipient` as overdue once; `fields` override any of it."""
    defaults: dict[str, Any] = {
        "message_id": UUID(int=document_id.int ^ 1),
        "occurred_at": datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
        "sender": CENTRE,
        "period_from": date(2026, 11, 1),
        "period_to": date(2026, 11, 30),
        "overdue": 1,
        "overdue_letters": 0,
    }
    return NoticeCirculated.build(
        recipient=recipient, document_id=document_id, document_number=number, **{**defaults, **fields}
    )
