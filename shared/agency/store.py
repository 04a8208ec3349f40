"""An agency's referrals, their log (officers' actions, supervision's letters), the 通报 naming its units, and the
agency's own records."""

from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from shared.agency.domain import AgencyReferral, AgencyReferralStatus
from shared.contracts.dates import STORED_ROW
from shared.contracts.disputes import Agreement
from shared.contracts.messages import MessageRejected, NoticeCirculated, PauseReason, RecordLinked, ReferralIssued
from shared.contracts.vocabulary import Outcome, ResultCode
from shared.delivery.statements import Row, Statements
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb

_COLUMNS = (
    "referral_id, case_id, unit, role, round, status, outcome, result, agreement, category, source, division_code,"
    " summary, flags, parties, due_at, received_at, updated_at, source_record_id"
    ", paused_at, pause_reason, pause_note, pauses, due_provisional, refusal"
)
# A referral is finished, and its parties' mobile numbers are dropped in time, once declined, reported or withdrawn.
_FINISHED = "('declined', 'reported', 'withdrawn')"
# What a record's page (a court filing, a police call, a petition) shows of each referral the agency holds of the
# case the record became, or of the case intake linked it to (`shared.agency.joined` reads what that one came to).
CASE_REFERRAL_COLUMNS = "referral_id, case_id, unit, role, round, status, result, outcome, received_at"
# A record's link to the case it joined as a repeat (`record_links`), as `record_link` gives it.
RECORD_LINK_COLUMNS = "record_id, case_id, reason, unit, fed_message_id, linked_at, received_at"


def of_joined_case(records: str = "record_id = %s") -> str:
    """SQL: a referral of the case intake linked a record to as a repeat (`record_links`, from RecordLinked), where
    `records` picks the record's link (by default by its id, one bound parameter). No referral names such a record
    when the agency already handled the case: this is how its page finds them."""
    return f"case_id IN (SELECT case_id FROM record_links WHERE {records})"


class AgencyStore(Protocol):
    def add_referral(self, message: ReferralIssued, trace: dict[str, str], now: datetime) -> None:
        """Keep a referral as received, with a `received` line in its log, and the feeding agency's
        record its case came from (`source_record_id`, None for a case from the centre's own channels)."""
        ...

    def log(self, referral_id: UUID, kind: str, officer: str | None, detail: dict[str, Any], at: datetime) -> None: ...

    def keep_notice(self, notice: NoticeCirculated, at: datetime) -> None:
        """A 通报 naming one of the agency's units, by its id, number and period; one taken again changes nothing."""
        ...

    def lock_referral(self, referral_id: UUID) -> tuple[AgencyReferral, dict[str, str]]:
        """The referral and its stored trace, locked for this transaction; NotFound if there is none."""
        ...

    def save_referral(self, referral: AgencyReferral) -> None:
        """Keep the referral's status, its result (code, outcome, agreement), its clock's pause (when, why,
        how many so far), the report that finished it (and the status and pause before), the centre's refusal
        of that report, and its time of update."""
        ...

    def referral_exists(self, referral_id: UUID) -> bool: ...

    def move_deadline(self, referral_id: UUID, due_at: datetime, revision: int, provisional: bool) -> bool:
        """Set the referral's deadline as the centre's change `revision` gives it, unless a change as recent is
        already applied (they may arrive out of order). True when the deadline (or whether it is provisional)
        moved; False when it did not, a revision that gives the same deadline (a resume after a pause over a
        weekend, for a working-day term) being kept all the same, so that an older one arriving late is ignored."""
        ...

    def list_referrals(self, status: AgencyReferralStatus | None, limit: int, units: frozenset[str]) -> list[Row]:
        """Referrals to `units` or the units under them (a unit code is a prefix of those it covers): of one
        status by deadline, soonest first; else all of them, the latest received first."""
        ...

    def get_referral(self, referral_id: UUID) -> Row:
        """A referral with its `log` (`kind`, `officer`, `detail`, `at`) in order; NotFound if there is none.

        A reported one names its `result` and `outcome`, and its `agreement` as JSON (`signed_on` an ISO date);
        one whose finishing report the centre refused names that `refusal` (else null)."""
        ...

    def add_record(
        self, record_id: str, report: dict[str, Any], details: dict[str, Any], message_id: UUID, now: datetime
    ) -> bool:
        """Keep one of the agency's own records; False when the record id is known (the feed sent it twice)."""
        ...

    def get_record(self, record_id: str) -> Row | None: ...

    def keep_record_link(self, link: RecordLinked, at: datetime) -> bool:
        """Keep the case one of the agency's fed records joined as a repeat (intake's `RecordLinked`), whether or
        not the record is kept here. The latest link intake made wins: one made earlier (`occurred_at`) that
        arrives late changes nothing. True when the record's case or reason changed."""
        ...

    def record_link(self, record_id: str) -> Row | None:
        """The case the record joined (`record_id`, `case_id`, `reason`, `unit`, `fed_message_id`, `linked_at`,
        `received_at`); None for a record intake linked to no existing case (it opened one, or is not yet taken)."""
        ...

    def carry_over_phones(self, referral_id: UUID) -> None:
        """A lead referral that came without the parties' mobile numbers (a later round: the centre has
        dropped them) takes them from the latest earlier lead referral of the same case, if one kept them."""
        ...

    def purge_phones(self, finished_before: datetime, *, dry_run: bool = False) -> list[UUID]:
        """Drop the mobile numbers of referrals finished (declined, reported or withdrawn) before `finished_before`."""
        ...

    def purge_record_phones(self, recorded_before: datetime, *, dry_run: bool = False) -> list[str]:
        """Drop the mobile numbers of the agency's own records fed in before `recorded_before`; their ids."""
        ...

    def add_rejection(self, notice: MessageRejected, at: datetime) -> bool:
        """Keep a centre's refusal of one of the agency's messages; False when this notice is kept already."""
        ...

    def list_rejections(self, units: frozenset[str], limit: int) -> list[Row]:
        """Refusals addressed to `units` or the units under them, the latest received first."""
        ...


class PostgresAgencyStore:
    def __init__(self, statements: Statements) -> None:
        self.sql = statements

    def add_referral(self, message: ReferralIssued, trace: dict[str, str], now: datetime) -> None:
        self.sql.write(
            "INSERT INTO referrals (referral_id, case_id, unit, role, round, status, category, source, division_code,"
            " summary, flags, parties, due_at, received_at, updated_at, trace, source_record_id, due_provisional)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                message.referral_id,
                message.case_id,
                message.recipient,
                message.role.value,
                message.round,
                AgencyReferralStatus.RECEIVED.value,
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
                message.source_record_id,
                message.due_provisional,
            ),
        )
        detail = {"role": message.role.value, "due_at": message.due_at}
        self.log(message.referral_id, "received", None, detail, now)

    def log(self, referral_id: UUID, kind: str, officer: str | None, detail: dict[str, Any], at: datetime) -> None:
        self.sql.write(
            "INSERT INTO referral_log (referral_id, kind, officer, detail, at) VALUES (%s, %s, %s, %s, %s)",
            (referral_id, kind, officer, jsonb(detail), at),
        )

    def keep_notice(self, notice: NoticeCirculated, at: datetime) -> None:
        self.sql.write(
            "INSERT INTO notices (document_id, unit, document_number, period_from, period_to, received_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (document_id, unit) DO NOTHING",
            (notice.document_id, notice.recipient, notice.document_number, notice.period_from, notice.period_to, at),
        )

    def lock_referral(self, referral_id: UUID) -> tuple[AgencyReferral, dict[str, str]]:
        row = self.sql.one(
            "SELECT referral_id, case_id, unit, status, outcome, result, agreement, trace,"
            " paused_at, pause_reason, pause_note, pauses, finished_by, finished_from, refusal,"
            " finished_paused_at, finished_pause_reason, finished_pause_note"
            " FROM referrals WHERE referral_id = %s FOR UPDATE",
            (referral_id,),
        )
        if row is None:
            raise NotFound(f"no referral {referral_id}")
        referral = AgencyReferral(
            referral_id=row["referral_id"],
            case_id=row["case_id"],
            unit=row["unit"],
            status=AgencyReferralStatus(row["status"]),
            outcome=Outcome(row["outcome"]) if row["outcome"] else None,
            result=ResultCode(row["result"]) if row["result"] else None,
            agreement=Agreement.model_validate(row["agreement"], context=STORED_ROW) if row["agreement"] else None,
            paused_at=row["paused_at"],
            pause_reason=PauseReason(row["pause_reason"]) if row["pause_reason"] else None,
            pause_note=row["pause_note"],
            pauses=row["pauses"],
            finished_by=row["finished_by"],
            finished_from=AgencyReferralStatus(row["finished_from"]) if row["finished_from"] else None,
            refusal=row["refusal"],
            finished_paused_at=row["finished_paused_at"],
            finished_pause_reason=PauseReason(row["finished_pause_reason"]) if row["finished_pause_reason"] else None,
            finished_pause_note=row["finished_pause_note"],
        )
        return referral, row["trace"]

    def save_referral(self, referral: AgencyReferral) -> None:
        self.sql.write(
            "UPDATE referrals SET status = %s, outcome = %s, result = %s, agreement = %s, updated_at = %s,"
            " paused_at = %s, pause_reason = %s, pause_note = %s, pauses = %s,"
            " finished_by = %s, finished_from = %s, refusal = %s,"
            " finished_paused_at = %s, finished_pause_reason = %s, finished_pause_note = %s"
            " WHERE referral_id = %s",
            (
                referral.status.value,
                referral.outcome.value if referral.outcome else None,
                referral.result.value if referral.result else None,
                jsonb(referral.agreement.model_dump(mode="json")) if referral.agreement else None,
                referral.updated_at,
                referral.paused_at,
                referral.pause_reason.value if referral.pause_reason else None,
                referral.pause_note,
                referral.pauses,
                referral.finished_by,
                referral.finished_from.value if referral.finished_from else None,
                jsonb(dict(referral.refusal)) if referral.refusal is not None else None,
                referral.finished_paused_at,
                referral.finished_pause_reason.value if referral.finished_pause_reason else None,
                referral.finished_pause_note,
                referral.referral_id,
            ),
        )

    def referral_exists(self, referral_id: UUID) -> bool:
        return self.sql.one("SELECT 1 AS found FROM referrals WHERE referral_id = %s", (referral_id,)) is not None

    def move_deadline(self, referral_id: UUID, due_at: datetime, revision: int, provisional: bool) -> bool:
        # The CTE reads the row as it stood before the update: the deadline it replaced.
        row = self.sql.one(
            "WITH before AS (SELECT due_at, due_provisional FROM referrals WHERE referral_id = %s)"
            " UPDATE referrals SET due_at = %s, deadline_revision = %s, due_provisional = %s FROM before"
            " WHERE referral_id = %s AND deadline_revision < %s"
            " RETURNING (before.due_at, before.due_provisional)"
            " IS DISTINCT FROM (referrals.due_at, referrals.due_provisional) AS moved",
            (referral_id, due_at, revision, provisional, referral_id, revision),
        )
        return bool(row and row["moved"])

    def list_referrals(self, status: AgencyReferralStatus | None, limit: int, units: frozenset[str]) -> list[Row]:
        own = "EXISTS (SELECT 1 FROM unnest(%s::text[]) AS own(unit) WHERE starts_with(referrals.unit, own.unit))"
        if status:
            return self.sql.all(
                f"SELECT {_COLUMNS} FROM referrals WHERE {own} AND status = %s ORDER BY due_at, referral_id LIMIT %s",
                (sorted(units), status.value, limit),
            )
        return self.sql.all(
            f"SELECT {_COLUMNS} FROM referrals WHERE {own} ORDER BY received_at DESC, referral_id LIMIT %s",
            (sorted(units), limit),
        )

    def get_referral(self, referral_id: UUID) -> Row:
        row = self.sql.one(f"SELECT {_COLUMNS} FROM referrals WHERE referral_id = %s", (referral_id,))
        if row is None:
            raise NotFound(f"no referral {referral_id}")
        row["log"] = self.sql.all(
            "SELECT kind, officer, detail, at FROM referral_log WHERE referral_id = %s ORDER BY id", (referral_id,)
        )
        return row

    def add_record(
        self, record_id: str, report: dict[str, Any], details: dict[str, Any], message_id: UUID, now: datetime
    ) -> bool:
        row = self.sql.one(
            "INSERT INTO records (record_id, report, details, message_id, recorded_at) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (record_id) DO NOTHING RETURNING record_id",
            (record_id, jsonb(report), jsonb(details), message_id, now),
        )
        return row is not None

    def get_record(self, record_id: str) -> Row | None:
        return self.sql.one(
            "SELECT record_id, report, details, message_id, recorded_at FROM records WHERE record_id = %s",
            (record_id,),
        )

    def keep_record_link(self, link: RecordLinked, at: datetime) -> bool:
        row = self.sql.one(
            "INSERT INTO record_links (record_id, case_id, reason, unit, fed_message_id, linked_at, received_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (record_id) DO UPDATE SET case_id = EXCLUDED.case_id,"
            " reason = EXCLUDED.reason, unit = EXCLUDED.unit, fed_message_id = EXCLUDED.fed_message_id,"
            " linked_at = EXCLUDED.linked_at, received_at = EXCLUDED.received_at"
            " WHERE record_links.linked_at < EXCLUDED.linked_at"
            " AND (record_links.case_id, record_links.reason) IS DISTINCT FROM (EXCLUDED.case_id, EXCLUDED.reason)"
            " RETURNING record_id",
            (link.record_id, link.case_id, link.reason, link.recipient, link.fed_message_id, link.occurred_at, at),
        )
        return row is not None

    def record_link(self, record_id: str) -> Row | None:
        return self.sql.one(f"SELECT {RECORD_LINK_COLUMNS} FROM record_links WHERE record_id = %s", (record_id,))

    def carry_over_phones(self, referral_id: UUID) -> None:
        self.sql.write(
            "UPDATE referrals r SET parties = earlier.parties FROM ("
            "  SELECT e.parties FROM referrals e JOIN referrals n ON n.referral_id = %s"
            "  WHERE e.case_id = n.case_id AND e.referral_id <> n.referral_id AND e.role = 'lead'"
            "    AND jsonb_array_length(e.parties) = jsonb_array_length(n.parties)"
            f"    AND {_HAS_PHONE.format(column='e.parties')}"
            "  ORDER BY e.received_at DESC LIMIT 1) AS earlier"
            f" WHERE r.referral_id = %s AND r.role = 'lead' AND NOT {_HAS_PHONE.format(column='r.parties')}",
            (referral_id, referral_id),
        )

    def purge_phones(self, finished_before: datetime, *, dry_run: bool = False) -> list[UUID]:
        due = self.sql.all(
            f"SELECT referral_id FROM referrals WHERE status IN {_FINISHED} AND updated_at < %s"
            f" AND {_HAS_PHONE.format(column='parties')} ORDER BY updated_at FOR UPDATE",
            (finished_before,),
        )
        ids = [row["referral_id"] for row in due]
        if ids and not dry_run:
            self.sql.write(
                "UPDATE referrals SET parties = (SELECT coalesce(jsonb_agg(p || '{\"phone\": null}'::jsonb"
                " ORDER BY n), '[]'::jsonb) FROM jsonb_array_elements(parties) WITH ORDINALITY AS t(p, n))"
                " WHERE referral_id = ANY(%s)",
                (ids,),
            )
        return ids

    def purge_record_phones(self, recorded_before: datetime, *, dry_run: bool = False) -> list[str]:
        due = self.sql.all(
            "SELECT record_id FROM records WHERE recorded_at < %s"
            " AND jsonb_path_exists(report, '$.parties[*] ? (@.phone != null)') ORDER BY recorded_at FOR UPDATE",
            (recorded_before,),
        )
        ids = [str(row["record_id"]) for row in due]
        if ids and not dry_run:
            self.sql.write(
                "UPDATE records SET report = jsonb_set(report, '{parties}', (SELECT coalesce(jsonb_agg("
                "p || '{\"phone\": null}'::jsonb ORDER BY n), '[]'::jsonb)"
                " FROM jsonb_array_elements(report -> 'parties') WITH ORDINALITY AS t(p, n)))"
                " WHERE record_id = ANY(%s)",
                (ids,),
            )
        return ids

    def add_rejection(self, notice: MessageRejected, at: datetime) -> bool:
        row = self.sql.one(
            "INSERT INTO rejections (notice_id, unit, rejected_message_id, rejected_type, reason, detail, case_id,"
            " referral_id, refused_by, refused_at, received_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (notice_id) DO NOTHING RETURNING notice_id",
            (
                notice.message_id,
                notice.recipient,
                notice.rejected_message_id,
                notice.rejected_type,
                notice.reason,
                notice.detail,
                notice.case_id,
                notice.referral_id,
                notice.refused_by,
                notice.occurred_at,
                at,
            ),
        )
        return row is not None

    def list_rejections(self, units: frozenset[str], limit: int) -> list[Row]:
        own = "EXISTS (SELECT 1 FROM unnest(%s::text[]) AS own(unit) WHERE starts_with(rejections.unit, own.unit))"
        return self.sql.all(
            f"SELECT {_REJECTION_COLUMNS} FROM rejections WHERE {own} ORDER BY received_at DESC, notice_id LIMIT %s",
            (sorted(units), limit),
        )


_REJECTION_COLUMNS = (
    "notice_id, unit, rejected_message_id, rejected_type, reason, detail, case_id, referral_id, refused_by,"
    " refused_at, received_at"
)
_HAS_PHONE = "jsonb_path_exists({column}, '$[*] ? (@.phone != null)')"
