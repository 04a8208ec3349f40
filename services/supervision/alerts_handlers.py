"""High-frequency clue alerts (高频线索预警) in supervision: kept from intake, listed, marked handled."""

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from services.supervision.store import SupervisionStore
from shared.contracts.disputes import LongText
from shared.contracts.messages import HighFrequencyAlertRaised
from shared.http import BadInput
from shared.persistence.errors import NotFound
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.refusal import Refused

Work = UnitOfWork[SupervisionStore]
MAX_LIST = 500


class AlertsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    open: bool = True  # false: handled ones too


class HandleAlert(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    note: LongText | None = None


def alert_id_in_path(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise BadInput([{"field": "alert_id", "message": "must be a UUID", "type": "uuid_parsing"}]) from None


def handle_alert_raised(message: HighFrequencyAlertRaised, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """Only intake, which alone holds the identities, raises alerts, to the county's centre."""
    platform.require_sender(message, sent_by, "intake")
    platform.require_centre_recipient(message)
    with uow:
        uow.claim(message)
        uow.store.record_alert(message)


def list_alerts(query: AlertsQuery, uow: Work) -> dict[str, Any]:
    with uow:
        rows = uow.store.list_alerts(query.open, MAX_LIST + 1)
    # `truncated`: the latest MAX_LIST are shown, and older ones exist.
    return {"alerts": [shown(row) for row in rows[:MAX_LIST]], "truncated": len(rows) > MAX_LIST}


def mark_handled(
    alert_id: UUID, command: HandleAlert, supervisor: str, uow: Work, platform: Platform
) -> dict[str, Any]:
    """A supervisor has looked into the alert; the account recorded is the signed-in one."""
    at = platform.now()
    with uow:
        row = uow.store.lock_alert(alert_id)
        if row is None:
            raise NotFound(f"no alert {alert_id}")
        if row["handled_at"] is not None:
            raise Refused("already_handled", f"alert {alert_id} was handled by {row['handled_by']}")
        uow.store.mark_alert_handled(alert_id, supervisor, command.note, at)
        row = {**row, "handled_at": at, "handled_by": supervisor, "note": command.note}
    return shown(row)


def shown(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "alert_id": str(row["alert_id"]),
        **{key: row[key].isoformat() if row[key] else None for key in ("window_start", "raised_at", "handled_at")},
        "handled": row["handled_at"] is not None,
    }
