"""Entrypoint spans: the library's tags, never the call's arguments (they carry personal data), opened and closed
by the container around each worker."""

from types import SimpleNamespace

import pytest
from nameko_opentelemetry import entrypoints
from opentelemetry import trace
from opentelemetry.trace import StatusCode

from shared.contracts.messages import CaseRegistered
from shared.messaging.consumer import InboxHandler
from shared.refusal import Refused
from shared.runtime import entrypoint_spans
from shared.runtime.entrypoint_spans import ApiHandlerAdapter, InboxHandlerAdapter
from tests.spans import recording_provider


class FakePool:
    def running(self) -> int:
        return 3

    def free(self) -> int:
        return 7


class Coordinator:
    def on_registered(self, message):
        return message


def worker_ctx(entrypoint_type: str) -> SimpleNamespace:
    entrypoint = InboxHandler(CaseRegistered) if entrypoint_type == "InboxHandler" else type(entrypoint_type, (), {})()
    entrypoint.method_name = "on_registered"
    entrypoint.container = SimpleNamespace(service_cls=Coordinator)
    return SimpleNamespace(
        service_name="coordinator",
        entrypoint=entrypoint,
        container=SimpleNamespace(_worker_pool=FakePool()),
        args=({"applicant_id_number": "430426199001011234"},),
        kwargs={},
        data={},
    )


def test_an_inbox_span_names_the_worker_and_message_type_and_leaves_the_message_out():
    attributes = InboxHandlerAdapter({"send_request_payloads": False}).get_attributes(worker_ctx("InboxHandler"))

    assert attributes == {
        "service_name": "coordinator",
        "entrypoint_type": "InboxHandler",
        "method_name": "on_registered",
        "active_workers": 3,
        "available_workers": 7,
        "messaging.system": "rabbitmq",
        "messaging.message.type": "CaseRegistered",
    }


def test_an_http_span_carries_the_same_worker_tags():
    attributes = ApiHandlerAdapter({"send_request_payloads": False}).get_attributes(worker_ctx("ApiHandler"))

    assert attributes["entrypoint_type"] == "ApiHandler"
    assert not any("call_args" in key for key in attributes)


def test_with_payloads_switched_on_the_library_binds_and_sends_the_arguments():
    attributes = ApiHandlerAdapter({"send_request_payloads": True}).get_attributes(worker_ctx("ApiHandler"))

    assert "430426199001011234" in attributes["call_args"]


# --- the worker's span, opened and closed by the container -------------------------------------------

PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = {"traceparent": f"00-{PARENT_TRACE}-00f067aa0ba902b7-01"}


@pytest.fixture
def spans(monkeypatch):
    provider, exporter = recording_provider()
    monkeypatch.setattr(entrypoint_spans, "_tracer", provider.get_tracer("test"))
    monkeypatch.setitem(entrypoints.adapter_types, InboxHandler, InboxHandlerAdapter)
    return exporter


def inbox_worker(context_data: dict[str, str]) -> SimpleNamespace:
    ctx = worker_ctx("InboxHandler")
    ctx.context_data = context_data
    return ctx


def test_a_worker_runs_in_a_span_beneath_the_trace_its_message_carries_and_leaves_no_context_behind(spans):
    ctx = inbox_worker(PARENT)
    before = trace.get_current_span()

    entrypoint_spans.open_worker_span(ctx)
    inside = trace.get_current_span()
    entrypoint_spans.close_worker_span(ctx, "done", None)

    (span,) = spans.get_finished_spans()
    assert inside.get_span_context().span_id == span.context.span_id
    assert format(span.context.trace_id, "032x") == PARENT_TRACE
    assert span.parent.span_id == 0x00F067AA0BA902B7
    assert span.name == "coordinator handle CaseRegistered"
    assert span.kind is trace.SpanKind.CONSUMER
    assert span.attributes["messaging.message.type"] == "CaseRegistered"
    assert span.attributes["hostname"]
    assert span.status.status_code is StatusCode.OK
    assert trace.get_current_span() is before


def test_a_worker_that_failed_ends_its_span_as_an_error_with_the_exception_recorded(spans):
    ctx = inbox_worker({})
    entrypoint_spans.open_worker_span(ctx)
    try:
        raise RuntimeError("store away")
    except RuntimeError as exc:
        entrypoint_spans.close_worker_span(ctx, None, (type(exc), exc, exc.__traceback__))

    (span,) = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert "store away" in span.status.description
    assert [event.name for event in span.events] == ["exception"]
    assert "Traceback" in span.events[0].attributes["exception.stacktrace"]  # an unexpected error keeps its stack


def test_a_refusal_the_entrypoint_expects_is_recorded_by_its_type_and_message_without_a_stack(spans):
    """A refused message (or a 4xx answer) is no fault: its span says what was refused, and is not an error."""
    ctx = inbox_worker({})
    entrypoint_spans.open_worker_span(ctx)
    try:
        raise Refused("wrong_sender", "referral sent by police_link, not by the coordinator")
    except Refused as exc:
        entrypoint_spans.close_worker_span(ctx, None, (type(exc), exc, exc.__traceback__))

    (span,) = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.OK
    (event,) = span.events
    assert event.name == "exception"
    assert dict(event.attributes) == {
        "exception.type": "Refused",
        "exception.message": "wrong_sender: referral sent by police_link, not by the coordinator",
        "exception.escaped": "True",
        "exception.expected": "True",
    }


def test_a_result_for_a_worker_whose_span_never_opened_changes_nothing(spans):
    entrypoint_spans.close_worker_span(inbox_worker({}), None, None)

    assert spans.get_finished_spans() == ()
