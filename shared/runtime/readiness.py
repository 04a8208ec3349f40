"""Readiness of a service process: its database and its broker, each checked within a bound, answers cached briefly."""

import time
from collections.abc import Callable
from typing import Any

import amqp
import eventlet
from kombu.utils.url import parse_url
from opentelemetry.instrumentation.utils import suppress_instrumentation
from psycopg_pool import PoolTimeout

READY_CHECK_SECONDS = 1.0
# Probes from Kubernetes, Prometheus and `wuyuan status` may come together: one check answers them all.
READY_CACHE_SECONDS = 2.0

Check = Callable[[], None]


def bounded(check: Check, seconds: float = READY_CHECK_SECONDS) -> str | None:
    """None when the check passed within `seconds`, else why not (short, no secrets)."""
    try:
        with eventlet.Timeout(seconds, TimeoutError(f"no answer within {seconds:g} s")):
            check()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    return None


def run_checks(checks: dict[str, Check], seconds: float = READY_CHECK_SECONDS) -> dict[str, str | None]:
    """Each check in a green thread of its own, so the whole answer takes at most `seconds` (plus scheduling)."""
    threads = {name: eventlet.spawn(bounded, check, seconds) for name, check in checks.items()}
    return {name: thread.wait() for name, thread in threads.items()}


class DatabaseUnreachable(Exception):
    """The pool has no connection to give and cannot make one: why, as the database server last answered."""


def database_check(pool: Any) -> Check:
    def check() -> None:
        try:
            # The pool's own wait ends first, so that the answer can say why no connection came.
            with suppress_instrumentation(), pool.pool.connection(timeout=0.8 * READY_CHECK_SECONDS) as connection:
                connection.execute("SELECT 1").fetchone()
        except (PoolTimeout, TimeoutError):
            failure = getattr(pool.pool, "last_connect_error", None)
            if failure:
                raise DatabaseUnreachable(f"cannot connect: {failure}") from None
            raise

    return check


def broker_check(amqp_uri: str) -> Check:
    """Open and close a connection to the service's vhost with its own user: the broker is up and lets it in."""
    parts = parse_url(amqp_uri)

    def check() -> None:
        connection = amqp.Connection(
            host=f"{parts.get('hostname') or 'localhost'}:{parts.get('port') or 5672}",
            userid=str(parts.get("userid") or "guest"),
            password=str(parts.get("password") or "guest"),
            virtual_host=str(parts.get("virtual_host") or "/"),
            connect_timeout=READY_CHECK_SECONDS,
        )
        try:
            connection.connect()
            connection.close()  # a clean close: the broker logs no lost connection per probe
        except BaseException:
            connection.collect()
            raise

    return check


class Readiness:
    """The service's readiness, checked at most every READY_CACHE_SECONDS."""

    def __init__(self, checks: dict[str, Check]) -> None:
        self.checks = checks
        self._last: tuple[float, dict[str, str | None]] | None = None

    def problems(self) -> dict[str, str]:
        now = time.monotonic()
        if self._last is None or now - self._last[0] >= READY_CACHE_SECONDS:
            self._last = (now, run_checks(self.checks))
        return {name: problem for name, problem in self._last[1].items() if problem is not None}
