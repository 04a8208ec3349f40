"""The political-legal committee's store: the agency's referrals and records, and the risk register."""

from datetime import datetime
from typing import Protocol

from services.stability.domain import WarningColour
from shared.agency.store import AgencyStore, PostgresAgencyStore
from shared.contracts.messages import CaseAssigned
from shared.delivery.statements import Row
from shared.persistence.jsonb import jsonb


class StabilityStore(AgencyStore, Protocol):
    def note_risk(self, assigned: CaseAssigned, colour: WarningColour, at: datetime) -> None:
        """Enter a case in the risk register once, with its colour, flags, place and lead unit."""
        ...

    def risk_register(self, limit: int) -> list[Row]:
        """The register's cases, the latest noted first."""
        ...


class PostgresStabilityStore(PostgresAgencyStore):
    def note_risk(self, assigned: CaseAssigned, colour: WarningColour, at: datetime) -> None:
        self.sql.write(
            "INSERT INTO risk_register (case_id, colour, flags, category, division_code, lead_unit, noted_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (case_id) DO NOTHING",
            (
                assigned.case_id,
                colour.value,
                jsonb([f.value for f in assigned.flags]),
                assigned.category.value,
                assigned.division_code,
                assigned.lead_unit,
                at,
            ),
        )

    def risk_register(self, limit: int) -> list[Row]:
        return self.sql.all("SELECT * FROM risk_register ORDER BY noted_at DESC LIMIT %s", (limit,))
