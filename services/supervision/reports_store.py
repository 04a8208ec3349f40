"""The report's read model in PostgreSQL: counters recounted for the cases marked stale, summed by scope and period."""

import json
from collections import Counter
from datetime import date, datetime
from typing import Protocol

from services.supervision.domain import UnitResult
from services.supervision.reports import DEFINITIONS_VERSION, STOCKS, working_days
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
from shared.delivery.statements import Statements

# (unit or '', dimension or '', metric) -> the sum over the period, for one scope key (reports.Sums).
Sums = dict[tuple[str, str, str], int]


class ReportStore(Protocol):
    def record_referral_result(self, part: UnitResult) -> None:
        """Keep a unit's own result (or its decline), once per referral."""
        ...

    def mark_report_stale(self, case_id: str) -> None:
        """The case changed: its counters are recounted later (recount_stale), off the message's path. Takes the
        case's lock first (as serialise_case), so a recount never reads the case while a change to it is pending."""
        ...

    def recount_stale(self, limit: int) -> int:
        """Recount up to `limit` cases marked stale, leaving marked any a transaction is changing right now, and
        count up to `limit` link decisions not yet counted; how many cases and decisions it counted."""
        ...

    def report_sums(self, scope: str, first: date, last: date) -> Sums:
        """The scope key's counters summed over the China local days [first, last]."""
        ...

    def rebuild_report_step(self, batch: int) -> bool:
        """Count up to `batch` cases (or link facts) not yet counted under DEFINITIONS_VERSION; False when the
        model is complete (nothing was left to do)."""
        ...

    def report_model_complete(self) -> bool:
        """Whether the rebuild has counted every case kept under DEFINITIONS_VERSION (until then, a case kept before
        and unchanged since still holds what older definitions counted)."""
        ...


class PostgresReportStore:
    """Mixed into PostgresSupervisionStore: the same transaction's statements."""

    sql: Statements

    def record_referral_result(self, part: UnitResult) -> None:
        self.sql.write(
            "INSERT INTO referral_results (referral_id, case_id, unit, reason, result, ended_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (referral_id) DO NOTHING",
            (
                part.referral_id,
                part.case_id,
                part.unit,
                part.reason,
                part.result.value if part.result else None,
                part.ended_at,
            ),
        )

    def mark_report_stale(self, case_id: str) -> None:
        # The lock, then the mark, in one round trip: the row comes out of the subquery once the lock is held.
        self.sql.write(
            "INSERT INTO report_stale (case_id) SELECT %s FROM (SELECT pg_advisory_xact_lock(hashtextextended(%s, 0)))"
            " AS locked ON CONFLICT (case_id) DO NOTHING",
            (case_id, case_id),
        )

    def recount_stale(self, limit: int) -> int:
        # Lock order: recounts wait only on each other's marks (taken in case order); a case's lock is only tried,
        # so a recount never waits on a handler. A handler holds its case's lock before it marks the case, and a
        # mark that a recount holds (not yet deleted) never makes a handler wait, so neither waits on the other.
        marked = self.sql.all("SELECT case_id FROM report_stale ORDER BY case_id LIMIT %s FOR UPDATE", (limit,))
        cases: list[str] = []
        if marked:
            # A case whose lock is held is being changed right now: it stays marked for the next recount.
            free = self.sql.all(
                "SELECT case_id FROM unnest(%s::text[]) AS marked(case_id)"
                " WHERE pg_try_advisory_xact_lock(hashtextextended(case_id, 0))",
                ([row["case_id"] for row in marked],),
            )
            cases = [row["case_id"] for row in free]
        difference = self._recount(cases)
        if cases:
            self.sql.write("DELETE FROM report_stale WHERE case_id = ANY(%s::text[])", (cases,))
        links, counted = self._count_links(limit)
        difference.update(links)
        self._add(difference)
        return len(cases) + counted

    def _recount(self, case_ids: list[str]) -> Counters:
        """What the cases' counters must change by (their locks held); what each adds from now on is kept beside it."""
        if not case_ids:
            return Counter()
        # Everything the recomputation reads, and what each case added before, in one round trip.
        total: Counters = Counter()
        kept_now: list[list[object]] = []
        for kept in self.sql.all(_CASES_AS_KEPT, (case_ids,)):
            case_id = kept["case_id"]
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
                        issued_at=_moment(issued_at),
                    )
                    for referral_id, unit, role, due_at, closed_at, paused_at, reason, result, issued_at in kept[
                        "parts"
                    ]
                ],
                [RatedVisit(case_id, rating, _moment(rated_at)) for rating, rated_at in kept["ratings"]],
                working_days,
            )
            old = kept_from_json(kept["counters"])
            if new == old and kept["definitions"] == DEFINITIONS_VERSION:
                continue  # nothing changed (a redelivery, or a fact no counter reads): nothing to write
            kept_now.append([case_id, contribution_to_json(new)])
            total.update(change(new, old))
        if kept_now:
            self.sql.write(
                "INSERT INTO report_cases (case_id, counters, definitions)"
                " SELECT r->>0, r->1, %s FROM jsonb_array_elements(%s::jsonb) AS r"
                " ON CONFLICT (case_id) DO UPDATE SET counters = EXCLUDED.counters, definitions = EXCLUDED.definitions",
                (DEFINITIONS_VERSION, json.dumps(kept_now)),
            )
        return total

    def _count_links(self, limit: int) -> tuple[Counters, int]:
        """Up to `limit` link decisions not yet counted, marked counted: what they add, and how many there were."""
        rows = self.sql.all(
            "UPDATE link_facts SET counted = true WHERE message_id IN"
            " (SELECT message_id FROM link_facts WHERE NOT counted ORDER BY message_id LIMIT %s FOR UPDATE)"
            " RETURNING link, kind, unit, at",
            (limit,),
        )
        total: Counters = Counter()
        for r in rows:
            total.update(link_counters(LinkFact(r["link"], r["kind"], r["unit"], r["at"])))
        return total, len(rows)

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
        # Each stock (cases still handled, cases waiting for manual triage) sums one counter over every day up to
        # `last`, along its partial index (migrations 0019, 0022): a few thousand index entries for years of a
        # county, whatever the number of cases.
        rows = self.sql.all(_REPORT_SUMS, (scope, first, last, *(scope, last) * len(STOCKS)))
        return {(r["unit"], r["dim"], r["metric"]): int(r["value"]) for r in rows}

    def report_model_complete(self) -> bool:
        row = self.sql.one("SELECT done AND definitions = %s AS complete FROM report_rebuild", (DEFINITIONS_VERSION,))
        return bool(row and row["complete"])

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
        case_ids = [row["case_id"] for row in cases]
        # The batch's locks in case order (a handler holds one case's at a time), then one addition for the whole
        # batch, in key order, as a recount's: no deadlock with the handlers' or the recount's.
        self.sql.write(
            "SELECT pg_advisory_xact_lock(hashtextextended(case_id, 0))"
            " FROM (SELECT case_id FROM unnest(%s::text[]) AS ids(case_id) ORDER BY case_id) AS batch",
            (case_ids,),
        )
        difference = self._recount(case_ids)
        done = False
        if case_ids:
            after = case_ids[-1]
        else:
            links, counted = self._count_links(batch)
            difference.update(links)
            done = not counted
        self._add(difference)
        self.sql.write(
            "UPDATE report_rebuild SET definitions = %s, next_case = %s, done = %s",
            (DEFINITIONS_VERSION, after, done),
        )
        return not done


# The metric is written into the text, not bound: a prepared statement's generic plan uses the partial index only
# when its predicate can be proven from the text.
_REPORT_SUMS = (
    "SELECT unit, dim, metric, sum(value)::bigint AS value FROM report_counters"
    " WHERE scope = %s AND day >= %s AND day <= %s GROUP BY unit, dim, metric"
) + "".join(
    f" UNION ALL SELECT '', '', '{key[2]}', sum(value)::bigint FROM report_counters"
    " WHERE scope = %s AND day <= %s AND unit = '' AND dim = ''"
    f" AND metric = '{counter}' HAVING sum(value) <> 0"
    for counter, key in STOCKS.items()
)

# Cases as kept, a row each: its facts, its parts (each unit's watch and own result), its ratings (as JSON arrays,
# in the order the recomputation reads them), and what it added to the counters when last counted.
_CASES_AS_KEPT = (
    "SELECT k.case_id,"
    " (SELECT coalesce(json_agg(json_build_array(fact, occurred_at, detail) ORDER BY occurred_at, message_id),"
    " '[]') FROM case_facts f WHERE f.case_id = k.case_id AND fact IN ("
    + ", ".join(f"'{fact}'" for fact in sorted(COUNTED_FACTS))  # constants: the facts a counter reads
    + ")) AS facts,"
    " (SELECT coalesce(json_agg(json_build_array(w.referral_id, w.unit, w.role, w.due_at, w.closed_at, w.paused_at,"
    " r.reason, r.result, w.issued_at) ORDER BY w.issued_at, w.referral_id), '[]')"
    " FROM watches w LEFT JOIN referral_results r USING (referral_id) WHERE w.case_id = k.case_id) AS parts,"
    " (SELECT coalesce(json_agg(json_build_array(rating, rated_at) ORDER BY round), '[]') FROM follow_ups v"
    " WHERE v.case_id = k.case_id AND rating IS NOT NULL AND rated_at IS NOT NULL) AS ratings,"
    " c.counters, c.definitions"
    " FROM unnest(%s::text[]) AS k(case_id) LEFT JOIN report_cases c ON c.case_id = k.case_id"
)


def _moment(text: str) -> datetime:
    """A timestamptz as JSON writes it (ISO 8601 with its offset)."""
    return datetime.fromisoformat(text)
