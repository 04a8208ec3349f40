"""Supervision's document archive (两函一通报): numbers per kind and year, documents as issued, 通报 figures."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from services.supervision.documents import CaseSubject, DocumentKind, UnitFigures
from shared.delivery.statements import Row, Statements
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb
from shared.wording import TIMER_ISSUER

# What a list of documents shows (not the HTML nor the facts, which only one document's page needs). A document
# archived before issuers were recorded (migration 0014) has none: a letter or a scheduled 通报 among them came from
# a timer, as the archive itself tells; a 通报 issued on demand then reads None (not recorded). COALESCE stops at a
# recorded issuer, so only those older rows have their facts read for it. A 通报 on demand keeps its supervisor's
# name in its facts (`issued_by_name`; none before it was recorded).
_LISTED = (
    "id, number, kind, case_id, referral_id, unit, superior_unit, units, period_from, period_to, issued_at,"
    f" COALESCE(issued_by, CASE WHEN kind <> 'notice' OR (facts ->> 'scheduled')::boolean THEN '{TIMER_ISSUER}' END)"
    " AS issued_by, facts ->> 'issued_by_name' AS issued_by_name, recovered_at"
)


@dataclass(frozen=True)
class ArchivedDocument:
    id: UUID
    number: str
    kind: DocumentKind
    year: int
    seq: int
    units: list[str]  # every unit it goes to or names
    issued_at: datetime
    facts: dict[str, Any]
    html: str
    # 签发人: the supervisor's account who issued a 通报 on demand (its name is in `facts`), or TIMER_ISSUER
    issued_by: str
    case_id: str | None = None
    referral_id: UUID | None = None
    unit: str | None = None
    superior_unit: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    # A letter a restore archived again from what its units hold (restore_letters_archived): when; None as issued.
    recovered_at: datetime | None = None


@dataclass(frozen=True)
class DocumentFilter:
    unit: str | None = None  # documents going to or naming that unit or one below it
    units: frozenset[str] | None = None  # an officer's own units (and those below them): any of these
    case_id: str | None = None
    kind: DocumentKind | None = None
    start: datetime | None = None  # issued at or after
    end: datetime | None = None  # issued before
    limit: int = 500


class DocumentStore(Protocol):
    def next_document_seq(self, kind: DocumentKind, year: int) -> int:
        """The next number of `kind` in `year`, held until the transaction ends: never repeated, and given
        back (no gap) if the transaction rolls back."""
        ...

    def archive_document(self, document: ArchivedDocument) -> None:
        """Keep a document as issued; it is never changed afterwards."""
        ...

    def list_documents(self, query: DocumentFilter) -> list[Row]:
        """Documents as `id`, `number`, `kind`, `case_id`, `referral_id`, `unit`, `superior_unit`, `units`,
        `period_from`, `period_to`, `issued_at`, `issued_by` (an account, TIMER_ISSUER, or None for a 通报
        issued on demand before issuers were recorded), `issued_by_name` (that account's name, or None),
        `recovered_at` (when a restore archived the letter again from its units' copies, or None), the newest
        first (then by number)."""
        ...

    def get_document(self, document_id: UUID) -> Row:
        """One document with its `facts` and `html` as well; NotFound if there is none."""
        ...

    def scheduled_notice(self, period_from: date, period_to: date) -> UUID | None:
        """The scheduled 通报 already issued for the period, if any."""
        ...

    def holds_facts_before(self, moment: datetime) -> bool:
        """Whether any case fact, unit's clock or link record kept here began before `moment`: a period that ended
        before the first is one the platform was not running in (or a restore brought nothing of)."""
        ...

    def case_subject(self, case_id: str) -> CaseSubject | None:
        """The case's category and division as its latest CaseAssigned gave them; None before any arrived."""
        ...

    def number_given(self, document_id: UUID) -> tuple[str, int, int] | None:
        """The 文号, year and place a document first went out under, as a restore found it kept by the agencies
        while the archive no longer holds it; None otherwise."""
        ...

    def notice_figures(self, start: datetime, end: datetime) -> list[UnitFigures]:
        """Each unit's figures over [start, end) (documents.UnitFigures), by unit code."""
        ...


class PostgresDocumentStore:
    sql: Statements

    def next_document_seq(self, kind: DocumentKind, year: int) -> int:
        row = self.sql.one(
            "INSERT INTO document_numbers (kind, year, last) VALUES (%s, %s, 1)"
            " ON CONFLICT (kind, year) DO UPDATE SET last = document_numbers.last + 1 RETURNING last",
            (kind.value, year),
        )
        assert row is not None  # an upsert with RETURNING always answers a row
        return int(row["last"])

    def archive_document(self, document: ArchivedDocument) -> None:
        self.sql.write(
            "INSERT INTO documents (id, number, kind, year, seq, case_id, referral_id, unit, superior_unit, units,"
            " period_from, period_to, issued_at, facts, html, issued_by, recovered_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                document.id,
                document.number,
                document.kind.value,
                document.year,
                document.seq,
                document.case_id,
                document.referral_id,
                document.unit,
                document.superior_unit,
                document.units,
                document.period_from,
                document.period_to,
                document.issued_at,
                jsonb(document.facts),
                document.html,
                document.issued_by,
                document.recovered_at,
            ),
        )

    def list_documents(self, query: DocumentFilter) -> list[Row]:
        where: list[str] = []
        params: list[Any] = []
        if query.unit is not None:
            where.append("EXISTS (SELECT 1 FROM unnest(units) AS u WHERE starts_with(u, %s))")
            params.append(query.unit)
        if query.units is not None:
            where.append(
                "EXISTS (SELECT 1 FROM unnest(units) AS u, unnest(%s::text[]) AS own WHERE starts_with(u, own))"
            )
            params.append(sorted(query.units))
        for condition, value in (
            ("case_id = %s", query.case_id),
            ("kind = %s", query.kind.value if query.kind else None),
            ("issued_at >= %s", query.start),
            ("issued_at < %s", query.end),
        ):
            if value is not None:
                where.append(condition)
                params.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return self.sql.all(
            f'SELECT {_LISTED} FROM documents{clause} ORDER BY issued_at DESC, number COLLATE "C" LIMIT %s',
            (*params, query.limit),
        )

    def get_document(self, document_id: UUID) -> Row:
        row = self.sql.one(f"SELECT {_LISTED}, facts, html FROM documents WHERE id = %s", (document_id,))
        if row is None:
            raise NotFound(f"no document {document_id}")
        return row

    def number_given(self, document_id: UUID) -> tuple[str, int, int] | None:
        row = self.sql.one("SELECT number, year, seq FROM notice_numbers_given WHERE document_id = %s", (document_id,))
        return None if row is None else (str(row["number"]), int(row["year"]), int(row["seq"]))

    def holds_facts_before(self, moment: datetime) -> bool:
        # Evaluated in turn, each stopping at its first row: the facts by their time's index; the clocks, which a unit
        # designated by hand starts without a fact of its own, are read only when no fact was found (a new platform's
        # few rows, until its first month has passed).
        row = self.sql.one(
            "SELECT EXISTS (SELECT 1 FROM case_facts WHERE occurred_at < %s)"
            " OR EXISTS (SELECT 1 FROM link_facts WHERE at < %s)"
            " OR EXISTS (SELECT 1 FROM watches WHERE issued_at < %s) AS held",
            (moment, moment, moment),
        )
        return bool(row and row["held"])

    def case_subject(self, case_id: str) -> CaseSubject | None:
        row = self.sql.one(
            "SELECT detail ->> 'category' AS category, detail ->> 'division_code' AS division_code FROM case_facts"
            " WHERE case_id = %s AND fact = 'CaseAssigned' ORDER BY occurred_at DESC LIMIT 1",
            (case_id,),
        )
        return CaseSubject(row["category"], row["division_code"]) if row else None

    def scheduled_notice(self, period_from: date, period_to: date) -> UUID | None:
        row = self.sql.one(
            "SELECT id FROM documents WHERE kind = 'notice' AND period_from = %s AND period_to = %s"
            " AND (facts ->> 'scheduled')::boolean",
            (period_from, period_to),
        )
        return None if row is None else UUID(str(row["id"]))

    def notice_figures(self, start: datetime, end: datetime) -> list[UnitFigures]:
        # documents.notice_counts in SQL (the same rules, tested on the same cases): overdue at the period's end
        # is due before it, still open then, and not paused before its deadline; due in it leaves out declines
        # and parts whose clock stands still by their deadline; on time is judged at the pause (LEAST skips NULL).
        overdue = (
            "w.due_at < %s AND (w.closed_at IS NULL OR w.closed_at >= %s)"
            " AND (w.paused_at IS NULL OR w.paused_at > w.due_at)"
        )
        due_in = (
            "w.due_at >= %s AND w.due_at < %s AND r.reason IS DISTINCT FROM 'declined'"
            " AND NOT (w.closed_at IS NULL AND w.paused_at IS NOT NULL AND w.paused_at <= w.due_at)"
        )
        on_time = "w.closed_at IS NOT NULL AND LEAST(w.closed_at, w.paused_at) <= w.due_at"
        letter_in = "w.overdue_sent_at >= %s AND w.overdue_sent_at < %s"
        rows = self.sql.all(
            f"SELECT w.unit, count(*) FILTER (WHERE {due_in}) AS due,"
            f" count(*) FILTER (WHERE {due_in} AND {on_time}) AS on_time,"
            f" count(*) FILTER (WHERE {overdue}) AS overdue,"
            f" count(*) FILTER (WHERE {letter_in}) AS overdue_letters"
            " FROM watches w LEFT JOIN referral_results r USING (referral_id)"
            f" WHERE ({due_in}) OR ({overdue}) OR ({letter_in})"
            ' GROUP BY w.unit ORDER BY w.unit COLLATE "C"',
            (start, end, start, end, end, end, start, end, start, end, end, end, start, end),
        )
        return [
            UnitFigures(row["unit"], row["due"], row["on_time"], row["overdue"], row["overdue_letters"]) for row in rows
        ]
