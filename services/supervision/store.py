"""Supervision's watches (one unit's clock each), follow-up visits, and the case facts kept for reports."""

from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from services.supervision.alerts_store import AlertStore, PostgresAlertStore
from services.supervision.documents_store import DocumentStore, PostgresDocumentStore
from services.supervision.domain import (
    PROGRESS_FACTS,
    RATED_AT_THE_CENTRE,
    FollowUp,
    KeptFact,
    LetterKind,
    Watch,
    WatchState,
    reminder_due_at,
)
from services.supervision.escalation_store import EscalationStore, PostgresEscalationStore
from services.supervision.reports_store import PostgresReportStore, ReportStore
from services.supervision.spot_checks_store import PostgresSpotCheckStore, SpotCheckStore
from shared.calendar_store import CalendarStore, PostgresCalendarStore
from shared.contracts.messages import Event, LinkRecordNoted, ReferralSummary
from shared.contracts.vocabulary import Rating, ReferralRole, ReopenCause, ResultCode
from shared.delivery.statements import Row, Statements
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb

# Envelope fields a case fact keeps in columns of its own; the rest is its detail.
_ENVELOPE = {"message_id", "type", "schema_version", "case_id", "sender", "recipient", "occurred_at"}

# domain.watch_state in SQL, each with one `now` parameter per %s. `reminder_at` is domain.reminder_due_at,
# kept from issued_at and due_at when the watch started or its deadline moved; the letters sent play no
# part. A paused watch is judged when its clock stopped (Watch.clock_at; LEAST skips a NULL).
_STATE_SQL = {
    WatchState.OVERDUE: ("due_at < LEAST(%s, paused_at)", 1),
    WatchState.NEAR: ("reminder_at <= LEAST(%s, paused_at) AND due_at >= LEAST(%s, paused_at)", 2),
    WatchState.ON_TIME: ("reminder_at > LEAST(%s, paused_at)", 1),
}
# When an open watch's next letter is due: its reminder's moment until the reminder is sent, then its deadline.
# Exactly the expression of the index watches_next_letter (migration 0012), so the timer's search uses it.
NEXT_LETTER_AT = "(CASE WHEN reminder_sent_at IS NULL THEN LEAST(reminder_at, due_at) ELSE due_at END)"
# Letters live in their watch's row, one column each: when it went out, or NULL.
_SENT_AT = {LetterKind.REMINDER: "reminder_sent_at", LetterKind.OVERDUE: "overdue_sent_at"}
# What a Watch is read from (not its trace, which only the timer needs).
_WATCH_COLUMNS = (
    "referral_id, case_id, unit, role, issued_at, due_at, closed_at, reminder_sent_at, overdue_sent_at,"
    " paused_at, clock_revision"
)


class SupervisionStore(ReportStore, DocumentStore, EscalationStore, SpotCheckStore, AlertStore, Protocol):
    calendar: CalendarStore  # the official calendar's loaded years (shared.calendar_store)

    def serialise_case(self, case_id: str) -> None:
        """Facts about one case, handled by concurrent workers, apply one at a time until the transaction ends."""
        ...

    def add_watch(self, case_id: str, referral: ReferralSummary, trace: dict[str, str]) -> None:
        """Start a unit's clock, once per referral. If the referral's end was handled first (its own
        close, or a follow-up opened for its round or a later one), the watch starts closed."""
        ...

    def close_watch(self, case_id: str, referral_id: UUID, at: datetime) -> None:
        """Stop a unit's clock, or date its end earlier if the case's resolution stopped it first (handled out of
        order); if its watch is not there yet, remember the end for when it comes."""
        ...

    def close_watches_of_case(self, case_id: str, round: int, at: datetime) -> None:
        """Stop the open clocks of the case's parts in `round` and before it (its CaseResolved ends them): not a later
        round's, which a reopening may have started before this resolution was handled."""
        ...

    def lock_watch(self, referral_id: UUID) -> Watch:
        """One referral's watch, locked until the transaction ends; NotFound if it has not started yet."""
        ...

    def save_deadline(self, watch: Watch) -> None:
        """Keep the watch's deadline, its reminder's moment (from the deadline), its pause and clock revision."""
        ...

    def lock_watches_due(self, now: datetime, limit: int) -> list[tuple[Watch, dict[str, str]]]:
        """Open, running (not paused) watches whose reminder or deadline has come, with their trace, locked;
        other instances skip them."""
        ...

    def save_letters(self, watch: Watch) -> None: ...

    def letters_held(self, referral_id: UUID, service: str) -> dict[LetterKind, datetime] | None:
        """The letters about the referral its unit's agency (`service`) held when this database was last restored, by
        kind, as of when it took each; None when that restore did not read the agency's database (run elsewhere, or
        unreachable), or when this database was never restored (migration 0020)."""
        ...

    def open_follow_up(self, follow_up: FollowUp, trace: dict[str, str]) -> None:
        """Open the visit of a round, once; a second opening of the same round changes nothing. The case facts kept
        by `record_fact` and handled before the resolution (sent again after a restore, by concurrent workers) have
        their say as they would have had after it. The first of the case's closures since the visit opened and of the
        next round's reopenings ended the round: a closure, or a reopening for the citizen's dissatisfaction, opens it
        rated as they say, by `domain.RATED_AT_THE_CENTRE` (domain.rating_the_centre_took); a repeat report's
        reopening opens it called off at that reopening (domain.visit_called_off). A reopening after the closure (a
        repeat report after closing, a spot check) leaves the closure's rating."""
        ...

    def lock_latest_follow_up(self, case_id: str) -> tuple[FollowUp, dict[str, str]]:
        """The latest round's visit and its trace, locked; NotFound if the case was never resolved."""
        ...

    def save_rating(self, follow_up: FollowUp, comment: str | None, visitor: str) -> None: ...

    def round_result(self, case_id: str, round: int) -> ResultCode | None:
        """The result of a round of the case, as its follow-up keeps it; None if unknown."""
        ...

    def settle_follow_up(self, case_id: str, round: int | None, rating: Rating, at: datetime, visitor: str) -> bool:
        """Give a round's follow-up (when `round` is None, the latest opened by `at`: a closure has no round) the rating
        the centre took for it at `at`, if it was open by then and holds no rating yet; whether it did. A visit a
        supervisor or the citizen rated keeps its rating. One whose rating or call-off the store took from a case fact
        dated after `at` (`domain.RATED_AT_THE_CENTRE`; facts handled out of order, the later one first) takes this
        one instead: the earlier fact ended the round, and the later belongs to a later round; a call-off dated at
        `at` too, as a closure comes before a reopening of the same moment. Only facts are compared so: they are all
        dated by the coordinator's clock, and no rating a person gave is changed."""
        ...

    def call_off_follow_up(self, case_id: str, round: int, at: datetime) -> bool:
        """Call off a round's visit that still waits for its rating, as of `at` (domain.visit_called_off); whether
        one was. A visit a supervisor or the citizen rated stays as it is, and so does one called off or rated from a
        case fact by then; one rated or called off from a case fact dated after `at` is called off as of `at`."""
        ...

    def list_follow_ups(self, pending_only: bool, limit: int) -> list[Row]:
        """Visits as `case_id`, `round`, `lead_unit`, `opened_at`, `rating`, `comment`, `rated_at`, `called_off_at`,
        oldest first; `pending_only`: those still to be rated, and not called off."""
        ...

    def watches_of(self, case_id: str) -> list[Row]:
        """A case's watches as `referral_id`, `unit`, `role`, `round`, `issued_at`, `due_at`, `closed_at`,
        `reminder_sent_at`, `overdue_sent_at`, `paused_at`, in the order their referrals were issued."""
        ...

    def record_fact(self, message: Event) -> None:
        """Keep a case fact for the reports, once per message."""
        ...

    def case_progress(self, case_id: str) -> tuple[list[KeptFact], list[Watch]]:
        """What the citizen's progress page is worked out from (domain.progress_of): the case's kept facts that move
        it (domain.PROGRESS_FACTS) oldest first, and its lead units' watches in the order they were issued."""
        ...

    def record_link_fact(self, message: LinkRecordNoted) -> None:
        """Keep a link's decision on one of its records, once per message."""
        ...

    def count_link_facts(self, start: datetime, end: datetime) -> list[Row]:
        """The links' decisions taken in [start, end) as `link`, `kind`, `count`, by link then kind."""
        ...

    def count_open_by_unit(self, now: datetime, unit: str | None, place: str | None = None) -> list[Row]:
        """Each unit with open watches (within `unit`, and placed within `place`, if given) as `unit`, `open`, `near`,
        `overdue` at `now` (domain.watch_state); the most overdue first, then the most near, then by unit code."""
        ...

    def open_watches(
        self, now: datetime, unit: str | None, state: WatchState | None, limit: int, place: str | None = None
    ) -> list[Watch]:
        """Up to `limit` open watches within `unit`, placed within `place` and in `state` at `now`, if given; the
        soonest due first."""
        ...

    def list_letters(
        self, unit: str | None, case_id: str | None, kind: LetterKind | None, limit: int, place: str | None = None
    ) -> list[Row]:
        """Up to `limit` letters sent, as `kind`, `case_id`, `referral_id`, `unit`, `issued_at`, `due_at`,
        the newest first, of units within `unit` and placed within `place`, of `case_id` and of `kind`, if given."""
        ...


class PostgresSupervisionStore(
    PostgresReportStore,
    PostgresDocumentStore,
    PostgresEscalationStore,
    PostgresSpotCheckStore,
    PostgresAlertStore,
):
    def __init__(self, statements: Statements) -> None:
        self.sql = statements
        # The official calendar's years loaded at the coordinator, as CalendarYearLoaded brought them.
        self.calendar: CalendarStore = PostgresCalendarStore(statements)

    def serialise_case(self, case_id: str) -> None:
        self.sql.write("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (case_id,))

    def add_watch(self, case_id: str, referral: ReferralSummary, trace: dict[str, str]) -> None:
        watch = Watch(
            referral_id=referral.referral_id,
            case_id=case_id,
            unit=referral.unit,
            role=referral.role,
            issued_at=referral.issued_at,
            due_at=referral.due_at,
        )
        # The end kept in referral_closures, or when this round or a later one was resolved: the CaseResolved
        # fact's own time (case_facts), not when supervision handled it; a follow-up's opening only for a round
        # resolved before case_facts were kept.
        self.sql.write(
            "INSERT INTO watches"
            " (referral_id, case_id, unit, role, round, issued_at, due_at, reminder_at, trace, closed_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, COALESCE("
            "  (SELECT closed_at FROM referral_closures WHERE referral_id = %s),"
            "  (SELECT min(occurred_at) FROM case_facts WHERE case_id = %s AND fact = 'CaseResolved'"
            "   AND (detail ->> 'round')::int >= %s),"
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
                case_id,
                referral.round,
            ),
        )

    def close_watch(self, case_id: str, referral_id: UUID, at: datetime) -> None:
        # The earliest end wins: the unit's own end, handled after the resolution that came later and stopped every
        # clock, still dates the part (its day in the report, on time or late), whatever order the queues gave.
        self.sql.write(
            "WITH closed AS (UPDATE watches SET closed_at = %s WHERE referral_id = %s"
            " AND (closed_at IS NULL OR closed_at > %s))"
            " INSERT INTO referral_closures (referral_id, case_id, closed_at)"
            " SELECT %s, %s, %s WHERE NOT EXISTS (SELECT 1 FROM watches WHERE referral_id = %s)"
            " ON CONFLICT (referral_id) DO NOTHING",
            (at, referral_id, at, referral_id, case_id, at, referral_id),
        )

    def close_watches_of_case(self, case_id: str, round: int, at: datetime) -> None:
        self.sql.write(
            "UPDATE watches SET closed_at = %s WHERE case_id = %s AND round <= %s AND closed_at IS NULL",
            (at, case_id, round),
        )

    def lock_watch(self, referral_id: UUID) -> Watch:
        row = self.sql.one(f"SELECT {_WATCH_COLUMNS} FROM watches WHERE referral_id = %s FOR UPDATE", (referral_id,))
        if row is None:
            raise NotFound(f"no watch of referral {referral_id} yet")
        return _watch(row)

    def save_deadline(self, watch: Watch) -> None:
        self.sql.write(
            "UPDATE watches SET due_at = %s, reminder_at = %s, paused_at = %s, clock_revision = %s"
            " WHERE referral_id = %s",
            (watch.due_at, reminder_due_at(watch), watch.paused_at, watch.clock_revision, watch.referral_id),
        )

    def lock_watches_due(self, now: datetime, limit: int) -> list[tuple[Watch, dict[str, str]]]:
        # By the moment the next letter is due (index watches_next_letter, migration 0012): with millions open,
        # a pass reads the due ones only, not every watch whose reminder went out and whose deadline is far.
        rows = self.sql.all(
            f"SELECT * FROM watches WHERE closed_at IS NULL AND overdue_sent_at IS NULL AND paused_at IS NULL"
            f" AND {NEXT_LETTER_AT} <= %s AND ((reminder_sent_at IS NULL AND reminder_at <= %s) OR due_at < %s)"
            f" ORDER BY {NEXT_LETTER_AT} LIMIT %s FOR UPDATE SKIP LOCKED",
            (now, now, now, limit),
        )
        return [(_watch(row), row["trace"]) for row in rows]

    def save_letters(self, watch: Watch) -> None:
        self.sql.write(
            "UPDATE watches SET reminder_sent_at = %s, overdue_sent_at = %s WHERE referral_id = %s",
            (watch.reminder_sent_at, watch.overdue_sent_at, watch.referral_id),
        )

    def letters_held(self, referral_id: UUID, service: str) -> dict[LetterKind, datetime] | None:
        rows = self.sql.all(
            "SELECT h.kind, h.received_at FROM letters_held_read r"
            " LEFT JOIN letters_held h ON h.referral_id = %s WHERE r.service = %s",
            (referral_id, service),
        )
        if not rows:
            return None
        return {LetterKind(row["kind"]): row["received_at"] for row in rows if row["kind"] is not None}

    def open_follow_up(self, follow_up: FollowUp, trace: dict[str, str]) -> None:
        # The first of the case's closures since the visit opened and of its next round's reopenings ends the round (a
        # closure first of two at one moment: the reopening came after it, as only a closure's can come so close):
        # a closure rates it, a dissatisfied reopening too (a reopening stored before `cause` was in the contract was
        # the citizen's dissatisfaction, its default), a repeat report's reopening calls the visit off.
        self.sql.write(
            "WITH ended AS (SELECT fact, occurred_at, detail->>'rating' AS rating,"
            " COALESCE(detail->>'cause', %s) AS cause FROM case_facts WHERE case_id = %s"
            " AND ((fact = 'CaseClosed' AND occurred_at >= %s) OR (fact = 'CaseReopened' AND detail->>'round' = %s))"
            " ORDER BY occurred_at, fact = 'CaseReopened', message_id LIMIT 1),"
            " rated AS (SELECT rating, occurred_at FROM ended WHERE fact = 'CaseClosed' OR cause = %s),"
            " called_off AS (SELECT occurred_at FROM ended WHERE fact = 'CaseReopened' AND cause = %s)"
            " INSERT INTO follow_ups (case_id, round, lead_unit, opened_at, trace, result, called_off_at, rating,"
            " rated_at, visitor)"
            " VALUES (%s, %s, %s, %s, %s, %s, (SELECT occurred_at FROM called_off), (SELECT rating FROM rated),"
            " (SELECT occurred_at FROM rated), (SELECT %s::text FROM rated))"
            " ON CONFLICT DO NOTHING",
            (
                ReopenCause.DISSATISFIED.value,
                follow_up.case_id,
                follow_up.opened_at,
                str(follow_up.round + 1),
                ReopenCause.DISSATISFIED.value,
                ReopenCause.REPEAT_REPORT.value,
                follow_up.case_id,
                follow_up.round,
                follow_up.lead_unit,
                follow_up.opened_at,
                jsonb(trace),
                follow_up.result.value if follow_up.result else None,
                RATED_AT_THE_CENTRE,
            ),
        )

    def lock_latest_follow_up(self, case_id: str) -> tuple[FollowUp, dict[str, str]]:
        row = self.sql.one(
            "SELECT * FROM follow_ups WHERE case_id = %s ORDER BY round DESC LIMIT 1 FOR UPDATE", (case_id,)
        )
        if row is None:
            raise NotFound(f"no follow-up is open for case {case_id}; a case is rated after it is resolved")
        follow_up = FollowUp(
            case_id=row["case_id"],
            lead_unit=row["lead_unit"],
            round=row["round"],
            opened_at=row["opened_at"],
            rating=Rating(row["rating"]) if row["rating"] else None,
            rated_at=row["rated_at"],
            result=ResultCode(row["result"]) if row["result"] in ResultCode.__members__.values() else None,
            called_off_at=row["called_off_at"],
        )
        return follow_up, row["trace"]

    def round_result(self, case_id: str, round: int) -> ResultCode | None:
        row = self.sql.one("SELECT result FROM follow_ups WHERE case_id = %s AND round = %s", (case_id, round))
        result = str(row["result"]) if row and row["result"] else ""
        return ResultCode(result) if result in ResultCode.__members__.values() else None

    def save_rating(self, follow_up: FollowUp, comment: str | None, visitor: str) -> None:
        self.sql.write(
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

    def settle_follow_up(self, case_id: str, round: int | None, rating: Rating, at: datetime, visitor: str) -> bool:
        row = self.sql.one(
            "UPDATE follow_ups SET rating = %s, rated_at = %s, visitor = %s, called_off_at = NULL"
            " WHERE case_id = %s AND opened_at <= %s"
            " AND round = COALESCE(%s, (SELECT max(round) FROM follow_ups WHERE case_id = %s AND opened_at <= %s))"
            " AND CASE WHEN rating IS NULL THEN called_off_at IS NULL OR called_off_at >= %s"
            " ELSE visitor = %s AND rated_at > %s END RETURNING round",
            (rating.value, at, visitor, case_id, at, round, case_id, at, at, RATED_AT_THE_CENTRE, at),
        )
        return row is not None

    def call_off_follow_up(self, case_id: str, round: int, at: datetime) -> bool:
        row = self.sql.one(
            "UPDATE follow_ups SET called_off_at = %s, rating = NULL, rated_at = NULL, visitor = NULL"
            " WHERE case_id = %s AND round = %s"
            " AND CASE WHEN rating IS NULL THEN called_off_at IS NULL OR called_off_at > %s"
            " ELSE visitor = %s AND rated_at > %s END RETURNING round",
            (at, case_id, round, at, RATED_AT_THE_CENTRE, at),
        )
        return row is not None

    def list_follow_ups(self, pending_only: bool, limit: int) -> list[Row]:
        where = "WHERE rating IS NULL AND called_off_at IS NULL" if pending_only else ""
        return self.sql.all(
            "SELECT case_id, round, lead_unit, opened_at, rating, comment, rated_at, called_off_at"
            f" FROM follow_ups {where}"
            " ORDER BY opened_at LIMIT %s",
            (limit,),
        )

    def watches_of(self, case_id: str) -> list[Row]:
        return self.sql.all(
            "SELECT referral_id, unit, role, round, issued_at, due_at, closed_at, reminder_sent_at, overdue_sent_at,"
            " paused_at FROM watches WHERE case_id = %s ORDER BY issued_at",
            (case_id,),
        )

    def record_fact(self, message: Event) -> None:
        detail: dict[str, Any] = message.model_dump(mode="json", exclude=_ENVELOPE)
        self.sql.write(
            "INSERT INTO case_facts (message_id, case_id, fact, occurred_at, detail) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (message_id) DO NOTHING",
            (message.message_id, message.case_id, message.type, message.occurred_at, jsonb(detail)),
        )

    def case_progress(self, case_id: str) -> tuple[list[KeptFact], list[Watch]]:
        facts = self.sql.all(
            "SELECT fact, occurred_at, detail ->> 'category' AS category FROM case_facts"
            " WHERE case_id = %s AND fact = ANY(%s) ORDER BY occurred_at, message_id",
            (case_id, sorted(PROGRESS_FACTS)),
        )
        leads = self.sql.all(
            f"SELECT {_WATCH_COLUMNS} FROM watches WHERE case_id = %s AND role = %s ORDER BY issued_at, referral_id",
            (case_id, ReferralRole.LEAD.value),
        )
        kept = [KeptFact(row["fact"], row["occurred_at"], row["category"]) for row in facts]
        return kept, [_watch(row) for row in leads]

    def record_link_fact(self, message: LinkRecordNoted) -> None:
        self.sql.write(
            "INSERT INTO link_facts (message_id, link, record_id, kind, unit, at, case_id, detail)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (message_id) DO NOTHING",
            (
                message.message_id,
                message.link,
                message.record_id,
                message.kind,
                message.unit,
                message.at,
                message.case_id,
                jsonb(dict(message.detail)),
            ),
        )

    def count_link_facts(self, start: datetime, end: datetime) -> list[Row]:
        return self.sql.all(
            "SELECT link, kind, count(*) AS count FROM link_facts WHERE at >= %s AND at < %s"
            ' GROUP BY link, kind ORDER BY link COLLATE "C", kind COLLATE "C"',
            (start, end),
        )

    def count_open_by_unit(self, now: datetime, unit: str | None, place: str | None = None) -> list[Row]:
        near, _ = _STATE_SQL[WatchState.NEAR]
        overdue, _ = _STATE_SQL[WatchState.OVERDUE]
        within, params = _within(unit, place)
        return self.sql.all(
            f'SELECT unit, count(*) AS "open", count(*) FILTER (WHERE {near}) AS near,'
            f" count(*) FILTER (WHERE {overdue}) AS overdue"
            f" FROM watches WHERE closed_at IS NULL{within}"
            ' GROUP BY unit ORDER BY overdue DESC, near DESC, unit COLLATE "C"',
            (now, now, now, *params),
        )

    def open_watches(
        self, now: datetime, unit: str | None, state: WatchState | None, limit: int, place: str | None = None
    ) -> list[Watch]:
        within, params = _within(unit, place)
        if state is not None:
            condition, count = _STATE_SQL[state]
            within += f" AND {condition}"
            params += [now] * count
        rows = self.sql.all(
            f"SELECT {_WATCH_COLUMNS} FROM watches WHERE closed_at IS NULL{within}"
            " ORDER BY due_at, referral_id LIMIT %s",
            (*params, limit),
        )
        return [_watch(row) for row in rows]

    def list_letters(
        self, unit: str | None, case_id: str | None, kind: LetterKind | None, limit: int, place: str | None = None
    ) -> list[Row]:
        branches: list[str] = []
        params: list[Any] = []
        for letter_kind, sent_at in _SENT_AT.items():
            if kind is not None and kind != letter_kind:
                continue
            within, within_params = _within(unit, place)
            if case_id is not None:
                within += " AND case_id = %s"
                within_params.append(case_id)
            # The kind is our own constant, never the caller's text.
            branches.append(
                f"SELECT '{letter_kind.value}'::text AS kind, case_id, referral_id, unit, {sent_at} AS issued_at,"
                f" due_at FROM watches WHERE {sent_at} IS NOT NULL{within}"
            )
            params += within_params
        return self.sql.all(
            f"SELECT * FROM ({' UNION ALL '.join(branches)}) AS letters"
            " ORDER BY issued_at DESC, referral_id, kind LIMIT %s",
            (*params, limit),
        )


def _within(unit: str | None, place: str | None = None) -> tuple[str, list[Any]]:
    """The condition that keeps watches of `unit` and the units below it (domain.is_within), and those of any
    agency's units placed at `place` or below it (domain.is_placed_within), each if given."""
    condition, params = ("", []) if unit is None else (" AND starts_with(unit, %s)", [unit])
    if place is not None:
        condition += " AND starts_with(split_part(unit, ':', 2), %s)"
        params.append(place)
    return condition, params


def _watch(row: Row) -> Watch:
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
        paused_at=row["paused_at"],
        clock_revision=row["clock_revision"],
    )
