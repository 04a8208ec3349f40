"""High-frequency clue alerts as supervision keeps them (migration 0010): raised by intake, handled by a supervisor."""

from datetime import datetime
from typing import Protocol
from uuid import UUID

from shared.contracts.messages import HighFrequencyAlertRaised
from shared.delivery.statements import Row, Statements
from shared.persistence.jsonb import jsonb

ALERT_COLUMNS = (
    "alert_id, kind, person_ref, masked_name, count, threshold, window_days, window_start, case_id, case_ids,"
    " division_code, raised_at, handled_at, handled_by, note"
)


class AlertStore(Protocol):
    def record_alert(self, message: HighFrequencyAlertRaised) -> None:
        """Keep an alert, once per alert id."""
        ...

    def list_alerts(self, open_only: bool, limit: int) -> list[Row]:
        """Alerts (ALERT_COLUMNS) the latest raised first; only those not handled if `open_only`."""
        ...

    def lock_alert(self, alert_id: UUID) -> Row | None:
        """One alert (ALERT_COLUMNS), locked, or None if there is no such alert."""
        ...

    def mark_alert_handled(self, alert_id: UUID, handled_by: str, note: str | None, at: datetime) -> None: ...


class PostgresAlertStore:
    """Mixed into PostgresSupervisionStore: the same transaction's statements."""

    sql: Statements

    def record_alert(self, message: HighFrequencyAlertRaised) -> None:
        self.sql.write(
            f"INSERT INTO alerts ({ALERT_COLUMNS}) VALUES"
            " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, NULL, NULL) ON CONFLICT (alert_id) DO NOTHING",
            (
                message.alert_id,
                message.kind.value,
                message.person_ref,
                message.masked_name,
                message.count,
                message.threshold,
                message.window_days,
                message.window_start,
                message.case_id,
                jsonb(list(message.case_ids)),
                message.division_code,
                message.occurred_at,
            ),
        )

    def list_alerts(self, open_only: bool, limit: int) -> list[Row]:
        where = "WHERE handled_at IS NULL" if open_only else ""
        return self.sql.all(
            f"SELECT {ALERT_COLUMNS} FROM alerts {where} ORDER BY raised_at DESC, alert_id LIMIT %s", (limit,)
        )

    def lock_alert(self, alert_id: UUID) -> Row | None:
        return self.sql.one(f"SELECT {ALERT_COLUMNS} FROM alerts WHERE alert_id = %s FOR UPDATE", (alert_id,))

    def mark_alert_handled(self, alert_id: UUID, handled_by: str, note: str | None, at: datetime) -> None:
        self.sql.write(
            "UPDATE alerts SET handled_at = %s, handled_by = %s, note = %s WHERE alert_id = %s",
            (at, handled_by, note, alert_id),
        )
