"""The per-process PostgreSQL connection pool, as a nameko shared extension."""

from contextlib import AbstractContextManager

import psycopg
from nameko.extensions import SharedExtension
from psycopg import ClientCursor
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout
from psycopg_pool.base import AttemptWithBackoff

from shared.config import current_settings
from shared.persistence.errors import StoreUnavailable
from shared.persistence.green import assert_green_wait, use_green_wait
from shared.persistence.limits import database_limits
from shared.persistence.transaction import Connection
from shared.telemetry.round_trips import span_threshold_ns

# What work that needs no particular statement (a start-up read, a refresh) fails with while the database is away
# or restarting: such work waits for the next try; anything else is a defect, and raises.
DATABASE_AWAY = (psycopg.OperationalError, PoolTimeout, StoreUnavailable)
# Longest pause between two attempts to reconnect: a database back from an outage is used within it.
MAX_RECONNECT_DELAY_SECONDS = 1.0


class PromptBackoff(AttemptWithBackoff):
    """psycopg_pool's reconnection backoff (1 s, doubling), capped at MAX_RECONNECT_DELAY_SECONDS.

    Doubling alone waits 16 s after fifteen seconds of failures: a database back after a 20 s
    outage was not tried again for eight more seconds, while every request was answered 503.
    One attempt a second costs a down server nothing it would notice.
    """

    def update_delay(self, now: float) -> None:
        super().update_delay(now)
        self.delay = min(self.delay, MAX_RECONNECT_DELAY_SECONDS)


class PromptlyReconnectingPool(ConnectionPool[Connection]):
    """A pool whose lost connections are made again with PromptBackoff (psycopg-pool is pinned, see the README),
    and which remembers why its last attempt to connect failed (`last_connect_error`): readiness names it, where a
    wait for a connection alone would only say that none came (a wrong password, a database that is not there)."""

    last_connect_error: str | None = None

    def _add_connection(self, attempt: AttemptWithBackoff | None, growing: bool = False) -> None:
        super()._add_connection(attempt or PromptBackoff(timeout=self.reconnect_timeout), growing=growing)

    def _connect(self, timeout: float | None = None) -> Connection:
        try:
            connection = super()._connect(timeout)
        except Exception as failed:
            # libpq's message names the server, the database and the role, never the password.
            self.last_connect_error = " ".join(str(failed).split())[:300] or type(failed).__name__
            raise
        self.last_connect_error = None
        return connection


class PostgresPool(SharedExtension):
    """One pool per service container, shared by the database dependency and the outbox relay."""

    def __init__(self) -> None:
        self.pool: ConnectionPool[Connection] | None = None
        self.wait_description = ""

    def setup(self) -> None:
        settings = current_settings()
        limits = database_limits()
        span_threshold_ns()  # a bad WUYUAN_DB_SPAN_MIN_MS stops the start here, named, not every transaction later
        use_green_wait()
        self.wait_description = assert_green_wait()
        self.pool = PromptlyReconnectingPool(
            settings.database_url,
            connection_class=Connection,
            min_size=2,
            max_size=settings.db_pool_size,
            # Units of work begin and commit inside their own round trips (see unit_of_work).
            kwargs={
                "row_factory": dict_row,
                "autocommit": True,
                "cursor_factory": ClientCursor,
                # psycopg's own statement cache counts every query text it sees, and ours carry their values
                # quoted in: it would never hit. Statements are prepared by shared.persistence.prepared instead.
                "prepare_threshold": None,
                **limits.connection_options(),
            },
            # A request waits this long for a connection, then answers 503: never until its caller gives up.
            timeout=limits.db_acquire_timeout_seconds,
            open=False,
            name=f"{settings.service}-pool",
        )
        # Not waiting for the first connections: a service started while its database is away starts all the
        # same, answers /health/live, and reads as not ready (503 naming the database) until the pool connects.
        self.pool.open(wait=False)

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def connection(self) -> AbstractContextManager[Connection]:
        assert self.pool is not None, "pool used before setup"
        return self.pool.connection()
