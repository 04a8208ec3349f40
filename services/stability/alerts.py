"""高频线索预警 at the political-legal committee: alerts from intake kept, and listed for the committee's officers."""

from typing import Any

from services.stability.store import StabilityStore
from shared.agency.handlers import require_officer_of_agency
from shared.auth.principal import Principal
from shared.contracts.messages import StabilityAlertRaised
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform

MAX_LIST = 500

Work = UnitOfWork[StabilityStore]


def handle_alert_raised(message: StabilityAlertRaised, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """Only intake, which alone holds the identities, raises alerts, to a unit of the committee."""
    platform.require_sender(message, sent_by, "intake")
    platform.require_own_unit(message)
    with uow:
        uow.claim(message)
        uow.store.record_alert(message)


def list_alerts(caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """The alerts addressed to the caller's own units of the committee, the latest first."""
    units = require_officer_of_agency(caller, platform)
    with uow:
        rows = uow.store.list_alerts(units, MAX_LIST + 1)
    return {
        "truncated": len(rows) > MAX_LIST,  # the latest MAX_LIST are listed, and older ones exist
        "alerts": [
            {
                **row,
                "alert_id": str(row["alert_id"]),
                "window_start": row["window_start"].isoformat(),
                "raised_at": row["raised_at"].isoformat(),
            }
            for row in rows[:MAX_LIST]
        ],
    }
