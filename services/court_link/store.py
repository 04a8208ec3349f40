"""The court's store: the agency's referrals and records, and every filing the court registers with its 司法确认."""

from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from services.court_link.domain.figures import FilingFigures
from services.court_link.domain.filings import (
    Confirmation,
    ConfirmationStatus,
    Filing,
    FilingFacts,
    FilingStatus,
)
from services.court_link.domain.numbers import official
from services.court_link.domain.screening import FilingDecision
from shared.agency.store import (
    CASE_REFERRAL_COLUMNS,
    RECORD_LINK_COLUMNS,
    AgencyStore,
    PostgresAgencyStore,
    of_joined_case,
)
from shared.calendar_store import CalendarStore, PostgresCalendarStore
from shared.contracts.dates import STORED_ROW
from shared.contracts.disputes import Agreement
from shared.delivery.statements import Row, Statements
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb

FILING_COLUMNS = (
    "filing_number, unit, case_type, administrative_matter, filed_on, category, division_code, summary, parties,"
    " claim_amount_yuan, legal_relation_clear, facts_clear, parties_consent, decision, reasons, status, diverted_on,"
    " mediation_due_on, agreement, mediated_on, returned_on, return_reason, litigation_number, message_id,"
    " registered_by, registered_at, updated_at"
)
CONFIRMATION_COLUMNS = (
    "seq, agreement, effective_on, applied_on, application_due_on, accepted_on, decision_due_on, status, extended,"
    " extension_reason, decided_on, decision_reason"
)
# Numbers are compared by their key (migration 0004's `filing_number_key`, `official` in Python): one number is one
# filing whatever form it was typed in, and rows kept before numbers were kept in their official form keep theirs.
_SAME_NUMBER = "filing_number_key({column}) = filing_number_key(%s)"
_CARRIED = _SAME_NUMBER.format(column="details ->> 'filing_number'")  # by a record of the court, in its details
# A filing under a number: the one kept under exactly that form first (two filings registered under two forms of
# one number before migration 0004 are each found under their own), then the first registered under any form.
_FILING_BY_NUMBER = (
    f"SELECT {FILING_COLUMNS} FROM filings WHERE {_SAME_NUMBER.format(column='filing_number')}"
    " ORDER BY filing_number = %s DESC, registered_at, filing_number LIMIT 1"
)
# The referrals of the case a filing became: their record id is its number (in any form), or that of a record the
# court fed carrying the number in its details (POST /api/v1/records, before the filing was registered here), whose
# case the filing joined. The record id is compared as it travelled: intake and the coordinator keep it as fed.
_OF_FILINGS_CASE = (
    f"source = 'court_filing' AND ({_SAME_NUMBER.format(column='source_record_id')} OR source_record_id IN"
    f" (SELECT record_id FROM records WHERE {_CARRIED}))"
)
# The links of a filing's records intake joined to an existing case as repeats (RecordLinked names the record as fed):
# under its number in any form, or a record of the court that carried the number in its details.
_FILINGS_LINKS = (
    f"{_SAME_NUMBER.format(column='record_id')} OR record_id IN (SELECT record_id FROM records WHERE {_CARRIED})"
)
_OWN = "EXISTS (SELECT 1 FROM unnest(%s::text[]) AS own(unit) WHERE starts_with({table}.unit, own.unit))"


class CourtStore(AgencyStore, Protocol):
    calendar: CalendarStore

    def add_filing(
        self, filing: Filing, facts: FilingFacts, officer: str, message_id: UUID | None, at: datetime
    ) -> bool:
        """Keep a filing as registered, with a `registered` line in its log; False, keeping nothing, when its
        number is known in any form (the court sent it twice). Holds the number (`hold_filing_number`) first, so
        that two forms of one number registered at once are one filing too."""
        ...

    def lock_filing(self, number: str) -> tuple[Filing, Confirmation | None]:
        """The filing under `number` in any form (the one kept under exactly that form first, then the first
        registered) and its latest application for 司法确认, locked for this transaction; NotFound if none. The
        filing's `number` is the one it is kept under."""
        ...

    def save_filing(self, filing: Filing, at: datetime) -> None:
        """Keep where the filing stands: its status, agreement, and return to litigation."""
        ...

    def add_confirmation(self, confirmation: Confirmation) -> None: ...

    def save_confirmation(self, confirmation: Confirmation) -> None:
        """Keep an application's extension and decision."""
        ...

    def running_terms_over(self, first: date, last: date) -> tuple[list[Filing], list[Confirmation]]:
        """The filings in mediation, and the applications awaiting a decision, whose term runs over a day from
        `first` to `last`; each one's filing locked for this transaction, in filing number order."""
        ...

    def save_mediation_term(self, filing: Filing, at: datetime) -> None:
        """Keep the last day of a filing's mediation term, counted again."""
        ...

    def log_filing(self, number: str, kind: str, officer: str, detail: dict[str, Any], at: datetime) -> None: ...

    def get_filing(self, number: str) -> Row:
        """A filing, found as `lock_filing` finds it and showing the number it is kept under, with its
        `confirmations` (in order), `log` (in order), its `record_link` (the existing case intake linked its
        record to as a repeat, as `record_link` gives it: under the number in any form first, then the latest;
        None if none) and the `referrals` the court received for the case it became (matched by the referrals'
        source record) or for that joined case (a case the court already handled, for which no referral names the
        filing), in the order received, each once; NotFound if there is none."""
        ...

    def list_filings(
        self, decision: FilingDecision | None, status: FilingStatus | None, limit: int, units: frozenset[str]
    ) -> list[Row]:
        """Filings of `units` and the units under them, the latest registered first; without their log."""
        ...

    def accepted_referral_for(self, number: str, units: frozenset[str]) -> UUID | None:
        """The latest accepted referral to `units` (or under them) of the case filing `number` was fed as (under the
        number, or as a record carrying it that the filing joined), if any."""
        ...

    def filing_figures(self, first: date, last: date, units: frozenset[str]) -> FilingFigures:
        """The figures of `units`' filings registered with a filing day from `first` to `last`, both included."""
        ...

    def filing_decision(self, number: str) -> FilingDecision | None:
        """How a filing registered here was screened; None if the number was never registered here. In any form,
        as everywhere below."""
        ...

    def record_for_filing(self, number: str) -> Row | None:
        """The record fed for a filing number, kept under the number as its id or carrying it in its details (the
        one under the number first, then the earliest); None if none was fed."""
        ...

    def filing_fed_before(self, number: str, record_id: str) -> bool:
        """Whether a record other than `record_id` (compared as fed: another id is another record) was fed carrying
        the filing number in its details, as every record of the court does (a diverted filing's own feed too)."""
        ...

    def hold_filing_number(self, number: str) -> None:
        """Hold a filing number, in all its forms, until this transaction ends: registering the filing and feeding
        a record that carries it take their turns, so neither misses the other's count."""
        ...


class PostgresCourtStore(PostgresAgencyStore):
    def __init__(self, statements: Statements) -> None:
        super().__init__(statements)
        # The official calendar's years loaded at the coordinator, as CalendarYearLoaded brought them.
        self.calendar: CalendarStore = PostgresCalendarStore(statements)

    def add_filing(
        self, filing: Filing, facts: FilingFacts, officer: str, message_id: UUID | None, at: datetime
    ) -> bool:
        # Held, then looked for: one registered meanwhile under another form committed before the hold was had.
        self.hold_filing_number(filing.number)
        if self.sql.one(_FILING_BY_NUMBER, (filing.number, filing.number)) is not None:
            return False
        row = self.sql.one(
            f"INSERT INTO filings ({FILING_COLUMNS}) VALUES ({', '.join(['%s'] * 27)})"
            " ON CONFLICT (filing_number) DO NOTHING RETURNING filing_number",
            (
                filing.number,
                filing.unit,
                facts.case_type.value,
                facts.administrative_matter.value if facts.administrative_matter else None,
                facts.filed_on,
                facts.category.value,
                facts.division_code,
                facts.summary,
                jsonb([p.model_dump(mode="json") for p in facts.parties]),
                facts.claim_amount_yuan,
                facts.screening_facts.legal_relation_clear,
                facts.screening_facts.facts_clear,
                facts.screening_facts.parties_consent,
                filing.decision.value,
                jsonb([r.value for r in facts.screening.reasons]),
                filing.status.value,
                filing.diverted_on,
                filing.mediation_due_on,
                _agreement(filing.agreement),
                filing.mediated_on,
                filing.returned_on,
                filing.return_reason,
                filing.litigation_number,
                message_id,
                officer,
                at,
                at,
            ),
        )
        if row is None:
            return False
        self.log_filing(filing.number, "registered", officer, registered_detail(filing, facts), at)
        return True

    def lock_filing(self, number: str) -> tuple[Filing, Confirmation | None]:
        row = self.sql.one(f"{_FILING_BY_NUMBER} FOR UPDATE", (number, number))
        if row is None:
            raise NotFound(f"no filing {number}")
        latest = self.sql.one(
            f"SELECT filing_number, {CONFIRMATION_COLUMNS} FROM confirmations WHERE filing_number = %s"
            " ORDER BY seq DESC LIMIT 1",
            (row["filing_number"],),
        )
        return filing_of(row), confirmation_of(latest) if latest else None

    def save_filing(self, filing: Filing, at: datetime) -> None:
        self.sql.write(
            "UPDATE filings SET status = %s, agreement = %s, mediated_on = %s, returned_on = %s, return_reason = %s,"
            " litigation_number = %s, updated_at = %s WHERE filing_number = %s",
            (
                filing.status.value,
                _agreement(filing.agreement),
                filing.mediated_on,
                filing.returned_on,
                filing.return_reason,
                filing.litigation_number,
                at,
                filing.number,
            ),
        )

    def add_confirmation(self, confirmation: Confirmation) -> None:
        c = confirmation
        self.sql.write(
            f"INSERT INTO confirmations (filing_number, {CONFIRMATION_COLUMNS}) VALUES ({', '.join(['%s'] * 13)})",
            (
                c.filing_number,
                c.seq,
                _agreement(c.agreement),
                c.effective_on,
                c.applied_on,
                c.application_due_on,
                c.accepted_on,
                c.decision_due_on,
                c.status.value,
                c.extended,
                c.extension_reason,
                c.decided_on,
                c.decision_reason,
            ),
        )

    def running_terms_over(self, first: date, last: date) -> tuple[list[Filing], list[Confirmation]]:
        # The filings are locked, not the applications: an officer's decision on one is taken under its filing's lock.
        rows = self.sql.all(
            f"SELECT {FILING_COLUMNS} FROM filings f"
            " WHERE (f.status = 'in_mediation' AND f.diverted_on <= %s AND f.mediation_due_on >= %s)"
            " OR EXISTS (SELECT 1 FROM confirmations c WHERE c.filing_number = f.filing_number"
            "  AND c.status = 'pending' AND c.accepted_on <= %s AND c.decision_due_on >= %s)"
            " ORDER BY f.filing_number FOR UPDATE",
            (last, first, last, first),
        )
        filings = [filing_of(row) for row in rows]
        pending = self.sql.all(
            f"SELECT filing_number, {CONFIRMATION_COLUMNS} FROM confirmations"
            " WHERE filing_number = ANY(%s) AND status = 'pending' AND accepted_on <= %s AND decision_due_on >= %s"
            " ORDER BY filing_number, seq",
            ([f.number for f in filings], last, first),
        )
        in_mediation = [f for f in filings if runs_over(f, first, last)]
        return in_mediation, [confirmation_of(row) for row in pending]

    def save_mediation_term(self, filing: Filing, at: datetime) -> None:
        self.sql.write(
            "UPDATE filings SET mediation_due_on = %s, updated_at = %s WHERE filing_number = %s",
            (filing.mediation_due_on, at, filing.number),
        )

    def save_confirmation(self, confirmation: Confirmation) -> None:
        c = confirmation
        self.sql.write(
            "UPDATE confirmations SET status = %s, extended = %s, extension_reason = %s, decision_due_on = %s,"
            " decided_on = %s, decision_reason = %s WHERE filing_number = %s AND seq = %s",
            (
                c.status.value,
                c.extended,
                c.extension_reason,
                c.decision_due_on,
                c.decided_on,
                c.decision_reason,
                c.filing_number,
                c.seq,
            ),
        )

    def log_filing(self, number: str, kind: str, officer: str, detail: dict[str, Any], at: datetime) -> None:
        self.sql.write(
            "INSERT INTO filing_log (filing_number, kind, officer, detail, at) VALUES (%s, %s, %s, %s, %s)",
            (number, kind, officer, jsonb(detail), at),
        )

    def get_filing(self, number: str) -> Row:
        row = self.sql.one(_FILING_BY_NUMBER, (number, number))
        if row is None:
            raise NotFound(f"no filing {number}")
        kept_as = row["filing_number"]
        row["confirmations"] = self.sql.all(
            f"SELECT {CONFIRMATION_COLUMNS} FROM confirmations WHERE filing_number = %s ORDER BY seq", (kept_as,)
        )
        row["log"] = self.sql.all(
            "SELECT kind, officer, detail, at FROM filing_log WHERE filing_number = %s ORDER BY id", (kept_as,)
        )
        row["record_link"] = self.sql.one(
            f"SELECT {RECORD_LINK_COLUMNS} FROM record_links WHERE {_FILINGS_LINKS}"
            f" ORDER BY {_SAME_NUMBER.format(column='record_id')} DESC, linked_at DESC, record_id LIMIT 1",
            (kept_as, kept_as, kept_as),
        )
        row["referrals"] = self.sql.all(
            f"SELECT {CASE_REFERRAL_COLUMNS} FROM referrals WHERE ({_OF_FILINGS_CASE})"
            f" OR {of_joined_case(_FILINGS_LINKS)} ORDER BY received_at, referral_id",
            (kept_as, kept_as, kept_as, kept_as),
        )
        return row

    def list_filings(
        self, decision: FilingDecision | None, status: FilingStatus | None, limit: int, units: frozenset[str]
    ) -> list[Row]:
        return self.sql.all(
            f"SELECT {FILING_COLUMNS} FROM filings WHERE {_OWN.format(table='filings')}"
            " AND (%s::text IS NULL OR decision = %s) AND (%s::text IS NULL OR status = %s)"
            " ORDER BY registered_at DESC, filing_number LIMIT %s",
            (
                sorted(units),
                _value(decision),
                _value(decision),
                _value(status),
                _value(status),
                limit,
            ),
        )

    def accepted_referral_for(self, number: str, units: frozenset[str]) -> UUID | None:
        row = self.sql.one(
            f"SELECT referral_id FROM referrals WHERE {_OF_FILINGS_CASE} AND status = 'accepted'"
            f" AND {_OWN.format(table='referrals')} ORDER BY received_at DESC, referral_id LIMIT 1",
            (number, number, sorted(units)),
        )
        return row["referral_id"] if row else None

    def filing_figures(self, first: date, last: date, units: frozenset[str]) -> FilingFigures:
        period = f"f.filed_on BETWEEN %s AND %s AND {_OWN.format(table='f')}"
        params = (first, last, sorted(units))
        filings = self.sql.all(
            f"SELECT case_type, decision, status, count(*) AS n FROM filings f WHERE {period} GROUP BY 1, 2, 3",
            params,
        )
        reasons = self.sql.all(
            "SELECT r.reason, count(*) AS n FROM filings f, jsonb_array_elements_text(f.reasons) AS r(reason)"
            f" WHERE {period} GROUP BY 1",
            params,
        )
        confirmations = self.sql.all(
            f"SELECT c.status, count(*) AS n FROM confirmations c JOIN filings f USING (filing_number)"
            f" WHERE {period} GROUP BY 1",
            params,
        )
        return FilingFigures.of_counts(
            [(r["case_type"], r["decision"], r["status"], r["n"]) for r in filings],
            [(r["reason"], r["n"]) for r in reasons],
            [(r["status"], r["n"]) for r in confirmations],
        )

    def filing_decision(self, number: str) -> FilingDecision | None:
        row = self.sql.one(_FILING_BY_NUMBER, (number, number))
        return None if row is None else FilingDecision(row["decision"])

    def record_for_filing(self, number: str) -> Row | None:
        by_id = _SAME_NUMBER.format(column="record_id")
        return self.sql.one(
            "SELECT record_id, report, details, message_id, recorded_at FROM records"
            f" WHERE {by_id} OR {_CARRIED}"
            f" ORDER BY {by_id} DESC, recorded_at, record_id LIMIT 1",
            (number, number, number),
        )

    def filing_fed_before(self, number: str, record_id: str) -> bool:
        row = self.sql.one(
            f"SELECT EXISTS (SELECT FROM records WHERE {_CARRIED} AND record_id <> %s) AS fed", (number, record_id)
        )
        return bool(row and row["fed"])

    def hold_filing_number(self, number: str) -> None:
        self.sql.write("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"filing|{official(number)}",))


def runs_over(filing: Filing, first: date, last: date) -> bool:
    """Whether a filing is in mediation with its term running over a day from `first` to `last`."""
    start, due = filing.diverted_on, filing.mediation_due_on
    return (
        filing.status is FilingStatus.IN_MEDIATION
        and start is not None
        and due is not None
        and start <= last
        and due >= first
    )


def filing_of(row: Row) -> Filing:
    """Where a filing stands, from its row."""
    return Filing(
        number=row["filing_number"],
        unit=row["unit"],
        decision=FilingDecision(row["decision"]),
        status=FilingStatus(row["status"]),
        diverted_on=row["diverted_on"],
        mediation_due_on=row["mediation_due_on"],
        agreement=Agreement.model_validate(row["agreement"], context=STORED_ROW) if row["agreement"] else None,
        mediated_on=row["mediated_on"],
        returned_on=row["returned_on"],
        return_reason=row["return_reason"],
        litigation_number=row["litigation_number"],
    )


def confirmation_of(row: Row) -> Confirmation:
    return Confirmation(
        filing_number=row["filing_number"],
        seq=row["seq"],
        agreement=Agreement.model_validate(row["agreement"], context=STORED_ROW),
        effective_on=row["effective_on"],
        applied_on=row["applied_on"],
        application_due_on=row["application_due_on"],
        accepted_on=row["accepted_on"],
        decision_due_on=row["decision_due_on"],
        status=ConfirmationStatus(row["status"]),
        extended=row["extended"],
        extension_reason=row["extension_reason"],
        decided_on=row["decided_on"],
        decision_reason=row["decision_reason"],
    )


def registered_detail(filing: Filing, facts: FilingFacts) -> dict[str, Any]:
    """The `registered` line of a filing's log: the decision and why, for whoever reads it later."""
    return {
        "decision": filing.decision.value,
        "reasons": [r.value for r in facts.screening.reasons],
        "mediation_due_on": filing.mediation_due_on,
    }


def _agreement(agreement: Agreement | None) -> Any:
    return jsonb(agreement.model_dump(mode="json")) if agreement else None


def _value(code: FilingDecision | FilingStatus | None) -> str | None:
    return code.value if code else None
