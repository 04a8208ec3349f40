"""逾期提级's watches in memory, over the fake supervision store's own dicts (mixed into FakeSupervisionStore)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from services.supervision.domain import Watch
from shared.centres import Level
from shared.contracts.identifiers import split_unit


class FakeEscalationStore:
    watches: dict[UUID, Watch]
    watch_rows: dict[UUID, dict[str, Any]]

    @property
    def escalations_sent(self) -> dict[UUID, datetime]:
        # Kept beside the watches as the column is; made on first use, so the mixin needs no __init__.
        sent: dict[UUID, datetime] = self.__dict__.setdefault("_escalations_sent", {})
        return sent

    def lock_watches_to_escalate(
        self, now: datetime, limit: int, due_before: Mapping[Level, datetime] | None = None
    ) -> list[tuple[Watch, dict[str, str]]]:
        def cutoff(unit: str) -> datetime:
            try:
                return (due_before or {}).get(Level.of(split_unit(unit)[1]), now)
            except ValueError:
                return now

        due = [
            w
            for w in self.watches.values()
            if w.closed_at is None
            and w.overdue_sent_at is not None
            and w.referral_id not in self.escalations_sent
            and w.paused_at is None
            and w.due_at < now
            and w.due_at < cutoff(w.unit)
        ]
        return [(w, self.watch_rows[w.referral_id]["trace"]) for w in sorted(due, key=lambda w: w.due_at)[:limit]]

    def mark_escalation_sent(self, referral_id: UUID, at: datetime) -> None:
        self.escalations_sent.setdefault(referral_id, at)
