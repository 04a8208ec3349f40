"""The justice bureau's store in memory: the agency's referrals and records, the mediation directory,
assignments, sessions and legal aid."""

from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from uuid import UUID

from services.justice_link.directory import Directory
from services.justice_link.domain.assignment import Mediator, Organisation
from services.justice_link.domain.figures import AssignmentOutcome
from services.justice_link.store import outcome_of
from shared.delivery.statements import Row
from shared.persistence.errors import StoreError
from tests.fakes.agency import FakeAgencyStore
from tests.fakes.coordinator import as_json


class FakeJusticeStore(FakeAgencyStore):
    def __init__(self) -> None:
        super().__init__()
        self.organisation_rows: dict[str, Organisation] = {}
        self.mediator_rows: dict[str, Mediator] = {}
        self.assignments: dict[UUID, Row] = {}
        self.session_rows: list[Row] = []
        self.legal_aid_rows: list[Row] = []

    def sync_directory(self, directory: Directory, at: datetime) -> None:
        listed_orgs = {o.code for o in directory.organisations}
        listed_mediators = {m.code for m in directory.mediators}
        for code, o in list(self.organisation_rows.items()):
            if code not in listed_orgs:
                self.organisation_rows[code] = replace(o, active=False)
        for code, m in list(self.mediator_rows.items()):
            if code not in listed_mediators:
                self.mediator_rows[code] = replace(m, active=False)
        for o in directory.organisations:
            self.organisation_rows[o.code] = o
        for m in directory.mediators:
            if m.organisation not in self.organisation_rows:
                raise StoreError(f"insert violates foreign key constraint: no organisation {m.organisation}")
            self.mediator_rows[m.code] = m

    def organisations(self) -> list[Organisation]:
        return [self.organisation_rows[c] for c in sorted(self.organisation_rows)]

    def mediators(self) -> list[Mediator]:
        return [self.mediator_rows[c] for c in sorted(self.mediator_rows)]

    def open_load(self) -> dict[str, int]:
        load: dict[str, int] = {}
        for referral_id, a in self.assignments.items():
            if self.referrals[referral_id]["status"] in ("received", "accepted"):
                load[a["mediator"]] = load.get(a["mediator"], 0) + 1
        return load

    def assignment(self, referral_id: UUID) -> Row | None:
        row = self.assignments.get(referral_id)
        return dict(row) if row else None

    def assign(
        self, referral_id: UUID, organisation: str, mediator: str, as_proposed: bool, officer: str, at: datetime
    ) -> None:
        self._check(referral_id, organisation, mediator)
        self.assignments[referral_id] = {
            "referral_id": referral_id,
            "organisation": organisation,
            "mediator": mediator,
            "as_proposed": as_proposed,
            "assigned_by": officer,
            "assigned_at": at,
        }

    def add_session(
        self,
        referral_id: UUID,
        organisation: str,
        mediator: str,
        held_on: date,
        attendees: list[str],
        note: str,
        officer: str,
        at: datetime,
    ) -> None:
        self._check(referral_id, organisation, mediator)
        self.session_rows.append(
            {
                "referral_id": referral_id,
                "organisation": organisation,
                "mediator": mediator,
                "held_on": held_on,
                "attendees": as_json(list(attendees)),
                "note": note,
                "recorded_by": officer,
                "recorded_at": at,
            }
        )

    def sessions(self, referral_id: UUID) -> list[Row]:
        mine = [(s["held_on"], n, s) for n, s in enumerate(self.session_rows) if s["referral_id"] == referral_id]
        return [{k: v for k, v in s.items() if k != "referral_id"} for _, _, s in sorted(mine, key=lambda t: t[:2])]

    def add_legal_aid(self, referral_id: UUID, party: str, reason: str, officer: str, at: datetime) -> None:
        if referral_id not in self.referrals:
            raise StoreError(f"insert violates foreign key constraint: no referral {referral_id}")
        self.legal_aid_rows.append(
            {"referral_id": referral_id, "party": party, "reason": reason, "recorded_by": officer, "recorded_at": at}
        )

    def legal_aid(self, referral_id: UUID) -> list[Row]:
        return [
            {k: v for k, v in row.items() if k != "referral_id"}
            for row in self.legal_aid_rows
            if row["referral_id"] == referral_id
        ]

    def assignment_outcomes(self, start: datetime, end: datetime, units: frozenset[str]) -> list[AssignmentOutcome]:
        outcomes = []
        for referral_id in sorted(self.assignments):
            a = self.assignments[referral_id]
            r = self.referrals[referral_id]
            if not (start <= a["assigned_at"] < end) or not any(r["unit"].startswith(u) for u in units):
                continue
            held = Counter(
                (s["organisation"], s["mediator"]) for s in self.session_rows if s["referral_id"] == referral_id
            )
            sessions = [[o, m, n] for (o, m), n in sorted(held.items())]
            outcomes.append(outcome_of({**a, "status": r["status"], "result": r["result"], "sessions": sessions}))
        return outcomes

    def _check(self, referral_id: UUID, organisation: str, mediator: str) -> None:
        if referral_id not in self.referrals:
            raise StoreError(f"insert violates foreign key constraint: no referral {referral_id}")
        if organisation not in self.organisation_rows or mediator not in self.mediator_rows:
            raise StoreError(f"insert violates foreign key constraint: {organisation}/{mediator}")
