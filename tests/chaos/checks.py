"""After the faults: what every service's database says about each case, counted as lost, duplicated or broken.

Lost: a filing the client was told was accepted, or a case intake registered, that did not close;
a referral the coordinator issued that no agency holds. Duplicated: a filing recorded twice (a
second case, or a second report linked to the first as a repeat), a referral held twice, a
timeline entry written twice. Broken: anything else an invariant forbids (a watch missing, an
unsent outbox row, a dead letter).
"""

import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from services.supervision.store import PostgresSupervisionStore
from shared.delivery.statements import Statements
from shared.persistence.transaction import transaction
from tests.chaos.driver import summary_tag
from wuyuan.agencies import has_database, is_external
from wuyuan.dead_letters import list_dead_letters
from wuyuan.settings import PlatformSettings

# Timeline entries a case of the suite has once, and those it has once per referral.
ONCE_PER_CASE = ("case_triaged", "case_resolved", "case_closed")
ONCE_PER_REFERRAL = ("referral_issued", "referral_accepted", "result_reported")


@dataclass
class Findings:
    filings: int = 0  # filings the clients attempted
    acknowledged: int = 0  # of them, answered 201 with a case id
    cases: int = 0  # cases intake registered
    closed: int = 0
    referrals: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.broken)

    def summary(self) -> str:
        lines = [
            f"filings attempted {self.filings}, acknowledged {self.acknowledged}; cases registered {self.cases},"
            f" closed {self.closed}; referrals {self.referrals}",
            f"lost: {len(self.lost)}   duplicated: {len(self.duplicated)}   invariants broken: {len(self.broken)}",
        ]
        for title, items in (("lost", self.lost), ("duplicated", self.duplicated), ("broken", self.broken)):
            lines += [f"  {title}: {item}" for item in items[:10]]
            if len(items) > 10:
                lines.append(f"  … {len(items) - 10} more {title}")
        return "\n".join(lines)


def assert_exactly_once(findings: Findings, filed: int) -> None:
    """What every run must show: the cases it filed all registered once and closed, nothing lost, nothing twice."""
    assert findings.acknowledged >= filed
    assert findings.lost == [], "cases lost or stuck"
    assert findings.duplicated == [], "something recorded twice"
    assert findings.broken == [], "an invariant broken"
    assert findings.closed == findings.cases


def rows(settings: PlatformSettings, service: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(settings.database_url(service), autocommit=True, connect_timeout=10) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def agencies(settings: PlatformSettings) -> list[str]:
    return [s for s in settings.services if settings.is_agency(s) and not is_external(settings, s)]


def unsent(settings: PlatformSettings) -> dict[str, int]:
    counts = {}
    for service in settings.services:
        if has_database(settings, service) and not is_external(settings, service):
            [(n,)] = rows(settings, service, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
            if n:
                counts[service] = n
    return counts


def check(
    settings: PlatformSettings, run_id: str, attempted: int, acknowledged: dict[int, str], settle: float = 60.0
) -> Findings:
    """Read every database once the flow has settled (outboxes get `settle` seconds to drain)."""
    found = Findings(filings=attempted, acknowledged=len(acknowledged))
    deadline = time.monotonic() + settle
    while (left := unsent(settings)) and time.monotonic() < deadline:
        time.sleep(0.5)
    found.broken += [f"{service}: {n} outbox rows never sent" for service, n in left.items()]

    # intake: each filing once, as one case with one report.
    tag = re.compile(re.escape(summary_tag(run_id, 0)[:-1]) + r"(\d+)\b")
    by_filing: dict[int, list[str]] = defaultdict(list)
    reports: dict[str, int] = {}
    for case_id, summary, report_count in rows(
        settings,
        "intake",
        "SELECT c.case_id, c.summary, (SELECT count(*) FROM reports r WHERE r.case_id = c.case_id) FROM cases c",
    ):
        reports[case_id] = report_count
        if match := tag.search(summary):
            by_filing[int(match.group(1))].append(case_id)
    found.cases = len(reports)
    for index, case_ids in sorted(by_filing.items()):
        if len(case_ids) > 1:
            found.duplicated.append(f"filing {index} registered as {len(case_ids)} cases: {', '.join(case_ids)}")
    found.duplicated += [
        f"case {c} has {n} reports (a retried filing linked as a repeat)" for c, n in reports.items() if n > 1
    ]
    for index, case_id in sorted(acknowledged.items()):
        if case_id not in reports:
            found.lost.append(f"filing {index}: acknowledged as {case_id}, which intake does not hold")

    # coordinator: every case closed, each step once.
    status = dict(rows(settings, "coordinator", "SELECT case_id, status FROM cases"))
    found.closed = sum(1 for s in status.values() if s == "closed")
    for case_id in sorted(reports):
        if status.get(case_id) != "closed":
            found.lost.append(f"case {case_id}: {status.get(case_id, 'never reached the coordinator')}, not closed")
    for case_id, kind, count in rows(
        settings,
        "coordinator",
        "SELECT case_id, kind, count(*) FROM timeline GROUP BY case_id, kind, detail HAVING count(*) > 1",
    ):
        found.duplicated.append(f"case {case_id}: timeline entry {kind} written {count} times")
    kinds = Counter()
    per_referral: Counter[tuple[str, str]] = Counter()
    issued: dict[str, tuple[str, str]] = {}
    for case_id, kind, referral_id, unit in rows(
        settings,
        "coordinator",
        "SELECT case_id, kind, detail->>'referral_id', detail->>'unit' FROM timeline",
    ):
        kinds[(case_id, kind)] += 1
        if kind in ONCE_PER_REFERRAL:
            per_referral[(referral_id, kind)] += 1
        if kind == "referral_issued":
            issued[referral_id] = (case_id, unit)
        if kind == "repeat_linked":
            found.duplicated.append(f"case {case_id}: a filing linked to it as a repeat")
    for case_id in status:
        for kind in ONCE_PER_CASE:
            if status[case_id] == "closed" and kinds[(case_id, kind)] != 1:
                found.broken.append(f"case {case_id}: {kind} {kinds[(case_id, kind)]} times")
    for (referral_id, kind), count in per_referral.items():
        if count > 1:
            found.duplicated.append(f"referral {referral_id}: {kind} {count} times on the timeline")
    found.referrals = len(issued)

    # agencies: each referral held once, by one agency, received once and reported.
    held: Counter[str] = Counter()
    for service in agencies(settings):
        for referral_id, case_id, status_, received in rows(
            settings,
            service,
            "SELECT r.referral_id::text, r.case_id, r.status,"
            " (SELECT count(*) FROM referral_log l WHERE l.referral_id = r.referral_id AND l.kind = 'received')"
            " FROM referrals r",
        ):
            held[referral_id] += 1
            if referral_id not in issued:
                found.broken.append(f"{service} holds referral {referral_id} of {case_id} the coordinator never issued")
            if status_ != "reported":
                found.broken.append(f"{service}: referral {referral_id} of {case_id} left {status_}")
            if received != 1:
                found.duplicated.append(f"{service}: referral {referral_id} received {received} times")
        for case_id, unit, round_, count in rows(
            settings,
            service,
            "SELECT case_id, unit, round, count(*) FROM referrals GROUP BY case_id, unit, round HAVING count(*) > 1",
        ):
            found.duplicated.append(f"{service}: {count} referrals of {case_id} to {unit} in round {round_}")
    for referral_id, (case_id, unit) in issued.items():
        if held[referral_id] == 0:
            found.lost.append(f"referral {referral_id} of {case_id} to {unit}: no agency holds it")
        elif held[referral_id] > 1:
            found.duplicated.append(f"referral {referral_id}: held {held[referral_id]} times")

    # supervision: one watch per referral, closed; one follow-up per case.
    watches = dict(rows(settings, "supervision", "SELECT referral_id::text, closed_at IS NOT NULL FROM watches"))
    for referral_id, (case_id, _) in issued.items():
        if referral_id not in watches:
            found.broken.append(f"referral {referral_id} of {case_id}: no supervision watch")
        elif not watches[referral_id]:
            found.broken.append(f"referral {referral_id} of {case_id}: its watch never closed")
    found.broken += [f"watch {r}: for a referral never issued" for r in watches if r not in issued]
    follow_ups = Counter(c for (c,) in rows(settings, "supervision", "SELECT case_id FROM follow_ups"))
    for case_id in status:
        if follow_ups[case_id] != 1:
            found.broken.append(f"case {case_id}: {follow_ups[case_id]} follow-up visits")

    found.broken += report_drift(settings, settle)

    for letter in list_dead_letters(settings, limit=1000):
        found.broken.append(f"dead letter in {letter.service}: {letter.message_type} ({letter.reason[:120]})")
    return found


class _Undo(Exception):
    """Ends the report check's transaction with a rollback, carrying what it read."""

    def __init__(self, drift: list[str]) -> None:
        super().__init__("rolled back")
        self.drift = drift


def report_drift(settings: PlatformSettings, settle: float) -> list[str]:
    """Supervision's report: every changed case recounted within `settle` seconds, and the counters exactly what a
    rebuild from the kept facts counts (done in a transaction that is rolled back): nothing counted twice or missed."""
    deadline = time.monotonic() + settle
    while True:
        [(stale, uncounted)] = rows(
            settings,
            "supervision",
            "SELECT (SELECT count(*) FROM report_stale), (SELECT count(*) FROM link_facts WHERE NOT counted)",
        )
        if not (stale or uncounted) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if stale or uncounted:
        return [f"supervision: {stale} cases and {uncounted} link decisions never recounted for the report"]
    return counters_drift(settings.database_url("supervision"))


def counters_drift(database_url: str) -> list[str]:
    """How the report's counters differ from what a rebuild from the kept facts counts (rolled back afterwards)."""

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(database_url, row_factory=dict_row, connect_timeout=10)

    try:
        with transaction(connect) as tx:
            counted = _counters(tx)
            tx.write("DELETE FROM report_counters")
            tx.write("DELETE FROM report_cases")
            tx.write("UPDATE link_facts SET counted = false")
            tx.write("UPDATE report_rebuild SET definitions = '', next_case = '', done = false")
            store = PostgresSupervisionStore(tx)
            while store.rebuild_report_step(1000):
                pass
            rebuilt = _counters(tx)
            differing = sorted({key for key, _ in set(counted.items()) ^ set(rebuilt.items())})
            drift = [
                f"supervision: report counter {key} is {counted.get(key, 0)}, a rebuild from the facts counts"
                f" {rebuilt.get(key, 0)}"
                for key in differing[:10]
            ]
            raise _Undo(
                drift + ([f"supervision: … {len(differing) - 10} more counters differ"] if differing[10:] else [])
            )
    except _Undo as undo:
        return undo.drift
    raise AssertionError("unreachable: the block always ends in _Undo")


def _counters(statements: Statements) -> dict[tuple[Any, ...], int]:
    return {
        (r["scope"], str(r["day"]), r["unit"], r["dim"], r["metric"]): int(r["value"])
        for r in statements.all("SELECT scope, day, unit, dim, metric, value FROM report_counters WHERE value <> 0")
    }
