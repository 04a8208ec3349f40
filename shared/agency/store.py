"""SQL for an agency's referrals, their log and the agency's own records."""

from datetime import datetime
from uuid import UUID

from shared.agency.domain import AgencyReferral, ReferralStatus
from shared.contracts.messages import ReferralIssued
from shared.contracts.vocabulary import Outcome
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb
from shared.persistence.unit_of_work import UnitOfWork

_COLUMNS = (
    "referral_id, case_id, unit, role, round, status, outcome, category, source, division_code,"
    " summary, flags, parties, due_at, received_at, updated_at"
)


def add_referral(uow: UnitOfWork, message: ReferralIssued, trace: dict, now: datetime) -> None:
    uow.write(
        "INSERT INTO referrals (referral_id, case_id, unit, role, round, status, category, source, division_code,"
        " summary, flags, parties, due_at, received_at, updated_at, trace)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            message.referral_id,
            message.case_id,
            message.recipient,
            message.role.value,
            message.round,
            ReferralStatus.RECEIVED.value,
            message.category.value,
            message.source.value,
            message.division_code,
            message.summary,
            jsonb([f.value for f in message.flags]),
            jsonb([p.model_dump(mode="json") for p in message.parties]),
            message.due_at,
            now,
            now,
            jsonb(trace),
        ),
    )
    log(uow, message.referral_id, "received", None, {"role": message.role.value, "due_at": message.due_at}, now)


def log(uow: UnitOfWork, referral_id: UUID | str, kind: str, officer: str | None, detail: dict, at: datetime) -> None:
    uow.write(
        "INSERT INTO referral_log (referral_id, kind, officer, detail, at) VALUES (%s, %s, %s, %s, %s)",
        (referral_id, kind, officer, jsonb(detail), at),
    )


def lock_referral(uow: UnitOfWork, referral_id: UUID) -> tuple[AgencyReferral, dict]:
    """The referral and its stored trace, locked for this transaction."""
    row = uow.one(
        "SELECT referral_id, case_id, unit, status, outcome, trace FROM referrals WHERE referral_id = %s FOR UPDATE",
        (referral_id,),
    )
    if row is None:
        raise NotFound(f"no referral {referral_id}")
    referral = AgencyReferral(
        referral_id=str(row["referral_id"]),
        case_id=row["case_id"],
        status=ReferralStatus(row["status"]),
        outcome=Outcome(row["outcome"]) if row["outcome"] else None,
    )
    return referral, {"unit": row["unit"], "trace": row["trace"]}


def save_referral(uow: UnitOfWork, referral: AgencyReferral) -> None:
    uow.write(
        "UPDATE referrals SET status = %s, outcome = %s, updated_at = %s WHERE referral_id = %s",
        (
            referral.status.value,
            referral.outcome.value if referral.outcome else None,
            referral.updated_at,
            referral.referral_id,
        ),
    )


def referral_exists(uow: UnitOfWork, referral_id: UUID) -> bool:
    return uow.one("SELECT 1 AS found FROM referrals WHERE referral_id = %s", (referral_id,)) is not None


def list_referrals(uow: UnitOfWork, status: str | None, limit: int) -> list[dict]:
    if status:
        return uow.all(
            f"SELECT {_COLUMNS} FROM referrals WHERE status = %s ORDER BY due_at, referral_id LIMIT %s",
            (status, limit),
        )
    return uow.all(f"SELECT {_COLUMNS} FROM referrals ORDER BY received_at DESC LIMIT %s", (limit,))


def get_referral(uow: UnitOfWork, referral_id: UUID) -> dict:
    row = uow.one(f"SELECT {_COLUMNS} FROM referrals WHERE referral_id = %s", (referral_id,))
    if row is None:
        raise NotFound(f"no referral {referral_id}")
    row["log"] = uow.all(
        "SELECT kind, officer, detail, at FROM referral_log WHERE referral_id = %s ORDER BY id", (referral_id,)
    )
    return row


def add_record(uow: UnitOfWork, record_id: str, report: dict, details: dict, message_id: UUID, now: datetime) -> bool:
    """False when the record id is already known (the feed sent it twice)."""
    row = uow.one(
        "INSERT INTO records (record_id, report, details, message_id, recorded_at) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (record_id) DO NOTHING RETURNING record_id",
        (record_id, jsonb(report), jsonb(details), message_id, now),
    )
    return row is not None


def get_record(uow: UnitOfWork, record_id: str) -> dict | None:
    return uow.one(
        "SELECT record_id, report, details, message_id, recorded_at FROM records WHERE record_id = %s", (record_id,)
    )
