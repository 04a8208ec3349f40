"""Join a case's trace from any entrypoint, so every hop of a case, even days later, lands in one trace."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import baggage, context, trace

from shared.telemetry.processors import BACKFILL
from shared.telemetry.propagation import CASE_ID_KEY, context_from_headers

_tracer = trace.get_tracer("wuyuan.case")


@contextmanager
def case_scope(case_id: str, stored_trace: Mapping[str, object] | None, operation: str) -> Iterator[trace.Span]:
    """Run the block in a span of the case's own trace, tagged with the case id.

    The entrypoint's span (an HTTP request, a timer tick) gets the case id too and is
    linked from the case span, so both views lead to each other; one that serves several
    cases (a reconcile, a sweep) names none of them, rather than the last. A message of the case
    arrives already in its trace (the sender stored it with the case): its handler's span
    is then the case's span, and a second one beneath it would say nothing more.
    """
    entry_span = trace.get_current_span()
    entry_context = entry_span.get_span_context()
    if entry_context.is_valid and trace_id_in(stored_trace) == entry_context.trace_id:
        entry_span.set_attribute("wuyuan.operation", operation)
        with case_baggage(case_id):
            yield entry_span
        return
    _tag_entry(entry_span, case_id)
    parent = context_from_headers(stored_trace) if stored_trace else context.get_current()
    parent = baggage.set_baggage(CASE_ID_KEY, case_id, parent)
    links = [trace.Link(entry_context)] if entry_context.is_valid else []
    token = context.attach(parent)
    try:
        with _tracer.start_as_current_span(operation, links=links, attributes={CASE_ID_KEY: case_id}) as span:
            yield span
    finally:
        context.detach(token)


def trace_id_in(stored_trace: Mapping[str, object] | None) -> int | None:
    """The trace id of a stored W3C traceparent ("00-<32 hex>-<16 hex>-<flags>"), read without a propagator."""
    parent = stored_trace.get("traceparent") if stored_trace else None
    if not isinstance(parent, str) or len(parent) < 55 or parent[2] != "-":
        return None
    try:
        return int(parent[3:35], 16) or None
    except ValueError:
        return None


@contextmanager
def case_baggage(case_id: str) -> Iterator[None]:
    """Tag the current span and every span started inside with the case id, staying in the current trace."""
    _tag(trace.get_current_span(), case_id)
    token = context.attach(baggage.set_baggage(CASE_ID_KEY, case_id))
    try:
        yield
    finally:
        context.detach(token)


def name_the_case(case_id: str) -> None:
    """The current span (a read's: its access line too) names the case it turned out to be about."""
    _tag(trace.get_current_span(), case_id)


def _tag_entry(span: trace.Span, case_id: str) -> None:
    """The entrypoint's span names its case, unless it has named another: then it names none (an empty value, which
    logs and `wuyuan trace` read as no case), and the spans of its trace get none on export either."""
    named = (getattr(span, "attributes", None) or {}).get(CASE_ID_KEY)
    if named is None:
        _tag(span, case_id)
    elif named and named != case_id:
        span.set_attribute(CASE_ID_KEY, "")
        span_context = span.get_span_context()
        if span_context.is_valid:
            BACKFILL.forget(span_context.trace_id)


def _tag(span: trace.Span, case_id: str) -> None:
    """Tag the span, and let spans of its trace that already ended get the case id on export."""
    span.set_attribute(CASE_ID_KEY, case_id)
    span_context = span.get_span_context()
    if span_context.is_valid:
        BACKFILL.remember(span_context.trace_id, case_id)
