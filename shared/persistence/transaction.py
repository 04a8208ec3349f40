"""A unit of work: one transaction holding a service's state change, its inbox claim and its outgoing messages.

Round trips to PostgreSQL, not the statements themselves, are most of what a handler pays
for: each one wakes the server, switches green threads and opens a span. So writes whose
result nobody reads (`write`, `claim`, `send`) are held back and travel with the next
statement that must be answered, or with the COMMIT: a handler that claims a message,
inserts a row and queues a message makes two round trips (`BEGIN; INSERT …` on the first
read, `INSERT …; INSERT …; COMMIT` at the end) instead of six. Statements keep their order,
so a read still sees every earlier write. Several statements in one request need
client-side parameter binding (psycopg's `ClientCursor`, which quotes values itself).
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import ClientCursor
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus

from shared.contracts.envelope import Envelope
from shared.messaging.routing import address
from shared.persistence.errors import Conflict, StoreError, StoreUnavailable
from shared.persistence.jsonb import jsonb
from shared.registry import AgencyRegistry
from shared.telemetry.propagation import current_trace_headers

INBOX_KEY = "inbox_pkey"


class AlreadyHandled(Exception):
    """The message's inbox claim exists: a redelivery. The transaction is rolled back and the message acknowledged."""


@dataclass(frozen=True)
class Queued:
    """A message a transaction queued, as the relay publishes it once the commit holds."""

    message_id: str
    message_type: str
    case_id: str | None
    exchange: str
    routing_key: str
    body: str  # the JSON text, serialised once for the outbox row and the broker alike
    headers: dict


class UnitOfWork:
    """What a service's store functions receive: run SQL, claim an inbound message, queue an outbound one."""

    def __init__(self, conn: psycopg.Connection, consumer: str, registry: AgencyRegistry | None) -> None:
        self.conn = conn
        self.consumer = consumer
        self.registry = registry
        self.queued: list[Queued] = []
        self._held: list[tuple[str, Sequence[Any]]] = []
        self._begun = False

    # --- statements ----------------------------------------------------------------------

    def write(self, sql: str, params: Sequence[Any] = ()) -> None:
        """A statement whose result is not needed: sent with the next read or the commit."""
        self._held.append((sql, params))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor:
        """Send held writes and `sql` now; the cursor holds `sql`'s result."""
        return self._send([*self._held, (sql, params)])

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict | None:
        return self.execute(sql, params).fetchone()  # type: ignore[return-value]

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict]:
        return self.execute(sql, params).fetchall()  # type: ignore[return-value]

    def _send(self, statements: list[tuple[str, Sequence[Any]]]) -> psycopg.Cursor:
        self._held = []
        if not self._begun:
            statements.insert(0, ("BEGIN", ()))
            self._begun = True
        values = [value for _, params in statements for value in params]
        # With parameters anywhere, a literal % in a statement without any must be doubled.
        query = "; ".join(sql if params or not values else sql.replace("%", "%%") for sql, params in statements)
        # The connection's own factory when it binds client-side: that one is traced.
        traced = issubclass(self.conn.cursor_factory, ClientCursor)
        cursor = self.conn.cursor() if traced else ClientCursor(self.conn)
        try:
            cursor.execute(query, values or None)
        except pg_errors.UniqueViolation as exc:
            if exc.diag.constraint_name == INBOX_KEY:
                raise AlreadyHandled(str(exc.diag.message_detail)) from None
            raise Conflict(str(exc.diag.message_primary)) from exc
        except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected) as exc:
            raise StoreUnavailable(f"concurrent update, retry: {exc.diag.message_primary}") from exc
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc
        except psycopg.Error as exc:
            raise StoreError(str(exc)) from exc
        while cursor.nextset():  # the answer wanted is the last statement's
            pass
        return cursor

    def commit(self) -> None:
        if self._held or self._begun:
            self._send([*self._held, ("COMMIT", ())])

    def rollback(self) -> None:
        self._held = []
        if self.conn.info.transaction_status != TransactionStatus.IDLE:
            self.conn.rollback()

    # --- savepoints (handlers sharing one transaction, see group_commit) ------------------

    def savepoint(self, name: str) -> tuple[int, int]:
        """Open savepoint `name` with the next round trip; returns the mark to roll back to."""
        self.write(f"SAVEPOINT {name}")
        return len(self._held) - 1, len(self.queued)

    def release(self, name: str) -> None:
        """Keep what was done since savepoint `name`, and send it now so that its errors stay its own."""
        self._send([*self._held, (f"RELEASE SAVEPOINT {name}", ())])

    def rollback_to(self, name: str, mark: tuple[int, int]) -> None:
        """Undo everything since savepoint `name`: held writes dropped, messages unqueued."""
        held_at, queued_at = mark
        del self.queued[queued_at:]
        if self._held[held_at : held_at + 1] == [(f"SAVEPOINT {name}", ())]:
            del self._held[held_at:]  # never reached the server
        else:
            self._send([(f"ROLLBACK TO SAVEPOINT {name}", ())])

    # --- messages ------------------------------------------------------------------------

    def claim(self, message: Envelope) -> None:
        """Record that this service handles `message`.

        A redelivered message's claim fails at the next round trip with `AlreadyHandled`,
        which `unit_of_work` turns into a rollback: nothing the handler did is kept.
        """
        self.write(
            "INSERT INTO inbox (consumer, message_id, message_type, case_id) VALUES (%s, %s, %s, %s)",
            (self.consumer, message.message_id, message.type, message.case_id),
        )

    def send(self, message: Envelope) -> None:
        """Queue `message` to be published once this transaction commits."""
        assert self.registry is not None, "a unit of work that sends needs the agency registry"
        exchange, routing_key = address(message, self.registry)
        self.queue(
            Queued(
                message_id=str(message.message_id),
                message_type=message.type,
                case_id=message.case_id,
                exchange=exchange,
                routing_key=routing_key,
                body=message.model_dump_json(),
                headers=current_trace_headers(),
            )
        )

    def queue(self, queued: Queued) -> None:
        """Queue an addressed message in the outbox; `send` is what services call."""
        self.write(
            "INSERT INTO outbox (message_id, message_type, case_id, exchange, routing_key, body, headers)"
            " VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s)",
            (
                queued.message_id,
                queued.message_type,
                queued.case_id,
                queued.exchange,
                queued.routing_key,
                queued.body,
                jsonb(queued.headers),
            ),
        )
        self.queued.append(queued)


@contextmanager
def unit_of_work(
    connection_factory: Any,
    consumer: str,
    registry: AgencyRegistry | None,
    on_commit: Callable[[list[Queued]], None] | None = None,
) -> Iterator[UnitOfWork]:
    """Open a transaction; commit if the block succeeds, roll back if it raises.

    A redelivered message (`AlreadyHandled`) ends the block quietly: rolled back, and the
    handler returns as if it had done its work, so the message is acknowledged. After a
    commit that queued messages, `on_commit` receives them (the relay publishes them at once).
    """
    try:
        with connection_factory() as conn:
            # Transactions are ours to begin (inside the first round trip), not psycopg's.
            conn.autocommit = True
            uow = UnitOfWork(conn, consumer, registry)
            try:
                yield uow
                uow.commit()
            except BaseException:
                uow.rollback()
                raise
    except AlreadyHandled:
        return
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(str(exc)) from exc
    if uow.queued and on_commit is not None:
        on_commit(uow.queued)
