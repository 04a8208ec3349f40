"""Statements are prepared once per connection and run by name, with the same answers and errors as text."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg.types.json import Jsonb

from shared.persistence import prepared
from shared.persistence.errors import Conflict, StoreError
from shared.persistence.transaction import transaction

pytestmark = pytest.mark.integration

READ = "SELECT note FROM prepared_notes WHERE id = %s"


@pytest.fixture
def one_connection(connections) -> Iterator:
    """A connection factory that always hands out the same connection, as a pool with one connection would."""
    conn = connections()
    conn.autocommit = True
    conn.execute(
        "CREATE TEMPORARY TABLE prepared_notes (id bigint PRIMARY KEY, at timestamptz, ref uuid, tags text[],"
        " body jsonb, note text)"
    )

    @contextmanager
    def same() -> Iterator[psycopg.Connection]:
        yield conn

    try:
        yield same, conn
    finally:
        conn.close()


def prepared_here(conn) -> dict[str, list[str]]:
    """The statements prepared on the connection, by name, with the parameter types PostgreSQL inferred."""
    rows = conn.execute("SELECT name, parameter_types::text[] AS types FROM pg_prepared_statements").fetchall()
    return {row["name"]: row["types"] for row in rows}


def test_a_statement_is_prepared_at_its_first_use_and_run_by_name_in_later_transactions(one_connection):
    factory, conn = one_connection
    with transaction(factory) as tx:
        tx.write("INSERT INTO prepared_notes (id, note) VALUES (%s, %s)", (1, "首次"))
        assert tx.one(READ, (1,)) == {"note": "首次"}
    statements = prepared_here(conn)
    assert statements == {"wy_1": ["bigint", "text"], "wy_2": ["bigint"]}

    with transaction(factory) as tx:
        tx.write("INSERT INTO prepared_notes (id, note) VALUES (%s, %s)", (2, "再次"))
        assert tx.one(READ, (2,)) == {"note": "再次"}
    assert prepared_here(conn) == statements  # nothing prepared again


def test_values_of_every_kind_reach_a_prepared_statement_as_they_would_as_text(one_connection):
    factory, _ = one_connection
    at = datetime(2026, 12, 5, 8, 30, tzinfo=UTC)
    ref = uuid.UUID("8c6c35e0-e577-52e8-b01d-cefac8100001")
    insert = "INSERT INTO prepared_notes (id, at, ref, tags, body, note) VALUES (%s, %s, %s, %s, %s, %s)"
    for n in (10, 11):  # the first prepares, the second executes by name
        with transaction(factory) as tx:
            tx.write(insert, (n, at, ref, ["调解", "it's"], Jsonb({"单位": "court:430426"}), None))
            row = tx.one("SELECT at, ref, tags, body, note FROM prepared_notes WHERE id = %s", (n,))
        assert row == {"at": at, "ref": ref, "tags": ["调解", "it's"], "body": {"单位": "court:430426"}, "note": None}


def test_a_statement_prepared_in_a_transaction_rolled_back_still_runs_by_name(one_connection):
    factory, conn = one_connection
    with pytest.raises(RuntimeError), transaction(factory) as tx:
        tx.one(READ, (1,))
        raise RuntimeError("the handler refused")
    assert prepared_here(conn) == {"wy_1": ["bigint"]}

    with transaction(factory) as tx:
        tx.write("INSERT INTO prepared_notes (id, note) VALUES (%s, %s)", (3, "回滚之后"))
        assert tx.one(READ, (3,)) == {"note": "回滚之后"}


def test_a_round_trip_that_prepared_and_failed_gives_the_same_error_and_its_name_is_not_reused(one_connection):
    factory, conn = one_connection
    insert = "INSERT INTO prepared_notes (id, note) VALUES (%s, %s)"
    returning = insert + " RETURNING id"
    with transaction(factory) as tx:
        tx.write(insert, (4, "原件"))
    with pytest.raises(Conflict), transaction(factory) as tx:
        tx.execute(returning, (4, "重复"))  # prepared as wy_2, then its execution fails
    with transaction(factory) as tx:
        assert tx.one(returning, (5, "之后")) == {"id": 5}
    assert prepared_here(conn) == {"wy_1": ["bigint", "text"], "wy_2": ["bigint", "text"], "wy_3": ["bigint", "text"]}


def test_a_statement_postgresql_cannot_prepare_fails_once_then_runs_as_text(one_connection, monkeypatch):
    monkeypatch.setattr(prepared, "REFUSED", prepared._Refusals())
    factory, conn = one_connection
    untyped = "SELECT %s + %s AS total"  # as text, 1 + 2; prepared, unknown + unknown is ambiguous
    with pytest.raises(StoreError), transaction(factory) as tx:
        tx.one(untyped, (1, 2))
    with transaction(factory) as tx:
        assert tx.one(untyped, (1, 2)) == {"total": 3}
    assert prepared_here(conn) == {}


def test_statements_the_server_lost_are_prepared_again_after_one_failed_round_trip(one_connection):
    factory, conn = one_connection
    with transaction(factory) as tx:
        tx.write("INSERT INTO prepared_notes (id, note) VALUES (%s, %s)", (6, "留存"))
    conn.execute("DEALLOCATE ALL")  # as a session reset would
    with pytest.raises(StoreError), transaction(factory) as tx:
        tx.write("INSERT INTO prepared_notes (id, note) VALUES (%s, %s)", (7, "丢失"))  # sent with the commit
    with transaction(factory) as tx:
        tx.write("INSERT INTO prepared_notes (id, note) VALUES (%s, %s)", (7, "重新准备"))
        assert tx.one(READ, (7,)) == {"note": "重新准备"}
    assert prepared_here(conn) == {"wy_2": ["bigint", "text"], "wy_3": ["bigint"]}


def test_values_are_quoted_in_exactly_as_psycopg_quotes_them(one_connection):
    _, conn = one_connection
    values = [
        "it's \\ 调解",
        -5,
        2**40,
        True,
        None,
        1.5,
        uuid.UUID("8c6c35e0-e577-52e8-b01d-cefac8100001"),
        datetime(2026, 12, 5, 8, 30, tzinfo=UTC),
        ["调解", "it's"],
        Jsonb({"单位": "court:430426", "note": "50%"}),
    ]
    sql = "SELECT " + ", ".join(["%s"] * len(values)) + " WHERE 'a' LIKE 'a%%'"
    query = prepared.PreparedStatements(prepared.Transformer(conn)).query([("SET LOCAL x = 1", ()), (sql, values)])
    # A SELECT is prepared; the EXECUTE it becomes carries the values exactly as a ClientCursor renders them.
    expected = psycopg.ClientCursor(conn).mogrify("EXECUTE wy_1(" + ", ".join(["%s"] * len(values)) + ")", values)
    assert query.decode().endswith("; " + expected)
    assert query.decode().startswith("SET LOCAL x = 1; PREPARE wy_1 AS SELECT $1, $2")
    assert query.decode().split("; ")[1].endswith("WHERE 'a' LIKE 'a%'")


@pytest.mark.parametrize(
    ("sql", "values"),
    [
        ("SELECT note FROM prepared_notes WHERE note LIKE 'a%' AND id = %s", (1,)),  # an unescaped %
        ("SET LOCAL lock_timeout = %s", ("1s", "2s")),  # a value without its placeholder
    ],
)
def test_a_statement_whose_placeholders_and_values_disagree_is_refused_before_it_is_sent(one_connection, sql, values):
    _, conn = one_connection
    statements = [("SELECT 1", ()), ("SET LOCAL statement_timeout = %s", ("5s",)), (sql, values)]
    with pytest.raises(psycopg.ProgrammingError):
        prepared.PreparedStatements(prepared.Transformer(conn)).query(statements)


def test_a_plan_the_table_outgrew_fails_one_round_trip_then_is_prepared_again(one_connection):
    """A rolling upgrade adds a column while the service runs: `SELECT *` no longer fits the plan it had."""
    factory, conn = one_connection
    everything = "SELECT * FROM prepared_notes WHERE id = %s"
    with transaction(factory) as tx:
        tx.write("INSERT INTO prepared_notes (id, note) VALUES (%s, %s)", (8, "升级前"))
        assert tx.one(everything, (8,))["note"] == "升级前"
    conn.execute("ALTER TABLE prepared_notes ADD COLUMN handled_by text")
    with pytest.raises(StoreError), transaction(factory) as tx:
        tx.one(everything, (8,))
    with transaction(factory) as tx:
        assert tx.one(everything, (8,))["handled_by"] is None
