"""Supervision's document archive in memory, mixed into the fake supervision store (it reads its watches)."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.supervision.documents import CaseSubject, DocumentKind, UnitFigures, notice_counts
from services.supervision.documents_store import ArchivedDocument, DocumentFilter
from services.supervision.domain import Watch
from services.supervision.reports_counters import Part
from shared.delivery.statements import Row
from shared.persistence.errors import NotFound
from shared.wording import TIMER_ISSUER


class FakeDocumentStore:
    watches: dict[UUID, Watch]
    facts: dict[UUID, Row]  # FakeSupervisionStore's case facts
    _part: Callable[[Watch], Part]  # FakeReportStore's: a watch with its ReferralClosed reason, as the report reads it

    def __init__(self) -> None:
        super().__init__()
        self.numbers: dict[tuple[str, int], int] = {}
        self.documents: dict[UUID, ArchivedDocument] = {}
        self.numbers_given: dict[UUID, tuple[str, int, int]] = {}  # notice_numbers_given, as a restore writes it

    def next_document_seq(self, kind: DocumentKind, year: int) -> int:
        key = (kind.value, year)
        self.numbers[key] = self.numbers.get(key, 0) + 1
        return self.numbers[key]

    def archive_document(self, document: ArchivedDocument) -> None:
        for other in self.documents.values():  # the table's unique keys
            if document.id == other.id or document.number == other.number:
                raise ValueError(f"document {document.number} archived twice")
        # documents_issuer_is_the_timer_for_what_it_issues (migration 0014)
        by_timer = document.kind is not DocumentKind.NOTICE or bool(document.facts.get("scheduled"))
        if (document.issued_by == TIMER_ISSUER) != by_timer:
            raise ValueError(f"document {document.number} issued by {document.issued_by}")
        if document.recovered_at is not None and document.kind is DocumentKind.NOTICE:  # migration 0021
            raise ValueError(f"document {document.number}: only letters are archived again")
        self.documents[document.id] = document

    def case_subject(self, case_id: str) -> CaseSubject | None:
        assigned = [f for f in self.facts.values() if f["case_id"] == case_id and f["fact"] == "CaseAssigned"]
        if not assigned:
            return None
        latest = max(assigned, key=lambda f: f["occurred_at"])["detail"]
        return CaseSubject(latest["category"], latest["division_code"])

    def list_documents(self, query: DocumentFilter) -> list[Row]:
        def keep(d: ArchivedDocument) -> bool:
            return (
                (query.unit is None or any(u.startswith(query.unit) for u in d.units))
                and (query.units is None or any(u.startswith(own) for u in d.units for own in query.units))
                and (query.case_id is None or d.case_id == query.case_id)
                and (query.kind is None or d.kind == query.kind)
                and (query.start is None or d.issued_at >= query.start)
                and (query.end is None or d.issued_at < query.end)
            )

        found = sorted(filter(keep, self.documents.values()), key=lambda d: d.number)
        found.sort(key=lambda d: d.issued_at, reverse=True)
        return [_listed(d) for d in found[: query.limit]]

    def get_document(self, document_id: UUID) -> Row:
        document = self.documents.get(document_id)
        if document is None:
            raise NotFound(f"no document {document_id}")
        return {**_listed(document), "facts": document.facts, "html": document.html}

    def number_given(self, document_id: UUID) -> tuple[str, int, int] | None:
        return self.numbers_given.get(document_id)

    def scheduled_notice(self, period_from: date, period_to: date) -> UUID | None:
        for d in self.documents.values():
            if (d.kind, d.period_from, d.period_to) == (DocumentKind.NOTICE, period_from, period_to) and d.facts.get(
                "scheduled"
            ):
                return d.id
        return None

    def notice_figures(self, start: datetime, end: datetime) -> list[UnitFigures]:
        units: dict[str, list[int]] = {}
        for w in self.watches.values():
            counts = notice_counts(self._part(w), start, end)
            letter = w.overdue_sent_at is not None and start <= w.overdue_sent_at < end
            if counts.due or counts.overdue or letter:
                tally = units.setdefault(w.unit, [0, 0, 0, 0])
                for i, hit in enumerate((counts.due, counts.on_time, counts.overdue, letter)):
                    tally[i] += hit
        return [UnitFigures(unit, *units[unit]) for unit in sorted(units)]


def _listed(d: ArchivedDocument) -> dict[str, Any]:
    return {
        "id": d.id,
        "number": d.number,
        "kind": d.kind.value,
        "case_id": d.case_id,
        "referral_id": d.referral_id,
        "unit": d.unit,
        "superior_unit": d.superior_unit,
        "units": list(d.units),
        "period_from": d.period_from,
        "period_to": d.period_to,
        "issued_at": d.issued_at,
        "issued_by": d.issued_by,
        "issued_by_name": d.facts.get("issued_by_name"),
        "recovered_at": d.recovered_at,
    }
