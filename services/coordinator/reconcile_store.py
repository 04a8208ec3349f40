"""What reconciling an agency reads and writes at the coordinator: its units' referrals, the documents kept for
them, and the outbox rows of documents sent again."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from services.coordinator.domain.reconciliation import SentDocument
from services.coordinator.store import StoredCase, _stored, starting_with
from shared.delivery.statements import Statements

_CASES = """
SELECT c.case_id, c.state::text AS state, c.registered, c.trace FROM cases c
WHERE EXISTS (
    SELECT 1 FROM case_referrals r
    WHERE r.case_id = c.case_id AND r.unit LIKE %s
      AND (r.status IN ('issued', 'accepted') OR r.closed_at >= %s)
)
ORDER BY c.case_id
"""


class ReconcileStore(Protocol):
    def cases_of_agency(self, agency: str, since: datetime | None) -> list[StoredCase]:
        """The cases with a referral to one of the agency's units that is open, or closed at or after `since`."""
        ...

    def case(self, case_id: str) -> StoredCase | None:
        """One case as `cases_of_agency` reads them, or None when the centre holds no such case."""
        ...

    def documents(self, referral_ids: Sequence[UUID]) -> list[SentDocument]: ...

    def clear_sent(self, message_ids: Sequence[UUID]) -> set[UUID]:
        """Drop the sent outbox rows of these ids, so they may be queued again; returns the ids still waiting
        to be sent (not to be queued twice)."""
        ...


class PostgresReconcileStore:
    def __init__(self, statements: Statements) -> None:
        self.sql = statements

    def cases_of_agency(self, agency: str, since: datetime | None) -> list[StoredCase]:
        # Without `since`, no closed referral qualifies: NULL compares as unknown.
        rows = self.sql.all(_CASES, (starting_with(f"{agency}:"), since))
        return [_stored(row["case_id"], row) for row in rows]

    def case(self, case_id: str) -> StoredCase | None:
        row = self.sql.one(
            "SELECT case_id, state::text AS state, registered, trace FROM cases WHERE case_id = %s", (case_id,)
        )
        return _stored(row["case_id"], row) if row is not None else None

    def documents(self, referral_ids: Sequence[UUID]) -> list[SentDocument]:
        rows = self.sql.all(
            "SELECT message_id, message_type, referral_id, body, recorded_at FROM referral_documents"
            " WHERE referral_id = ANY(%s::uuid[]) ORDER BY recorded_at, message_id",
            (list(referral_ids),),
        )
        return [_document(row) for row in rows]

    def clear_sent(self, message_ids: Sequence[UUID]) -> set[UUID]:
        ids = list(message_ids)
        self.sql.write("DELETE FROM outbox WHERE message_id = ANY(%s::uuid[]) AND published_at IS NOT NULL", (ids,))
        waiting = self.sql.all("SELECT message_id FROM outbox WHERE message_id = ANY(%s::uuid[])", (ids,))
        return {row["message_id"] for row in waiting}


def _document(row: dict[str, Any]) -> SentDocument:
    return SentDocument(
        message_id=row["message_id"],
        message_type=row["message_type"],
        referral_id=row["referral_id"],
        body=row["body"],
        recorded_at=row["recorded_at"],
    )
