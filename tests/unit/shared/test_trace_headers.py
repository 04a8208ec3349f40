"""The trace headers a queued message carries: those of the context it was queued in, however often asked."""

from opentelemetry import baggage, context

from shared.telemetry.propagation import CASE_ID_KEY, context_from_headers, current_trace_headers, trace_id_of
from tests.spans import recording_provider

CASE_ID = "430426-20261205-00011"


def test_messages_queued_in_one_span_carry_its_context_and_the_next_span_its_own():
    provider, _ = recording_provider()
    tracer = provider.get_tracer(__name__)
    token = context.attach(baggage.set_baggage(CASE_ID_KEY, CASE_ID))
    try:
        with tracer.start_as_current_span("coordinator handle CaseRegistered") as first:
            referral, assigned = current_trace_headers(), current_trace_headers()
            referral["traceparent"] = "changed by whoever holds it"  # must not reach the next message
            again = current_trace_headers()
        with tracer.start_as_current_span("coordinator handle ReferralAccepted") as second:
            later = current_trace_headers()
    finally:
        context.detach(token)
    outside = current_trace_headers()

    ids = first.get_span_context()
    first_parent = f"00-{ids.trace_id:032x}-{ids.span_id:016x}-{ids.trace_flags:02x}"
    assert assigned["traceparent"] == again["traceparent"] == first_parent
    assert CASE_ID in assigned["baggage"]
    assert trace_id_of(later) == f"{second.get_span_context().trace_id:032x}"
    assert later["traceparent"] != first_parent
    assert "traceparent" not in outside  # no span, no parent to name
    assert baggage.get_baggage(CASE_ID_KEY, context_from_headers(later)) == CASE_ID
