"""Intake's cases as reported, every report, the repeat keys cases are matched by, and the daily case numbers."""

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from services.intake.domain import PairKey, PriorCase, RepeatKeys
from services.intake.frequency import Alert, AlertHistory, SeenReport, Watched
from services.intake.personal_data import (
    SEALED_FIELDS,
    SEALED_PREFIX,
    PersonalDataCipher,
    PersonalDataError,
    is_sealed,
)
from shared.contracts.disputes import DisputeReport
from shared.contracts.vocabulary import Category
from shared.delivery.statements import Row, Statements
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb

log = logging.getLogger(__name__)


class IntakeStore(Protocol):
    def lock_keys(self, keys: RepeatKeys) -> None:
        """Serialise reports that share a key until the transaction ends, so two copies of one dispute
        cannot both open a case."""
        ...

    def candidates(self, keys: RepeatKeys) -> list[PriorCase]:
        """Earlier cases stored under any of these keys, each with all of its keys (every record, every pair)."""
        ...

    def next_sequence(self, county: str, day: date) -> int:
        """The next case number of the county's day: 1, 2, 3 …"""
        ...

    def add_case(
        self, case_id: str, report: DisputeReport, keys: RepeatKeys, at: datetime, trace: dict[str, str]
    ) -> None: ...

    def add_keys(self, case_id: str, keys: RepeatKeys) -> None: ...

    def add_report(
        self,
        report_id: UUID,
        case_id: str,
        report: DisputeReport,
        record_key: str | None,
        linked: bool,
        reason: str | None,
        at: datetime,
        registered_by: str | None = None,
    ) -> None: ...

    def case_trace(self, case_id: str) -> dict[str, str]:
        """The trace context stored with the case, or {} if there is no such case."""
        ...

    def get_case(self, case_id: str) -> Row:
        """The case as registered (`case_id`, `source`, `category`, `division_code`, `summary`, `report`,
        `registered_at`) with its `reports` in the order received, ID and mobile numbers opened;
        NotFound if there is none."""
        ...

    def contacts(self, case_id: str) -> list[dict[str, Any]] | None:
        """The case's parties as registered (`role`, `kind`, `name`, `phone`), each mobile number opened: none once
        purged, or where it does not open (logged); never the ID numbers. None if there is no such case."""
        ...

    def note_closure(self, case_id: str, closed_at: datetime | None, occurred_at: datetime) -> None:
        """Record that the coordinator closed the case at `closed_at` (None: reopened it), unless a later
        closure or reopening was noted already; unknown cases are ignored."""
        ...

    def purge_personal_data(self, closed_before: datetime, at: datetime, *, dry_run: bool = False) -> list[str]:
        """Remove the ID and mobile numbers of cases closed before `closed_before` (names stay); their ids."""
        ...

    def seal_plain_rows(self) -> int:
        """Seal ID and mobile numbers stored in clear before sealing existed; how many cases changed."""
        ...

    # --- high-frequency clue alerts (frequency.py) -------------------------------------------------

    def add_sightings(
        self, report_id: UUID, case_id: str, watched: list[Watched], applicants: frozenset[str], at: datetime
    ) -> None:
        """Keep that the report named each watched party on its side, with the report's applicants."""
        ...

    def alert_histories(self, watched: Sequence[Watched], since: datetime) -> list[AlertHistory]:
        """For each watched party, in the order given: the reports that named it on its side received after
        `since`, and when its latest alert was raised. Each party's alert decision is serialised until the
        transaction ends (locked in key order, so two reports naming the same parties cannot deadlock)."""
        ...

    def add_alert(self, alert_id: UUID, alert: Alert, at: datetime) -> None: ...


class PostgresIntakeStore:
    """ID and mobile numbers are sealed with `cipher` (the case id bound in) before they reach a column."""

    def __init__(self, statements: Statements, cipher: PersonalDataCipher) -> None:
        self.sql = statements
        self.cipher = cipher

    def lock_keys(self, keys: RepeatKeys) -> None:
        names = sorted({keys.record or "", *(f"{p.applicant}|{p.respondent}|{p.category}" for p in keys.pairs)} - {""})
        for name in names:
            self.sql.write("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))

    def candidates(self, keys: RepeatKeys) -> list[PriorCase]:
        pairs = keys.pairs
        # Two index lookups joined by UNION: an OR across both keys would scan the whole table.
        rows = self.sql.all(
            "SELECT case_id FROM case_keys WHERE record_key = %s"
            " UNION SELECT k.case_id FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(a, r, c)"
            " JOIN case_keys k ON (k.applicant_key, k.respondent_key, k.category) = (t.a, t.r, t.c)",
            (
                keys.record,
                [p.applicant for p in pairs],
                [p.respondent for p in pairs],
                [str(p.category) for p in pairs],
            ),
        )
        if not rows:
            return []
        key_rows = self.sql.all(
            "SELECT c.case_id, c.registered_at, k.record_key, k.applicant_key, k.respondent_key, k.category"
            " FROM cases c JOIN case_keys k USING (case_id) WHERE c.case_id = ANY(%s)",
            ([row["case_id"] for row in rows],),
        )
        registered: dict[str, datetime] = {}
        records: dict[str, set[str]] = {}
        found_pairs: dict[str, set[PairKey]] = {}
        for row in key_rows:
            case_id = row["case_id"]
            registered[case_id] = row["registered_at"]
            if row["record_key"]:
                records.setdefault(case_id, set()).add(row["record_key"])
            if row["applicant_key"]:
                pair = PairKey(row["applicant_key"], row["respondent_key"], Category(row["category"]))
                found_pairs.setdefault(case_id, set()).add(pair)
        return [
            PriorCase(
                case_id,
                registered[case_id],
                frozenset(records.get(case_id, ())),
                frozenset(found_pairs.get(case_id, ())),
            )
            for case_id in registered
        ]

    def next_sequence(self, county: str, day: date) -> int:
        row = self.sql.one(
            "INSERT INTO case_counters (county, day, last) VALUES (%s, %s, 1)"
            " ON CONFLICT (county, day) DO UPDATE SET last = case_counters.last + 1 RETURNING last",
            (county, day),
        )
        assert row is not None, "an upsert with RETURNING always returns its row"
        return int(row["last"])

    def add_case(
        self, case_id: str, report: DisputeReport, keys: RepeatKeys, at: datetime, trace: dict[str, str]
    ) -> None:
        self.sql.write(
            "INSERT INTO cases (case_id, source, category, division_code, summary, report, registered_at, trace)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                case_id,
                report.source.value,
                report.category.value,
                report.division_code,
                report.summary,
                jsonb(self.cipher.seal_parties(report.model_dump(mode="json"), case_id)),
                at,
                jsonb(trace),
            ),
        )
        self.add_keys(case_id, keys)

    def add_keys(self, case_id: str, keys: RepeatKeys) -> None:
        if keys.record:
            self.sql.write("INSERT INTO case_keys (case_id, record_key) VALUES (%s, %s)", (case_id, keys.record))
        for pair in keys.pairs:
            self.sql.write(
                "INSERT INTO case_keys (case_id, applicant_key, respondent_key, category) VALUES (%s, %s, %s, %s)",
                (case_id, pair.applicant, pair.respondent, pair.category.value),
            )

    def add_report(
        self,
        report_id: UUID,
        case_id: str,
        report: DisputeReport,
        record_key: str | None,
        linked: bool,
        reason: str | None,
        at: datetime,
        registered_by: str | None = None,
    ) -> None:
        self.sql.write(
            "INSERT INTO reports (report_id, case_id, source, record_key, linked, reason, received_at, registered_by)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (report_id, case_id, report.source.value, record_key, linked, reason, at, registered_by),
        )

    def case_trace(self, case_id: str) -> dict[str, str]:
        row = self.sql.one("SELECT trace FROM cases WHERE case_id = %s", (case_id,))
        return row["trace"] if row else {}

    def get_case(self, case_id: str) -> Row:
        row = self.sql.one(
            "SELECT case_id, source, category, division_code, summary, report, registered_at"
            " FROM cases WHERE case_id = %s",
            (case_id,),
        )
        if row is None:
            raise NotFound(f"no case {case_id}")
        row["report"] = self.cipher.open_parties(row["report"], case_id)
        row["reports"] = self.sql.all(
            "SELECT report_id, source, linked, reason, received_at, registered_by FROM reports WHERE case_id = %s"
            " ORDER BY received_at",
            (case_id,),
        )
        return row

    def contacts(self, case_id: str) -> list[dict[str, Any]] | None:
        row = self.sql.one("SELECT report -> 'parties' AS parties FROM cases WHERE case_id = %s", (case_id,))
        if row is None:
            return None
        return [contact_of(party, self.cipher, case_id) for party in row["parties"] or []]

    def note_closure(self, case_id: str, closed_at: datetime | None, occurred_at: datetime) -> None:
        self.sql.write(
            "UPDATE cases SET closed_at = %s, closure_noted_at = %s"
            " WHERE case_id = %s AND (closure_noted_at IS NULL OR closure_noted_at < %s)",
            (closed_at, occurred_at, case_id, occurred_at),
        )

    def purge_personal_data(self, closed_before: datetime, at: datetime, *, dry_run: bool = False) -> list[str]:
        due = self.sql.all(
            "SELECT case_id, report FROM cases WHERE closed_at < %s AND personal_data_purged_at IS NULL"
            " ORDER BY closed_at FOR UPDATE",
            (closed_before,),
        )
        if not dry_run:
            for row in due:
                self.sql.write(
                    "UPDATE cases SET report = %s, personal_data_purged_at = %s WHERE case_id = %s",
                    (jsonb(without_personal_numbers(row["report"])), at, row["case_id"]),
                )
        return [row["case_id"] for row in due]

    def seal_plain_rows(self) -> int:
        # Only the rows still holding a number in clear are read and locked: after the first run, none.
        rows = self.sql.all(
            "SELECT case_id, report FROM cases WHERE jsonb_path_exists(report, %s::jsonpath)"
            " ORDER BY case_id FOR UPDATE",
            (_PLAIN_NUMBER_PATH,),
        )
        changed = 0
        for row in rows:
            if has_plain_numbers(row["report"]):
                sealed = self.cipher.seal_parties(row["report"], row["case_id"])
                self.sql.write("UPDATE cases SET report = %s WHERE case_id = %s", (jsonb(sealed), row["case_id"]))
                changed += 1
        return changed

    def add_sightings(
        self, report_id: UUID, case_id: str, watched: list[Watched], applicants: frozenset[str], at: datetime
    ) -> None:
        for party in watched:
            self.sql.write(
                "INSERT INTO report_sightings (report_id, case_id, party_key, kind, applicant_keys, received_at)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (report_id, case_id, party.key, party.kind.value, sorted(applicants), at),
            )

    def alert_histories(self, watched: Sequence[Watched], since: datetime) -> list[AlertHistory]:
        if not watched:
            return []
        for kind, key in sorted({(w.kind.value, w.key) for w in watched}):
            self.sql.write("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"alert|{kind}|{key}",))
        # Every party's sightings and last alert in one round trip: a row per sighting, and one per party
        # (report_id NULL) for its last alert.
        parties = ", ".join(["(%s::integer, %s::text, %s::text)"] * len(watched))
        params: list[Any] = [value for n, w in enumerate(watched) for value in (n, w.key, w.kind.value)]
        rows = self.sql.all(
            f"WITH watched (n, party_key, kind) AS (VALUES {parties})"
            " SELECT w.n, s.report_id, s.case_id, s.applicant_keys, s.received_at FROM watched w"
            " JOIN report_sightings s ON s.party_key = w.party_key AND s.kind = w.kind AND s.received_at > %s"
            " UNION ALL"
            " SELECT w.n, NULL, NULL, NULL, (SELECT max(a.raised_at) FROM frequent_report_alerts a"
            "  WHERE a.party_key = w.party_key AND a.kind = w.kind) FROM watched w"
            " ORDER BY 1, 5, 2",
            (*params, since),
        )
        seen: list[list[SeenReport]] = [[] for _ in watched]
        last: list[datetime | None] = [None] * len(watched)
        for r in rows:
            if r["report_id"] is None:
                last[r["n"]] = r["received_at"]
            else:
                seen[r["n"]].append(
                    SeenReport(str(r["report_id"]), r["case_id"], r["received_at"], frozenset(r["applicant_keys"]))
                )
        return [AlertHistory(reports, raised) for reports, raised in zip(seen, last, strict=True)]

    def add_alert(self, alert_id: UUID, alert: Alert, at: datetime) -> None:
        self.sql.write(
            "INSERT INTO frequent_report_alerts (alert_id, kind, party_key, count, case_ids, window_start, raised_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (alert_id, alert.kind.value, alert.key, alert.count, jsonb(list(alert.case_ids)), alert.window_start, at),
        )


# A party's ID or mobile number that is a string not sealed (SEALED_PREFIX), as a SQL/JSON path.
_PLAIN_NUMBER_PATH = (
    f'$.parties[*] ? ((@.id_number.type() == "string" && !(@.id_number starts with "{SEALED_PREFIX}"))'
    f' || (@.phone.type() == "string" && !(@.phone starts with "{SEALED_PREFIX}")))'
)


def contact_of(party: dict[str, Any], cipher: PersonalDataCipher, case_id: str) -> dict[str, Any]:
    """A stored party as the lead unit may have it: its mobile number opened (the ID number never)."""
    phone = party.get("phone")
    if isinstance(phone, str) and is_sealed(phone):
        try:
            phone = cipher.open(phone, case_id)
        except PersonalDataError as exc:  # a retired key dropped, or a damaged value: the others still go
            log.warning("a party's mobile number does not open", extra={"case_id": case_id, "error": str(exc)})
            phone = None
    return {"role": party.get("role"), "kind": party.get("kind", "person"), "name": party.get("name"), "phone": phone}


def has_plain_numbers(report: dict[str, Any]) -> bool:
    return any(
        party.get(field) and not is_sealed(party[field])
        for party in report.get("parties", [])
        for field in SEALED_FIELDS
    )


def without_personal_numbers(report: dict[str, Any]) -> dict[str, Any]:
    """The report with every party's ID and mobile number removed; names, roles and the rest kept."""
    return {**report, "parties": [{**p, **dict.fromkeys(SEALED_FIELDS)} for p in report.get("parties", [])]}
