"""Statements prepared once per connection and run by name, inside the multi-statement round trips.

A transaction sends its statements several to a round trip, as one text with the values
quoted in (see transaction). PostgreSQL then parses, analyses and plans every statement of
every round trip afresh, which was a third of a backend's CPU for the platform's short
statements. So each statement with parameters is prepared on a connection (`PREPARE wy…_7
AS … $1 …`) and sent as `EXECUTE wy…_7(…)` from then on: the server plans it once and keeps
the plan, and the text the client quotes values into is shorter.

A statement is prepared only between two transactions of its connection, in a round trip of
its own, before the first round trip of the next transaction: one first met later in a
transaction goes as text this time, and is prepared before the connection's next
transaction. So a PREPARE never aborts a transaction, and when PostgreSQL will not prepare a
statement (a parameter whose type it cannot infer where a quoted value would have done),
nothing fails: it is logged and the statement is sent as text from then on. And a PREPARE
carries no values: PostgreSQL keeps the text that prepared a statement for the session's life
and repeats it beside every logged execution, so it must never hold a person's phone or ID
number.

Names are never reused on a connection, and start with a prefix drawn for each connection, so
an EXECUTE that reached another session (through a pooling proxy, which the platform does not
support) fails instead of running someone else's statement. After an error that a stale
statement could cause (the server lost it, or a migration changed its table under it), the
connection prepares everything afresh, under new names.
"""

import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog
from psycopg import abc
from psycopg.adapt import Transformer

log = structlog.get_logger(__name__)

# Names a connection may use, forgotten ones included: statements built from a varying number of
# values (one text per count) stop being prepared there, rather than filling the backend's memory.
MAX_PREPARED_PER_CONNECTION = 256
# PREPAREs a statement may fail on one connection (a table a migration has not made yet, say) before
# that connection stops trying.
MAX_ATTEMPTS = 3
# Only these can be prepared; the rest (BEGIN, SAVEPOINT, SET …) go as they are.
PREPARABLE = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES"})
# What a PREPARE fails with when it cannot type a parameter that a quoted value would have typed: the
# statement is then sent as text in this process.
CANNOT_TYPE = frozenset({"42P18", "42P08", "42725", "42883", "42804", "42846"})
# What a statement prepared earlier can raise once it no longer fits: lost (26000), a plan that must not
# change its result (0A000), parameter types its table's changed columns no longer take (class 42, and a
# value too large for the narrower type it was prepared with: 22003, 22001). Not the rest of class 22,
# which bad input raises: that must not make a connection prepare everything again.
STALE_CLASSES = ("26", "0A", "42")
STALE_CODES = frozenset({"22003", "22001"})
_PLACEHOLDER = re.compile(r"%%|%s")
_STRAY_PERCENT = re.compile(rb"%(?!s)")  # once the %% escapes are out, any % but a placeholder

Statement = tuple[str, Sequence[Any]]


def numbered(sql: str, count: int) -> str | None:
    """`sql` with its `%s` placeholders as `$1 … $n` and its `%%` as `%` (a PREPARE carries no values to
    quote in), or None if it does not hold exactly `count` placeholders."""
    found = 0

    def number(match: re.Match[str]) -> str:
        nonlocal found
        if match.group() == "%%":
            return "%"
        found += 1
        return f"${found}"

    text = _PLACEHOLDER.sub(number, sql)
    return text if found == count else None


def _sqlstate(error: BaseException) -> str:
    sqlstate = getattr(error, "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) else ""


class _Refusals:
    """Statement texts PostgreSQL would not prepare in this process: sent as text from then on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.texts: set[str] = set()

    def add(self, sql: str, error: BaseException) -> None:
        with self.lock:
            if sql not in self.texts:
                self.texts.add(sql)
                log.warning(
                    "statement_not_prepared",
                    statement=sql[:200],
                    error=type(error).__name__,
                    reason="PostgreSQL would not prepare it; it is sent as text from now on",
                )


REFUSED = _Refusals()


@dataclass(frozen=True)
class Preparation:
    """A statement to prepare, alone and without values, before the next transaction's first round trip."""

    sql: str
    text: str  # PREPARE …
    execute: str  # what the statement is sent as once prepared, its values still to quote in


class PreparedStatements:
    """The statements one connection has prepared, by text (as the EXECUTE each is sent as), and those
    it sent as text that wait to be prepared."""

    def __init__(self, literals: abc.Transformer | None = None) -> None:
        self.executes: dict[str, str] = {}
        self.wanted: dict[str, int] = {}  # statement text: its number of values
        self.attempts: dict[str, int] = {}
        self.used = 0
        self.prefix = f"wy{secrets.token_hex(4)}_"
        # One quoting context for the connection's life: psycopg makes a new one (and new dumpers for every
        # type of value) for each query a cursor sends, which was most of the cost of quoting values in.
        self._literals = literals

    # --- before a transaction -------------------------------------------------------------

    def preparations(self, statements: Sequence[Statement] = ()) -> list[Preparation]:
        """What to prepare before a transaction begins: the statements sent as text since the last time, and
        those of its first round trip (`statements`) not prepared yet."""
        for sql, params in statements:
            if params and sql not in self.executes:
                self._want(sql, len(params))
        wanted, self.wanted = self.wanted, {}
        preparations = []
        for sql, count in wanted.items():
            body = numbered(sql, count)
            if body is None or self.used >= MAX_PREPARED_PER_CONNECTION:
                continue
            self.used += 1
            name = f"{self.prefix}{self.used}"
            execute = f"EXECUTE {name}({', '.join(['%s'] * count)})"
            preparations.append(Preparation(sql, f"PREPARE {name} AS {body}", execute))
        return preparations

    def prepared(self, preparation: Preparation) -> None:
        """Its PREPARE succeeded: the statement is sent as its EXECUTE from now on."""
        self.executes[preparation.sql] = preparation.execute

    def not_prepared(self, preparation: Preparation, error: BaseException) -> None:
        """Its PREPARE failed: its name is not used again, and the statement goes as text meanwhile."""
        self.attempts[preparation.sql] = self.attempts.get(preparation.sql, 0) + 1
        if _sqlstate(error) in CANNOT_TYPE:
            REFUSED.add(preparation.sql, error)

    def _want(self, sql: str, count: int) -> None:
        if sql in self.wanted or sql in REFUSED.texts or self.attempts.get(sql, 0) >= MAX_ATTEMPTS:
            return
        if self.used < MAX_PREPARED_PER_CONNECTION and sql.lstrip().split(None, 1)[0].upper() in PREPARABLE:
            self.wanted[sql] = count

    # --- a round trip ---------------------------------------------------------------------

    def compose(self, statements: Sequence[Statement]) -> tuple[list[str], list[Any]]:
        """The texts to send for `statements` (each prepared one as its EXECUTE), ready to be joined and quoted
        into, and their values in order. One not prepared yet goes as text, and is prepared before the next
        transaction."""
        texts: list[str] = []
        values: list[Any] = []
        quoting = any(params for _, params in statements)
        for sql, params in statements:
            if not params:  # sent as it is; with values to quote in, a literal % must be doubled
                texts.append(sql.replace("%", "%%") if quoting else sql)
                continue
            values.extend(params)
            execute = self.executes.get(sql)
            if execute is None:
                self._want(sql, len(params))
            texts.append(execute or sql)
        return texts, values

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

    def failed(self, error: BaseException) -> None:
        """A round trip failed: if a prepared statement may no longer fit, every one is prepared afresh."""
        sqlstate = _sqlstate(error)
        if sqlstate.startswith(STALE_CLASSES) or sqlstate in STALE_CODES:
            self.executes.clear()


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
