"""How nameko's OpenTelemetry instrumentation names and tags spans of our inbox entrypoint."""

from nameko_opentelemetry.entrypoints import EntrypointAdapter
from opentelemetry import trace


class InboxHandlerAdapter(EntrypointAdapter):
    span_kind = trace.SpanKind.CONSUMER

    def get_span_name(self, worker_ctx):
        return f"{worker_ctx.service_name} handle {worker_ctx.entrypoint.model.TYPE}"

    def get_attributes(self, worker_ctx):
        attributes = super().get_attributes(worker_ctx)
        attributes["messaging.system"] = "rabbitmq"
        attributes["messaging.message.type"] = worker_ctx.entrypoint.model.TYPE
        return attributes
