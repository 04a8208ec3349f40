"""The report's read model in PostgreSQL: counters kept up to date case by case, summed by scope and period."""

import json
from collections import Counter
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from services.supervision.reports import DEFINITIONS_VERSION, working_days
from services.supervision.reports_counters import (
    COUNTED_FACTS,
    CaseFact,
    Counters,
    LinkFact,
    Part,
    RatedVisit,
    case_contribution,
    change,
    contribution_to_json,
    kept_from_json,
    link_counters,
    to_additions,
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
        # Everything the recomputation reads, and what the case added before, in one round trip.
        kept = self.sql.one(_CASE_AS_KEPT, (case_id,) * 4)
        assert kept is not None
        new = case_contribution(
            [CaseFact(case_id, fact, _moment(at), detail) for fact, at, detail in kept["facts"]],
            [
                Part(
                    referral_id=referral_id,
                    case_id=case_id,
                    unit=unit,
                    role=role,
                    due_at=_moment(due_at),
                    closed_at=_moment(closed_at) if closed_at else None,
                    paused_at=_moment(paused_at) if paused_at else None,
                    reason=reason,
                    result=result,
                )
                for referral_id, unit, role, due_at, closed_at, paused_at, reason, result in kept["parts"]
            ],
            [RatedVisit(case_id, rating, _moment(rated_at)) for rating, rated_at in kept["ratings"]],
            working_days,
        )
        old = kept_from_json(kept["counters"])
        if new == old and kept["definitions"] == DEFINITIONS_VERSION:
            return Counter()  # nothing changed (a redelivery, or a fact no counter reads): nothing to write
        self.sql.write(
            "INSERT INTO report_cases (case_id, counters, definitions) VALUES (%s, %s, %s)"
            " ON CONFLICT (case_id) DO UPDATE SET counters = EXCLUDED.counters, definitions = EXCLUDED.definitions",
            (case_id, jsonb(contribution_to_json(new)), DEFINITIONS_VERSION),
        )
        return change(new, old)

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
        if not any(counters.values()):
            return
        # One JSON parameter, not six arrays: client-side binding quotes every array element in Python.
        self.sql.write(
            "INSERT INTO report_counters (scope, day, unit, dim, metric, value)"
            " SELECT r->>0, (r->>1)::date, r->>2, r->>3, r->>4, (r->>5)::bigint"
            " FROM json_array_elements(%s::json) WITH ORDINALITY AS e(r, i) ORDER BY i"
            " ON CONFLICT (scope, day, unit, dim, metric) DO UPDATE SET value = report_counters.value + EXCLUDED.value",
            (json.dumps(to_additions(counters)),),
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


# A case as kept, in one row: its facts, its parts (each unit's watch and own result), its ratings (as JSON arrays,
# in the order the recomputation reads them), and what it added to the counters when last counted.
_CASE_AS_KEPT = (
    "SELECT"
    " (SELECT coalesce(json_agg(json_build_array(fact, occurred_at, detail) ORDER BY occurred_at, message_id),"
    " '[]') FROM case_facts WHERE case_id = %s AND fact IN ("
    + ", ".join(f"'{fact}'" for fact in sorted(COUNTED_FACTS))  # constants: the facts a counter reads
    + ")) AS facts,"
    " (SELECT coalesce(json_agg(json_build_array(w.referral_id, w.unit, w.role, w.due_at, w.closed_at, w.paused_at,"
    " r.reason, r.result) ORDER BY w.issued_at, w.referral_id), '[]')"
    " FROM watches w LEFT JOIN referral_results r USING (referral_id) WHERE w.case_id = %s) AS parts,"
    " (SELECT coalesce(json_agg(json_build_array(rating, rated_at) ORDER BY round), '[]') FROM follow_ups"
    " WHERE case_id = %s AND rating IS NOT NULL AND rated_at IS NOT NULL) AS ratings,"
    " c.counters, c.definitions"
    " FROM (SELECT 1) AS one LEFT JOIN report_cases c ON c.case_id = %s"
)


def _moment(text: str) -> datetime:
    """A timestamptz as JSON writes it (ISO 8601 with its offset)."""
    return datetime.fromisoformat(text)
