"""Spans for tests: a tracer provider with the platform's span processor, every ended span kept in memory."""

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.telemetry.processors import CaseSpanProcessor


def recording_provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    """A provider whose spans pass the case id and redaction processor, then land in the exporter as they end."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(CaseSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter
