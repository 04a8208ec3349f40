# nameko_opentelemetry.entrypoints: EntrypointAdapter, which names and tags each entrypoint's span.
from types import TracebackType
from typing import Any

from nameko.containers import WorkerContext
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.status import Status
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
    # The span's result attributes and status; the exception recorded when the worker failed.
    def end_span(
        self,
        span: Span,
        worker_ctx: WorkerContext,
        result: Any,
        exc_info: tuple[type[BaseException], BaseException, TracebackType] | None,
    ) -> None: ...
    def get_metadata(self, worker_ctx: WorkerContext) -> dict[str, Any]: ...
    # Whether `exc` is one of the entrypoint's expected_exceptions.
    def exception_was_expected(self, worker_ctx: WorkerContext, exc: BaseException) -> bool: ...
    # OK, or ERROR naming the exception unless it was expected (the HTTP adapter: ERROR for any exception).
    def get_status(
        self,
        worker_ctx: WorkerContext,
        result: Any,
        exc_info: tuple[type[BaseException], BaseException, TracebackType] | None,
    ) -> Status: ...

# The adapter class registered for an entrypoint's type (EntrypointAdapter unless one was), built with `config`.
def adapter_factory(worker_ctx: WorkerContext, config: dict[str, Any]) -> EntrypointAdapter: ...

# Takes the library's wrappers off ServiceContainer._worker_setup and _worker_result.
def uninstrument() -> None: ...
