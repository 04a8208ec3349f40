"""Which statements a connection prepares, when, and what each round trip's text becomes."""

import psycopg
import pytest

from shared.persistence import prepared
from shared.persistence.prepared import MAX_ATTEMPTS, MAX_PREPARED_PER_CONNECTION, PreparedStatements, numbered

CLAIM = "INSERT INTO inbox (consumer, message_id) VALUES (%s, %s)"
READ = "SELECT state FROM cases WHERE case_id = %s FOR UPDATE"


@pytest.fixture(autouse=True)
def no_refusals_yet(monkeypatch):
    monkeypatch.setattr(prepared, "REFUSED", prepared._Refusals())


def prepare_all(statements: PreparedStatements, first_round_trip=()) -> list[prepared.Preparation]:
    """As a transaction's start does when every PREPARE succeeds."""
    preparations = statements.preparations(first_round_trip)
    for preparation in preparations:
        statements.prepared(preparation)
    return preparations


def test_placeholders_are_numbered_and_a_literal_percent_is_unescaped_for_a_prepare_that_carries_no_values():
    assert numbered("SELECT * FROM t WHERE a = %s AND b LIKE 'x%%' AND c = %s", 2) == (
        "SELECT * FROM t WHERE a = $1 AND b LIKE 'x%' AND c = $2"
    )
    assert numbered("SELECT %s, %s", 1) is None


def test_the_first_round_trip_s_statements_are_prepared_before_it_and_executed_by_name():
    statements = PreparedStatements()
    preparations = prepare_all(statements, [(READ, ("430426-20261205-00001",))])
    name = f"{statements.prefix}1"
    assert [p.text for p in preparations] == [
        f"PREPARE {name} AS SELECT state FROM cases WHERE case_id = $1 FOR UPDATE"
    ]
    texts, values = statements.compose([("BEGIN", ()), (READ, ("430426-20261205-00001",))])
    assert texts == ["BEGIN", f"EXECUTE {name}(%s)"]
    assert values == ["430426-20261205-00001"]


def test_a_statement_first_met_later_in_a_transaction_goes_as_text_and_is_prepared_before_the_next():
    statements = PreparedStatements()
    texts, values = statements.compose([(CLAIM, ("court_link", "m1")), ("COMMIT", ())])
    assert texts == [CLAIM, "COMMIT"] and values == ["court_link", "m1"]

    (preparation,) = prepare_all(statements)
    assert preparation.text == (
        f"PREPARE {statements.prefix}1 AS INSERT INTO inbox (consumer, message_id) VALUES ($1, $2)"
    )
    assert statements.compose([(CLAIM, ("court_link", "m2"))])[0] == [f"EXECUTE {statements.prefix}1(%s, %s)"]


def test_the_same_statement_twice_is_prepared_once():
    statements = PreparedStatements()
    statements.compose([(CLAIM, ("court_link", "m1")), (CLAIM, ("court_link", "m2"))])
    assert len(prepare_all(statements, [(CLAIM, ("court_link", "m3"))])) == 1


def test_statements_without_values_go_as_they_are_with_a_literal_percent_doubled_when_values_are_quoted_in():
    statements = PreparedStatements()
    assert statements.compose([("SAVEPOINT handler", ()), ("SELECT 'a%b'", ())]) == (
        ["SAVEPOINT handler", "SELECT 'a%b'"],
        [],
    )
    texts, _ = statements.compose([("SELECT 'a%b'", ()), (READ, ("430426-20261205-00001",))])
    assert texts[0] == "SELECT 'a%%b'"
    assert statements.preparations() and not statements.preparations()  # wanted once, then handed over


def test_only_statements_postgresql_can_prepare_are_prepared():
    statements = PreparedStatements()
    assert statements.compose([("SET LOCAL lock_timeout = %s", ("2s",))])[0] == ["SET LOCAL lock_timeout = %s"]
    assert statements.preparations() == []


def test_a_statement_postgresql_cannot_type_is_sent_as_text_from_then_on_on_every_connection():
    statements = PreparedStatements()
    untyped = "SELECT %s + %s AS total"
    (preparation,) = statements.preparations([(untyped, (1, 2))])
    statements.not_prepared(preparation, psycopg.errors.AmbiguousFunction("operator is not unique"))

    assert statements.compose([(untyped, (1, 2))])[0] == [untyped]
    assert statements.preparations([(untyped, (1, 2))]) == []
    assert PreparedStatements().preparations([(untyped, (1, 2))]) == []


def test_a_prepare_that_failed_otherwise_is_tried_again_a_few_times_under_new_names():
    statements = PreparedStatements()
    names = []
    for _ in range(MAX_ATTEMPTS):
        (preparation,) = statements.preparations([(CLAIM, ("court_link", "m1"))])
        names.append(preparation.text.split()[1])
        statements.not_prepared(preparation, psycopg.errors.UndefinedTable('relation "inbox" does not exist'))
    assert len(set(names)) == MAX_ATTEMPTS  # a name is never used twice
    assert statements.preparations([(CLAIM, ("court_link", "m1"))]) == []  # this connection stops trying
    assert PreparedStatements().preparations([(CLAIM, ("court_link", "m1"))])  # another still tries


def test_after_an_error_a_stale_statement_could_cause_everything_is_prepared_afresh_under_new_names():
    statements = PreparedStatements()
    prepare_all(statements, [(READ, ("x",))])
    statements.failed(psycopg.errors.UniqueViolation("duplicate key"))  # the data's fault: nothing stale
    assert statements.compose([(READ, ("x",))])[0] == [f"EXECUTE {statements.prefix}1(%s)"]

    statements.failed(psycopg.errors.InvalidSqlStatementName("prepared statement does not exist"))
    assert statements.compose([(READ, ("x",))])[0] == [READ]
    (preparation,) = prepare_all(statements)
    assert preparation.execute == f"EXECUTE {statements.prefix}2(%s)"


def test_each_connection_draws_its_own_prefix_for_names():
    assert PreparedStatements().prefix != PreparedStatements().prefix


@pytest.mark.parametrize("extra", [1, 40])
def test_a_connection_prepares_at_most_so_many_statements_then_sends_the_rest_as_text(extra):
    statements = PreparedStatements()
    prepare_all(statements, [(f"SELECT %s AS c{n}", (n,)) for n in range(MAX_PREPARED_PER_CONNECTION)])
    for n in range(extra):
        assert statements.compose([(f"SELECT %s AS more{n}", (n,))])[0] == [f"SELECT %s AS more{n}"]
    assert statements.preparations() == []
    assert statements.compose([("SELECT %s AS c0", (0,))])[0] == [f"EXECUTE {statements.prefix}1(%s)"]


def test_bad_input_does_not_make_a_connection_prepare_everything_again():
    statements = PreparedStatements()
    prepare_all(statements, [(READ, ("x",))])
    statements.failed(psycopg.errors.InvalidTextRepresentation('invalid input syntax for type uuid: "x"'))
    assert statements.compose([(READ, ("x",))])[0] == [f"EXECUTE {statements.prefix}1(%s)"]
    statements.failed(psycopg.errors.NumericValueOutOfRange("integer out of range"))  # a column widened since
    assert statements.compose([(READ, ("x",))])[0] == [READ]
