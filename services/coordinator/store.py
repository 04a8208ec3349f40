"""SQL for the coordinator's cases (state documents under row locks) and their append-only timelines."""

from datetime import datetime

from pydantic import TypeAdapter

from services.coordinator.domain import Case, TimelineEntry
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb
from shared.persistence.unit_of_work import UnitOfWork

_case_codec = TypeAdapter(Case)


def add_case(uow: UnitOfWork, case: Case, registered: dict, trace: dict, at: datetime) -> None:
    uow.write(
        "INSERT INTO cases (case_id, status, state, registered, trace, created_at, updated_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            case.case_id,
            case.status.value,
            jsonb(_case_codec.dump_python(case, mode="json")),
            jsonb(registered),
            jsonb(trace),
            at,
            at,
        ),
    )


def lock_case(uow: UnitOfWork, case_id: str) -> tuple[Case, dict, dict]:
    """The case, its registration and its trace, locked until the transaction ends (one writer per case)."""
    row = uow.one("SELECT state, registered, trace FROM cases WHERE case_id = %s FOR UPDATE", (case_id,))
    if row is None:
        raise NotFound(f"no case {case_id}")
    return _case_codec.validate_python(row["state"]), row["registered"], row["trace"]


def save_case(uow: UnitOfWork, case: Case, at: datetime) -> None:
    uow.write(
        "UPDATE cases SET status = %s, state = %s, version = version + 1, updated_at = %s WHERE case_id = %s",
        (case.status.value, jsonb(_case_codec.dump_python(case, mode="json")), at, case.case_id),
    )


def append_timeline(uow: UnitOfWork, case_id: str, entries: tuple[TimelineEntry, ...]) -> None:
    for entry in entries:
        uow.write(
            "INSERT INTO timeline (case_id, seq, at, kind, detail) VALUES (%s, %s, %s, %s, %s)",
            (case_id, entry.seq, entry.at, entry.kind.value, jsonb(entry.detail)),
        )


def read_case(uow: UnitOfWork, case_id: str) -> tuple[Case, dict, dict, list[dict]]:
    row = uow.one("SELECT state, registered, trace FROM cases WHERE case_id = %s", (case_id,))
    if row is None:
        raise NotFound(f"no case {case_id}")
    timeline = uow.all("SELECT seq, at, kind, detail FROM timeline WHERE case_id = %s ORDER BY seq", (case_id,))
    return _case_codec.validate_python(row["state"]), row["registered"], row["trace"], timeline


def list_cases(uow: UnitOfWork, status: str | None, limit: int) -> list[dict]:
    if status:
        return uow.all(
            "SELECT case_id, status, updated_at FROM cases WHERE status = %s ORDER BY updated_at LIMIT %s",
            (status, limit),
        )
    return uow.all("SELECT case_id, status, updated_at FROM cases ORDER BY updated_at DESC LIMIT %s", (limit,))


def count_by_status(uow: UnitOfWork) -> dict[str, int]:
    return {row["status"]: row["n"] for row in uow.all("SELECT status, count(*) AS n FROM cases GROUP BY status")}
