"""What a round trip's text becomes: statements prepared at a connection's first use and run by name after."""

import psycopg
import pytest

from shared.persistence import prepared
from shared.persistence.prepared import MAX_PREPARED_PER_CONNECTION, PreparedStatements, numbered

CLAIM = "INSERT INTO inbox (consumer, message_id) VALUES (%s, %s)"
READ = "SELECT state FROM cases WHERE case_id = %s FOR UPDATE"


def test_placeholders_are_numbered_and_a_literal_percent_stays_escaped_for_the_quoting_that_follows():
    assert numbered("SELECT * FROM t WHERE a = %s AND b LIKE 'x%%' AND c = %s", 2) == (
        "SELECT * FROM t WHERE a = $1 AND b LIKE 'x%%' AND c = $2"
    )


def test_a_statement_whose_placeholders_do_not_match_its_values_is_not_prepared():
    assert numbered("SELECT %s, %s", 1) is None
    texts, values = PreparedStatements().compose([("SELECT %s, %s", ("only one",))])
    assert texts == ["SELECT %s, %s"] and values == ["only one"]


def test_the_first_use_prepares_in_the_same_round_trip_and_later_uses_execute_by_name():
    statements = PreparedStatements()
    texts, values = statements.compose([("BEGIN", ()), (READ, ("430426-20261205-00001",))])
    assert texts == [
        "BEGIN",
        "PREPARE wy_1 AS SELECT state FROM cases WHERE case_id = $1 FOR UPDATE",
        "EXECUTE wy_1(%s)",
    ]
    assert values == ["430426-20261205-00001"]
    statements.sent()

    texts, values = statements.compose([(READ, ("430426-20261205-00002",)), ("COMMIT", ())])
    assert texts == ["EXECUTE wy_1(%s)", "COMMIT"]
    assert values == ["430426-20261205-00002"]


def test_the_same_statement_twice_in_one_round_trip_is_prepared_once():
    statements = PreparedStatements()
    texts, values = statements.compose([(CLAIM, ("court_link", "m1")), (CLAIM, ("court_link", "m2"))])
    assert texts == [
        "PREPARE wy_1 AS INSERT INTO inbox (consumer, message_id) VALUES ($1, $2)",
        "EXECUTE wy_1(%s, %s)",
        "EXECUTE wy_1(%s, %s)",
    ]
    assert values == ["court_link", "m1", "court_link", "m2"]


def test_statements_without_values_go_as_they_are_with_a_literal_percent_doubled_when_values_are_quoted_in():
    statements = PreparedStatements()
    assert statements.compose([("SAVEPOINT handler", ()), ("SELECT 'a%b'", ())]) == (
        ["SAVEPOINT handler", "SELECT 'a%b'"],
        [],
    )
    texts, _ = statements.compose([("SELECT 'a%b'", ()), (READ, ("430426-20261205-00001",))])
    assert texts[0] == "SELECT 'a%%b'"


def test_only_statements_postgresql_can_prepare_are_prepared():
    texts, _ = PreparedStatements().compose([("SET LOCAL lock_timeout = %s", ("2s",))])
    assert texts == ["SET LOCAL lock_timeout = %s"]


def test_after_a_failed_round_trip_its_names_are_never_used_again():
    statements = PreparedStatements()
    statements.compose([(CLAIM, ("court_link", "m1"))])
    statements.failed(psycopg.errors.UniqueViolation("duplicate key value violates unique constraint"))

    texts, _ = statements.compose([(CLAIM, ("court_link", "m1"))])
    assert texts[0].startswith("PREPARE wy_2 AS INSERT INTO inbox")  # wy_1 may exist on the server, or not
    statements.sent()
    assert statements.compose([(CLAIM, ("court_link", "m3"))])[0] == ["EXECUTE wy_2(%s, %s)"]


def test_a_statement_postgresql_will_not_prepare_is_sent_as_text_from_then_on(monkeypatch):
    monkeypatch.setattr(prepared, "REFUSED", prepared._Refusals())
    statements = PreparedStatements()
    unpreparable = "SELECT %s + %s AS total"
    statements.compose([(unpreparable, (1, 2))])
    # What PostgreSQL answers a PREPARE whose parameters' types it cannot infer (SQLSTATE 42725).
    statements.failed(psycopg.errors.AmbiguousFunction("operator is not unique: unknown + unknown"))

    assert statements.compose([(unpreparable, (1, 2))])[0] == [unpreparable]
    assert PreparedStatements().compose([(unpreparable, (1, 2))])[0] == [unpreparable]  # every connection


def test_a_failure_of_the_data_does_not_stop_a_statement_being_prepared(monkeypatch):
    monkeypatch.setattr(prepared, "REFUSED", prepared._Refusals())
    statements = PreparedStatements()
    statements.compose([(CLAIM, ("court_link", "m1"))])
    statements.failed(psycopg.errors.UniqueViolation("duplicate key value violates unique constraint"))
    assert statements.compose([(CLAIM, ("court_link", "m1"))])[0][0].startswith("PREPARE ")


@pytest.mark.parametrize("extra", [1, 40])
def test_a_connection_prepares_at_most_so_many_statements_then_sends_the_rest_as_text(extra):
    statements = PreparedStatements()
    for n in range(MAX_PREPARED_PER_CONNECTION):
        statements.compose([(f"SELECT %s AS c{n}", (n,))])
        statements.sent()
    for n in range(extra):
        texts, _ = statements.compose([(f"SELECT %s AS more{n}", (n,))])
        assert texts == [f"SELECT %s AS more{n}"]
    assert statements.compose([("SELECT %s AS c0", (0,))])[0] == ["EXECUTE wy_1(%s)"]
