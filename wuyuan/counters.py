"""A service's numbering counters moved forward after its database was restored to an earlier point."""

from typing import Any

import psycopg
from psycopg import sql

# Only ever forward: a counter already past the number given keeps its own.
_MOVE_FORWARD = """
INSERT INTO {table} ({keys}, last) VALUES ({values}, %s)
ON CONFLICT ({keys}) DO UPDATE SET last = excluded.last WHERE {table}.last < excluded.last
RETURNING last
"""


def move_forward(conn: psycopg.Connection[Any], table: str, key: dict[str, object], last: int) -> bool:
    """Set the counter `key` of `table` (columns `*key`, `last`) to at least `last`; True when it moved."""
    statement = sql.SQL(_MOVE_FORWARD).format(
        table=sql.Identifier(table),
        keys=sql.SQL(", ").join(sql.Identifier(column) for column in key),
        values=sql.SQL(", ").join(sql.Placeholder() for _ in key),
    )
    return conn.execute(statement, (*key.values(), last)).fetchone() is not None
