"""Spans of database round trips are named after every statement they carried, so a trace reads as it ran."""

import pytest

from shared.telemetry.round_trips import round_trip_name


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
