"""Database round trips in traces: named after every statement they carried; how slow one must be to be a span."""

import pytest
from pydantic import ValidationError

from shared.telemetry.round_trips import round_trip_name, span_threshold_ns


@pytest.mark.parametrize(
    ("statements", "name"),
    [
        (["BEGIN", "INSERT INTO inbox VALUES (%s)", "SELECT state FROM cases WHERE case_id = %s"], "INSERT; SELECT"),
        (["UPDATE cases SET status = %s", "INSERT INTO outbox VALUES (%s)", "COMMIT"], "UPDATE; INSERT; COMMIT"),
        (
            ["SAVEPOINT handler_3", "insert into timeline values (%s)", "RELEASE SAVEPOINT handler_3"],
            "SAVEPOINT; INSERT; RELEASE",
        ),
        (["SELECT 1"], "SELECT"),
        (["BEGIN"], "BEGIN"),
    ],
)
def test_a_round_trip_is_named_after_every_statement_it_carried(statements, name):
    assert round_trip_name([(sql, ()) for sql in statements]) == name


@pytest.mark.parametrize("value", ["-1", "soon", "700000"])
def test_a_bad_round_trip_threshold_is_refused_naming_its_variable(monkeypatch, value):
    monkeypatch.setenv("WUYUAN_DB_SPAN_MIN_MS", value)
    span_threshold_ns.cache_clear()
    try:
        with pytest.raises(ValidationError, match="db_span_min_ms"):
            span_threshold_ns()
    finally:
        span_threshold_ns.cache_clear()


def test_the_round_trip_threshold_is_read_in_milliseconds(monkeypatch):
    monkeypatch.setenv("WUYUAN_DB_SPAN_MIN_MS", "2.5")
    span_threshold_ns.cache_clear()
    try:
        assert span_threshold_ns() == 2_500_000
    finally:
        span_threshold_ns.cache_clear()
