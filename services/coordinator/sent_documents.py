"""What the coordinator sent each referral, as kept for reconciling (less parties and summary), and the outbox rows
of documents it sends again under their first message ids."""

from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

from services.coordinator.domain.reconciliation import SentDocument
from shared.delivery.statements import Statements


class SentDocuments(Protocol):
    def documents(self, referral_ids: Sequence[UUID]) -> list[SentDocument]:
        """The documents kept for these referrals, oldest first."""
        ...

    def clear_sent(self, message_ids: Sequence[UUID]) -> set[UUID]:
        """Drop the sent outbox rows of these ids, so they may be queued again; returns the ids still waiting
        to be sent (not to be queued twice)."""
        ...


class PostgresSentDocuments:
    def __init__(self, statements: Statements) -> None:
        self.sql = statements

    def documents(self, referral_ids: Sequence[UUID]) -> list[SentDocument]:
        # Kept by the trigger on the outbox (migration 0007), which leaves the parties and summary out.
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
