"""Statements are prepared between transactions and run by name, with the same answers and errors as text."""

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

INSERT = "INSERT INTO prepared_notes (id, note) VALUES (%s, %s)"
READ = "SELECT note FROM prepared_notes WHERE id = %s"


@pytest.fixture(autouse=True)
def no_refusals_yet(monkeypatch):
    monkeypatch.setattr(prepared, "REFUSED", prepared._Refusals())


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
    """The statements prepared on the connection, by what follows its prefix, with the parameter types inferred."""
    rows = conn.execute("SELECT name, parameter_types::text[] AS types FROM pg_prepared_statements").fetchall()
    return {row["name"].split("_", 1)[1]: row["types"] for row in rows}


def test_the_first_round_trip_s_statements_are_prepared_before_it_and_later_ones_before_the_next_transaction(
    one_connection,
):
    factory, conn = one_connection
    with transaction(factory) as tx:
        assert tx.one(READ, (1,)) is None  # the first round trip: prepared before it
        tx.write(INSERT, (1, "首次"))  # with the commit: sent as text this time
    assert prepared_here(conn) == {"1": ["bigint"]}

    with transaction(factory) as tx:
        tx.write(INSERT, (2, "再次"))
        assert tx.one(READ, (2,)) == {"note": "再次"}
    assert prepared_here(conn) == {"1": ["bigint"], "2": ["bigint", "text"]}
    with transaction(factory) as tx:
        tx.write(INSERT, (3, "第三"))
        assert tx.one(READ, (3,)) == {"note": "第三"}
    assert len(prepared_here(conn)) == 2  # nothing prepared again


def test_a_prepare_never_holds_a_value_for_postgresql_to_keep_or_log(one_connection):
    factory, conn = one_connection
    for n in (4, 5):
        with transaction(factory) as tx:
            tx.write(INSERT, (n, "13912345678"))
            assert tx.one(READ, (n,)) == {"note": "13912345678"}
    kept = [row["statement"] for row in conn.execute("SELECT statement FROM pg_prepared_statements")]
    assert kept and all(text.startswith("PREPARE ") and "1391234" not in text for text in kept)


def test_values_of_every_kind_reach_a_prepared_statement_as_they_would_as_text(one_connection):
    factory, _ = one_connection
    at = datetime(2026, 12, 5, 8, 30, tzinfo=UTC)
    ref = uuid.UUID("8c6c35e0-e577-52e8-b01d-cefac8100001")
    insert = "INSERT INTO prepared_notes (id, at, ref, tags, body, note) VALUES (%s, %s, %s, %s, %s, %s)"
    for n in (10, 11, 12):  # as text, then by name
        with transaction(factory) as tx:
            tx.write(insert, (n, at, ref, ["调解", "it's"], Jsonb({"单位": "court:430426"}), None))
            row = tx.one("SELECT at, ref, tags, body, note FROM prepared_notes WHERE id = %s", (n,))
        assert row == {"at": at, "ref": ref, "tags": ["调解", "it's"], "body": {"单位": "court:430426"}, "note": None}


def test_a_statement_prepared_before_a_transaction_rolled_back_still_runs_by_name(one_connection):
    factory, conn = one_connection
    with pytest.raises(RuntimeError), transaction(factory) as tx:
        tx.one(READ, (1,))
        raise RuntimeError("the handler refused")
    assert prepared_here(conn) == {"1": ["bigint"]}
    with transaction(factory) as tx:
        tx.write(INSERT, (6, "回滚之后"))
    with transaction(factory) as tx:
        assert tx.one(READ, (6,)) == {"note": "回滚之后"}


def test_a_failed_round_trip_reports_the_same_error_and_the_connection_goes_on(one_connection):
    factory, _ = one_connection
    returning = INSERT + " RETURNING id"
    for n in (7, 8):  # prepared by the second transaction
        with transaction(factory) as tx:
            assert tx.one(returning, (n, "原件")) == {"id": n}
    with pytest.raises(Conflict), transaction(factory) as tx:
        tx.execute(returning, (7, "重复"))
    with transaction(factory) as tx:
        assert tx.one(returning, (9, "之后")) == {"id": 9}


def test_a_statement_postgresql_cannot_prepare_never_fails_and_runs_as_text(one_connection):
    factory, conn = one_connection
    untyped = "SELECT %s + %s AS total"  # as text, 1 + 2; prepared, unknown + unknown is ambiguous
    for _ in range(3):
        with transaction(factory) as tx:
            assert tx.one(untyped, (1, 2)) == {"total": 3}
    assert prepared_here(conn) == {}
    assert untyped in prepared.REFUSED.texts


def test_statements_the_server_lost_are_prepared_again_after_one_failed_round_trip(one_connection):
    factory, conn = one_connection
    for n in (20, 21):
        with transaction(factory) as tx:
            tx.write(INSERT, (n, "留存"))
    conn.execute("DEALLOCATE ALL")  # as a session reset would
    with pytest.raises(StoreError), transaction(factory) as tx:
        tx.write(INSERT, (22, "丢失"))  # sent with the commit, by a name the server no longer knows
    with transaction(factory) as tx:
        tx.write(INSERT, (22, "重新准备"))
    with transaction(factory) as tx:
        tx.write(INSERT, (23, "按名执行"))
        assert tx.one(READ, (22,)) == {"note": "重新准备"}
    assert len(prepared_here(conn)) == 2  # prepared afresh, under new names


def test_a_plan_the_table_outgrew_fails_one_round_trip_then_is_prepared_again(one_connection):
    """A rolling upgrade adds a column while the service runs: `SELECT *` no longer fits the plan it had."""
    factory, conn = one_connection
    everything = "SELECT * FROM prepared_notes WHERE id = %s"
    with transaction(factory) as tx:
        tx.write(INSERT, (30, "升级前"))
    for _ in range(2):
        with transaction(factory) as tx:
            assert tx.one(everything, (30,))["note"] == "升级前"
    conn.execute("ALTER TABLE prepared_notes ADD COLUMN handled_by text")
    with pytest.raises(StoreError), transaction(factory) as tx:
        tx.one(everything, (30,))
    for _ in range(2):
        with transaction(factory) as tx:
            assert tx.one(everything, (30,))["handled_by"] is None


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
    statements = prepared.PreparedStatements(prepared.Transformer(conn))
    as_text = statements.query([("SET LOCAL x = 1", ()), (sql, values)])
    assert as_text.decode() == "SET LOCAL x = 1; " + psycopg.ClientCursor(conn).mogrify(sql, values)
    for preparation in statements.preparations():
        statements.prepared(preparation)
    by_name = statements.query([(sql, values)]).decode()
    execute = f"EXECUTE {statements.prefix}1(" + ", ".join(["%s"] * len(values)) + ")"
    assert by_name == psycopg.ClientCursor(conn).mogrify(execute, values)


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
