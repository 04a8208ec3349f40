"""One transaction on one connection, with writes held back so that a handler makes few round trips.

Round trips to PostgreSQL, not the statements themselves, are most of what a handler pays
for: each one wakes the server, switches green threads and opens a span. So writes whose
result nobody reads are held back and travel with the next statement that must be
answered, or with the COMMIT: a handler that claims a message, inserts a row and queues a
message makes two round trips (`BEGIN; INSERT …` on the first read, `INSERT …; INSERT …;
COMMIT` at the end) instead of six. Statements keep their order, so a read still sees every
earlier write. Several statements in one request need client-side parameter binding
(the values quoted in as psycopg's `ClientCursor` would); each statement with values is
prepared once per connection, between two of its transactions, and travels as
`EXECUTE name(values)` after (shared.persistence.prepared), so the server does not plan it again.

Round trips are traced here (shared.telemetry.round_trips) rather than by wrapping every
cursor: a generic DB-API wrapper cost a service more than the statements' own binding.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from psycopg import ClientCursor
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow

from shared.delivery import outbox
from shared.delivery.inbox import CLAIM, INBOX_KEY, AlreadyHandled
from shared.delivery.outbox import Queued
from shared.persistence.errors import Busy, Conflict, InvalidValue, StoreDown, StoreError, StoreUnavailable
from shared.persistence.prepared import PreparedStatements, prepared_on
from shared.telemetry import round_trips

Connection = psycopg.Connection[DictRow]
ConnectionFactory = Callable[[], AbstractContextManager[Connection]]
OnCommit = Callable[[list[Queued]], None]
Row = dict[str, Any]


class Transaction:
    """Statements in one transaction, and the outbox messages it queued (published once it commits)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.queued: list[Queued] = []
        # The message ids whose inbox claim found one already there: redeliveries, or ids another message took.
        self.claimed_before: set[Any] = set()
        self._held: list[tuple[str, Sequence[Any]]] = []
        self._begun = False

    # --- statements ----------------------------------------------------------------------

    def write(self, sql: str, params: Sequence[Any] = ()) -> None:
        """A statement whose result is not needed: sent with the next read or the commit."""
        self._held.append((sql, params))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[DictRow]:
        """Send held writes and `sql` now; the cursor holds `sql`'s result."""
        return self._send([*self._held, (sql, params)])

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.execute(sql, params).fetchall()

    def _send(self, statements: list[tuple[str, Sequence[Any]]]) -> psycopg.Cursor[DictRow]:
        prepared = prepared_on(self.conn)
        if not self._begun:
            self._prepare(prepared, statements)  # between transactions: a failed PREPARE costs no transaction
            statements.insert(0, ("BEGIN", ()))
        # A value refused while quoting it in (NUL, a lone surrogate) fails before anything is sent: the
        # transaction stays as it was, held writes and savepoint too, so a handler's rollback finds them.
        query = _quoted(prepared, statements)
        self._begun = True
        self._held = []
        cursor = ClientCursor(self.conn)
        began = round_trips.started()
        try:
            cursor.execute(query)
        except psycopg.Error as exc:
            prepared.failed(exc)
            error = store_error(exc)
            redelivered = isinstance(error, AlreadyHandled)  # no failure: no driver error behind it
            if redelivered:
                self.claimed_before.update(params[1] for sql, params in statements if sql == CLAIM)
            round_trips.traced(statements, began, None if redelivered else exc)
            # A refused value's error may quote it (a person's data): the code in InvalidValue is enough to log.
            raise error from (None if redelivered or isinstance(error, InvalidValue) else exc)
        round_trips.traced(statements, began)
        while cursor.nextset():  # the answer wanted is the last statement's
            pass
        return cursor

    def _prepare(self, prepared: PreparedStatements, statements: list[tuple[str, Sequence[Any]]]) -> None:
        """Prepare, one round trip each, what this connection is to run by name from this transaction on."""
        if self.conn.info.transaction_status != TransactionStatus.IDLE:
            return  # only ever between transactions
        for preparation in prepared.preparations(statements):
            began = round_trips.started()
            try:
                ClientCursor(self.conn).execute(preparation.text)
            except psycopg.OperationalError as exc:  # the connection is gone: so is the transaction to come
                round_trips.traced([(preparation.text, ())], began, exc, counted=False)
                raise store_error(exc) from exc
            except psycopg.Error as exc:
                prepared.not_prepared(preparation, exc)
                round_trips.traced([(preparation.text, ())], began, exc, counted=False)
                continue
            prepared.prepared(preparation)
            round_trips.traced([(preparation.text, ())], began, counted=False)

    def commit(self) -> None:
        if self._held or self._begun:
            self._send([*self._held, ("COMMIT", ())])

    def rollback(self) -> None:
        self._held = []
        if self.conn.info.transaction_status != TransactionStatus.IDLE:
            self.conn.rollback()

    def queue(self, queued: Queued) -> None:
        """Write the message's outbox row; once this transaction commits, the relay publishes it."""
        outbox.insert(self, queued)
        self.queued.append(queued)

    # --- savepoints (handlers sharing one transaction, see group_commit) ------------------

    def savepoint(self, name: str) -> tuple[int, int]:
        """Open savepoint `name` with the next round trip; returns the mark to roll back to."""
        self.write(f"SAVEPOINT {name}")
        return len(self._held) - 1, len(self.queued)

    def release(self, name: str) -> None:
        """Keep what was done since savepoint `name`, and send it now so that its errors stay its own."""
        self._send([*self._held, (f"RELEASE SAVEPOINT {name}", ())])

    def release_and_commit(self, name: str) -> None:
        """Keep what was done since savepoint `name` and commit, in one round trip (its errors are its own)."""
        self._send([*self._held, (f"RELEASE SAVEPOINT {name}", ()), ("COMMIT", ())])

    def rollback_to(self, name: str, mark: tuple[int, int]) -> None:
        """Undo everything since savepoint `name`: held writes dropped, messages unqueued."""
        held_at, queued_at = mark
        del self.queued[queued_at:]
        if self._held[held_at : held_at + 1] == [(f"SAVEPOINT {name}", ())]:
            del self._held[held_at:]  # never reached the server
        else:
            # Released too, so that the next handler's savepoint of the same name is not nested in it.
            self._send([(f"ROLLBACK TO SAVEPOINT {name}", ()), (f"RELEASE SAVEPOINT {name}", ())])


def _quoted(prepared: PreparedStatements, statements: list[tuple[str, Sequence[Any]]]) -> bytes:
    """The round trip's text with its values quoted in; psycopg's refusals of them as our errors (store_error's)."""
    try:
        return prepared.query(statements)
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 for it, so PostgreSQL could never be sent it
        raise InvalidValue("the database refused a value (before sending: text that is not valid Unicode)") from None
    except psycopg.DataError as exc:  # NUL in text
        raise store_error(exc) from None
    except psycopg.Error as exc:  # placeholders and values that disagree, a value of no SQL type: a bug of ours
        raise store_error(exc) from exc


def store_error(exc: psycopg.Error) -> Exception:
    """The driver's error as one of ours (shared.persistence.errors), or AlreadyHandled for a redelivery."""
    if isinstance(exc, psycopg.DataError):  # SQLSTATE class 22, or refused by psycopg before sending
        # The input's fault, not an outage: a 400 over HTTP, and a message retried only for its attempts.
        where = exc.sqlstate or "before sending"
        return InvalidValue(f"the database refused a value ({where}: {type(exc).__name__})")
    if isinstance(exc, pg_errors.UniqueViolation):
        if exc.diag.constraint_name == INBOX_KEY:
            return AlreadyHandled(str(exc.diag.message_detail))
        return Conflict(str(exc.diag.message_primary))
    if isinstance(exc, pg_errors.LockNotAvailable):  # a lock_timeout the transaction set for itself
        return Busy(str(exc.diag.message_primary))
    if isinstance(exc, pg_errors.SerializationFailure | pg_errors.DeadlockDetected):
        return StoreUnavailable(f"concurrent update, retry: {exc.diag.message_primary}")
    if isinstance(exc, pg_errors.QueryCanceled):  # a statement over its time: perhaps this message's own doing
        return StoreUnavailable(str(exc))
    if isinstance(exc, psycopg.OperationalError):
        return StoreDown(str(exc))
    return StoreError(str(exc))


@contextmanager
def transaction(connection_factory: ConnectionFactory, on_commit: OnCommit | None = None) -> Iterator[Transaction]:
    """Open a transaction; commit if the block succeeds, roll back if it raises.

    A redelivered message (`AlreadyHandled`) ends the block quietly: rolled back, and the
    handler returns as if it had done its work, so the message is acknowledged. After a
    commit that queued messages, `on_commit` receives them (the relay publishes them at once).
    """
    try:
        with connection_factory() as conn:
            # Transactions are ours to begin (inside the first round trip), not psycopg's.
            conn.autocommit = True
            tx = Transaction(conn)
            try:
                yield tx
                tx.commit()
            except BaseException:
                tx.rollback()
                raise
    except AlreadyHandled:
        return
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(str(exc)) from exc
    if tx.queued and on_commit is not None:
        on_commit(tx.queued)
