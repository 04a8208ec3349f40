"""A timer's tick that found nothing to do writes no span; a tick that worked, failed or took long keeps its own."""

import time

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from shared.telemetry.processors import BackfillingExporter, CaseSpanProcessor, IdleTicks

TIMER = {"entrypoint_type": "Timer", "nameko.timer.interval": 1}


@pytest.fixture
def written():
    """The platform's pipeline as a service sets it up: the processor, then the exporter behind the backfill."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(CaseSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(BackfillingExporter(exporter)))
    tracer = provider.get_tracer(__name__)
    return tracer, exporter


def names(exporter) -> list[str]:
    return [span.name for span in exporter.get_finished_spans()]


def test_a_tick_alone_in_its_trace_is_not_written(written):
    tracer, exporter = written

    with tracer.start_as_current_span("supervision.recount_stale_reports") as tick:
        tick.set_attributes(TIMER)

    assert names(exporter) == []


def test_a_tick_that_did_something_is_written_with_what_it_did(written):
    tracer, exporter = written

    with tracer.start_as_current_span("supervision.send_due_letters") as tick:
        tick.set_attributes(TIMER)
        with tracer.start_as_current_span("SELECT; UPDATE; COMMIT"):  # a slow round trip, a case's letter …
            pass

    assert names(exporter) == ["SELECT; UPDATE; COMMIT", "supervision.send_due_letters"]


def test_a_tick_that_failed_is_written(written):
    tracer, exporter = written

    with tracer.start_as_current_span("supervision.escalate_overdue_cases") as tick:
        tick.set_attributes(TIMER)
        tick.set_status(Status(StatusCode.ERROR, "database unavailable"))

    assert names(exporter) == ["supervision.escalate_overdue_cases"]


def test_a_long_tick_is_written(written, monkeypatch):
    tracer, exporter = written
    monkeypatch.setattr(IdleTicks, "LONGEST_NS", 1_000_000)  # a millisecond, for the test

    with tracer.start_as_current_span("supervision.rebuild_report_model") as tick:
        tick.set_attributes(TIMER)
        time.sleep(0.005)

    assert names(exporter) == ["supervision.rebuild_report_model"]


def test_any_other_span_alone_in_its_trace_is_written(written):
    tracer, exporter = written

    with tracer.start_as_current_span("GET /health"):
        pass

    assert names(exporter) == ["GET /health"]
