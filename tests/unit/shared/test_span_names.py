"""Spans of database round trips are named after every statement they carried, so a trace reads as it ran."""

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.telemetry.processors import CaseSpanProcessor


@pytest.mark.parametrize(
    ("statement", "name"),
    [
        ("BEGIN; INSERT INTO inbox VALUES (%s); SELECT state FROM cases WHERE case_id = %s", "INSERT; SELECT"),
        ("UPDATE cases SET status = %s; INSERT INTO outbox VALUES (%s); COMMIT", "UPDATE; INSERT; COMMIT"),
        ("SELECT 1", "SELECT"),
    ],
)
def test_a_span_for_statements_sent_together_is_named_after_all_of_them(statement, name):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(CaseSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("test").start_as_current_span(
        statement.split()[0], attributes={"db.statement": statement}
    ):
        pass
    [span] = exporter.get_finished_spans()
    assert span.name == name
