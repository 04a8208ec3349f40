"""Every span started in a case's context carries the case id, so an operator can find all of a case's work."""

from opentelemetry import baggage, context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.telemetry.processors import CaseSpanProcessor
from shared.telemetry.propagation import CASE_ID_KEY

CASE_ID = "430426-20261122-00001"


def spans_of(work) -> list:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(CaseSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    work(provider.get_tracer("test"))
    provider.shutdown()
    return list(exporter.get_finished_spans())


def test_spans_started_under_the_case_baggage_carry_the_case_id():
    def work(tracer):
        token = context.attach(baggage.set_baggage(CASE_ID_KEY, CASE_ID))
        try:
            with (
                tracer.start_as_current_span("coordinator: result reported"),
                tracer.start_as_current_span("UPDATE; INSERT; COMMIT"),
            ):
                pass
        finally:
            context.detach(token)

    spans = spans_of(work)

    assert [span.attributes[CASE_ID_KEY] for span in spans] == [CASE_ID, CASE_ID]


def test_spans_outside_any_case_carry_no_case_id():
    def work(tracer):
        with tracer.start_as_current_span("coordinator.health"):
            pass

    [span] = spans_of(work)

    assert CASE_ID_KEY not in span.attributes
