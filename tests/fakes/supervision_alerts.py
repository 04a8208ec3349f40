"""High-frequency clue alerts in memory, as the `alerts` table holds them (mixed into FakeSupervisionStore)."""

from datetime import datetime
from uuid import UUID

from shared.contracts.messages import HighFrequencyAlertRaised
from shared.delivery.statements import Row


class FakeAlertStore:
    @property
    def alerts(self) -> dict[UUID, Row]:
        alerts: dict[UUID, Row] = self.__dict__.setdefault("_alerts", {})
        return alerts

    def record_alert(self, message: HighFrequencyAlertRaised) -> None:
        self.alerts.setdefault(
            message.alert_id,
            {
                "alert_id": message.alert_id,
                "kind": message.kind.value,
                "person_ref": message.person_ref,
                "masked_name": message.masked_name,
                "count": message.count,
                "threshold": message.threshold,
                "window_days": message.window_days,
                "window_start": message.window_start,
                "case_id": message.case_id,
                "case_ids": list(message.case_ids),
                "division_code": message.division_code,
                "raised_at": message.occurred_at,
                "handled_at": None,
                "handled_by": None,
                "note": None,
            },
        )

    def list_alerts(self, open_only: bool, limit: int) -> list[Row]:
        rows = [dict(row) for row in self.alerts.values() if not open_only or row["handled_at"] is None]
        rows.sort(key=lambda row: str(row["alert_id"]))
        rows.sort(key=lambda row: row["raised_at"], reverse=True)
        return rows[:limit]

    def lock_alert(self, alert_id: UUID) -> Row | None:
        row = self.alerts.get(alert_id)
        return None if row is None else dict(row)

    def mark_alert_handled(self, alert_id: UUID, handled_by: str, note: str | None, at: datetime) -> None:
        if alert_id in self.alerts:
            self.alerts[alert_id].update(handled_at=at, handled_by=handled_by, note=note)
