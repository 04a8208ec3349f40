"""The political-legal committee's store: the agency's referrals and records, the risk register and the person file."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from services.stability.domain import WarningColour
from shared.agency.store import AgencyStore, PostgresAgencyStore
from shared.contracts.messages import CaseAssigned, CaseWentOverdue, ReferralIssued, StabilityAlertRaised
from shared.delivery.statements import Row
from shared.persistence.jsonb import jsonb

PERSON_COLUMNS = "person_id, name, division_code, case_ids, record_ids, leader, created_by, created_at, updated_at"
EVENT_COLUMNS = "event_id, kind, case_id, at, detail, size, criminal_risk, recorded_by, recorded_at"

# A case noted twice keeps the graver colour: a lead's own colour and its case's flags may arrive
# in either order (ReferralIssued and CaseAssigned travel apart), and neither lowers the other.
_UPSERT_REGISTER = (
    "INSERT INTO risk_register (case_id, colour, flags, category, division_code, lead_unit, noted_at, record_id)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (case_id) DO UPDATE SET"
    " colour = CASE WHEN array_position(ARRAY['green','yellow','red'], EXCLUDED.colour)"
    " > array_position(ARRAY['green','yellow','red'], risk_register.colour)"
    " THEN EXCLUDED.colour ELSE risk_register.colour END,"
    " lead_unit = coalesce(risk_register.lead_unit, EXCLUDED.lead_unit),"
    " record_id = coalesce(risk_register.record_id, EXCLUDED.record_id)"
)


# Each register entry with what is known of its case's closing: `open`, `closed` (when, and the rating), or `unknown`
# for a case entered before the register heard of closings, until a closing or reopening of it arrives.
_REGISTER_WITH_STATUS = (
    "SELECT r.case_id, r.colour, r.flags, r.category, r.division_code, r.lead_unit, r.noted_at, r.record_id,"
    " c.closed_at, c.rating AS closed_rating,"
    " CASE WHEN c.case_id IS NULL THEN CASE WHEN r.closings_heard THEN 'open' ELSE 'unknown' END"
    " WHEN c.closed_at IS NULL THEN 'open' ELSE 'closed' END AS status"
    " FROM risk_register r LEFT JOIN case_closures c ON c.case_id = r.case_id"
)


class StabilityStore(AgencyStore, Protocol):
    def note_risk(self, assigned: CaseAssigned, colour: WarningColour, at: datetime) -> None:
        """Enter a case in the risk register, with its colour, flags, place and lead unit; noted again, it keeps
        what it was first noted with but takes the graver colour."""
        ...

    def note_lead(self, referral: ReferralIssued, colour: WarningColour, at: datetime) -> None:
        """Enter the case a stability lead opened, in the lead's colour (graver colours kept), naming the lead."""
        ...

    def risk_register(
        self, limit: int, offset: int = 0, colour: str | None = None, status: str | None = None
    ) -> list[Row]:
        """The register's cases (of one colour, of one status, if given), the latest noted first, from `offset` on;
        each with its `status` (`open`, `closed` or `unknown`), `closed_at` and `closed_rating` (None unless closed)."""
        ...

    def risk_register_counts(self) -> dict[str, dict[str, int]]:
        """How many cases the register holds, by colour, then by status."""
        ...

    def note_closing(self, case_id: str, closed_at: datetime | None, rating: str | None, fact_at: datetime) -> None:
        """A case closed (`closed_at`, with its rating) or reopened (None), as of the fact at `fact_at`; a fact older
        than the one applied last changes nothing."""
        ...

    def add_person(self, person: dict[str, Any], id_key: str | None, contact_key: str | None, at: datetime) -> None:
        """Open a person's file: `person` holds person_id, name, division_code, case_ids, record_ids, created_by."""
        ...

    def find_person(self, id_key: str | None, contact_key: str | None) -> UUID | None:
        """The person already on file under either key, if any."""
        ...

    def link_person(self, person_id: UUID, case_ids: list[str], record_ids: list[str], at: datetime) -> None:
        """Add cases and leads to a person's file (each kept once, in the order first given)."""
        ...

    def add_person_event(self, person_id: UUID, event: dict[str, Any], at: datetime) -> None:
        """Record a fact in a person's history (event_id, kind, case_id, at, detail, size, criminal_risk, by)."""
        ...

    def set_leader(self, person_id: UUID, leader: dict[str, Any], at: datetime) -> bool:
        """Name the person's responsible leader and plan; False for an unknown person."""
        ...

    def get_person(self, person_id: UUID) -> Row | None:
        """A person's file with its `events`, oldest first."""
        ...

    def list_persons(self, places: Sequence[str], *, without_leader: bool = False) -> list[Row]:
        """Every person on file whose place (division code) starts with one of `places` (only those without a
        named leader, with `without_leader`), with their `events`, the latest changed first.

        Not cut at a limit: the lists filter on a colour computed from each person's history as of the moment
        they are read, which no column holds, so the caller assesses every one before it cuts the list."""
        ...

    def note_case(self, assigned: CaseAssigned) -> None:
        """Keep a triaged case's source and flags for the person file; triaged again, its flags add up and the
        first triage's time stays."""
        ...

    def note_overdue(self, overdue: CaseWentOverdue, at: datetime) -> None:
        """Keep a unit's overdue referral (each referral once)."""
        ...

    def case_histories(self, case_ids: list[str], record_ids: list[str]) -> list[Row]:
        """What the platform said about these cases and the cases these leads opened: `case_id`, `source`,
        `flags`, `assigned_at` (None while not triaged), `record_id` (the lead of those given that opened it, if any)
        and `overdue` (`[{referral_id, unit, due_at}]`), by case id; a case the service has heard nothing of is
        left out."""
        ...

    # --- 高频线索预警 (services/stability/alerts.py) ---

    def record_alert(self, alert: StabilityAlertRaised) -> None:
        """Keep an alert from intake, once per alert id."""
        ...

    def list_alerts(self, units: frozenset[str], limit: int) -> list[Row]:
        """Alerts addressed to any of `units`, the latest raised first."""
        ...


class PostgresStabilityStore(PostgresAgencyStore):
    def note_risk(self, assigned: CaseAssigned, colour: WarningColour, at: datetime) -> None:
        self.sql.write(
            _UPSERT_REGISTER,
            (
                assigned.case_id,
                colour.value,
                jsonb([f.value for f in assigned.flags]),
                assigned.category.value,
                assigned.division_code,
                assigned.lead_unit,
                at,
                None,
            ),
        )

    def note_lead(self, referral: ReferralIssued, colour: WarningColour, at: datetime) -> None:
        self.sql.write(
            _UPSERT_REGISTER,
            (
                referral.case_id,
                colour.value,
                jsonb([f.value for f in referral.flags]),
                referral.category.value,
                referral.division_code,
                referral.recipient,
                at,
                referral.source_record_id,
            ),
        )

    def risk_register(
        self, limit: int, offset: int = 0, colour: str | None = None, status: str | None = None
    ) -> list[Row]:
        return self.sql.all(
            f"SELECT * FROM ({_REGISTER_WITH_STATUS}) r WHERE (%s::text IS NULL OR colour = %s::text)"
            " AND (%s::text IS NULL OR status = %s::text) ORDER BY noted_at DESC, case_id LIMIT %s OFFSET %s",
            (colour, colour, status, status, limit, offset),
        )

    def risk_register_counts(self) -> dict[str, dict[str, int]]:
        rows = self.sql.all(f"SELECT colour, status, count(*) AS cases FROM ({_REGISTER_WITH_STATUS}) r GROUP BY 1, 2")
        counts: dict[str, dict[str, int]] = {}
        for row in rows:
            counts.setdefault(row["colour"], {})[row["status"]] = row["cases"]
        return counts

    def note_closing(self, case_id: str, closed_at: datetime | None, rating: str | None, fact_at: datetime) -> None:
        self.sql.write(
            "INSERT INTO case_closures (case_id, closed_at, rating, fact_at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (case_id) DO UPDATE SET closed_at = EXCLUDED.closed_at, rating = EXCLUDED.rating,"
            " fact_at = EXCLUDED.fact_at WHERE case_closures.fact_at <= EXCLUDED.fact_at",
            (case_id, closed_at, rating, fact_at),
        )

    def add_person(self, person: dict[str, Any], id_key: str | None, contact_key: str | None, at: datetime) -> None:
        self.sql.write(
            "INSERT INTO persons (person_id, name, id_key, contact_key, division_code, case_ids, record_ids,"
            " created_by, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                person["person_id"],
                person["name"],
                id_key,
                contact_key,
                person["division_code"],
                jsonb(list(dict.fromkeys(person["case_ids"]))),
                jsonb(list(dict.fromkeys(person["record_ids"]))),
                person["created_by"],
                at,
                at,
            ),
        )

    def find_person(self, id_key: str | None, contact_key: str | None) -> UUID | None:
        if id_key is None and contact_key is None:
            return None
        row = self.sql.one(
            "SELECT person_id FROM persons WHERE id_key = %s OR contact_key = %s ORDER BY created_at LIMIT 1",
            (id_key, contact_key),
        )
        return None if row is None else UUID(str(row["person_id"]))

    def link_person(self, person_id: UUID, case_ids: list[str], record_ids: list[str], at: datetime) -> None:
        row = self.sql.one("SELECT case_ids, record_ids FROM persons WHERE person_id = %s FOR UPDATE", (person_id,))
        if row is None:
            return
        self.sql.write(
            "UPDATE persons SET case_ids = %s, record_ids = %s, updated_at = %s WHERE person_id = %s",
            (
                jsonb(list(dict.fromkeys([*row["case_ids"], *case_ids]))),
                jsonb(list(dict.fromkeys([*row["record_ids"], *record_ids]))),
                at,
                person_id,
            ),
        )

    def add_person_event(self, person_id: UUID, event: dict[str, Any], at: datetime) -> None:
        self.sql.write(
            "INSERT INTO person_events (event_id, person_id, kind, case_id, at, detail, size, criminal_risk,"
            " recorded_by, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                event["event_id"],
                person_id,
                event["kind"],
                event.get("case_id"),
                event["at"],
                event["detail"],
                event.get("size"),
                bool(event.get("criminal_risk")),
                event["recorded_by"],
                at,
            ),
        )
        self.sql.write("UPDATE persons SET updated_at = %s WHERE person_id = %s", (at, person_id))

    def set_leader(self, person_id: UUID, leader: dict[str, Any], at: datetime) -> bool:
        row = self.sql.one(
            "UPDATE persons SET leader = %s, updated_at = %s WHERE person_id = %s RETURNING person_id",
            (jsonb(leader), at, person_id),
        )
        return row is not None

    def get_person(self, person_id: UUID) -> Row | None:
        person = self.sql.one(f"SELECT {PERSON_COLUMNS} FROM persons WHERE person_id = %s", (person_id,))
        if person is None:
            return None
        person["events"] = self._events([person_id]).get(person_id, [])
        return person

    def list_persons(self, places: Sequence[str], *, without_leader: bool = False) -> list[Row]:
        # Division codes are digits alone (validated where they enter), so a prefix is a LIKE pattern as it is.
        persons = self.sql.all(
            f"SELECT {PERSON_COLUMNS} FROM persons WHERE division_code LIKE ANY(%s)"
            " AND (NOT %s OR leader IS NULL) ORDER BY updated_at DESC, person_id",
            ([f"{place}%" for place in places], without_leader),
        )
        events = self._events([p["person_id"] for p in persons])
        for person in persons:
            person["events"] = events.get(person["person_id"], [])
        return persons

    def _events(self, person_ids: list[UUID]) -> dict[UUID, list[Row]]:
        if not person_ids:
            return {}
        rows = self.sql.all(
            f"SELECT person_id, {EVENT_COLUMNS} FROM person_events WHERE person_id = ANY(%s)"
            " ORDER BY at, recorded_at, event_id",
            (person_ids,),
        )
        grouped: dict[UUID, list[Row]] = {}
        for row in rows:
            grouped.setdefault(row.pop("person_id"), []).append(row)
        return grouped

    # --- what the platform says about each case, for the person file ---------------------------------

    def note_case(self, assigned: CaseAssigned) -> None:
        self.sql.write(
            "INSERT INTO case_histories (case_id, source, flags, assigned_at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (case_id) DO UPDATE SET source = coalesce(case_histories.source, EXCLUDED.source),"
            " flags = coalesce((SELECT jsonb_agg(DISTINCT f ORDER BY f) FROM jsonb_array_elements_text("
            "case_histories.flags || EXCLUDED.flags) AS f), '[]'::jsonb),"
            " assigned_at = least(case_histories.assigned_at, EXCLUDED.assigned_at)",
            (
                assigned.case_id,
                assigned.source.value,
                jsonb(sorted(f.value for f in assigned.flags)),
                assigned.occurred_at,
            ),
        )

    def note_overdue(self, overdue: CaseWentOverdue, at: datetime) -> None:
        self.sql.write(
            "INSERT INTO overdue_referrals (referral_id, case_id, unit, due_at, noted_at) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (referral_id) DO NOTHING",
            (overdue.referral_id, overdue.case_id, overdue.unit, overdue.due_at, at),
        )

    def case_histories(self, case_ids: list[str], record_ids: list[str]) -> list[Row]:
        led_by: dict[str, str] = {}
        if record_ids:
            for row in self.sql.all(
                "SELECT case_id, record_id FROM risk_register WHERE record_id = ANY(%s)", (record_ids,)
            ):
                led_by[row["case_id"]] = row["record_id"]
        wanted = list(dict.fromkeys([*case_ids, *led_by]))
        if not wanted:
            return []
        cases: dict[str, Row] = {}
        for row in self.sql.all(
            "SELECT case_id, source, flags, assigned_at FROM case_histories WHERE case_id = ANY(%s)", (wanted,)
        ):
            cases[row["case_id"]] = {**row, "record_id": led_by.get(row["case_id"]), "overdue": []}
        for row in self.sql.all(
            "SELECT case_id, referral_id, unit, due_at FROM overdue_referrals WHERE case_id = ANY(%s)"
            " ORDER BY due_at, referral_id",
            (wanted,),
        ):
            case = cases.setdefault(row["case_id"], _unheard_case(row["case_id"], led_by.get(row["case_id"])))
            case["overdue"].append({k: row[k] for k in ("referral_id", "unit", "due_at")})
        return [cases[c] for c in sorted(cases)]

    def record_alert(self, alert: StabilityAlertRaised) -> None:
        self.sql.write(
            "INSERT INTO alerts (alert_id, kind, person_ref, masked_name, count, threshold, window_days, window_start,"
            " case_id, case_ids, division_code, unit, raised_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s) ON CONFLICT (alert_id) DO NOTHING",
            (
                alert.alert_id,
                alert.kind.value,
                alert.person_ref,
                alert.masked_name,
                alert.count,
                alert.threshold,
                alert.window_days,
                alert.window_start,
                alert.case_id,
                jsonb(list(alert.case_ids)),
                alert.division_code,
                alert.recipient,
                alert.occurred_at,
            ),
        )

    def list_alerts(self, units: frozenset[str], limit: int) -> list[Row]:
        return self.sql.all(
            "SELECT alert_id, kind, person_ref, masked_name, count, threshold, window_days, window_start, case_id,"
            " case_ids, division_code, unit, raised_at FROM alerts WHERE unit = ANY(%s)"
            " ORDER BY raised_at DESC, alert_id LIMIT %s",
            (sorted(units), limit),
        )


def _unheard_case(case_id: str, record_id: str | None) -> Row:
    """A case whose triage has not reached this service yet, though a unit's lateness has."""
    return {"case_id": case_id, "source": None, "flags": [], "assigned_at": None, "record_id": record_id, "overdue": []}
