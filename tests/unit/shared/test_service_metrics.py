"""A service's metrics: outcomes per entrypoint, inbox and dead-letter counts with bounded labels, gauges that
fail soft when the database does not answer, and readiness within its bound."""

import time
from contextlib import nullcontext
from typing import Any

import eventlet
import pytest
from nameko.containers import ServiceContainer
from prometheus_client.parser import text_string_to_metric_families
from psycopg_pool import PoolTimeout

from shared.contracts.messages import (
    REJECTED_FAILED,
    REJECTED_MALFORMED,
    REJECTED_SCHEMA,
    REJECTED_TOO_LARGE,
    REJECTED_UNKNOWN_TYPE,
    REJECTED_UNREADABLE,
    CaseRegistered,
    ResultReported,
)
from shared.messaging.consumer import handles
from shared.refusal import Refused
from shared.runtime.metrics import (
    DatabaseGauges,
    OutboxBacklog,
    ServiceMetrics,
    ServiceMonitoring,
    bounded_label,
    message_type_of,
)
from shared.runtime.readiness import Readiness, bounded, database_check


class InboxEntrypoint:
    method_name = "on_case_registered"
    model = CaseRegistered
    expected_exceptions = (Refused,)


def samples(metrics: ServiceMetrics) -> dict[tuple[str, tuple], float]:
    text = metrics.exposition()[0].decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def error(exc: BaseException) -> tuple:
    return (type(exc), exc, None)


def test_a_refusal_and_an_error_are_counted_apart_and_every_call_is_timed():
    metrics = ServiceMetrics("coordinator")
    metrics.observe_worker(InboxEntrypoint(), 0.004, None)
    metrics.observe_worker(InboxEntrypoint(), 0.2, error(Refused("unknown_case", "no such case")))
    metrics.observe_worker(InboxEntrypoint(), 3.0, error(RuntimeError("database down")))

    found = samples(metrics)
    entrypoint, service = ("entrypoint", "on_case_registered"), ("service", "coordinator")
    assert found[("wuyuan_handler_seconds_count", (entrypoint, ("outcome", "ok"), service))] == 1
    assert found[("wuyuan_handler_seconds_count", (entrypoint, ("outcome", "error"), service))] == 1
    assert found[("wuyuan_handler_errors_total", (entrypoint, ("outcome", "refused"), service))] == 1
    assert found[("wuyuan_handler_errors_total", (entrypoint, ("outcome", "error"), service))] == 1
    handled = {key[1]: value for key, value in found.items() if key[0] == "wuyuan_inbox_messages_total"}
    assert handled[(("message_type", "CaseRegistered"), ("outcome", "ok"), ("service", "coordinator"))] == 1


def test_labels_take_no_free_text_from_a_sender():
    class Message:
        def __init__(self, message_type: str) -> None:
            self.properties = {"type": message_type}

    assert message_type_of(Message("赵 13807450031"), ["CaseRegistered"]) == "unknown"  # type: ignore[arg-type]
    assert message_type_of(Message("CaseRegistered"), ["CaseRegistered"]) == "CaseRegistered"  # type: ignore[arg-type]
    assert bounded_label(REJECTED_SCHEMA) == REJECTED_SCHEMA
    assert bounded_label("wrong_sender") == "wrong_sender"
    assert bounded_label("rejected: case 430426-20261122-00001") == "unknown"
    assert bounded_label("x" * 65) == "unknown"


class SlowConnection:
    def execute(self, sql: str, params: object = None) -> None:
        eventlet.sleep(5)

    def transaction(self) -> nullcontext:
        return nullcontext()


def test_gauges_of_a_database_that_does_not_answer_are_left_out_within_the_bound():
    metrics = ServiceMetrics("intake")
    metrics.registry.register(
        DatabaseGauges("intake", lambda: nullcontext(SlowConnection()), [OutboxBacklog()], timeout=0.2)
    )
    started = time.monotonic()
    found = samples(metrics)
    assert time.monotonic() - started < 2
    assert found[("wuyuan_scrape_ok", (("service", "intake"), ("source", "outbox")))] == 0
    assert not any(name == "wuyuan_outbox_unsent" for name, _ in found)


def test_a_check_that_hangs_is_reported_down_within_its_bound():
    def hangs() -> None:
        eventlet.sleep(10)

    started = time.monotonic()
    problem = bounded(hangs, seconds=0.2)
    assert problem is not None and "TimeoutError" in problem
    assert time.monotonic() - started < 2


class PoolThatCannotConnect:
    """A pool with no connection to give; `last_connect_error` as PromptlyReconnectingPool keeps it."""

    def __init__(self, last_connect_error: str | None) -> None:
        self.last_connect_error = last_connect_error

    def connection(self, timeout: float) -> Any:
        raise PoolTimeout(f"couldn't get a connection after {timeout:.2f} sec")


class PostgresPoolHolding:
    def __init__(self, pool: PoolThatCannotConnect) -> None:
        self.pool = pool


def test_readiness_says_what_the_server_answered_when_no_connection_can_be_made():
    refusal = 'connection failed: FATAL:  password authentication failed for user "wy_intake"'
    problem = bounded(database_check(PostgresPoolHolding(PoolThatCannotConnect(refusal))))
    assert problem == f"DatabaseUnreachable: cannot connect: {refusal}"


def test_readiness_reports_the_wait_itself_when_the_pool_never_failed_to_connect():
    """All connections busy, none refused: the timeout is the truth."""
    problem = bounded(database_check(PostgresPoolHolding(PoolThatCannotConnect(None))))
    assert problem is not None and problem.startswith("PoolTimeout: couldn't get a connection")


def test_readiness_names_what_is_down_and_checks_side_by_side():
    def database() -> None:
        eventlet.sleep(0.3)
        raise ConnectionRefusedError("connection refused")

    def broker() -> None:
        eventlet.sleep(0.3)

    started = time.monotonic()
    down = Readiness({"database": database, "broker": broker}).problems()
    assert set(down) == {"database"} and "ConnectionRefusedError" in down["database"]
    assert time.monotonic() - started < 0.55  # together, not one after the other


class ConsumerThatDeadLetters:
    """The part of the inbox consumer the count listens to: its one way to dead-letter, which tells its
    listeners once the dead letter is published."""

    def __init__(self, fails: bool = False) -> None:
        self.handlers = {"ResultReported": object()}
        self.published: list[str] = []
        self.fails = fails
        self.dead_letter_listeners: list = []

    def dead_letter(self, message: object, reason: str, code: str) -> None:
        if self.fails:
            raise ConnectionError("broker gone")
        self.published.append(code)
        for listener in self.dead_letter_listeners:
            listener(message, code)


class Delivered:
    def __init__(self, message_type: str) -> None:
        self.properties = {"type": message_type}


def monitoring_for(service: str) -> ServiceMonitoring:
    monitoring = ServiceMonitoring()
    monitoring.metrics = ServiceMetrics(service)
    return monitoring


def test_a_dead_letter_is_counted_once_it_is_published_and_not_when_publishing_fails():
    monitoring = monitoring_for("coordinator")
    consumer = ConsumerThatDeadLetters()
    monitoring._count_dead_letters(consumer)  # type: ignore[arg-type]
    consumer.dead_letter(Delivered("ResultReported"), "schema violation: unit: bad", REJECTED_SCHEMA)
    consumer.dead_letter(Delivered("Junk"), "unknown message type", "unknown_type")

    failing = ConsumerThatDeadLetters(fails=True)
    monitoring._count_dead_letters(failing)  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        failing.dead_letter(Delivered("ResultReported"), "schema violation", REJECTED_SCHEMA)

    found = samples(monitoring.metrics)
    service = ("service", "coordinator")
    assert consumer.published == [REJECTED_SCHEMA, REJECTED_UNKNOWN_TYPE]
    assert (
        found[("wuyuan_dead_letters_total", (("message_type", "ResultReported"), ("reason", REJECTED_SCHEMA), service))]
        == 1
    )
    assert (
        found[("wuyuan_dead_letters_total", (("message_type", "unknown"), ("reason", REJECTED_UNKNOWN_TYPE), service))]
        == 1
    )


class Receives:
    """A service with an inbox of two message types, as the platform's services declare theirs."""

    name = "coordinator"
    monitoring = ServiceMonitoring()

    @handles(ResultReported)
    def on_result_reported(self, message: ResultReported) -> None:
        pass

    @handles(CaseRegistered)
    def on_case_registered(self, message: CaseRegistered) -> None:
        pass


def dead_letter_counts(metrics: ServiceMetrics) -> dict[tuple[str, str], float]:
    return {
        (dict(labels)["message_type"], dict(labels)["reason"]): value
        for (name, labels), value in samples(metrics).items()
        if name == "wuyuan_dead_letters_total"
    }


def test_every_dead_letter_and_handler_error_series_is_at_0_from_the_start_so_the_first_one_is_an_increase():
    container = ServiceContainer(Receives)
    [monitoring] = [d for d in container.dependencies if isinstance(d, ServiceMonitoring)]
    monitoring.setup()
    monitoring._readiness = Readiness({})  # no broker to ask here
    monitoring.start()

    counts = dead_letter_counts(monitoring.metrics)

    reasons = {
        REJECTED_MALFORMED,
        REJECTED_UNKNOWN_TYPE,
        REJECTED_SCHEMA,
        REJECTED_UNREADABLE,
        REJECTED_TOO_LARGE,
        REJECTED_FAILED,
    }
    types = {ResultReported.TYPE, CaseRegistered.TYPE, "unknown"}
    assert counts == {(message_type, reason): 0 for message_type in types for reason in reasons}

    monitoring.metrics.count_dead_letter(ResultReported.TYPE, REJECTED_FAILED)
    assert dead_letter_counts(monitoring.metrics)[(ResultReported.TYPE, REJECTED_FAILED)] == 1

    # And each entrypoint's error series, so that its first failure is a rate too.
    errors = {
        (dict(labels)["entrypoint"], dict(labels)["outcome"]): value
        for (name, labels), value in samples(monitoring.metrics).items()
        if name == "wuyuan_handler_errors_total"
    }
    entrypoints = {"on_result_reported", "on_case_registered"}
    assert {key for key in errors if key[0] in entrypoints} == {
        (entrypoint, outcome) for entrypoint in entrypoints for outcome in ("refused", "error")
    }
    assert all(errors[(entrypoint, outcome)] == 0 for entrypoint in entrypoints for outcome in ("refused", "error"))
