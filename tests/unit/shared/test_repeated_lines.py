"""Lines that repeat while a dependency is away are held to one a minute, saying how many were held back; the rest
pass as they are."""

import logging
import sys

import psycopg
import pytest

from shared.logs import RepeatedLines
from shared.persistence.errors import StoreUnavailable


class Entrypoint:
    method_name = "list_cases"


class Worker:
    entrypoint = Entrypoint()


def line(name: str, msg: str, *args: object, level: int = logging.WARNING, error: BaseException | None = None):
    exc_info = None
    if error is not None:
        try:
            raise error
        except BaseException:
            exc_info = sys.exc_info()
    return logging.LogRecord(name, level, __file__, 1, msg, args, exc_info)


@pytest.fixture
def clock():
    return [0.0]


@pytest.fixture
def lines(clock):
    return RepeatedLines(clock=lambda: clock[0])


def test_the_pools_reconnect_attempts_write_one_line_a_minute_and_then_the_count(lines, clock):
    attempts = [line("psycopg.pool", "error connecting in %r: %s", "supervision-pool", "refused") for _ in range(61)]

    passed = [lines.filter(attempt) for attempt in attempts[:60]]
    clock[0] += 60
    last = attempts[60]

    assert passed.count(True) == 1
    assert lines.filter(last) and last.suppressed == 59


def test_the_pools_closed_connections_write_one_line_a_minute_whichever_connection(lines):
    class Closed:  # psycopg's repr: the connection's state and its object's address, new for every connection
        def __init__(self, address: int) -> None:
            self.address = address

        def __repr__(self) -> str:
            return f"<psycopg.Connection [BAD] at 0x{self.address:x}>"

    discarded = [line("psycopg.pool", "discarding closed connection: %s", Closed(0x7F0D0000 + n)) for n in range(5)]

    assert [lines.filter(record) for record in discarded] == [True, False, False, False, False]


def test_workers_failing_because_the_database_is_away_write_one_line_per_entrypoint(lines):
    outage = [
        line("nameko.containers", "error handling worker %s: %s", Worker(), "x", level=logging.ERROR, error=e)
        for e in (StoreUnavailable("down"), psycopg.OperationalError("down"), StoreUnavailable("down"))
    ]

    assert [lines.filter(r) for r in outage] == [True, True, False]  # one per kind of failure


def test_a_defect_in_a_worker_is_never_held_back(lines):
    defects = [
        line(
            "nameko.containers", "error handling worker %s: %s", Worker(), "x", level=logging.ERROR, error=KeyError("a")
        )
        for _ in range(3)
    ]

    assert all(lines.filter(r) for r in defects)
    assert all(r.exc_info is not None for r in defects)


def test_an_expected_error_keeps_its_line_without_the_traceback(lines):
    refused = line("nameko.containers", "(expected) error handling worker %s: %s", Worker(), "x", error=ValueError())

    assert lines.filter(refused)
    assert refused.exc_info is None


def test_other_lines_pass_untouched(lines):
    records = [line("shared.agency.handlers", "通报 %s names %s", "第1号", "police:430426101") for _ in range(3)]
    assert all(lines.filter(r) for r in records)
    assert lines.filter(line("psycopg.pool", "connection added", level=logging.INFO))


def test_requests_answered_503_during_an_outage_write_one_line_too(lines):
    expected = "(expected) error handling worker %s: %s"
    refused = [line("nameko.containers", expected, Worker(), "x", error=StoreUnavailable("down")) for _ in range(50)]

    assert [lines.filter(r) for r in refused].count(True) == 1


def test_a_new_reason_to_fail_connecting_is_written_at_once(lines):
    template = "error connecting in %r: %s"
    assert lines.filter(line("psycopg.pool", template, "coordinator-pool", "Connection refused"))
    assert lines.filter(line("psycopg.pool", template, "coordinator-pool", 'password authentication failed for "x"'))
    assert not lines.filter(line("psycopg.pool", template, "coordinator-pool", "Connection refused"))


def test_a_relay_pass_failing_on_a_defect_is_written_every_time(lines):
    failures = [line("shared.runtime.relay", "outbox relay pass failed; will retry", error=KeyError("k")) for _ in "ab"]

    assert all(lines.filter(r) for r in failures)
