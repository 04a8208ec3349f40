"""The coordinator's cases (state documents under row locks) and their append-only timelines."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import TypeAdapter

from services.coordinator.domain.model import Case, CaseStatus, TimelineEntry
from shared.delivery.statements import Row, Statements
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb

_case_codec = TypeAdapter(Case)


@dataclass(frozen=True)
class StoredCase:
    """A case with what it was registered with (summary, parties) and the trace context its hops join."""

    case: Case
    registered: dict[str, Any]
    trace: dict[str, str]


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

    def list_cases(self, status: CaseStatus | None, limit: int) -> list[Row]:
        """Up to `limit` cases as `case_id`, `status`, `updated_at`: the oldest first of one status, else the newest."""
        ...

    def count_by_status(self) -> dict[str, int]: ...


class PostgresCaseStore:
    def __init__(self, statements: Statements) -> None:
        self.sql = statements

    def add(self, case: Case, registered: dict[str, Any], trace: dict[str, str], at: datetime) -> None:
        self.sql.write(
            "INSERT INTO cases (case_id, status, state, registered, trace, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (case.case_id, case.status.value, _state(case), jsonb(registered), jsonb(trace), at, at),
        )

    def lock(self, case_id: str) -> StoredCase:
        row = self.sql.one("SELECT state, registered, trace FROM cases WHERE case_id = %s FOR UPDATE", (case_id,))
        return _stored(case_id, row)

    def save(self, case: Case, at: datetime) -> None:
        self.sql.write(
            "UPDATE cases SET status = %s, state = %s, version = version + 1, updated_at = %s WHERE case_id = %s",
            (case.status.value, _state(case), at, case.case_id),
        )

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
        row = self.sql.one("SELECT state, registered, trace FROM cases WHERE case_id = %s", (case_id,))
        stored = _stored(case_id, row)
        timeline = self.sql.all(
            "SELECT seq, at, kind, detail FROM timeline WHERE case_id = %s ORDER BY seq", (case_id,)
        )
        return stored, timeline

    def list_cases(self, status: CaseStatus | None, limit: int) -> list[Row]:
        if status:
            return self.sql.all(
                "SELECT case_id, status, updated_at FROM cases WHERE status = %s ORDER BY updated_at LIMIT %s",
                (status.value, limit),
            )
        return self.sql.all("SELECT case_id, status, updated_at FROM cases ORDER BY updated_at DESC LIMIT %s", (limit,))

    def count_by_status(self) -> dict[str, int]:
        rows = self.sql.all("SELECT status, count(*) AS n FROM cases GROUP BY status")
        return {row["status"]: row["n"] for row in rows}


def _state(case: Case) -> object:
    return jsonb(_case_codec.dump_python(case, mode="json"))


def _stored(case_id: str, row: Row | None) -> StoredCase:
    if row is None:
        raise NotFound(f"no case {case_id}")
    return StoredCase(_case_codec.validate_python(row["state"]), row["registered"], row["trace"])
