"""What reconciling an agency reads and writes at the coordinator: its units' referrals, the documents kept for
them (`sent_documents`), and the outbox rows of documents sent again."""

from datetime import datetime
from typing import Protocol

from services.coordinator.sent_documents import PostgresSentDocuments, SentDocuments
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
    # The documents sent to each referral (`sent_documents`), in the same transaction.
    sent: SentDocuments

    def cases_of_agency(self, agency: str, since: datetime | None) -> list[StoredCase]:
        """The cases with a referral to one of the agency's units that is open, or closed at or after `since`."""
        ...


class PostgresReconcileStore:
    def __init__(self, statements: Statements) -> None:
        self.sql = statements
        self.sent: SentDocuments = PostgresSentDocuments(statements)

    def cases_of_agency(self, agency: str, since: datetime | None) -> list[StoredCase]:
        # Without `since`, no closed referral qualifies: NULL compares as unknown.
        rows = self.sql.all(_CASES, (starting_with(f"{agency}:"), since))
        return [_stored(row["case_id"], row) for row in rows]
