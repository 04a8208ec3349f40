"""SQL for intake's cases, reports, repeat keys and case numbering."""

from datetime import date, datetime
from uuid import UUID

from services.intake.domain import PairKey, PriorCase, RepeatKeys
from shared.contracts.disputes import DisputeReport
from shared.contracts.vocabulary import Category
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb
from shared.persistence.unit_of_work import UnitOfWork


def lock_keys(uow: UnitOfWork, keys: RepeatKeys) -> None:
    """Serialise reports that share a key, so two copies of one dispute cannot both open a case."""
    names = sorted({keys.record or "", *(f"{p.applicant}|{p.respondent}|{p.category}" for p in keys.pairs)} - {""})
    for name in names:
        uow.write("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))


def candidates(uow: UnitOfWork, keys: RepeatKeys) -> list[PriorCase]:
    """Earlier cases stored under any of these keys, each with all of its keys."""
    pairs = [list(p) for p in keys.pairs]
    # Two index lookups joined by UNION: an OR across both keys would scan the whole table.
    rows = uow.all(
        "SELECT case_id FROM case_keys WHERE record_key = %s"
        " UNION SELECT k.case_id FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(a, r, c)"
        " JOIN case_keys k ON (k.applicant_key, k.respondent_key, k.category) = (t.a, t.r, t.c)",
        (keys.record, [p[0] for p in pairs], [p[1] for p in pairs], [str(p[2]) for p in pairs]),
    )
    if not rows:
        return []
    case_ids = [row["case_id"] for row in rows]
    key_rows = uow.all(
        "SELECT c.case_id, c.registered_at, k.record_key, k.applicant_key, k.respondent_key, k.category"
        " FROM cases c JOIN case_keys k USING (case_id) WHERE c.case_id = ANY(%s)",
        (case_ids,),
    )
    found: dict[str, dict] = {}
    for row in key_rows:
        entry = found.setdefault(row["case_id"], {"registered_at": row["registered_at"], "record": None, "pairs": []})
        if row["record_key"]:
            entry["record"] = row["record_key"]
        if row["applicant_key"]:
            entry["pairs"].append(PairKey(row["applicant_key"], row["respondent_key"], Category(row["category"])))
    return [
        PriorCase(case_id, entry["registered_at"], RepeatKeys(entry["record"], tuple(entry["pairs"])))
        for case_id, entry in found.items()
    ]


def next_sequence(uow: UnitOfWork, county: str, day: date) -> int:
    row = uow.one(
        "INSERT INTO case_counters (county, day, last) VALUES (%s, %s, 1)"
        " ON CONFLICT (county, day) DO UPDATE SET last = case_counters.last + 1 RETURNING last",
        (county, day),
    )
    assert row is not None
    return int(row["last"])


def add_case(uow: UnitOfWork, case_id: str, report: DisputeReport, keys: RepeatKeys, at: datetime, trace: dict) -> None:
    uow.write(
        "INSERT INTO cases (case_id, source, category, division_code, summary, report, registered_at, trace)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            case_id,
            report.source.value,
            report.category.value,
            report.division_code,
            report.summary,
            jsonb(report.model_dump(mode="json")),
            at,
            jsonb(trace),
        ),
    )
    add_keys(uow, case_id, keys)


def add_keys(uow: UnitOfWork, case_id: str, keys: RepeatKeys) -> None:
    if keys.record:
        uow.write("INSERT INTO case_keys (case_id, record_key) VALUES (%s, %s)", (case_id, keys.record))
    for pair in keys.pairs:
        uow.write(
            "INSERT INTO case_keys (case_id, applicant_key, respondent_key, category) VALUES (%s, %s, %s, %s)",
            (case_id, pair.applicant, pair.respondent, pair.category.value),
        )


def add_report(
    uow: UnitOfWork,
    report_id: UUID,
    case_id: str,
    report: DisputeReport,
    record_key: str | None,
    linked: bool,
    reason: str | None,
    at: datetime,
) -> None:
    uow.write(
        "INSERT INTO reports (report_id, case_id, source, record_key, linked, reason, received_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (report_id, case_id, report.source.value, record_key, linked, reason, at),
    )


def case_trace(uow: UnitOfWork, case_id: str) -> dict:
    row = uow.one("SELECT trace FROM cases WHERE case_id = %s", (case_id,))
    return row["trace"] if row else {}


def get_case(uow: UnitOfWork, case_id: str) -> dict:
    row = uow.one(
        "SELECT case_id, source, category, division_code, summary, report, registered_at FROM cases WHERE case_id = %s",
        (case_id,),
    )
    if row is None:
        raise NotFound(f"no case {case_id}")
    row["reports"] = uow.all(
        "SELECT report_id, source, linked, reason, received_at FROM reports WHERE case_id = %s ORDER BY received_at",
        (case_id,),
    )
    return row
