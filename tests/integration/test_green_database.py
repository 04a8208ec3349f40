"""Queries wait through eventlet's hub: three half-second queries in three green threads run at the same time."""

import itertools

import eventlet
import psycopg
import psycopg.waiting
import pytest

from shared.persistence.green import BlockingDriverError, assert_green_wait, use_green_wait, wait_green
from wuyuan.settings import PlatformSettings

pytestmark = pytest.mark.integration

SLEEP_SECONDS = 0.5
QUERY = f"SELECT clock_timestamp() AS started, pg_sleep({SLEEP_SECONDS}), clock_timestamp() AS finished"


@pytest.fixture
def connections():
    """Three connections opened up front, so only the queries themselves run in the green threads."""
    url = PlatformSettings().pg_admin_url  # no tables: the maintenance database will do
    opened = [psycopg.connect(url, autocommit=True, connect_timeout=10) for _ in range(3)]
    try:
        yield opened
    finally:
        for conn in opened:
            conn.close()


@pytest.fixture
def c_wait():
    """psycopg's C wait for the duration of a test, then the green wait back."""
    wait_c = getattr(psycopg.waiting, "wait_c", None)
    if wait_c is None:
        pytest.skip("this psycopg build has no C wait")
    previous = psycopg.waiting.wait
    psycopg.waiting.wait = wait_c
    try:
        yield
    finally:
        psycopg.waiting.wait = previous


def run_concurrently(connections) -> list[tuple]:
    """(started, finished) on the server for each connection's query, all spawned at once."""

    def query(conn):
        started, _, finished = conn.execute(QUERY).fetchone()
        return started, finished

    threads = [eventlet.spawn(query, conn) for conn in connections]
    return [thread.wait() for thread in threads]


def overlap_all(intervals: list[tuple]) -> bool:
    return all(a_start < b_end for a_start, _ in intervals for _, b_end in intervals)


def test_the_green_wait_is_in_use():
    description = assert_green_wait()
    assert psycopg.waiting.wait is wait_green
    assert "wait_green" in description


def test_three_queries_in_three_green_threads_run_at_the_same_time(connections):
    intervals = run_concurrently(connections)
    # Each started before every other finished: all three were on the server together.
    assert overlap_all(intervals), intervals


def test_the_c_wait_is_refused_at_start_up(c_wait):
    with pytest.raises(BlockingDriverError, match="wait_c"):
        assert_green_wait()


def test_the_c_wait_would_run_them_one_after_another(connections, c_wait):
    """What assert_green_wait guards against: the C wait holds the hub, so the queries queue behind each other."""
    intervals = sorted(run_concurrently(connections))
    assert not overlap_all(intervals), intervals
    assert all(earlier_end <= later_start for (_, earlier_end), (later_start, _) in itertools.pairwise(intervals))


def test_a_query_larger_than_the_socket_buffers_goes_through(connections):
    """Sending megabytes makes psycopg wait to write, and to read and write at once, between its reads."""
    text = "调解" * 4_000_000  # 24 MB of UTF-8
    (length,) = connections[0].execute("SELECT length(%s::text)", (text,)).fetchone()
    assert length == len(text)


def test_a_query_cancelled_on_the_server_is_reported_and_the_connection_still_works(connections):
    conn = connections[0]
    conn.execute("SET statement_timeout = '200ms'")
    with pytest.raises(psycopg.errors.QueryCanceled):
        conn.execute("SELECT pg_sleep(5)")
    assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_backend_terminated_mid_query_is_a_lost_connection(connections):
    waiting, killer, _ = connections
    pid = waiting.info.backend_pid
    terminating = eventlet.spawn_after(0.2, killer.execute, "SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(psycopg.OperationalError):
        waiting.execute("SELECT pg_sleep(5)")
    assert waiting.closed or waiting.broken
    # The killer's answer may come after the victim's error. Its green thread must have it before the fixture
    # closes the killer's connection: closed under a parked wait, the hub would keep that wait on the file number,
    # and the next socket to reuse the number would be refused ("Second simultaneous read").
    terminating.wait()


def test_use_green_wait_restores_the_green_wait(c_wait):
    use_green_wait()
    assert assert_green_wait()
