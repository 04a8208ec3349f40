"""Prometheus metrics of one service process: handler latency and outcomes, inbox, dead letters, scraped gauges.

Every service carries `ServiceMonitoring` (through `PlatformService`). It keeps a registry of its
own (not prometheus_client's global one, so that nothing a library registers there leaks out and
tests can run several containers in one process), times every worker, counts what the inbox
handled and dead-lettered, and at scrape time reads gauges from the service's own database. Those
gauges are the whole database's figures, so every replica of a service reports the same ones: take
them once across replicas (max), never their sum; the counters are each process's own, to be summed.

Labels carry only bounded, non-personal values: the service, the entrypoint's method name, the
outcome, a message type the service handles (else "unknown"), a reason code, a case status and a
unit code (an office). No case id, nothing about a person, no free text a sender wrote.
"""

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Protocol, TypeAlias

import eventlet
from kombu.message import Message
from nameko.containers import WorkerContext
from nameko.extensions import DependencyProvider
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from werkzeug.wrappers import Request

from shared.config import current_settings
from shared.contracts.messages import (
    REJECTED_FAILED,
    REJECTED_MALFORMED,
    REJECTED_SCHEMA,
    REJECTED_TOO_LARGE,
    REJECTED_UNKNOWN_TYPE,
    REJECTED_UNREADABLE,
)
from shared.messaging.consumer import InboxConsumer, InboxHandler
from shared.persistence.transaction import Connection
from shared.runtime.pool import PostgresPool
from shared.runtime.readiness import Check, Readiness, broker_check, database_check
from shared.telemetry.propagation import CASE_ID_KEY
from shared.web_server import REQUEST_LOG_FIELDS_KEY

ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType]
ConnectionFactory = Callable[[], AbstractContextManager[Connection]]

# Handlers take milliseconds; a handler waiting on a slow database or a full pool takes seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SCRAPE_TIMEOUT_SECONDS = 1.0  # a scrape must not hang on a slow database; a gap in the graph says enough
UNKNOWN = "unknown"
MAX_LABEL = 64  # reason codes are constants; a longer one is not ours
# Why the inbox itself dead-letters a message, whatever the service (shared.messaging.consumer).
INBOX_REASONS = (
    REJECTED_MALFORMED,
    REJECTED_UNKNOWN_TYPE,
    REJECTED_SCHEMA,
    REJECTED_UNREADABLE,
    REJECTED_TOO_LARGE,
    REJECTED_FAILED,
)


class GaugeSource(Protocol):
    """Gauges one service reads from its own database at scrape time: cheap, indexed queries only."""

    name: str

    def __call__(self, connection: Connection, service: str) -> Iterable[GaugeMetricFamily]: ...


def outcome_of(entrypoint: object, exc_info: ExcInfo | None) -> str:
    """ok; refused (an error the entrypoint expects: bad input, a refusal, not found); error (anything else)."""
    if exc_info is None:
        return "ok"
    expected = getattr(entrypoint, "expected_exceptions", ()) or ()
    if expected and isinstance(exc_info[1], expected):
        return "refused"
    return "error"


def bounded_label(value: object) -> str:
    text = str(value) if value else UNKNOWN
    return text if len(text) <= MAX_LABEL and text.replace("_", "").replace(".", "").isalnum() else UNKNOWN


class ServiceMetrics:
    """The process's registry and the metrics its entrypoints feed."""

    def __init__(self, service: str) -> None:
        self.service = service
        # A `_created` timestamp beside every series doubles the text for nothing Prometheus needs.
        disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated
        self.registry = CollectorRegistry(auto_describe=True)
        self.handler_seconds = Histogram(
            "wuyuan_handler_seconds",
            "Time a worker took, from setup to result, per entrypoint and outcome (ok, refused, error).",
            ["service", "entrypoint", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.handler_errors = Counter(
            "wuyuan_handler_errors",
            "Workers that ended in an error: refused (expected: bad input, a refusal) or error (unexpected).",
            ["service", "entrypoint", "outcome"],
            registry=self.registry,
        )
        self.inbox_handled = Counter(
            "wuyuan_inbox_messages",
            "Inbox messages handed to a handler, by type and outcome (error: rejected for a retry or dead-lettered).",
            ["service", "message_type", "outcome"],
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "wuyuan_dead_letters",
            "Messages this service dead-lettered, by type (unknown when it handles no such type) and reason code;"
            " each type it handles, and unknown, starts at 0 for the inbox's own reasons.",
            ["service", "message_type", "reason"],
            registry=self.registry,
        )

    def observe_worker(self, entrypoint: object, seconds: float, exc_info: ExcInfo | None) -> None:
        name = bounded_label(getattr(entrypoint, "method_name", None))
        outcome = outcome_of(entrypoint, exc_info)
        self.handler_seconds.labels(self.service, name, outcome).observe(seconds)
        if outcome != "ok":
            self.handler_errors.labels(self.service, name, outcome).inc()
        model = getattr(entrypoint, "model", None)
        message_type = getattr(model, "TYPE", None)
        if isinstance(message_type, str):
            self.inbox_handled.labels(self.service, message_type, outcome).inc()

    def declare_entrypoints(self, names: Iterable[str]) -> None:
        """Start at 0 each entrypoint's error series: one born at 1 with its first failure shows no rate, so the
        first failure of each would be missing from the dashboard and the error-rate alert."""
        for name in names:
            for outcome in ("refused", "error"):
                self.handler_errors.labels(self.service, bounded_label(name), outcome)

    def count_dead_letter(self, message_type: str, reason: str) -> None:
        self.dead_lettered.labels(self.service, message_type, bounded_label(reason)).inc()

    def declare_dead_letters(self, message_types: Iterable[str]) -> None:
        """Start at 0 every dead-letter series the inbox's own reasons can take, for each type it handles and for
        unknown: a series born at 1 with its first dead letter shows no increase, so that letter would raise no
        alert. A refusal's code (wrong_sender …) belongs to the service's rules; its series starts with its first."""
        for message_type in (*message_types, UNKNOWN):
            for reason in INBOX_REASONS:
                self.dead_lettered.labels(self.service, message_type, reason)

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition of every metric, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class DatabaseGauges(Collector):
    """Reads each source's gauges at scrape time within SCRAPE_TIMEOUT_SECONDS; `wuyuan_scrape_ok` says which failed."""

    def __init__(
        self,
        service: str,
        connect: ConnectionFactory,
        sources: Sequence[GaugeSource],
        timeout: float = SCRAPE_TIMEOUT_SECONDS,
    ) -> None:
        self.service = service
        self.connect = connect
        self.sources = sources
        self.timeout = timeout

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return []  # read at scrape time only: registering must not query the database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        ok = GaugeMetricFamily(
            "wuyuan_scrape_ok",
            "1 when the source's gauges were read from the database in time.",
            labels=["service", "source"],
        )
        for source in self.sources:
            try:
                families = self._read(source)
            except Exception:  # the database is down or slow: readiness says which; the gauges are absent
                ok.add_metric([self.service, source.name], 0)
                continue
            ok.add_metric([self.service, source.name], 1)
            yield from families
        yield ok

    def _read(self, source: GaugeSource) -> list[GaugeMetricFamily]:
        # Polling queries would bury the cases' traces, as the relay's would.
        with (
            eventlet.Timeout(self.timeout, TimeoutError(f"no answer within {self.timeout:g} s")),
            suppress_instrumentation(),
            self.connect() as connection,
            connection.transaction(),
        ):
            connection.execute(f"SET LOCAL statement_timeout = {int(self.timeout * 1000)}")
            return list(source(connection, self.service))


class OutboxBacklog:
    """Unsent outbox rows and the age of the oldest, through the partial index outbox_pending."""

    name = "outbox"

    def __call__(self, connection: Connection, service: str) -> Iterable[GaugeMetricFamily]:
        row = connection.execute(
            "SELECT count(*) AS unsent, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest"
            " FROM outbox WHERE published_at IS NULL"
        ).fetchone()
        assert row is not None
        backlog = GaugeMetricFamily(
            "wuyuan_outbox_unsent",
            "Outbox rows not yet confirmed by the broker, in the whole database: every replica reports the same.",
            labels=["service"],
        )
        backlog.add_metric([service], float(row["unsent"]))
        age = GaugeMetricFamily(
            "wuyuan_outbox_oldest_unsent_seconds",
            "Age of the oldest unsent outbox row in the whole database (0 when none); every replica reports the same.",
            labels=["service"],
        )
        age.add_metric([service], float(row["oldest"]))
        return [backlog, age]


class ReadinessGauge(Collector):
    """`wuyuan_ready{check}`: 1 when the check passes (the same answer as GET /health/ready, cached as it is)."""

    def __init__(self, service: str, readiness: Callable[[], Readiness]) -> None:
        self.service = service
        self.readiness = readiness

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        readiness = self.readiness()
        down = readiness.problems()
        family = GaugeMetricFamily(
            "wuyuan_ready", "1 when the service reaches this dependency.", labels=["service", "check"]
        )
        for check in readiness.checks:
            family.add_metric([self.service, check], 0 if check in down else 1)
        yield family


def message_type_of(message: Message, handled: Iterable[str]) -> str:
    """The message's type when the service handles it; any other text a sender wrote is not a label."""
    properties = message.properties if isinstance(message.properties, dict) else {}
    declared = properties.get("type")
    return declared if isinstance(declared, str) and declared in set(handled) else UNKNOWN


def span_log_fields(span: trace.Span) -> dict[str, str]:
    """trace_id, span_id and, once the handler has named it, case_id of a (possibly ended) span."""
    context = span.get_span_context()
    if not context.is_valid:
        return {}
    fields = {"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x")}
    case_id = (getattr(span, "attributes", None) or {}).get(CASE_ID_KEY)
    if case_id:
        fields["case_id"] = str(case_id)
    return fields


class ServiceMonitoring(DependencyProvider):
    """`self.monitoring`: the process's metrics and readiness, fed by every worker of the container.

    It finds the service's pool and inbox consumer among the container's extensions rather than
    declaring them, so a service without a database or an inbox gets no pool or consumer from it.
    """

    def setup(self) -> None:
        self.metrics = ServiceMetrics(self.container.service_name)
        self._started: dict[WorkerContext, float] = {}
        self._readiness: Readiness | None = None

    def readiness(self) -> Readiness:
        """The process's readiness checks: its database when it keeps one, its broker vhost when it has an inbox.

        A service without an inbox (the console, identity) sends no messages either, so a broker outage
        does not stop it serving: it stays ready, and its callers too. Nor does the console check the
        services it calls: one agency down must not take every page away.
        """
        if self._readiness is None:
            checks: dict[str, Check] = {}
            pool = self.database_pool()
            if pool is not None:
                checks["database"] = database_check(pool)
            if self.inbox() is not None:
                checks["broker"] = broker_check(current_settings().amqp_uri)
            self._readiness = Readiness(checks)
        return self._readiness

    def start(self) -> None:
        self.metrics.registry.register(ReadinessGauge(self.metrics.service, self.readiness))
        self.metrics.declare_entrypoints(e.method_name for e in self.container.entrypoints)
        pool = self.database_pool()
        if pool is not None:
            sources: list[GaugeSource] = [OutboxBacklog(), *getattr(self.container.service_cls, "scraped_gauges", ())]
            self.metrics.registry.register(DatabaseGauges(self.metrics.service, pool.connection, sources))
        inbox = self.inbox()
        if inbox is not None:
            self.metrics.declare_dead_letters(self.handled_message_types())
            self._count_dead_letters(inbox)

    def database_pool(self) -> PostgresPool | None:
        return next((e for e in self.container.extensions if isinstance(e, PostgresPool)), None)

    def inbox(self) -> InboxConsumer | None:
        return next((e for e in self.container.extensions if isinstance(e, InboxConsumer)), None)

    def handled_message_types(self) -> list[str]:
        """The types the service's inbox handlers take, read from its entrypoints: the inbox itself learns them
        only in its own start, which may run after this one."""
        return sorted({e.model.TYPE for e in self.container.extensions if isinstance(e, InboxHandler)})

    def _count_dead_letters(self, inbox: InboxConsumer) -> None:
        """Every dead letter (refusals, unreadable messages, the last failed attempt) is counted once published."""
        metrics = self.metrics

        def count(message: Message, code: str) -> None:
            metrics.count_dead_letter(message_type_of(message, inbox.handlers), code)

        inbox.dead_letter_listeners.append(count)

    def get_dependency(self, worker_ctx: WorkerContext) -> "ServiceMonitoring":
        return self

    def worker_setup(self, worker_ctx: WorkerContext) -> None:
        self._started[worker_ctx] = time.perf_counter()
        # The entrypoint's span is current here (its instrumentation starts it before the dependencies'
        # setup); the access log line, written after the answer, reads its ids and case from it.
        request = worker_ctx.args[0] if worker_ctx.args else None
        if isinstance(request, Request):
            span = trace.get_current_span()
            request.environ[REQUEST_LOG_FIELDS_KEY] = lambda: span_log_fields(span)

    def worker_result(self, worker_ctx: WorkerContext, result: object = None, exc_info: ExcInfo | None = None) -> None:
        started = self._started.pop(worker_ctx, None)
        if started is not None:
            self.metrics.observe_worker(worker_ctx.entrypoint, time.perf_counter() - started, exc_info)
