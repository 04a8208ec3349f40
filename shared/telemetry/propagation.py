"""W3C trace context and baggage in and out of carriers (AMQP headers, stored case rows)."""

from collections.abc import Mapping

from opentelemetry import baggage, context, propagate, trace

CASE_ID_KEY = "wuyuan.case_id"
# Set on a handler's span when it refused its message (dead-lettered with this reason code): `wuyuan trace` marks it.
REFUSAL_REASON_KEY = "wuyuan.refusal.reason"


# The last context injected and what it gave. Contexts are never changed in place (a new value makes a new
# context), so the same object gives the same headers: a handler that queues several messages, all in
# its one span, injects once.
_last_injected: tuple[context.Context, dict[str, str]] | None = None


def current_trace_headers() -> dict[str, str]:
    """traceparent / tracestate / baggage of the active context."""
    global _last_injected
    active = context.get_current()
    last = _last_injected
    if last is not None and last[0] is active:
        return dict(last[1])
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=active)
    _last_injected = (active, carrier)
    return dict(carrier)


def headers_for_context(ctx: context.Context) -> dict[str, str]:
    """traceparent / tracestate / baggage of a given context (e.g. a producer span's)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=ctx)
    return carrier


def context_from_headers(headers: Mapping[str, object] | None) -> context.Context:
    carrier = {k: str(v) for k, v in (headers or {}).items() if k in ("traceparent", "tracestate", "baggage")}
    return propagate.extract(carrier)


def case_id_in(ctx: context.Context | None = None) -> str | None:
    value = baggage.get_baggage(CASE_ID_KEY, ctx)
    return str(value) if value else None


def current_trace_ids() -> tuple[str | None, str | None]:
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None, None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")


def trace_id_of(headers: Mapping[str, object] | None) -> str | None:
    """The trace id stored in a carrier (a case's saved trace context), as 32 hex digits."""
    span_context = trace.get_current_span(context_from_headers(headers)).get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None
