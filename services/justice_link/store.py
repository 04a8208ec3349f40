"""The justice bureau's store: the agency's referrals and records, the mediation organisations and mediators,
each referral's assignment, its sessions (调解记录) and its parties referred to legal aid."""

from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from services.justice_link.directory import Directory
from services.justice_link.domain.assignment import Mediator, Organisation, OrganisationKind
from services.justice_link.domain.figures import AssignmentOutcome
from shared.agency.store import AgencyStore, PostgresAgencyStore
from shared.contracts.vocabulary import Category, ResultCode
from shared.delivery.statements import Row
from shared.persistence.jsonb import jsonb

ASSIGNMENT_COLUMNS = "referral_id, organisation, mediator, as_proposed, assigned_by, assigned_at"
SESSION_COLUMNS = "organisation, mediator, held_on, attendees, note, recorded_by, recorded_at"
LEGAL_AID_COLUMNS = "party, reason, recorded_by, recorded_at"
_OWN = "EXISTS (SELECT 1 FROM unnest(%s::text[]) AS own(unit) WHERE starts_with(r.unit, own.unit))"


class JusticeStore(AgencyStore, Protocol):
    def sync_directory(self, directory: Directory, at: datetime) -> None:
        """Keep the directory as read: new entries added, known ones updated, ones no longer listed inactive."""
        ...

    def organisations(self) -> list[Organisation]: ...

    def mediators(self) -> list[Mediator]: ...

    def open_load(self) -> dict[str, int]:
        """Each mediator's open assignments (referral neither declined nor reported); mediators with none left out."""
        ...

    def assignment(self, referral_id: UUID) -> Row | None: ...

    def assign(
        self, referral_id: UUID, organisation: str, mediator: str, as_proposed: bool, officer: str, at: datetime
    ) -> None:
        """Make (or replace) the referral's assignment."""
        ...

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
    ) -> None: ...

    def sessions(self, referral_id: UUID) -> list[Row]:
        """The referral's sessions, by day held then as recorded."""
        ...

    def add_legal_aid(self, referral_id: UUID, party: str, reason: str, officer: str, at: datetime) -> None: ...

    def legal_aid(self, referral_id: UUID) -> list[Row]: ...

    def assignment_outcomes(self, start: datetime, end: datetime, units: frozenset[str]) -> list[AssignmentOutcome]:
        """Assignments made from `start` up to (not including) `end`, of referrals to `units` or under them, each
        with the sessions held on its referral by organisation and mediator."""
        ...


class PostgresJusticeStore(PostgresAgencyStore):
    def sync_directory(self, directory: Directory, at: datetime) -> None:
        for o in directory.organisations:
            self.sql.write(
                "INSERT INTO mediation_organisations (code, name, kind, unit, covers, specialties, active, synced_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
                " kind = excluded.kind, unit = excluded.unit, covers = excluded.covers,"
                " specialties = excluded.specialties, active = excluded.active, synced_at = excluded.synced_at",
                (o.code, o.name, o.kind.value, o.unit, list(o.covers), sorted(o.specialties), o.active, at),
            )
        for m in directory.mediators:
            self.sql.write(
                "INSERT INTO mediators (code, name, organisation, specialties, active, synced_at)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
                " organisation = excluded.organisation, specialties = excluded.specialties,"
                " active = excluded.active, synced_at = excluded.synced_at",
                (m.code, m.name, m.organisation, sorted(m.specialties), m.active, at),
            )
        self.sql.write(
            "UPDATE mediators SET active = false, synced_at = %s WHERE NOT (code = ANY(%s))",
            (at, [m.code for m in directory.mediators]),
        )
        self.sql.write(
            "UPDATE mediation_organisations SET active = false, synced_at = %s WHERE NOT (code = ANY(%s))",
            (at, [o.code for o in directory.organisations]),
        )

    def organisations(self) -> list[Organisation]:
        rows = self.sql.all(
            "SELECT code, name, kind, unit, covers, specialties, active FROM mediation_organisations ORDER BY code"
        )
        return [
            Organisation(
                r["code"],
                r["name"],
                OrganisationKind(r["kind"]),
                r["unit"],
                tuple(r["covers"]),
                frozenset(Category(c) for c in r["specialties"]),
                r["active"],
            )
            for r in rows
        ]

    def mediators(self) -> list[Mediator]:
        rows = self.sql.all("SELECT code, name, organisation, specialties, active FROM mediators ORDER BY code")
        return [
            Mediator(
                r["code"], r["name"], r["organisation"], frozenset(Category(c) for c in r["specialties"]), r["active"]
            )
            for r in rows
        ]

    def open_load(self) -> dict[str, int]:
        rows = self.sql.all(
            "SELECT a.mediator, count(*) AS n FROM mediation_assignments a JOIN referrals r USING (referral_id)"
            " WHERE r.status IN ('received', 'accepted') GROUP BY a.mediator"
        )
        return {r["mediator"]: r["n"] for r in rows}

    def assignment(self, referral_id: UUID) -> Row | None:
        return self.sql.one(
            f"SELECT {ASSIGNMENT_COLUMNS} FROM mediation_assignments WHERE referral_id = %s", (referral_id,)
        )

    def assign(
        self, referral_id: UUID, organisation: str, mediator: str, as_proposed: bool, officer: str, at: datetime
    ) -> None:
        self.sql.write(
            f"INSERT INTO mediation_assignments ({ASSIGNMENT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (referral_id) DO UPDATE SET organisation = excluded.organisation,"
            " mediator = excluded.mediator, as_proposed = excluded.as_proposed,"
            " assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
            (referral_id, organisation, mediator, as_proposed, officer, at),
        )

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
        self.sql.write(
            f"INSERT INTO mediation_sessions (referral_id, {SESSION_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (referral_id, organisation, mediator, held_on, jsonb(attendees), note, officer, at),
        )

    def sessions(self, referral_id: UUID) -> list[Row]:
        return self.sql.all(
            f"SELECT {SESSION_COLUMNS} FROM mediation_sessions WHERE referral_id = %s ORDER BY held_on, id",
            (referral_id,),
        )

    def add_legal_aid(self, referral_id: UUID, party: str, reason: str, officer: str, at: datetime) -> None:
        self.sql.write(
            f"INSERT INTO legal_aid_referrals (referral_id, {LEGAL_AID_COLUMNS}) VALUES (%s, %s, %s, %s, %s)",
            (referral_id, party, reason, officer, at),
        )

    def legal_aid(self, referral_id: UUID) -> list[Row]:
        return self.sql.all(
            f"SELECT {LEGAL_AID_COLUMNS} FROM legal_aid_referrals WHERE referral_id = %s ORDER BY id", (referral_id,)
        )

    def assignment_outcomes(self, start: datetime, end: datetime, units: frozenset[str]) -> list[AssignmentOutcome]:
        rows = self.sql.all(
            "SELECT a.organisation, a.mediator, r.status, r.result,"
            " (SELECT coalesce(json_agg(json_build_array(h.organisation, h.mediator, h.n)"
            " ORDER BY h.organisation, h.mediator), '[]'::json) FROM (SELECT s.organisation, s.mediator, count(*) AS n"
            " FROM mediation_sessions s WHERE s.referral_id = a.referral_id GROUP BY s.organisation, s.mediator) h)"
            " AS sessions"
            " FROM mediation_assignments a JOIN referrals r USING (referral_id)"
            f" WHERE a.assigned_at >= %s AND a.assigned_at < %s AND {_OWN} ORDER BY a.referral_id",
            (start, end, sorted(units)),
        )
        return [outcome_of(r) for r in rows]


def outcome_of(row: Row) -> AssignmentOutcome:
    return AssignmentOutcome(
        organisation=row["organisation"],
        mediator=row["mediator"],
        status=row["status"],
        result=ResultCode(row["result"]) if row["result"] else None,
        sessions=tuple((str(o), str(m), int(n)) for o, m, n in row["sessions"]),
    )


def names_of(organisations: list[Organisation], mediators: list[Mediator]) -> dict[str, Any]:
    """Organisation and mediator names by code (the codes do not clash: the directory checks it)."""
    return {**{o.code: o.name for o in organisations}, **{m.code: m.name for m in mediators}}
