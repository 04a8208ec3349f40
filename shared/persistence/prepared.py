"""Statements prepared once per connection and run by name, inside the multi-statement round trips.

A transaction sends its statements several to a round trip, as one text with the values
quoted in (see transaction). PostgreSQL then parses, analyses and plans every statement of
every round trip afresh, which was a third of a backend's CPU for the platform's short
statements. So each statement with parameters is prepared on a connection the first time
that connection sends it (`PREPARE wy_7 AS … $1 …`, in the same round trip), and sent as
`EXECUTE wy_7(…)` from then on: the server plans it once and keeps the plan, and the text
the client quotes values into is shorter.

A prepared statement outlives the transaction that made it, even one rolled back. When a
round trip that carried a PREPARE fails, which of its statements ran is unknown: its names
are forgotten here and never used again on that connection (a fresh name is prepared on the
next use), so a name is never prepared twice; if the server has lost them (a DEALLOCATE ALL)
or a plan no longer fits its table, they are all prepared again. A statement PostgreSQL will not prepare (it
cannot infer a parameter's type where a quoted value would have done) fails its round trip
once; it is logged and sent as text from then on, so a retry succeeds.
"""

import re
import threading
from collections.abc import Sequence
from typing import Any

import psycopg
import structlog
from psycopg import abc
from psycopg.adapt import Transformer

log = structlog.get_logger(__name__)

# Names a connection may use, forgotten ones included: statements built from a varying number of
# values (one text per count) stop being prepared there, rather than filling the backend's memory.
MAX_PREPARED_PER_CONNECTION = 256
# Only these can be prepared; the rest (BEGIN, SAVEPOINT, SET …) go as they are.
PREPARABLE = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES"})
_PLACEHOLDER = re.compile(r"%%|%s")
_STRAY_PERCENT = re.compile(rb"%(?!s)")  # once the %% escapes are out, any % but a placeholder
# What a prepared statement fails with once the server no longer has it as prepared: "prepared statement …
# does not exist" (a DEALLOCATE ALL), or "cached plan must not change result type" (a `SELECT *` whose table
# gained a column while the service ran, in a rolling upgrade). Either way they are all prepared afresh.
STALE_STATEMENTS = frozenset({"26000", "0A000"})

Statement = tuple[str, Sequence[Any]]


def numbered(sql: str, count: int) -> str | None:
    """`sql` with its `%s` placeholders as `$1 … $n` (`%%` kept for the quoting that follows), or None if
    it does not hold exactly `count` of them."""
    found = 0

    def number(match: re.Match[str]) -> str:
        nonlocal found
        if match.group() == "%%":
            return "%%"
        found += 1
        return f"${found}"

    text = _PLACEHOLDER.sub(number, sql)
    return text if found == count else None


class _Refusals:
    """Statement texts PostgreSQL would not prepare in this process: sent as text from then on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.texts: set[str] = set()

    def add(self, texts: Sequence[str], error: BaseException) -> None:
        with self.lock:
            for sql in texts:
                if sql not in self.texts:
                    self.texts.add(sql)
                    log.warning(
                        "statement_not_prepared",
                        statement=sql[:200],
                        error=type(error).__name__,
                        reason="PostgreSQL would not prepare it; it is sent as text from now on",
                    )


REFUSED = _Refusals()


def refused_to_prepare(error: BaseException) -> bool:
    """An error of the statements' text (SQLSTATE class 42: types, syntax, names) rather than of their data
    or the connection: what a PREPARE that cannot infer a parameter's type fails with."""
    sqlstate = getattr(error, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith("42")


class PreparedStatements:
    """The statements one connection has prepared, by text, and those its current round trip prepares."""

    def __init__(self, literals: abc.Transformer | None = None) -> None:
        # By statement text, the EXECUTE it is sent as; the same for what the current round trip prepares.
        self.executes: dict[str, str] = {}
        self.used = 0
        self.pending: dict[str, str] = {}
        # One quoting context for the connection's life: psycopg makes a new one (and new dumpers for every
        # type of value) for each query a cursor sends, which was most of the cost of quoting values in.
        self._literals = literals

    def query(self, statements: Sequence[Statement]) -> bytes:
        """The round trip's text: `statements` composed, their values quoted in as SQL literals."""
        texts, values = self.compose(statements)
        assert self._literals is not None, "a connection's prepared statements quote with its own context"
        template = "; ".join(texts).encode(self._literals.encoding)
        if not values:
            return template
        if _STRAY_PERCENT.search(template.replace(b"%%", b"")):
            raise psycopg.ProgrammingError(f"only %s placeholders and %% are allowed: {template[:200]!r}")
        literal = self._literals.as_literal
        try:
            return template % tuple(b"NULL" if value is None else literal(value) for value in values)
        except TypeError as error:  # as many placeholders as values, or psycopg's own error
            raise psycopg.ProgrammingError(f"{error}: {len(values)} values for {template[:200]!r}") from None

    def compose(self, statements: Sequence[Statement]) -> tuple[list[str], list[Any]]:
        """The texts to send for `statements` (each prepared one as EXECUTE, preceded by its PREPARE the first
        time), ready to be joined and quoted into, and their values in order."""
        texts: list[str] = []
        values: list[Any] = []
        quoting = any(params for _, params in statements)
        for sql, params in statements:
            if not params:  # sent as it is; with values to quote in, a literal % must be doubled
                texts.append(sql.replace("%", "%%") if quoting else sql)
                continue
            values.extend(params)
            texts.append(self.executes.get(sql) or self._prepare(sql, len(params), texts) or sql)
        return texts, values

    def _prepare(self, sql: str, count: int, texts: list[str]) -> str | None:
        if sql in self.pending:  # twice in one round trip: prepared by its first occurrence
            return self.pending[sql]
        if self.used >= MAX_PREPARED_PER_CONNECTION or sql in REFUSED.texts:
            return None
        if sql.lstrip().split(None, 1)[0].upper() not in PREPARABLE:
            return None
        body = numbered(sql, count)
        if body is None:
            return None  # sent as it is, for `query` to report the mismatch
        self.used += 1
        name = f"wy_{self.used}"
        texts.append(f"PREPARE {name} AS {body}")
        execute = self.pending[sql] = f"EXECUTE {name}({', '.join(['%s'] * count)})"
        return execute

    def sent(self) -> None:
        """The round trip succeeded: what it prepared is there to be executed."""
        if self.pending:
            self.executes.update(self.pending)
            self.pending = {}

    def failed(self, error: BaseException) -> None:
        """The round trip failed: what it may have prepared is forgotten, its names never reused."""
        if self.pending and refused_to_prepare(error):
            REFUSED.add(list(self.pending), error)
        self.pending = {}
        if getattr(error, "sqlstate", None) in STALE_STATEMENTS:
            self.executes.clear()  # prepared afresh at their next use, under new names


# Kept on the connection itself: it holds the connection (its quoting follows the connection's encoding),
# and a weak mapping from connections to it would then never let one go.
_ATTRIBUTE = "_wuyuan_prepared_statements"


def prepared_on(connection: psycopg.Connection[Any]) -> PreparedStatements:
    """The prepared statements of `connection` (a connection is used by one transaction at a time)."""
    found: PreparedStatements | None = getattr(connection, _ATTRIBUTE, None)
    if found is None:
        found = PreparedStatements(Transformer(connection))
        setattr(connection, _ATTRIBUTE, found)
    return found
