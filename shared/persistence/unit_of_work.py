"""A unit of work: one transaction holding a service's state change, its inbox claim and its outgoing messages."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from shared.contracts.envelope import Envelope
from shared.messaging.routing import address
from shared.persistence.errors import Conflict, StoreError, StoreUnavailable
from shared.persistence.jsonb import jsonb
from shared.registry import AgencyRegistry
from shared.telemetry.propagation import current_trace_headers


class UnitOfWork:
    """What a service's store functions receive: run SQL, claim an inbound message, queue an outbound one."""

    def __init__(self, conn: psycopg.Connection, consumer: str, registry: AgencyRegistry) -> None:
        self.conn = conn
        self.consumer = consumer
        self.registry = registry
        self.sent: list[Envelope] = []

    def execute(self, sql: str, params: Any = None) -> psycopg.Cursor:
        try:
            return self.conn.execute(sql, params)  # type: ignore[arg-type]
        except pg_errors.UniqueViolation as exc:
            raise Conflict(str(exc.diag.message_primary)) from exc
        except (pg_errors.SerializationFailure, pg_errors.DeadlockDetected) as exc:
            raise StoreUnavailable(f"concurrent update, retry: {exc.diag.message_primary}") from exc
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc
        except psycopg.Error as exc:
            raise StoreError(str(exc)) from exc

    def one(self, sql: str, params: Any = None) -> dict | None:
        return self.execute(sql, params).fetchone()  # type: ignore[return-value]

    def all(self, sql: str, params: Any = None) -> list[dict]:
        return self.execute(sql, params).fetchall()  # type: ignore[return-value]

    def claim(self, message: Envelope) -> bool:
        """Record that this service handles `message`; False if it already has (a redelivery)."""
        row = self.one(
            "INSERT INTO inbox (consumer, message_id, message_type, case_id) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING RETURNING message_id",
            (self.consumer, message.message_id, message.type, message.case_id),
        )
        return row is not None

    def send(self, message: Envelope) -> None:
        """Queue `message` to be published once this transaction commits."""
        exchange, routing_key = address(message, self.registry)
        self.execute(
            "INSERT INTO outbox (message_id, message_type, case_id, exchange, routing_key, body, headers)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                message.message_id,
                message.type,
                message.case_id,
                exchange,
                routing_key,
                jsonb(message.model_dump(mode="json")),
                jsonb(current_trace_headers()),
            ),
        )
        self.sent.append(message)


@contextmanager
def unit_of_work(
    connection_factory: Any, consumer: str, registry: AgencyRegistry, on_commit: Any = None
) -> Iterator[UnitOfWork]:
    """Open a transaction; commit if the block succeeds, roll back if it raises."""
    try:
        with connection_factory() as conn:
            uow = UnitOfWork(conn, consumer, registry)
            with conn.transaction():
                yield uow
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(str(exc)) from exc
    if uow.sent and on_commit is not None:
        on_commit()
