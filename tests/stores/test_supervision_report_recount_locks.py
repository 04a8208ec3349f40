"""The report's recount never waits on a handler, and never reads a case while a change to it is uncommitted."""

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from services.supervision.reports import Level, Scope
from services.supervision.store import PostgresSupervisionStore
from tests.stores.conftest import StoreBench, empty_tables, postgres_bench
from tests.stores.test_supervision_reports_store import NOVEMBER, QIDONG, figures

pytestmark = pytest.mark.integration

SERVICE = "supervision"
CST = timezone(timedelta(hours=8))


@pytest.fixture
def bench(service_database: str) -> Iterator[StoreBench[PostgresSupervisionStore]]:
    empty_tables(service_database)
    yield postgres_bench(service_database, PostgresSupervisionStore)


def test_a_case_being_changed_stays_stale_until_its_change_commits(bench: StoreBench[PostgresSupervisionStore]) -> None:
    c = QIDONG
    with bench.transaction() as store:
        store.record_fact(c.assigned(10, c.late, datetime(2026, 10, 21, 10, tzinfo=CST)))
        store.mark_report_stale(c.late)
    with bench.transaction() as handler:
        handler.record_fact(c.resolved(11, c.late, datetime(2026, 11, 9, 10, tzinfo=CST)))
        handler.mark_report_stale(c.late)  # the case's lock held until this block commits
        handler.sql.one("SELECT 1 AS sent")  # a read sends the writes held back before it
        with bench.transaction() as recount:
            # Tried, not waited for: the recount leaves the case marked and returns at once.
            assert recount.recount_stale(1000) == 0
            assert recount.sql.all("SELECT case_id FROM report_stale") == [{"case_id": c.late}]
    with bench.transaction() as recount:
        assert recount.recount_stale(1000) == 1
    assert figures(bench, Scope(Level.COUNTY, "430426"), NOVEMBER)["cases_handled"] == 1  # the handler's fact too


def test_a_handler_marking_a_case_a_recount_holds_does_not_wait(bench: StoreBench[PostgresSupervisionStore]) -> None:
    c = QIDONG
    with bench.transaction() as store:
        store.mark_report_stale(c.late)
        store.mark_report_stale(c.in_november)
    with bench.transaction() as recount:
        # The recount holds both marks; a handler of another case marks it again without waiting.
        recount.sql.all("SELECT case_id FROM report_stale ORDER BY case_id FOR UPDATE")
        with bench.transaction() as handler:
            handler.sql.write("SET LOCAL lock_timeout = '2s'")  # a wait would fail the test, not hang it
            handler.mark_report_stale(c.in_november)
    with bench.transaction() as store:
        assert store.recount_stale(1000) == 2
        assert store.sql.all("SELECT case_id FROM report_stale") == []
