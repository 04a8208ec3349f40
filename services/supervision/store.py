"""SQL for supervision's watches and follow-ups."""

from datetime import datetime
from uuid import UUID

from services.supervision.domain import FollowUp, Watch, reminder_due_at
from shared.contracts.messages import ReferralSummary
from shared.contracts.vocabulary import Rating, ReferralRole
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb
from shared.persistence.unit_of_work import UnitOfWork


def serialise_case(uow: UnitOfWork, case_id: str) -> None:
    """Take the case's lock: facts about one case, handled by concurrent workers, apply one at a time."""
    uow.write("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (case_id,))


def add_watch(uow: UnitOfWork, case_id: str, referral: ReferralSummary, trace: dict) -> None:
    watch = Watch(
        referral_id=referral.referral_id,
        case_id=case_id,
        unit=referral.unit,
        role=referral.role,
        issued_at=referral.issued_at,
        due_at=referral.due_at,
    )
    # The end may have been handled first: the unit's own ReferralClosed (kept in
    # referral_closures), or the case's CaseResolved (a follow-up open for this round or a
    # later one). Then the watch starts closed.
    uow.write(
        "INSERT INTO watches"
        " (referral_id, case_id, unit, role, round, issued_at, due_at, reminder_at, trace, closed_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, COALESCE("
        "  (SELECT closed_at FROM referral_closures WHERE referral_id = %s),"
        "  (SELECT min(opened_at) FROM follow_ups WHERE case_id = %s AND round >= %s)))"
        " ON CONFLICT (referral_id) DO NOTHING",
        (
            watch.referral_id,
            case_id,
            watch.unit,
            watch.role.value,
            referral.round,
            watch.issued_at,
            watch.due_at,
            reminder_due_at(watch),
            jsonb(trace),
            watch.referral_id,
            case_id,
            referral.round,
        ),
    )


def close_watch(uow: UnitOfWork, case_id: str, referral_id: UUID, at: datetime) -> None:
    """Stop a unit's clock; if its watch is not there yet, remember the end for when it comes."""
    uow.write(
        "WITH closed AS (UPDATE watches SET closed_at = %s WHERE referral_id = %s AND closed_at IS NULL)"
        " INSERT INTO referral_closures (referral_id, case_id, closed_at)"
        " SELECT %s, %s, %s WHERE NOT EXISTS (SELECT 1 FROM watches WHERE referral_id = %s)"
        " ON CONFLICT (referral_id) DO NOTHING",
        (at, referral_id, referral_id, case_id, at, referral_id),
    )


def close_watches_of_case(uow: UnitOfWork, case_id: str, at: datetime) -> None:
    uow.write("UPDATE watches SET closed_at = %s WHERE case_id = %s AND closed_at IS NULL", (at, case_id))


def lock_watches_due(uow: UnitOfWork, now: datetime, limit: int) -> list[tuple[Watch, dict]]:
    """Open watches whose reminder or deadline has come, locked; other instances skip them."""
    rows = uow.all(
        "SELECT * FROM watches WHERE closed_at IS NULL AND overdue_sent_at IS NULL"
        " AND ((reminder_sent_at IS NULL AND reminder_at <= %s) OR due_at < %s)"
        " ORDER BY reminder_at LIMIT %s FOR UPDATE SKIP LOCKED",
        (now, now, limit),
    )
    return [(_watch(row), row["trace"]) for row in rows]


def save_letters(uow: UnitOfWork, watch: Watch) -> None:
    uow.write(
        "UPDATE watches SET reminder_sent_at = %s, overdue_sent_at = %s WHERE referral_id = %s",
        (watch.reminder_sent_at, watch.overdue_sent_at, watch.referral_id),
    )


def _watch(row: dict) -> Watch:
    return Watch(
        referral_id=row["referral_id"],
        case_id=row["case_id"],
        unit=row["unit"],
        role=ReferralRole(row["role"]),
        issued_at=row["issued_at"],
        due_at=row["due_at"],
        closed_at=row["closed_at"],
        reminder_sent_at=row["reminder_sent_at"],
        overdue_sent_at=row["overdue_sent_at"],
    )


def open_follow_up(uow: UnitOfWork, follow_up: FollowUp, trace: dict) -> None:
    uow.write(
        "INSERT INTO follow_ups (case_id, round, lead_unit, opened_at, trace) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT DO NOTHING",
        (follow_up.case_id, follow_up.round, follow_up.lead_unit, follow_up.opened_at, jsonb(trace)),
    )


def lock_latest_follow_up(uow: UnitOfWork, case_id: str) -> tuple[FollowUp, dict]:
    row = uow.one("SELECT * FROM follow_ups WHERE case_id = %s ORDER BY round DESC LIMIT 1 FOR UPDATE", (case_id,))
    if row is None:
        raise NotFound(f"no follow-up is open for case {case_id}; a case is rated after it is resolved")
    follow_up = FollowUp(
        case_id=row["case_id"],
        lead_unit=row["lead_unit"],
        round=row["round"],
        opened_at=row["opened_at"],
        rating=Rating(row["rating"]) if row["rating"] else None,
        rated_at=row["rated_at"],
    )
    return follow_up, row["trace"]


def save_rating(uow: UnitOfWork, follow_up: FollowUp, comment: str | None, visitor: str) -> None:
    uow.write(
        "UPDATE follow_ups SET rating = %s, comment = %s, visitor = %s, rated_at = %s"
        " WHERE case_id = %s AND round = %s",
        (
            follow_up.rating.value if follow_up.rating else None,
            comment,
            visitor,
            follow_up.rated_at,
            follow_up.case_id,
            follow_up.round,
        ),
    )


def list_follow_ups(uow: UnitOfWork, pending_only: bool, limit: int) -> list[dict]:
    where = "WHERE rating IS NULL" if pending_only else ""
    return uow.all(
        f"SELECT case_id, round, lead_unit, opened_at, rating, comment, rated_at FROM follow_ups {where}"
        " ORDER BY opened_at LIMIT %s",
        (limit,),
    )


def watches_of(uow: UnitOfWork, case_id: str) -> list[dict]:
    return uow.all(
        "SELECT referral_id, unit, role, round, issued_at, due_at, closed_at, reminder_sent_at, overdue_sent_at"
        " FROM watches WHERE case_id = %s ORDER BY issued_at",
        (case_id,),
    )


def record_fact(uow: UnitOfWork, message) -> None:
    detail = message.model_dump(
        mode="json", exclude={"message_id", "type", "schema_version", "case_id", "sender", "recipient", "occurred_at"}
    )
    uow.write(
        "INSERT INTO case_facts (message_id, case_id, fact, occurred_at, detail) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (message_id) DO NOTHING",
        (message.message_id, message.case_id, message.type, message.occurred_at, jsonb(detail)),
    )
