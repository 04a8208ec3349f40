"""The fault suite's report check finds a counter that differs from a rebuild, and leaves the counters as they were."""

from collections.abc import Iterator

import pytest

from services.supervision.store import PostgresSupervisionStore
from tests.chaos.checks import counters_drift
from tests.stores.conftest import StoreBench, empty_tables, postgres_bench
from tests.stores.test_supervision_reports_store import QIDONG, drive

pytestmark = pytest.mark.integration

SERVICE = "supervision"


@pytest.fixture
def counted(service_database: str) -> Iterator[str]:
    """The supervision database with QIDONG's facts kept and counted."""
    empty_tables(service_database)
    bench: StoreBench[PostgresSupervisionStore] = postgres_bench(service_database, PostgresSupervisionStore)
    drive(bench, QIDONG)
    with bench.transaction() as store:
        store.recount_stale(1000)
    yield service_database


def counters(bench_url: str) -> list[dict]:
    bench = postgres_bench(bench_url, PostgresSupervisionStore)
    with bench.transaction() as store:
        return store.sql.all("SELECT * FROM report_counters ORDER BY scope, day, unit, dim, metric")


def test_counters_as_the_facts_say_show_no_drift_and_stay_as_they_were(counted: str) -> None:
    before = counters(counted)
    assert before  # something was counted
    assert counters_drift(counted) == []
    assert counters(counted) == before  # the rebuild was rolled back


def test_a_counter_counted_twice_is_found(counted: str) -> None:
    bench = postgres_bench(counted, PostgresSupervisionStore)
    with bench.transaction() as store:
        store.sql.write(
            "UPDATE report_counters SET value = value + 1 WHERE ctid ="
            " (SELECT ctid FROM report_counters WHERE scope = '430426' AND metric = 'cases_received' LIMIT 1)"
        )
    [drift] = counters_drift(counted)
    assert "cases_received" in drift and "a rebuild from the facts counts" in drift
