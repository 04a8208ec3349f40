"""Each worker's span: opened and closed by the service container, named and tagged by nameko's OpenTelemetry adapters.

nameko's OpenTelemetry instrumentation wraps the container's worker setup and result to open and close a
span around every worker. Its wrappers make the span, then set the adapter's attributes on it in a second
call, activate it through a context manager over a second context, ask the host's name of the kernel, and
keep the span in a weak mapping: on a busy service that was a tenth of every worker's cost. The container
below does the same work once each (the same names, kinds, attributes, status and parent), and the
library's own wrappers are taken off (shared.runtime.tracing); its adapters, and its tracing of RPC,
events and publishes, stay as they are.
"""

import socket
from contextvars import Token
from time import time_ns
from types import TracebackType
from typing import Any

import nameko_opentelemetry
from nameko.containers import ServiceContainer, WorkerContext
from nameko_opentelemetry.entrypoints import EntrypointAdapter, adapter_factory
from opentelemetry import context, trace
from opentelemetry.propagate import extract
from opentelemetry.util.types import AttributeValue

from shared.messaging.consumer import InboxHandler

# The library's settings for its adapters: payloads and headers stay out of spans (they carry ID and
# phone numbers). shared.runtime.tracing instruments the library with the same.
ADAPTER_CONFIG: dict[str, Any] = {
    "send_headers": False,
    "send_request_payloads": False,
    "send_response_payloads": False,
}
_HOSTNAME = socket.gethostname()  # the library asked for it at every worker; a process keeps its host
# The library's tracer, under its own name and version; a proxy until the service installs its provider.
_tracer = trace.get_tracer(nameko_opentelemetry.__name__, nameko_opentelemetry.__version__)
_OPEN_SPAN = "_wuyuan_span"  # kept on the worker context: the span, its adapter and the context token

ExcInfo = tuple[type[BaseException], BaseException, TracebackType]


class TracedContainer(ServiceContainer):
    """nameko's container, each worker in a span of its own (`SERVICE_CONTAINER_CLS`)."""

    def _worker_setup(self, worker_ctx: WorkerContext) -> None:
        open_worker_span(worker_ctx)
        super()._worker_setup(worker_ctx)

    def _worker_result(self, worker_ctx: WorkerContext, result: Any, exc_info: ExcInfo | None) -> None:
        close_worker_span(worker_ctx, result, exc_info)
        super()._worker_result(worker_ctx, result, exc_info)


def open_worker_span(worker_ctx: WorkerContext) -> None:
    """Start the worker's span beneath the trace its call or message carries, and make it current."""
    adapter = adapter_factory(worker_ctx, ADAPTER_CONFIG)
    parent = extract(adapter.get_metadata(worker_ctx))
    attributes: dict[str, AttributeValue] = {"hostname": _HOSTNAME}
    attributes.update(adapter.get_attributes(worker_ctx))
    span = _tracer.start_span(
        adapter.get_span_name(worker_ctx), context=parent, kind=adapter.span_kind, attributes=attributes
    )
    token = context.attach(trace.set_span_in_context(span, parent))
    setattr(worker_ctx, _OPEN_SPAN, (span, adapter, token))


def close_worker_span(worker_ctx: WorkerContext, result: Any, exc_info: ExcInfo | None) -> None:
    """End the worker's span with the adapter's result attributes and status, and leave its context."""
    opened: tuple[trace.Span, EntrypointAdapter, Token[context.Context]] | None = getattr(worker_ctx, _OPEN_SPAN, None)
    if opened is None:
        return  # its setup failed before the span began: nothing to close
    delattr(worker_ctx, _OPEN_SPAN)
    span, adapter, token = opened
    if exc_info is not None and span.is_recording() and adapter.exception_was_expected(worker_ctx, exc_info[1]):
        record_refusal(span, exc_info[1])
        span.set_status(adapter.get_status(worker_ctx, result, exc_info))
    else:
        adapter.end_span(span, worker_ctx, result, exc_info)
    span.end(time_ns())
    context.detach(token)


def record_refusal(span: trace.Span, refusal: BaseException) -> None:
    """An exception the entrypoint expects (a refusal, bad input, a store that cannot be reached: each answered as
    the entrypoint was built to), as an exception event without its stack: the message names what happened, as the
    service's log line of it does (shared.logs drops that line's stack too). The library formats the stack of every
    exception twice, which made a refused request cost half as much again as an answered one. Named as the SDK names
    an exception it records."""
    span.add_event(
        "exception",
        {
            "exception.type": type(refusal).__name__,
            "exception.message": str(refusal),
            "exception.escaped": "True",
            "exception.expected": "True",
        },
    )


class WithoutCallArguments(EntrypointAdapter):
    """The library's attributes, without binding the call's arguments when they are not sent.

    The stock adapter binds every call's arguments (`inspect.getcallargs`) only to drop them
    when payloads are off, as they are here: they carry ID and phone numbers. On a busy
    service that binding was a few percent of every worker.
    """

    def get_attributes(self, worker_ctx: WorkerContext) -> dict[str, AttributeValue]:
        if self.config.get("send_request_payloads"):
            return super().get_attributes(worker_ctx)
        pool = worker_ctx.container._worker_pool
        attributes: dict[str, AttributeValue] = {
            "service_name": worker_ctx.service_name,
            "entrypoint_type": type(worker_ctx.entrypoint).__name__,
            "method_name": worker_ctx.entrypoint.method_name,
            "active_workers": pool.running(),
            "available_workers": pool.free(),
        }
        attributes.update(self.get_header_attributes(worker_ctx) or {})
        return attributes


class InboxHandlerAdapter(WithoutCallArguments):
    span_kind = trace.SpanKind.CONSUMER

    def get_span_name(self, worker_ctx: WorkerContext) -> str:
        return f"{worker_ctx.service_name} handle {_message_type(worker_ctx)}"

    def get_attributes(self, worker_ctx: WorkerContext) -> dict[str, AttributeValue]:
        attributes = super().get_attributes(worker_ctx)
        attributes["messaging.system"] = "rabbitmq"
        attributes["messaging.message.type"] = _message_type(worker_ctx)
        return attributes


def _message_type(worker_ctx: WorkerContext) -> str:
    entrypoint = worker_ctx.entrypoint
    assert isinstance(entrypoint, InboxHandler), "this adapter is registered for inbox handlers only"
    return entrypoint.model.TYPE


class ApiHandlerAdapter(WithoutCallArguments):
    """HTTP API workers: named by service and method, as the stock adapter names them."""
