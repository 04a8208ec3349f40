"""The watches whose units are overdue and not yet escalated, and when each was sent up (migration 0011)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol
from uuid import UUID

from services.supervision.domain import Watch
from shared.centres import Level
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
    def lock_watches_to_escalate(
        self, now: datetime, limit: int, due_before: Mapping[Level, datetime] | None = None
    ) -> list[tuple[Watch, dict[str, str]]]:
        """Open, running watches past due whose 督办函 went out and that were never sent up, with their trace,
        locked (SKIP LOCKED: another supervision instance takes the others), the longest overdue first; with
        `due_before`, only those whose deadline fell before their unit's level's moment
        (`escalation.deadlines_due_before`)."""
        ...

    def mark_escalation_sent(self, referral_id: UUID, at: datetime) -> None: ...


class PostgresEscalationStore:
    """Mixed into PostgresSupervisionStore: the same transaction's statements."""

    sql: Statements

    def lock_watches_to_escalate(
        self, now: datetime, limit: int, due_before: Mapping[Level, datetime] | None = None
    ) -> list[tuple[Watch, dict[str, str]]]:
        # A unit's level is its division code's length (6, 9 or 12 digits); any other passes by `now` alone, to be
        # judged (and logged) by the handler. The CASE's branches are typed: untyped, PostgreSQL takes them for text
        # and will not prepare the statement (timestamptz < text), which the timer then sends as text every tick.
        cutoffs = [(due_before or {}).get(level, now) for level in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)]
        rows = self.sql.all(
            "SELECT * FROM watches WHERE closed_at IS NULL AND overdue_sent_at IS NOT NULL"
            " AND escalation_sent_at IS NULL AND paused_at IS NULL AND due_at < %s"
            " AND due_at < CASE length(split_part(unit, ':', 2)) WHEN 6 THEN %s::timestamptz"
            " WHEN 9 THEN %s::timestamptz WHEN 12 THEN %s::timestamptz ELSE %s::timestamptz END"
            " ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED",
            (now, *cutoffs, now, limit),
        )
        return [(_watch(row), row["trace"]) for row in rows]

    def mark_escalation_sent(self, referral_id: UUID, at: datetime) -> None:
        self.sql.write(
            "UPDATE watches SET escalation_sent_at = %s WHERE referral_id = %s AND escalation_sent_at IS NULL",
            (at, referral_id),
        )


def _watch(row: Row) -> Watch:
    return Watch(role=ReferralRole(row["role"]), **{name: row[name] for name in _WATCH_FIELDS})
