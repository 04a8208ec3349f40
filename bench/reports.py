"""`make bench-reports`: the leaders' report over a read model of 10 million cases, beside raw PostgreSQL figures.

On a database of the run's own (created on the local PostgreSQL, dropped at the end) with supervision's schema,
it builds counters equivalent to N cases spread over several years, every township, unit, source and category of
the configured county (SQL generate_series, no Python loop), VACUUM ANALYZEs, then times through the real store
and pure code (`PostgresSupervisionStore.report_sums` + `reports.report_from_sums`) a monthly county report and a
year's report of one unit, and the letter timer's search over M open watches; and prints them beside the raw
figures of the same run (a count(*) over the counters, an indexed lookup, pgbench select-only). Timings are
printed, never asserted.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from services.supervision import reports
from services.supervision.reports_counters import (
    Metric,
    category_dim,
    link_metric,
    part_scopes,
    source_dim,
    unit_scopes,
)
from services.supervision.store import NEXT_LETTER_AT, PostgresSupervisionStore
from shared.contracts.vocabulary import Category, Source
from shared.persistence.transaction import transaction
from shared.registry import load_registry
from shared.wording import load_places
from wuyuan.provision_db import apply_migrations, migration_dirs
from wuyuan.settings import PlatformSettings

FIRST_DAY = date(2022, 1, 1)
LAST_DAY = date(2026, 12, 31)  # five years
MONTH = reports.period_of(reports.PeriodKind.MONTH, date(2026, 11, 15))
YEAR = reports.Period(date(2026, 1, 1), date(2026, 12, 31))
RUNS = 7
# Of every 100 cases received: handled, resolved, mediated (an agreement), … as the county centres publish them.
CASE_METRICS = {
    Metric.RECEIVED: 1.0,
    Metric.HANDLED: 0.97,
    Metric.RESOLVED: 0.85,
}
SOURCE_ONLY = {Metric.MEDIATED: 0.6}
PLAIN = {
    Metric.TO_LITIGATION: 0.03,
    Metric.REOPENED: 0.02,
    Metric.RATINGS: 0.7,
    Metric.RATINGS_SATISFIED: 0.65,
    Metric.RESOLVE_DAYS: 0.85 * 6,  # six working days on average
    Metric.RESOLVE_COUNT: 0.85,
    # Rounds begun less rounds ended, net of the day (received and reopened, less handled): a row a day in every
    # scope, which the stock of cases still handled (期末在办) sums from the first day to the period's last. Its cost
    # is a centre's; its value, five years of a day's net drawn at random, is not.
    Metric.ROUNDS_OPENED_LESS_ENDED: 1.0 + 0.02 - 0.97,
}
PART_METRICS = {
    Metric.PARTS_ENDED: 1.0,
    Metric.PARTS_ON_TIME: 0.9,
    Metric.PARTS_WITH_RESULT: 0.95,
    Metric.PARTS_RESOLVING: 0.8,
}
# Share of the county's cases each agency has a part in (a case has one to three units).
AGENCY_SHARE = {"police": 0.45, "justice": 0.6, "court": 0.25, "petition": 0.1}
LINK_DECISIONS = {("court", "filing_registered"): 0.3, ("court", "filing_diverted"): 0.24}


def units_of(county: str, townships: list[str]) -> list[str]:
    """Every unit of the agencies that take referrals: county-level ones once, township-level ones per township."""
    registry = load_registry()
    units = []
    for code, digits in (("court", 6), ("petition", 6), ("police", 9), ("justice", 9)):
        registry.get(code)  # the agency is configured
        units += [f"{code}:{county}"] if digits == 6 else [f"{code}:{t}" for t in townships]
    return units


def case_dims() -> list[tuple[str, str, float]]:
    """(dim, metric, share of the day's cases) for every case counter a scope holds in a day."""
    sources, categories = list(Source), list(Category)
    rows = []
    for metric, share in CASE_METRICS.items():
        rows += [(source_dim(s), metric, share / len(sources)) for s in sources]
        rows += [(category_dim(c), metric, share / len(categories)) for c in categories]
    for metric, share in SOURCE_ONLY.items():
        rows += [(source_dim(s), metric, share / len(sources)) for s in sources]
    rows += [("", metric, share) for metric, share in PLAIN.items()]
    return rows


def case_scopes(county: str, townships: list[str], units: list[str]) -> list[tuple[str, float]]:
    """(scope key, share of the county's cases it holds): the county, each township, each unit scope."""
    scopes = [(county, 1.0)] + [(t, 1.0 / len(townships)) for t in townships]
    for unit in units:
        agency, division = unit.split(":")
        per_unit = AGENCY_SHARE[agency] / (1 if len(division) == 6 else len(townships))
        scopes.append((unit, per_unit))
    for agency in ("police", "justice"):  # the bureau above its township units
        scopes.append((f"{agency}:{county}", AGENCY_SHARE[agency]))
    return scopes


@contextmanager
def private_database(admin_url: str) -> Iterator[str]:
    name = f"bench_reports_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def build_counters(url: str, cases: int, county: str, townships: list[str], units: list[str]) -> None:
    days = (LAST_DAY - FIRST_DAY).days + 1
    per_day = cases / days
    dims = case_dims()
    scopes = case_scopes(county, townships, units)
    # A uniform draw on [0, 2·mean] keeps each counter's expected value, so the totals come to about `cases`.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO report_counters (scope, day, unit, dim, metric, value)"
            " SELECT s.scope, d.day::date, '', m.dim, m.metric, round(random() * 2 * s.share * m.share * %s)::bigint"
            " FROM generate_series(%s::date, %s::date, '1 day') AS d(day)"
            " CROSS JOIN unnest(%s::text[], %s::float8[]) AS s(scope, share)"
            " CROSS JOIN unnest(%s::text[], %s::text[], %s::float8[]) AS m(dim, metric, share)",
            (
                per_day,
                FIRST_DAY,
                LAST_DAY,
                [s for s, _ in scopes],
                [share for _, share in scopes],
                [d for d, _, _ in dims],
                [m for _, m, _ in dims],
                [share for _, _, share in dims],
            ),
        )
        # Each unit's own parts (the ranking) and link decisions, in its county, township and unit scopes.
        own: list[tuple[str, str, str, float]] = []
        for unit in units:
            agency, division = unit.split(":")
            share = AGENCY_SHARE[agency] / (1 if len(division) == 6 else len(townships))
            for scope in part_scopes(unit):
                own += [(scope, unit, metric, share * n) for metric, n in PART_METRICS.items()]
                if agency == "court":
                    own += [(scope, unit, link_metric(*kind), n) for kind, n in LINK_DECISIONS.items()]
        conn.execute(
            "INSERT INTO report_counters (scope, day, unit, dim, metric, value)"
            " SELECT o.scope, d.day::date, o.unit, '', o.metric, round(random() * 2 * o.share * %s)::bigint"
            " FROM generate_series(%s::date, %s::date, '1 day') AS d(day)"
            " CROSS JOIN unnest(%s::text[], %s::text[], %s::text[], %s::float8[]) AS o(scope, unit, metric, share)",
            (
                per_day,
                FIRST_DAY,
                LAST_DAY,
                [o[0] for o in own],
                [o[1] for o in own],
                [o[2] for o in own],
                [o[3] for o in own],
            ),
        )
        # Built whole under the current definitions, as a rebuild that has run to its end leaves it.
        conn.execute(
            "UPDATE report_rebuild SET definitions = %s, next_case = '', done = true", (reports.DEFINITIONS_VERSION,)
        )


def build_watches(url: str, watches: int, units: list[str], now: datetime) -> None:
    """`watches` open watches issued over the last 90 days, due 10 to 60 days after issue; a reminder already
    sent where its moment has passed, and a 督办函 where the deadline has (so those are out of the timer's search,
    as in a running centre), but for one in 10,000, whose letter is due right now."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO watches (referral_id, case_id, unit, role, round, issued_at, due_at, reminder_at,"
            " reminder_sent_at, overdue_sent_at, paused_at)"
            " SELECT gen_random_uuid(), '430426-' || n, (%s::text[])[1 + n %% cardinality(%s::text[])], 'lead', 1,"
            "  w.issued, w.due, w.reminder,"
            "  CASE WHEN w.reminder < %s AND n %% 10000 <> 1 THEN w.reminder END,"
            "  CASE WHEN w.due < %s AND n %% 10000 <> 1 THEN w.due END,"
            "  CASE WHEN n %% 50 = 0 THEN w.issued + interval '1 day' END"
            " FROM generate_series(1, %s) AS n,"
            # Spread by n itself (an uncorrelated random() subquery would be drawn once for every row).
            " LATERAL (SELECT %s - (n::bigint * 7919 %% 7776000) * interval '1 second' AS issued,"
            "  10 + (n::bigint * 104729 %% 5000) / 100.0 AS days) AS i,"
            " LATERAL (SELECT i.issued AS issued, i.issued + i.days * interval '1 day' AS due,"
            "  i.issued + 0.8 * i.days * interval '1 day' AS reminder) AS w",
            (units, units, now, now, watches, now),
        )


def build_closed_watches(url: str, closed: int, units: list[str]) -> None:
    """The watches of cases long closed: the history a board's counts must not read."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO watches (referral_id, case_id, unit, role, round, issued_at, due_at, reminder_at, closed_at)"
            " SELECT gen_random_uuid(), '430426-closed-' || n, (%s::text[])[1 + n %% cardinality(%s::text[])], 'lead',"
            "  1, d.issued, d.issued + interval '10 days', d.issued + interval '8 days', d.issued + interval '9 days'"
            " FROM generate_series(1, %s) AS n,"
            " LATERAL (SELECT %s::timestamptz + (n::bigint * 7919 %% 150000000) * interval '1 second' AS issued) AS d",
            (units, units, closed, datetime.combine(FIRST_DAY, datetime.min.time(), UTC)),
        )


def timed(action: Callable[[], Any], runs: int = RUNS) -> tuple[float, float, Any]:
    """Best and median wall time in ms of `runs` calls, and the last answer."""
    times, answer = [], None
    for _ in range(runs):
        started = time.perf_counter()
        answer = action()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times), answer


Conn = psycopg.Connection[Any]


def through_store(conn: Conn, read: Callable[[PostgresSupervisionStore], Any]) -> Any:
    """One transaction on an open connection, as a service's pooled worker has it (not closed afterwards)."""
    with transaction(lambda: nullcontext(conn)) as tx:
        return read(PostgresSupervisionStore(tx))


def report(conn: Conn, period: reports.Period, scope: reports.Scope) -> dict[str, Any]:
    """As GET /api/v1/reports answers it: the store's aggregate query (the flows over the period, the stock from the
    first day) and whether the model is complete, then the pure figures."""
    as_of = datetime.now(UTC)

    def read(store: PostgresSupervisionStore) -> tuple[reports.Sums, bool]:
        return store.report_sums(reports.scope_key(scope), period.start, period.end), store.report_model_complete()

    sums, complete = through_store(conn, read)
    answer = reports.report_from_sums(sums, period, scope, as_of)
    if not complete:
        reports.withhold_stock(answer)
    return answer


def one_value(conn: Conn, query: str, params: tuple[Any, ...] = ()) -> Any:
    answer = conn.execute(query, params).fetchone()
    return None if answer is None else next(iter(answer.values()))


def pgbench_select_tps(url: str, seconds: int = 10) -> str:
    if not shutil.which("pgbench"):
        return "pgbench not installed"
    subprocess.run(["pgbench", "-i", "-q", "-s", "1", url], capture_output=True, check=True)
    result = subprocess.run(
        ["pgbench", "-n", "-S", "-c", "2", "-j", "2", "-T", str(seconds), url],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("tps ="):
            return f"{float(line.split()[2]):.0f}"
    return "pgbench printed no tps"


def row(name: str, best: float | str, median: float | str = "", note: str = "") -> None:
    best_text = f"{best:10.1f}" if isinstance(best, float) else f"{best:>10}"
    median_text = f"{median:10.1f}" if isinstance(median, float) else f"{median:>10}"
    print(f"{name:58} {best_text} {median_text}  {note}")


def run(cases: int, watches: int, closed: int) -> int:
    settings = PlatformSettings()
    county = settings.county
    places = load_places()
    townships = sorted(code for code in places.names if len(code) == 9 and code.startswith(county))
    units = units_of(county, townships)
    unit = units[-1]  # a township unit: a justice office
    with private_database(settings.pg_admin_url) as url:
        apply_migrations(url, migration_dirs("supervision"))
        print(
            f"building a read model of {cases:,} cases over {FIRST_DAY} – {LAST_DAY} ({len(townships)} townships,"
            f" {len(units)} units) …",
            flush=True,
        )
        started = time.perf_counter()
        build_counters(url, cases, county, townships, units)
        built = time.perf_counter() - started
        print(f"… and {watches:,} open watches, {closed:,} closed …", flush=True)
        now = datetime.now(UTC)
        started = time.perf_counter()
        build_watches(url, watches, units, now)
        build_closed_watches(url, closed, units)
        watches_built = time.perf_counter() - started
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("VACUUM ANALYZE")
        conn: Conn = psycopg.connect(url, row_factory=dict_row, autocommit=True)
        rows = one_value(conn, "SELECT count(*) FROM report_counters")
        size = one_value(conn, "SELECT pg_size_pretty(pg_total_relation_size('report_counters'))")
        received = one_value(
            conn,
            "SELECT sum(value) FROM report_counters WHERE scope = %s AND metric = %s AND dim LIKE 'source:%%'",
            (county, Metric.RECEIVED),
        )

        county_scope = reports.Scope(reports.Level.COUNTY, county)
        unit_scope = reports.Scope(reports.Level.UNIT, unit)
        bureau_scope = reports.Scope(reports.Level.UNIT, unit_scopes(unit)[0])
        month_best, month_median, month = timed(lambda: report(conn, MONTH, county_scope))
        unit_best, unit_median, by_unit = timed(lambda: report(conn, YEAR, unit_scope))
        bureau_best, bureau_median, _ = timed(lambda: report(conn, YEAR, bureau_scope))
        year_best, year_median, _ = timed(lambda: report(conn, YEAR, county_scope))
        due_best, due_median, due = timed(lambda: through_store(conn, lambda s: s.lock_watches_due(now, 200)))
        board_best, board_median, _ = timed(lambda: through_store(conn, lambda s: s.count_open_by_unit(now, None)), 3)
        old_sql = (
            "SELECT * FROM watches WHERE closed_at IS NULL AND overdue_sent_at IS NULL AND paused_at IS NULL"
            " AND ((reminder_sent_at IS NULL AND reminder_at <= %s) OR due_at < %s)"
            " ORDER BY reminder_at LIMIT 200"
        )
        old_best, old_median, _ = timed(
            lambda: one_value(conn, f"SELECT count(*) FROM ({old_sql}) AS o", (now, now)), 3
        )
        plan = conn.execute(
            f"EXPLAIN SELECT * FROM watches WHERE closed_at IS NULL AND overdue_sent_at IS NULL AND paused_at IS NULL"
            f" AND {NEXT_LETTER_AT} <= %s ORDER BY {NEXT_LETTER_AT} LIMIT 200",
            (now,),
        ).fetchall()

        print("measuring the raw database on the same machine, now …", flush=True)
        count_best, count_median, _ = timed(lambda: one_value(conn, "SELECT count(*) FROM report_counters"), 3)
        lookup_best, lookup_median, _ = timed(
            lambda: one_value(
                conn,
                "SELECT value FROM report_counters WHERE scope = %s AND day = %s AND unit = '' AND dim = %s"
                " AND metric = %s",
                (county, MONTH.start, source_dim("walk_in"), Metric.RECEIVED),
            )
        )
        conn.close()
        tps = pgbench_select_tps(url)

    print()
    print(f"read model: {rows:,} counter rows, {size}; cases received in it (county): {received:,}")
    print(f"built in {built:.0f} s (counters) and {watches_built:.0f} s ({watches:,} open watches, {closed:,} closed)")
    print(f"{'figure (ms, best / median of runs)':58} {'best':>10} {'median':>10}")
    row(
        f"monthly county report {MONTH.start:%Y-%m}",
        month_best,
        month_median,
        f"{month['figures']['cases_received']['value']:,} received,"
        f" {month['figures']['cases_open_at_end']['value']:,} still handled at its end",
    )
    row(
        f"year report of one unit ({unit}, {YEAR.start.year})",
        unit_best,
        unit_median,
        f"{by_unit['figures']['parts_ended']['value']:,} parts ended",
    )
    row(f"year report of a bureau and its units ({bureau_scope.code})", bureau_best, bureau_median)
    row(f"year county report {YEAR.start.year} (366 days at most)", year_best, year_median)
    row(f"letter timer: lock_watches_due(200) over {watches:,} open", due_best, due_median, f"{len(due)} due")
    row("  the same search before migration 0012 (ORDER BY reminder_at)", old_best, old_median)
    row(f"board: count_open_by_unit, {watches:,} open of {watches + closed:,}", board_best, board_median)
    row("raw PostgreSQL: SELECT count(*) FROM report_counters", count_best, count_median)
    row("raw PostgreSQL: one counter by primary key, open connection", lookup_best, lookup_median)
    row("raw PostgreSQL: pgbench -S select-only TPS (2 clients)", tps, "", "transactions/s")
    print("the timer's search, as PostgreSQL plans it:")
    for line in plan:
        print("   ", next(iter(line.values())))
    print("target: each report under 1000 ms on a 2-core machine (issue 14, point 7)")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--watches", type=int, default=2_000_000, help="open watches")
    parser.add_argument("--closed-watches", type=int, default=4_000_000, help="watches of cases long closed")
    args = parser.parse_args(argv)
    if args.cases < 1 or args.watches < 1 or args.closed_watches < 0:
        parser.error("--cases and --watches must be at least 1, --closed-watches at least 0")
    return run(args.cases, args.watches, args.closed_watches)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
