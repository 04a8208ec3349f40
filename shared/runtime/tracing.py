"""Install the tracer provider for a service process: OTLP/HTTP when configured, else a local JSON-lines file."""

import os
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from shared.runtime.entrypoint_spans import ADAPTER_CONFIG
from shared.telemetry.file_exporter import JsonLinesSpanExporter
from shared.telemetry.processors import BackfillingExporter, CaseSpanProcessor


def choose_exporter(trace_file: Path | None) -> SpanExporter | None:
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    if trace_file is not None:
        return JsonLinesSpanExporter(trace_file)
    return None


def install_tracing(service: str, trace_file: Path | None) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(CaseSpanProcessor())
    exporter = choose_exporter(trace_file)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(BackfillingExporter(exporter), schedule_delay_millis=500))
    trace.set_tracer_provider(provider)
    instrument_libraries()
    return provider


def instrument_libraries() -> None:
    """nameko's RPC, events and publishes, and the adapters that name and tag each worker's span. The
    workers' spans themselves are opened by the service container (shared.runtime.entrypoint_spans), and
    database round trips get theirs from shared.persistence.transaction, the one place every statement is
    sent from."""
    from nameko_opentelemetry import NamekoInstrumentor, entrypoints

    NamekoInstrumentor().instrument(
        **ADAPTER_CONFIG,
        entrypoint_adapters={
            "shared.messaging.consumer.InboxHandler": "shared.runtime.entrypoint_spans.InboxHandlerAdapter",
            "shared.http.ApiHandler": "shared.runtime.entrypoint_spans.ApiHandlerAdapter",
        },
    )
    entrypoints.uninstrument()  # TracedContainer opens and closes the workers' spans in their place
