"""The watches whose units are overdue and not yet escalated, and when each was sent up (migration 0011)."""

from datetime import datetime
from typing import Protocol
from uuid import UUID

from services.supervision.domain import Watch
from shared.contracts.vocabulary import ReferralRole
from shared.delivery.statements import Row, Statements

_WATCH_FIELDS = (
    "referral_id",
    "case_id",
    "unit",
    "issued_at",
    "due_at",
    "closed_at",
    "reminder_sent_at",
    "overdue_sent_at",
    "paused_at",
    "clock_revision",
)


class EscalationStore(Protocol):
    def lock_watches_to_escalate(self, now: datetime, limit: int) -> list[tuple[Watch, dict[str, str]]]:
        """Open, running watches past due whose 督办函 went out and that were never sent up, with their trace,
        locked (SKIP LOCKED: another supervision instance takes the others), the longest overdue first."""
        ...

    def mark_escalation_sent(self, referral_id: UUID, at: datetime) -> None: ...


class PostgresEscalationStore:
    """Mixed into PostgresSupervisionStore: the same transaction's statements."""

    sql: Statements

    def lock_watches_to_escalate(self, now: datetime, limit: int) -> list[tuple[Watch, dict[str, str]]]:
        rows = self.sql.all(
            "SELECT * FROM watches WHERE closed_at IS NULL AND overdue_sent_at IS NOT NULL"
            " AND escalation_sent_at IS NULL AND paused_at IS NULL AND due_at < %s"
            " ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED",
            (now, limit),
        )
        return [(_watch(row), row["trace"]) for row in rows]

    def mark_escalation_sent(self, referral_id: UUID, at: datetime) -> None:
        self.sql.write(
            "UPDATE watches SET escalation_sent_at = %s WHERE referral_id = %s AND escalation_sent_at IS NULL",
            (at, referral_id),
        )


def _watch(row: Row) -> Watch:
    return Watch(role=ReferralRole(row["role"]), **{name: row[name] for name in _WATCH_FIELDS})
