# nameko_opentelemetry.entrypoints: EntrypointAdapter, which names and tags each entrypoint's span.
from typing import Any

from nameko.containers import WorkerContext
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue

class EntrypointAdapter:
    span_kind: SpanKind
    # The keyword arguments given to NamekoInstrumentor().instrument().
    config: dict[str, Any]
    def __init__(self, config: dict[str, Any]) -> None: ...
    def get_span_name(self, worker_ctx: WorkerContext) -> str: ...
    def get_attributes(self, worker_ctx: WorkerContext) -> dict[str, AttributeValue]: ...
    # None unless the instrumentor was given send_headers=True.
    def get_header_attributes(self, worker_ctx: WorkerContext) -> dict[str, AttributeValue] | None: ...
