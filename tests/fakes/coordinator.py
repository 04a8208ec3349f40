"""The coordinator's store in memory: cases kept as the JSON documents the real store writes."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from services.coordinator.domain.figures import Figures, tally
from services.coordinator.domain.model import Case, TimelineEntry
from services.coordinator.domain.reconciliation import SentDocument
from services.coordinator.store import CaseQuery, ListedCase, StoredCase
from shared import clock
from shared.contracts.envelope import Envelope
from shared.delivery.statements import Row
from shared.persistence.errors import Conflict, NotFound, StoreError
from tests.fakes.calendar import FakeCalendarStore

# What the outbox's trigger keeps of a referral's documents (coordinator migration 0007).
REFERRAL_DOCUMENTS = ("ReferralIssued", "ReferralDeadlineChanged", "ReferralWithdrawn")

_case_codec = TypeAdapter(Case)


def as_json(value: object) -> Any:
    """What a jsonb column gives back."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


class FakeSentDocuments:
    """The documents sent to referrals, kept as the outbox's trigger keeps them, and the outbox rows still waiting."""

    def __init__(self) -> None:
        self.kept: list[SentDocument] = []
        self.waiting: set[UUID] = set()  # queued and not yet sent: a test puts ids here
        self.cleared: list[UUID] = []  # sent rows dropped to be queued again

    def keep(self, message: Envelope, at: datetime) -> None:
        """What the trigger records as a message is queued: a referral's document, its body less parties and
        summary, once per message id (one sent again is kept already)."""
        if message.type not in REFERRAL_DOCUMENTS or any(d.message_id == message.message_id for d in self.kept):
            return
        body = message.model_dump(mode="json", exclude={"parties", "summary"})
        self.kept.append(SentDocument(message.message_id, message.type, UUID(body["referral_id"]), body, at))

    def documents(self, referral_ids: Sequence[UUID]) -> list[SentDocument]:
        wanted = set(referral_ids)
        found = [d for d in self.kept if d.referral_id in wanted]
        return sorted(found, key=lambda d: (d.recorded_at, str(d.message_id)))

    def clear_sent(self, message_ids: Sequence[UUID]) -> set[UUID]:
        self.cleared.extend(i for i in message_ids if i not in self.waiting)
        return {i for i in message_ids if i in self.waiting}


class FakeCaseStore:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.timeline: dict[str, list[Row]] = {}
        self.calendar = FakeCalendarStore()
        self.sent = FakeSentDocuments()

    def outbox_queued(self, message: Envelope) -> None:
        """The outbox's trigger, as FakeUnitOfWork queues a message in the store's transaction."""
        self.sent.keep(message, clock.now())

    def add(self, case: Case, registered: dict[str, Any], trace: dict[str, str], at: datetime) -> None:
        if case.case_id in self.rows:
            raise Conflict(f"duplicate key value violates unique constraint: case {case.case_id}")
        self.rows[case.case_id] = {
            "state": as_json(_case_codec.dump_python(case, mode="json")),
            "registered": as_json(registered),
            "trace": as_json(trace),
            "registered_at": at,
            "updated_at": at,
        }

    def lock(self, case_id: str) -> StoredCase:
        row = self._row(case_id)
        return StoredCase(_case_codec.validate_python(row["state"]), row["registered"], row["trace"])

    def save(self, case: Case, at: datetime) -> None:
        row = self.rows.get(case.case_id)
        if row is not None:  # an UPDATE of no row changes nothing
            row["state"] = as_json(_case_codec.dump_python(case, mode="json"))
            row["updated_at"] = at

    def forget_phones(self, case_id: str) -> None:
        row = self.rows.get(case_id)
        if row is not None and isinstance(row["registered"].get("parties"), list):
            row["registered"]["parties"] = [{**p, "phone": None} for p in row["registered"]["parties"]]

    def append_timeline(self, case_id: str, entries: Sequence[TimelineEntry]) -> None:
        if case_id not in self.rows:
            raise StoreError(f"violates foreign key constraint: timeline of case {case_id}, which was never added")
        lines = self.timeline.setdefault(case_id, [])
        for entry in entries:
            if any(line["seq"] == entry.seq for line in lines):
                raise Conflict(f"duplicate key value violates unique constraint: timeline {case_id} {entry.seq}")
            lines.append({"seq": entry.seq, "at": entry.at, "kind": entry.kind.value, "detail": as_json(entry.detail)})
        lines.sort(key=lambda line: line["seq"])

    def read(self, case_id: str) -> tuple[StoredCase, list[Row]]:
        return self.lock(case_id), [dict(line) for line in self.timeline.get(case_id, [])]

    def list_cases(self, query: CaseQuery, limit: int, offset: int = 0) -> list[ListedCase]:
        listed = sorted(self._matching(query), key=lambda c: (c.updated_at, c.case.case_id), reverse=not query.status)
        return listed[offset : offset + limit]

    def count_cases(self, query: CaseQuery) -> int:
        return len(self._matching(query))

    def count_by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows.values():
            counts[row["state"]["status"]] = counts.get(row["state"]["status"], 0) + 1
        return counts

    def figures(self, now: datetime) -> Figures:
        return tally((self.case(case_id) for case_id in self.rows), now)

    def open_cases_due_from(self, moment: datetime) -> list[str]:
        return sorted(
            case_id
            for case_id in self.rows
            if any(r.is_open and r.due_at >= moment for r in self.case(case_id).referrals)
        )

    # --- for tests -----------------------------------------------------------------------

    def case(self, case_id: str) -> Case:
        return self.lock(case_id).case

    def _matching(self, query: CaseQuery) -> list[ListedCase]:
        listed = (
            ListedCase(self.case(case_id), row["registered"].get("summary"), row["registered_at"], row["updated_at"])
            for case_id, row in self.rows.items()
        )
        return [c for c in listed if _matches(query, c)]

    def _row(self, case_id: str) -> dict[str, Any]:
        if case_id not in self.rows:
            raise NotFound(f"no case {case_id}")
        return self.rows[case_id]


def _matches(query: CaseQuery, listed: ListedCase) -> bool:
    """What the SQL of `PostgresCaseStore._where` selects, one case at a time."""
    case, facts = listed.case, listed.case.facts
    text = query.text
    return all(
        (
            query.status is None or case.status is query.status,
            query.source is None or facts.source is query.source,
            query.category is None or facts.category is query.category,
            query.unit is None or any(r.unit.startswith(query.unit) for r in case.referrals),
            query.place is None or facts.division_code.startswith(query.place),
            query.registered_since is None or listed.registered_at >= query.registered_since,
            query.registered_before is None or listed.registered_at < query.registered_before,
            query.overdue is None or case.overdue(query.now) is query.overdue,
            query.centre is None or (case.centre or facts.division_code[:6]) == query.centre,
            query.awaits_the_leaders is None or case.awaits_the_leaders is query.awaits_the_leaders,
            text is None
            or case.case_id.startswith(text)
            or (listed.summary is not None and text.lower() in listed.summary.lower()),
        )
    )
