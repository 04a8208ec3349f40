"""How nameko's OpenTelemetry instrumentation names and tags the spans of our entrypoints."""

from nameko.containers import WorkerContext
from nameko_opentelemetry.entrypoints import EntrypointAdapter
from opentelemetry import trace
from opentelemetry.util.types import AttributeValue

from shared.messaging.consumer import InboxHandler


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
