"""The coordinator's cases (state documents under row locks) and their append-only timelines.

The state document is the truth. Beside it each row keeps a few of its facts as columns, and
`case_referrals` one row per referral, written from the document by the same statements that
store it, so that the case list can filter and the overview can count tens of thousands of
cases with indexes instead of reading every document. Documents stored before result codes
load as the model reads them (`Referral`, `Case`), and migration 0003 reads them the same way.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import TypeAdapter

from services.coordinator.domain.figures import Figures, UnitFigures
from services.coordinator.domain.model import STILL_HANDLED, Case, CaseStatus, TimelineEntry
from services.coordinator.sent_documents import PostgresSentDocuments, SentDocuments
from shared.calendar_store import CalendarStore, PostgresCalendarStore
from shared.contracts.vocabulary import Category, Rating, ResultCode, Source
from shared.delivery.statements import Row, Statements
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import json_text, jsonb

_case_codec = TypeAdapter(Case)


@dataclass(frozen=True)
class StoredCase:
    """A case with what it was registered with (summary, parties) and the trace context its hops join."""

    case: Case
    registered: dict[str, Any]
    trace: dict[str, str]


@dataclass(frozen=True)
class CaseQuery:
    """Which cases a list asks for; a criterion left None matches every case."""

    now: datetime  # what `overdue` is judged against
    status: CaseStatus | None = None
    source: Source | None = None
    category: Category | None = None
    unit: str | None = None  # referred (any round) to this unit or to one of the same agency below it
    place: str | None = None  # a division code the case's division code starts with
    registered_since: datetime | None = None
    registered_before: datetime | None = None
    overdue: bool | None = None  # has an open referral past its deadline (True), or none (False)
    text: str | None = None  # a case id prefix, or a part of the summary in any letter case
    centre: str | None = None  # held by this centre (三级); a case stored before levels is its county's
    awaits_the_leaders: bool | None = None  # flagged for the leaders and still handled (Case.awaits_the_leaders)


@dataclass(frozen=True)
class ListedCase:
    """A case as the list shows it: its state, what it is about, when it was registered and last changed."""

    case: Case
    summary: str | None
    registered_at: datetime
    updated_at: datetime


class CaseStore(Protocol):
    def add(self, case: Case, registered: dict[str, Any], trace: dict[str, str], at: datetime) -> None: ...

    def lock(self, case_id: str) -> StoredCase:
        """The case, locked until the transaction ends (one writer per case); NotFound if there is none."""
        ...

    def save(self, case: Case, at: datetime) -> None: ...

    def forget_phones(self, case_id: str) -> None:
        """Drop the parties' mobile numbers from what the case was registered with (names and roles stay)."""
        ...

    def append_timeline(self, case_id: str, entries: Sequence[TimelineEntry]) -> None: ...

    def read(self, case_id: str) -> tuple[StoredCase, list[Row]]:
        """The case and its timeline lines (`seq`, `at`, `kind`, `detail`) in order; NotFound if there is none."""
        ...

    def list_cases(self, query: CaseQuery, limit: int, offset: int = 0) -> list[ListedCase]:
        """Up to `limit` matching cases after the first `offset`: the least recently updated first when the
        query names a status (the ones waiting longest), else the most recently updated; ties by case id."""
        ...

    def count_cases(self, query: CaseQuery) -> int:
        """How many cases match, whatever the page."""
        ...

    def count_by_status(self) -> dict[str, int]:
        """Every case, by status (no filter applies)."""
        ...

    def figures(self, now: datetime) -> Figures:
        """The overview's counts over every case (`domain.figures` says what counts), overdue as of `now`."""
        ...

    # The official calendar's loaded years (`shared.calendar_store`), kept in the same transactions.
    calendar: CalendarStore
    # The documents sent to each referral, for sending them again (`wuyuan reconcile`).
    sent: SentDocuments

    def open_cases_due_from(self, moment: datetime) -> list[str]:
        """The cases with an open referral due at or after `moment`, by case id: those a year's calendar,
        loaded for the year `moment` starts, may move."""
        ...


class PostgresCaseStore:
    def __init__(self, statements: Statements) -> None:
        self.sql = statements
        self.calendar: CalendarStore = PostgresCalendarStore(statements)
        self.sent: SentDocuments = PostgresSentDocuments(statements)

    def add(self, case: Case, registered: dict[str, Any], trace: dict[str, str], at: datetime) -> None:
        facts = case.facts
        self.sql.write(
            "INSERT INTO cases (case_id, status, state, registered, trace, created_at, updated_at,"
            " source, category, division_code, summary, rating, result)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                case.case_id,
                case.status.value,
                _state(case),
                jsonb(registered),
                jsonb(trace),
                at,
                at,
                facts.source.value,
                facts.category.value,
                facts.division_code,
                registered.get("summary"),
                _rating(case),
                _result(case),
            ),
        )
        self.sql.write(SYNC_REFERRALS, (case.case_id,))

    def lock(self, case_id: str) -> StoredCase:
        row = self.sql.one(
            "SELECT state::text AS state, registered, trace FROM cases WHERE case_id = %s FOR UPDATE", (case_id,)
        )
        return _stored(case_id, row)

    def save(self, case: Case, at: datetime) -> None:
        # The facts (source, category, place) and the summary are fixed at registration; status,
        # rating, result and the referrals change.
        self.sql.write(
            "UPDATE cases SET status = %s, state = %s, rating = %s, result = %s, version = version + 1,"
            " updated_at = %s WHERE case_id = %s",
            (case.status.value, _state(case), _rating(case), _result(case), at, case.case_id),
        )
        self.sql.write(SYNC_REFERRALS, (case.case_id,))

    def forget_phones(self, case_id: str) -> None:
        self.sql.write(
            "UPDATE cases SET registered = jsonb_set(registered, '{parties}',"
            " (SELECT coalesce(jsonb_agg(p || '{\"phone\": null}'::jsonb ORDER BY n), '[]'::jsonb)"
            "  FROM jsonb_array_elements(registered -> 'parties') WITH ORDINALITY AS t(p, n)))"
            " WHERE case_id = %s AND jsonb_typeof(registered -> 'parties') = 'array'",
            (case_id,),
        )

    def append_timeline(self, case_id: str, entries: Sequence[TimelineEntry]) -> None:
        for entry in entries:
            self.sql.write(
                "INSERT INTO timeline (case_id, seq, at, kind, detail) VALUES (%s, %s, %s, %s, %s)",
                (case_id, entry.seq, entry.at, entry.kind.value, jsonb(entry.detail)),
            )

    def read(self, case_id: str) -> tuple[StoredCase, list[Row]]:
        row = self.sql.one("SELECT state::text AS state, registered, trace FROM cases WHERE case_id = %s", (case_id,))
        stored = _stored(case_id, row)
        timeline = self.sql.all(
            "SELECT seq, at, kind, detail FROM timeline WHERE case_id = %s ORDER BY seq", (case_id,)
        )
        return stored, timeline

    def list_cases(self, query: CaseQuery, limit: int, offset: int = 0) -> list[ListedCase]:
        where, params = _where(query)
        order = "c.updated_at, c.case_id" if query.status else "c.updated_at DESC, c.case_id DESC"
        rows = self.sql.all(
            f"SELECT c.case_id, c.state, c.summary, c.created_at, c.updated_at FROM cases c{where}"
            f" ORDER BY {order} LIMIT %s OFFSET %s",
            (*params, limit, offset),
        )
        return [
            ListedCase(_case_codec.validate_python(row["state"]), row["summary"], row["created_at"], row["updated_at"])
            for row in rows
        ]

    def count_cases(self, query: CaseQuery) -> int:
        where, params = _where(query)
        row = self.sql.one(f"SELECT count(*) AS n FROM cases c{where}", params)
        return int(row["n"]) if row else 0

    def count_by_status(self) -> dict[str, int]:
        rows = self.sql.all("SELECT status, count(*) AS n FROM cases GROUP BY status")
        return {row["status"]: row["n"] for row in rows}

    def figures(self, now: datetime) -> Figures:
        cases = self.sql.all("SELECT source, status, count(*) AS n FROM cases GROUP BY source, status")
        ratings = self.sql.all("SELECT rating, count(*) AS n FROM cases WHERE rating IS NOT NULL GROUP BY rating")
        units = self.sql.all(UNIT_FIGURES, (now,))
        unit_results: dict[str, dict[ResultCode, int]] = {}
        for row in self.sql.all(UNIT_RESULTS):
            unit_results.setdefault(row["unit"], {})[ResultCode(row["result"])] = row["n"]
        case_results = self.sql.all("SELECT result, count(*) AS n FROM cases WHERE result IS NOT NULL GROUP BY result")
        return Figures(
            cases={(Source(r["source"]), CaseStatus(r["status"])): r["n"] for r in cases},
            ratings={Rating(r["rating"]): r["n"] for r in ratings},
            units=tuple(UnitFigures(**row, results=unit_results.get(row["unit"], {})) for row in units),
            case_results={ResultCode(r["result"]): r["n"] for r in case_results},
        )

    def open_cases_due_from(self, moment: datetime) -> list[str]:
        rows = self.sql.all(
            "SELECT DISTINCT case_id FROM case_referrals WHERE status IN ('issued', 'accepted') AND due_at >= %s"
            " ORDER BY case_id",
            (moment,),
        )
        return [row["case_id"] for row in rows]


# The referral rows of one case, written from the state document just stored (the same statement
# as the backfills of migrations 0002 and 0003). Referrals are only ever added to a case, and only
# their status, closing time, result, deadline and pause change, so an upsert keeps the rows in
# step; rows left as they were are not rewritten. A case that was never added has no row to join,
# so nothing is written for it. A result stored before result codes reads as the model reads it
# (LEGACY_RESULTS).
SYNC_REFERRALS = """
INSERT INTO case_referrals (case_id, referral_id, unit, round, status, due_at, closed_at, result, paused_at)
SELECT c.case_id, (r ->> 'referral_id')::uuid, r ->> 'unit', (r ->> 'round')::integer, r ->> 'status',
       (r ->> 'due_at')::timestamptz, (r ->> 'closed_at')::timestamptz,
       coalesce(r ->> 'result',
                CASE r ->> 'outcome' WHEN 'resolved' THEN 'handled' WHEN 'unresolved' THEN 'mediation_failed' END),
       (r ->> 'paused_at')::timestamptz
FROM cases c, jsonb_array_elements(c.state -> 'referrals') AS r
WHERE c.case_id = %s
ON CONFLICT (case_id, referral_id) DO UPDATE
SET status = excluded.status, closed_at = excluded.closed_at, result = excluded.result,
    due_at = excluded.due_at, paused_at = excluded.paused_at
WHERE (case_referrals.status, case_referrals.closed_at, case_referrals.result, case_referrals.due_at,
       case_referrals.paused_at)
      IS DISTINCT FROM (excluded.status, excluded.closed_at, excluded.result, excluded.due_at, excluded.paused_at)
"""

# What `domain.figures` counts for each unit, in SQL (open = issued or accepted; finished = reported).
# A paused clock stands still: its time is judged at `paused_at` (LEAST skips a NULL), as `Referral.clock_at`.
UNIT_FIGURES = """
SELECT unit,
       count(*) FILTER (WHERE status IN ('issued', 'accepted')) AS open,
       count(*) FILTER (WHERE status IN ('issued', 'accepted') AND due_at < LEAST(%s, paused_at)) AS overdue,
       count(*) FILTER (WHERE status = 'reported') AS finished,
       count(*) FILTER (WHERE status = 'reported' AND LEAST(closed_at, paused_at) <= due_at) AS on_time
FROM case_referrals
GROUP BY unit
HAVING count(*) FILTER (WHERE status IN ('issued', 'accepted', 'reported')) > 0
ORDER BY unit
"""

# Each unit's finished referrals by result code (`domain.figures`: only reported referrals have one).
UNIT_RESULTS = """
SELECT unit, result, count(*) AS n
FROM case_referrals
WHERE status = 'reported' AND result IS NOT NULL
GROUP BY unit, result
"""

# The centre holding a case (三级), from its state document: a case stored before levels is the county's, the
# first six digits of its place. Migration 0006 indexes this very expression.
HOLDING_CENTRE = "COALESCE(c.state ->> 'centre', left(c.division_code, 6))"

# Case.awaits_the_leaders in SQL: an escalation without a centre to go to, on a case still being handled.
_AWAITS_THE_LEADERS = (
    f"c.status IN ({', '.join(sorted(repr(status.value) for status in STILL_HANDLED))})"
    " AND jsonb_path_exists(c.state, '$.escalations[*] ? (@.to_centre == null)')"
)

_OPEN_PAST_DUE = (
    "SELECT 1 FROM case_referrals r WHERE r.case_id = c.case_id"
    " AND r.status IN ('issued', 'accepted') AND r.due_at < LEAST(%s, r.paused_at)"
)


def _where(query: CaseQuery) -> tuple[str, list[Any]]:
    """The WHERE clause of a case query over `cases c`, made of fixed fragments; every value a parameter."""
    clauses: list[str] = []
    params: list[Any] = []

    def match(clause: str, *values: Any) -> None:
        clauses.append(clause)
        params.extend(values)

    if query.status is not None:
        match("c.status = %s", query.status.value)
    if query.source is not None:
        match("c.source = %s", query.source.value)
    if query.category is not None:
        match("c.category = %s", query.category.value)
    if query.unit is not None:
        # Unit codes are '<agency>:<division>', so a prefix is the unit itself or one of its agency below it.
        match(
            "EXISTS (SELECT 1 FROM case_referrals r WHERE r.case_id = c.case_id AND r.unit LIKE %s)",
            starting_with(query.unit),
        )
    if query.place is not None:
        match("c.division_code LIKE %s", starting_with(query.place))
    if query.registered_since is not None:
        match("c.created_at >= %s", query.registered_since)
    if query.registered_before is not None:
        match("c.created_at < %s", query.registered_before)
    if query.overdue is not None:
        match(f"{'' if query.overdue else 'NOT '}EXISTS ({_OPEN_PAST_DUE})", query.now)
    if query.centre is not None:
        match(f"{HOLDING_CENTRE} = %s", query.centre)
    if query.awaits_the_leaders is not None:
        match(f"{'' if query.awaits_the_leaders else 'NOT '}({_AWAITS_THE_LEADERS})")
    if query.text is not None:
        match("(c.case_id LIKE %s OR c.summary ILIKE %s)", starting_with(query.text), f"%{_escape_like(query.text)}%")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def starting_with(prefix: str) -> str:
    """A LIKE pattern for strings that start with `prefix`, taken literally."""
    return _escape_like(prefix) + "%"


def _escape_like(text: str) -> str:
    # `_` is a wildcard too, and agency codes may contain it.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _rating(case: Case) -> str | None:
    return case.rating.value if case.rating else None


def _result(case: Case) -> str | None:
    return case.result.value if case.result else None


def _state(case: Case) -> object:
    # pydantic writes the JSON text itself: going through a dict and json.dumps did the work twice on every change.
    return json_text(_case_codec.dump_json(case).decode())


def _stored(case_id: str, row: Row | None) -> StoredCase:
    """The case of a row whose state was read as text (`state::text`): pydantic parses and validates it in one pass."""
    if row is None:
        raise NotFound(f"no case {case_id}")
    return StoredCase(_case_codec.validate_json(row["state"]), row["registered"], row["trace"])
