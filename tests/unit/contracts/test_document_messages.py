"""The letters' version 2 (文号, archived document, superior's copy) and the 通报 message; version 1 still reads."""

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from pydantic import ValidationError

from shared.contracts.messages import NoticeCirculated, OverdueNoticeIssued, ReminderIssued

V1_REMINDER = {
    "message_id": "00000000-0000-4000-8000-000000000001",
    "type": "ReminderIssued",
    "schema_version": 1,
    "case_id": "430426-20261102-00007",
    "sender": "centre:430426",
    "recipient": "police:430426101",
    "occurred_at": "2026-11-20T01:00:00+00:00",
    "referral_id": "11111111-1111-4111-8111-111111111111",
    "due_at": "2026-11-21T09:30:00+00:00",
}


def test_a_version_1_letter_still_reads_without_a_number():
    reminder = ReminderIssued.model_validate(V1_REMINDER)
    notice = OverdueNoticeIssued.model_validate(V1_REMINDER | {"type": "OverdueNoticeIssued"})
    assert (reminder.document_number, reminder.document_id) == (None, None)
    assert (notice.document_number, notice.about_unit) == (None, None)


def test_version_2_carries_the_number_and_the_superior_s_copy_names_the_late_unit():
    copy = OverdueNoticeIssued.model_validate(
        V1_REMINDER
        | {
            "type": "OverdueNoticeIssued",
            "schema_version": 2,
            "recipient": "police:430426",
            "document_number": "祁东综治〔2026〕督办第3号",
            "document_id": "6f1c7a52-3d4e-4b8a-9c0d-1e2f3a4b5c6d",
            "about_unit": "police:430426101",
        }
    )
    assert copy.about_unit == "police:430426101" and copy.document_number == "祁东综治〔2026〕督办第3号"


def test_a_notice_is_about_a_period_not_a_case():
    notice = NoticeCirculated.build(
        message_id=UUID(int=1),
        occurred_at=datetime(2026, 12, 1, 1, tzinfo=UTC),
        sender="centre:430426",
        recipient="police:430426101",
        document_number="祁东综治〔2026〕通报第1号",
        document_id=UUID(int=2),
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 30),
        overdue=2,
        overdue_letters=2,
        on_time_rate=50.0,
        rank=3,
    )
    assert notice.case_id is None
    with pytest.raises(ValidationError, match="overdue"):
        NoticeCirculated.model_validate(notice.model_dump(mode="json") | {"overdue": -1})
