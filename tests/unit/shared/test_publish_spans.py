"""What the relay traces: a publish is a span only when it failed, or when every one is asked for."""

import contextlib
import json
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from opentelemetry import baggage, context, trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared.delivery import relay as relay_module
from shared.delivery.outbox import Queued
from shared.delivery.relay import BatchOutcome, Outbox, Outgoing
from shared.telemetry.propagation import CASE_ID_KEY, current_trace_headers
from tests.spans import recording_provider

CASE_ID = "430426-20261205-00007"


class Broker:
    """Confirms every message but those it is told to return as unroutable."""

    def __init__(self, unroutable: Sequence[str] = ()) -> None:
        self.unroutable = set(unroutable)
        self.sent: list[Outgoing] = []

    def publish(self, batch: list[Outgoing]) -> BatchOutcome:
        self.sent.extend(batch)
        outcome = BatchOutcome()
        for item in batch:
            if item.message_id in self.unroutable:
                outcome.unroutable[item.message_id] = f"unroutable: {item.exchange} {item.routing_key} (NO_ROUTE)"
            else:
                outcome.confirmed.append(item.message_id)
        return outcome


class Writes:
    """The statements a failed publish writes (its back-off), kept to be read."""

    def __init__(self) -> None:
        self.written: list[tuple[str, Sequence[Any]]] = []

    def write(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.written.append((sql, params))

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        raise AssertionError("a publish of announced messages reads nothing")

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise AssertionError("a publish of announced messages reads nothing")


@pytest.fixture
def exported(monkeypatch) -> InMemorySpanExporter:
    provider, exporter = recording_provider()
    monkeypatch.setattr(relay_module, "_tracer", provider.get_tracer("relay"))
    handler_tracer = provider.get_tracer("handler")
    exporter.handler_tracer = handler_tracer  # type: ignore[attr-defined]
    return exporter


def queued_by_a_handler(tracer: trace.Tracer, count: int) -> tuple[list[Queued], trace.Span]:
    """Messages a handler queued in its span, in the case's baggage, with the context it stores."""
    token = context.attach(baggage.set_baggage(CASE_ID_KEY, CASE_ID))
    try:
        with tracer.start_as_current_span("coordinator handle CaseRegistered") as span:
            headers = current_trace_headers()
    finally:
        context.detach(token)
    messages = [
        Queued(
            message_id=str(uuid.uuid4()),
            message_type="ReferralIssued",
            case_id=CASE_ID,
            exchange="wuyuan.documents",
            routing_key="court_link.ReferralIssued",
            body=json.dumps({"n": n}),
            headers=headers,
        )
        for n in range(count)
    ]
    return messages, span


def span_id_carried(item: Outgoing) -> str:
    return str(item.headers["traceparent"]).split("-")[2]


def outbox_with(broker: Broker, trace_every_publish: bool = False) -> tuple[Outbox, Writes]:
    writes = Writes()

    @contextlib.contextmanager
    def begin() -> Iterator[Writes]:
        yield writes

    return Outbox(begin, broker, "wuyuan.coordinator", batch=50, trace_every_publish=trace_every_publish), writes


def test_a_confirmed_publish_makes_no_span_and_the_message_carries_its_handlers_context(exported):
    messages, handler = queued_by_a_handler(exported.handler_tracer, 3)
    broker = Broker()
    outbox, _ = outbox_with(broker)

    assert outbox.publish_announced(messages) == 3

    assert [span.name for span in exported.get_finished_spans()] == ["coordinator handle CaseRegistered"]
    handler_span_id = format(handler.get_span_context().span_id, "016x")
    assert [span_id_carried(item) for item in broker.sent] == [handler_span_id] * 3
    assert all(item.headers == message.headers for item, message in zip(broker.sent, messages, strict=True))


def test_a_returned_message_is_a_failed_span_in_its_cases_trace(exported, caplog):
    messages, handler = queued_by_a_handler(exported.handler_tracer, 3)
    lost = messages[1].message_id
    outbox, writes = outbox_with(Broker(unroutable=[lost]))

    with caplog.at_level("ERROR"):
        assert outbox.publish_announced(messages) == 2

    # Its log line names the case and the trace that queued it.
    [line] = [r for r in caplog.records if r.getMessage() == "outbox message not published"]
    assert (line.message_id, line.case_id) == (lost, CASE_ID)
    assert line.trace_id == format(handler.get_span_context().trace_id, "032x")

    [failed] = [span for span in exported.get_finished_spans() if span.kind is SpanKind.PRODUCER]
    assert failed.name == "publish ReferralIssued"
    assert failed.status.status_code is StatusCode.ERROR
    assert "unroutable" in (failed.status.description or "")
    assert failed.attributes["messaging.message.id"] == lost
    assert failed.attributes[CASE_ID_KEY] == CASE_ID
    assert failed.context.trace_id == handler.get_span_context().trace_id
    assert failed.parent is not None and failed.parent.span_id == handler.get_span_context().span_id
    assert failed.start_time <= failed.end_time
    # The failure is still backed off in the outbox, for the sweep to try again.
    assert [params[1] for _, params in writes.written] == [lost]


def test_when_every_publish_is_traced_the_message_carries_its_publish_span(exported):
    messages, handler = queued_by_a_handler(exported.handler_tracer, 2)
    broker = Broker()
    outbox, _ = outbox_with(broker, trace_every_publish=True)

    outbox.publish_announced(messages)

    publishes = [span for span in exported.get_finished_spans() if span.kind is SpanKind.PRODUCER]
    assert len(publishes) == 2
    assert all(span.parent.span_id == handler.get_span_context().span_id for span in publishes)
    assert [span_id_carried(item) for item in broker.sent] == [
        format(span.context.span_id, "016x") for span in publishes
    ]
    assert all(item.headers.get("baggage") == messages[0].headers.get("baggage") for item in broker.sent)


def test_which_publishes_are_spans_is_checked_at_start_naming_the_setting():
    from pydantic import ValidationError

    from shared.config import ServiceSettings

    required = {
        "service": "coordinator",
        "amqp_uri": "amqp://wuyuan.coordinator:a-broker-password-of-its-own@127.0.0.1:5672/wuyuan",
        "amqp_user": "wuyuan.coordinator",
        "database_url": "postgresql://coordinator@127.0.0.1:5432/wuyuan_coordinator",
    }
    assert ServiceSettings(**required).publish_spans == "failed"
    assert ServiceSettings(**required, publish_spans="all").publish_spans == "all"
    with pytest.raises(ValidationError, match="publish_spans"):
        ServiceSettings(**required, publish_spans="every")
