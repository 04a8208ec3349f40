"""The report's read model in PostgreSQL: counters kept up to date case by case, summed by scope and period."""

from collections import Counter
from datetime import date
from typing import Protocol
from uuid import UUID

from services.supervision.reports import DEFINITIONS_VERSION, working_days
from services.supervision.reports_counters import (
    CaseFact,
    Counters,
    LinkFact,
    Part,
    RatedVisit,
    case_counters,
    difference,
    from_rows,
    link_counters,
    to_rows,
)
from shared.contracts.messages import ReferralClosed
from shared.delivery.statements import Row, Statements
from shared.persistence.jsonb import jsonb

# (unit or '', dimension or '', metric) -> the sum over the period, for one scope key (reports.Sums).
Sums = dict[tuple[str, str, str], int]


class ReportStore(Protocol):
    def record_referral_result(self, message: ReferralClosed) -> None:
        """Keep a unit's own result (or its decline) when its part ended before the round, once per referral."""
        ...

    def refresh_report(self, case_id: str) -> None:
        """Bring the counters up to date with everything kept about the case: recompute what it adds and apply
        the difference from what it added before. Idempotent; call it in the transaction that changed the case."""
        ...

    def count_link_fact(self, message_id: UUID) -> None:
        """Add a kept link decision to the counters, once."""
        ...

    def report_sums(self, scope: str, first: date, last: date) -> Sums:
        """The scope key's counters summed over the China local days [first, last]."""
        ...

    def rebuild_report_step(self, batch: int) -> bool:
        """Count up to `batch` cases (or link facts) not yet counted under DEFINITIONS_VERSION; False when the
        model is complete (nothing was left to do)."""
        ...


class PostgresReportStore:
    """Mixed into PostgresSupervisionStore: the same transaction's statements."""

    sql: Statements

    def record_referral_result(self, message: ReferralClosed) -> None:
        self.sql.write(
            "INSERT INTO referral_results (referral_id, case_id, unit, reason, result, ended_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (referral_id) DO NOTHING",
            (
                message.referral_id,
                message.case_id,
                message.unit,
                message.reason,
                message.result.value if message.result else None,
                message.occurred_at,
            ),
        )

    def refresh_report(self, case_id: str) -> None:
        self._add(self._recount(case_id))

    def _recount(self, case_id: str) -> Counters:
        """What the case's counters must change by; what it adds from now on is kept beside it."""
        # The case's facts apply one at a time (as serialise_case): two workers never diff against the same old.
        self.sql.write("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (case_id,))
        facts = self.sql.all(
            "SELECT case_id, fact, occurred_at, detail FROM case_facts WHERE case_id = %s"
            " ORDER BY occurred_at, message_id",
            (case_id,),
        )
        parts = self.sql.all(
            "SELECT w.referral_id, w.case_id, w.unit, w.role, w.due_at, w.closed_at, w.paused_at, r.reason, r.result"
            " FROM watches w LEFT JOIN referral_results r USING (referral_id) WHERE w.case_id = %s"
            " ORDER BY w.issued_at, w.referral_id",
            (case_id,),
        )
        ratings = self.sql.all(
            "SELECT case_id, rating, rated_at FROM follow_ups"
            " WHERE case_id = %s AND rating IS NOT NULL AND rated_at IS NOT NULL ORDER BY round",
            (case_id,),
        )
        new = case_counters(
            [CaseFact(r["case_id"], r["fact"], r["occurred_at"], r["detail"]) for r in facts],
            [
                Part(
                    referral_id=str(r["referral_id"]),
                    case_id=r["case_id"],
                    unit=r["unit"],
                    role=r["role"],
                    due_at=r["due_at"],
                    closed_at=r["closed_at"],
                    paused_at=r["paused_at"],
                    reason=r["reason"],
                    result=r["result"],
                )
                for r in parts
            ],
            [RatedVisit(r["case_id"], r["rating"], r["rated_at"]) for r in ratings],
            working_days,
        )
        kept = self.sql.one("SELECT counters FROM report_cases WHERE case_id = %s", (case_id,))
        old = from_rows(kept["counters"]) if kept else Counter()
        self.sql.write(
            "INSERT INTO report_cases (case_id, counters, definitions) VALUES (%s, %s, %s)"
            " ON CONFLICT (case_id) DO UPDATE SET counters = EXCLUDED.counters, definitions = EXCLUDED.definitions",
            (case_id, jsonb(to_rows(new)), DEFINITIONS_VERSION),
        )
        return difference(new, old)

    def count_link_fact(self, message_id: UUID) -> None:
        rows = self.sql.all(
            "UPDATE link_facts SET counted = true WHERE message_id = %s AND NOT counted RETURNING link, kind, unit, at",
            (message_id,),
        )
        self._count_links(rows)

    def _count_links(self, rows: list[Row]) -> None:
        total: Counters = Counter()
        for r in rows:
            total.update(link_counters(LinkFact(r["link"], r["kind"], r["unit"], r["at"])))
        self._add(total)

    def _add(self, counters: Counters) -> None:
        """Add to the counters in key order, so two transactions never wait on each other's rows crosswise."""
        keys = sorted((scope, day, unit, dim, metric) for (day, scope, unit, dim, metric), n in counters.items() if n)
        if not keys:
            return
        self.sql.write(
            "INSERT INTO report_counters (scope, day, unit, dim, metric, value)"
            " SELECT * FROM unnest(%s::text[], %s::date[], %s::text[], %s::text[], %s::text[], %s::bigint[])"
            " ON CONFLICT (scope, day, unit, dim, metric) DO UPDATE SET value = report_counters.value + EXCLUDED.value",
            (
                [k[0] for k in keys],
                [k[1] for k in keys],
                [k[2] for k in keys],
                [k[3] for k in keys],
                [k[4] for k in keys],
                [counters[(k[1], k[0], k[2], k[3], k[4])] for k in keys],
            ),
        )

    def report_sums(self, scope: str, first: date, last: date) -> Sums:
        rows = self.sql.all(
            "SELECT unit, dim, metric, sum(value)::bigint AS value FROM report_counters"
            " WHERE scope = %s AND day >= %s AND day <= %s GROUP BY unit, dim, metric",
            (scope, first, last),
        )
        return {(r["unit"], r["dim"], r["metric"]): int(r["value"]) for r in rows}

    def rebuild_report_step(self, batch: int) -> bool:
        # Its one row (put in by migration 0012; again here if the table was emptied), locked: one instance at a time.
        self.sql.write(
            "INSERT INTO report_rebuild (definitions, next_case, done) VALUES ('', '', false) ON CONFLICT DO NOTHING"
        )
        state = self.sql.one("SELECT definitions, next_case, done FROM report_rebuild FOR UPDATE")
        assert state is not None
        if state["done"] and state["definitions"] == DEFINITIONS_VERSION:
            return False
        after = state["next_case"] if state["definitions"] == DEFINITIONS_VERSION else ""
        # Each branch walks its index in case order; the first `batch` of their union are the next cases.
        cases = self.sql.all(
            "SELECT case_id FROM ("
            " (SELECT DISTINCT case_id FROM case_facts WHERE case_id > %s ORDER BY case_id LIMIT %s)"
            " UNION (SELECT DISTINCT case_id FROM watches WHERE case_id > %s ORDER BY case_id LIMIT %s)"
            " UNION (SELECT DISTINCT case_id FROM follow_ups WHERE case_id > %s ORDER BY case_id LIMIT %s)"
            ") AS next ORDER BY case_id LIMIT %s",
            (after, batch) * 3 + (batch,),
        )
        # One addition for the whole batch, in key order, as a single case's: no deadlock with the handlers'.
        change: Counters = Counter()
        for row in cases:
            change.update(self._recount(row["case_id"]))
        self._add(change)
        done = False
        if cases:
            after = cases[-1]["case_id"]
        else:
            links = self.sql.all(
                "UPDATE link_facts SET counted = true WHERE message_id IN"
                " (SELECT message_id FROM link_facts WHERE NOT counted LIMIT %s) RETURNING link, kind, unit, at",
                (batch,),
            )
            self._count_links(links)
            done = not links
        self.sql.write(
            "UPDATE report_rebuild SET definitions = %s, next_case = %s, done = %s",
            (DEFINITIONS_VERSION, after, done),
        )
        return not done
