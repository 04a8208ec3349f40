"""The court's store in memory: the agency's referrals and records, and the court's filings with their 司法确认."""

import copy
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from services.court_link.domain.figures import FilingFigures
from services.court_link.domain.filings import Confirmation, Filing, FilingFacts, FilingStatus
from services.court_link.domain.numbers import official
from services.court_link.domain.screening import FilingDecision
from services.court_link.store import confirmation_of, filing_of, registered_detail, runs_over
from shared.contracts.disputes import Agreement
from shared.delivery.statements import Row
from shared.persistence.errors import Conflict, NotFound, StoreError
from tests.fakes.agency import FakeAgencyStore, case_referral_row
from tests.fakes.calendar import FakeCalendarStore
from tests.fakes.coordinator import as_json

CENT = Decimal("0.01")
CONFIRMATION_KEYS = (
    "seq",
    "agreement",
    "effective_on",
    "applied_on",
    "application_due_on",
    "accepted_on",
    "decision_due_on",
    "status",
    "extended",
    "extension_reason",
    "decided_on",
    "decision_reason",
)
# What an application's save may change; the rest is as accepted.
CHANGING_KEYS = ("status", "extended", "extension_reason", "decision_due_on", "decided_on", "decision_reason")


class FakeCourtStore(FakeAgencyStore):
    def __init__(self) -> None:
        super().__init__()
        self.filings: dict[str, Row] = {}
        self.confirmations: dict[str, list[Row]] = {}
        self.filing_entries: list[Row] = []
        self.calendar = FakeCalendarStore()

    def add_filing(
        self, filing: Filing, facts: FilingFacts, officer: str, message_id: UUID | None, at: datetime
    ) -> bool:
        if self._find(filing.number) is not None:
            return False
        amount = facts.claim_amount_yuan
        self.filings[filing.number] = {
            "filing_number": filing.number,
            "unit": filing.unit,
            "case_type": facts.case_type.value,
            "administrative_matter": facts.administrative_matter.value if facts.administrative_matter else None,
            "filed_on": facts.filed_on,
            "category": facts.category.value,
            "division_code": facts.division_code,
            "summary": facts.summary,
            "parties": [p.model_dump(mode="json") for p in facts.parties],
            # numeric(15, 2): kept to the fen, as PostgreSQL gives it back.
            "claim_amount_yuan": amount.quantize(CENT) if amount is not None else None,
            "legal_relation_clear": facts.screening_facts.legal_relation_clear,
            "facts_clear": facts.screening_facts.facts_clear,
            "parties_consent": facts.screening_facts.parties_consent,
            "decision": filing.decision.value,
            "reasons": [r.value for r in facts.screening.reasons],
            "status": filing.status.value,
            "diverted_on": filing.diverted_on,
            "mediation_due_on": filing.mediation_due_on,
            "agreement": _agreement(filing.agreement),
            "mediated_on": filing.mediated_on,
            "returned_on": filing.returned_on,
            "return_reason": filing.return_reason,
            "litigation_number": filing.litigation_number,
            "message_id": message_id,
            "registered_by": officer,
            "registered_at": at,
            "updated_at": at,
        }
        self.log_filing(filing.number, "registered", officer, registered_detail(filing, facts), at)
        return True

    def lock_filing(self, number: str) -> tuple[Filing, Confirmation | None]:
        row = self._find(number)
        if row is None:
            raise NotFound(f"no filing {number}")
        kept_as = row["filing_number"]
        applications = self.confirmations.get(kept_as, [])
        latest = confirmation_of({**applications[-1], "filing_number": kept_as}) if applications else None
        return filing_of(row), latest

    def save_filing(self, filing: Filing, at: datetime) -> None:
        row = self.filings.get(filing.number)
        if row is not None:
            row.update(
                status=filing.status.value,
                agreement=_agreement(filing.agreement),
                mediated_on=filing.mediated_on,
                returned_on=filing.returned_on,
                return_reason=filing.return_reason,
                litigation_number=filing.litigation_number,
                updated_at=at,
            )

    def add_confirmation(self, confirmation: Confirmation) -> None:
        if confirmation.filing_number not in self.filings:
            raise StoreError(f"insert violates foreign key constraint: no filing {confirmation.filing_number}")
        applications = self.confirmations.setdefault(confirmation.filing_number, [])
        if any(row["seq"] == confirmation.seq for row in applications):
            raise Conflict(f"duplicate key value violates unique constraint: {confirmation.filing_number}")
        applications.append(_confirmation_row(confirmation))

    def save_confirmation(self, confirmation: Confirmation) -> None:
        for row in self.confirmations.get(confirmation.filing_number, []):
            if row["seq"] == confirmation.seq:
                changed = _confirmation_row(confirmation)
                row.update({key: changed[key] for key in CHANGING_KEYS})

    def running_terms_over(self, first: date, last: date) -> tuple[list[Filing], list[Confirmation]]:
        in_mediation, pending = [], []
        for number in sorted(self.filings):
            filing = filing_of(self.filings[number])
            if runs_over(filing, first, last):
                in_mediation.append(filing)
            for row in sorted(self.confirmations.get(number, []), key=lambda c: c["seq"]):
                if row["status"] == "pending" and row["accepted_on"] <= last and row["decision_due_on"] >= first:
                    pending.append(confirmation_of({**row, "filing_number": number}))
        return in_mediation, pending

    def save_mediation_term(self, filing: Filing, at: datetime) -> None:
        row = self.filings.get(filing.number)
        if row is not None:
            row.update(mediation_due_on=filing.mediation_due_on, updated_at=at)

    def log_filing(self, number: str, kind: str, officer: str, detail: dict[str, Any], at: datetime) -> None:
        if number not in self.filings:
            raise StoreError(f"insert violates foreign key constraint: no filing {number}")
        self.filing_entries.append(
            {"filing_number": number, "kind": kind, "officer": officer, "detail": as_json(detail), "at": at}
        )

    def get_filing(self, number: str) -> Row:
        row = self._find(number)
        if row is None:
            raise NotFound(f"no filing {number}")
        kept_as = row["filing_number"]
        links = self._links_of_filing(kept_as)
        linked = sorted(
            (
                r
                for r in self.referrals.values()
                if self._of_filings_case(r, kept_as)
                or self.of_joined_case(r, [str(link["record_id"]) for link in links])
            ),
            key=lambda r: (r["received_at"], str(r["referral_id"])),
        )
        return copy.deepcopy(
            {
                **row,
                "confirmations": sorted(self.confirmations.get(kept_as, []), key=lambda c: c["seq"]),
                "log": [
                    {k: e[k] for k in ("kind", "officer", "detail", "at")}
                    for e in self.filing_entries
                    if e["filing_number"] == kept_as
                ],
                "record_link": links[0] if links else None,
                "referrals": [case_referral_row(r) for r in linked],
            }
        )

    def list_filings(
        self, decision: FilingDecision | None, status: FilingStatus | None, limit: int, units: frozenset[str]
    ) -> list[Row]:
        rows = [
            r
            for r in self.filings.values()
            if _own(r["unit"], units)
            and (decision is None or r["decision"] == decision.value)
            and (status is None or r["status"] == status.value)
        ]
        by_number = sorted(rows, key=lambda r: r["filing_number"])
        latest_first = sorted(by_number, key=lambda r: r["registered_at"], reverse=True)  # stable: ties by number
        return copy.deepcopy(latest_first[:limit])

    def accepted_referral_for(self, number: str, units: frozenset[str]) -> UUID | None:
        accepted = [
            r
            for r in self.referrals.values()
            if self._of_filings_case(r, number) and r["status"] == "accepted" and _own(r["unit"], units)
        ]
        by_id = sorted(accepted, key=lambda r: str(r["referral_id"]))
        latest = sorted(by_id, key=lambda r: r["received_at"], reverse=True)
        return latest[0]["referral_id"] if latest else None

    def filing_figures(self, first: date, last: date, units: frozenset[str]) -> FilingFigures:
        counted = [r for r in self.filings.values() if first <= r["filed_on"] <= last and _own(r["unit"], units)]
        return FilingFigures.of_counts(
            [(r["case_type"], r["decision"], r["status"], 1) for r in counted],
            [(reason, 1) for r in counted for reason in r["reasons"]],
            [(c["status"], 1) for r in counted for c in self.confirmations.get(r["filing_number"], [])],
        )

    def filing_decision(self, number: str) -> FilingDecision | None:
        row = self._find(number)
        return None if row is None else FilingDecision(row["decision"])

    def record_for_filing(self, number: str) -> Row | None:
        fed = [row for row in self.records.values() if _same(row["record_id"], number) or _carries(row, number)]
        if not fed:
            return None
        first = min(fed, key=lambda row: (not _same(row["record_id"], number), row["recorded_at"], row["record_id"]))
        return self.get_record(str(first["record_id"]))

    def _find(self, number: str) -> Row | None:
        """The filing under `number` in any form: the one kept under exactly that form, else the first registered."""
        same = [row for row in self.filings.values() if _same(row["filing_number"], number)]
        ordered = sorted(same, key=lambda r: (r["filing_number"] != number, r["registered_at"], r["filing_number"]))
        return ordered[0] if ordered else None

    def _of_filings_case(self, referral: Row, number: str) -> bool:
        """A referral of the case a filing became: under its number in any form, or under the id of a record that
        carried the number (compared as fed: intake and the coordinator keep a record id as it came)."""
        source = referral.get("source_record_id")
        if source is None or not _of_filings(referral):
            return False
        return _same(source, number) or any(
            row["record_id"] == source and _carries(row, number) for row in self.records.values()
        )

    def _links_of_filing(self, number: str) -> list[Row]:
        """The links intake made of the filing's records: under its number in any form, or a record carrying it; the one
        under the number (in any form) first, then the latest linked."""
        links = [
            link
            for record_id, link in self.record_links.items()
            if _same(record_id, number)
            or any(row["record_id"] == record_id and _carries(row, number) for row in self.records.values())
        ]
        by_id = sorted(links, key=lambda link: link["record_id"])
        latest = sorted(by_id, key=lambda link: link["linked_at"], reverse=True)
        return sorted(latest, key=lambda link: not _same(link["record_id"], number))

    def filing_fed_before(self, number: str, record_id: str) -> bool:
        return any(_carries(row, number) and row["record_id"] != record_id for row in self.records.values())

    def hold_filing_number(self, number: str) -> None:
        pass  # one transaction at a time in memory


def _same(kept: str, number: str) -> bool:
    """One filing number, whatever form either was kept or typed in (the store's `filing_number_key`)."""
    return official(kept) == official(number)


def _carries(record: Row, number: str) -> bool:
    carried = record["details"].get("filing_number")
    return isinstance(carried, str) and _same(carried, number)


def _own(unit: str, units: frozenset[str]) -> bool:
    return any(unit.startswith(own) for own in units)


def _agreement(agreement: Agreement | None) -> Any:
    return as_json(agreement.model_dump(mode="json")) if agreement else None


def _confirmation_row(c: Confirmation) -> Row:
    return {
        "seq": c.seq,
        "agreement": _agreement(c.agreement),
        "effective_on": c.effective_on,
        "applied_on": c.applied_on,
        "application_due_on": c.application_due_on,
        "accepted_on": c.accepted_on,
        "decision_due_on": c.decision_due_on,
        "status": c.status.value,
        "extended": c.extended,
        "extension_reason": c.extension_reason,
        "decided_on": c.decided_on,
        "decision_reason": c.decision_reason,
    }


def _of_filings(referral: Row) -> bool:
    """A referral of a case a court filing opened: another agency's record may carry the same number."""
    return bool(referral["source"] == "court_filing")
