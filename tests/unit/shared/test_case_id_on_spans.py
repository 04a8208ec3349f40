"""Every span started in a case's context carries the case id, so an operator can find all of a case's work."""

from opentelemetry import baggage, context

from shared.telemetry.case_scope import case_scope, trace_id_in
from shared.telemetry.processors import CaseIdBackfill
from shared.telemetry.propagation import CASE_ID_KEY
from tests.spans import recording_provider

CASE_ID = "430426-20261122-00001"


def spans_of(work) -> list:
    provider, exporter = recording_provider()
    work(provider.get_tracer("test"))
    provider.shutdown()
    return list(exporter.get_finished_spans())


def test_spans_started_under_the_case_baggage_carry_the_case_id():
    def work(tracer):
        token = context.attach(baggage.set_baggage(CASE_ID_KEY, CASE_ID))
        try:
            with (
                tracer.start_as_current_span("coordinator: result reported"),
                tracer.start_as_current_span("UPDATE; INSERT; COMMIT"),
            ):
                pass
        finally:
            context.detach(token)

    spans = spans_of(work)

    assert [span.attributes[CASE_ID_KEY] for span in spans] == [CASE_ID, CASE_ID]


def test_spans_outside_any_case_carry_no_case_id():
    def work(tracer):
        with tracer.start_as_current_span("coordinator.health"):
            pass

    [span] = spans_of(work)

    assert CASE_ID_KEY not in span.attributes


def traceparent_of(span) -> dict[str, str]:
    context = span.get_span_context()
    return {"traceparent": f"00-{context.trace_id:032x}-{context.span_id:016x}-01"}


def test_a_handler_already_in_the_cases_trace_is_the_case_span(monkeypatch):
    def work(tracer):
        monkeypatch.setattr("shared.telemetry.case_scope._tracer", tracer)
        with (
            tracer.start_as_current_span("coordinator handle ResultReported") as handler,
            case_scope(CASE_ID, traceparent_of(handler), "coordinator: result reported") as span,
        ):
            assert span is handler
            with tracer.start_as_current_span("UPDATE; INSERT; COMMIT"):
                pass

    statement, handler = spans_of(work)

    assert handler.attributes["wuyuan.operation"] == "coordinator: result reported"
    assert statement.parent.span_id == handler.get_span_context().span_id
    assert [statement.attributes[CASE_ID_KEY], handler.attributes[CASE_ID_KEY]] == [CASE_ID, CASE_ID]


def test_a_request_outside_the_cases_trace_joins_it_through_a_linked_case_span(monkeypatch):
    def work(tracer):
        monkeypatch.setattr("shared.telemetry.case_scope._tracer", tracer)
        with tracer.start_as_current_span("registration") as registration:
            stored = traceparent_of(registration)
        with (
            tracer.start_as_current_span("court_link.accept"),
            case_scope(CASE_ID, stored, "court_link: referral accepted"),
        ):
            pass

    registration, case_span, request = spans_of(work)

    assert case_span.name == "court_link: referral accepted"
    assert case_span.context.trace_id == registration.context.trace_id != request.context.trace_id
    assert [link.context.span_id for link in case_span.links] == [request.context.span_id]
    assert request.attributes[CASE_ID_KEY] == case_span.attributes[CASE_ID_KEY] == CASE_ID


OTHER_CASE_ID = "430426-20261122-00002"


def test_a_request_that_serves_several_cases_names_none_of_them_rather_than_the_last(monkeypatch):
    # `wuyuan reconcile` asks the coordinator to send an agency's documents again: one request, many cases. Its access
    # line and span would otherwise name whichever case came last, and a search by that case would find it.
    def work(tracer):
        monkeypatch.setattr("shared.telemetry.case_scope._tracer", tracer)
        stored = {}
        for case_id in (CASE_ID, OTHER_CASE_ID):
            with tracer.start_as_current_span(f"registration {case_id}") as registration:
                stored[case_id] = traceparent_of(registration)
        with tracer.start_as_current_span("POST /api/v1/reconcile"):
            for case_id in (CASE_ID, OTHER_CASE_ID, OTHER_CASE_ID):
                with case_scope(case_id, stored[case_id], "coordinator: reconcile"):
                    pass

    *_, request = spans_of(work)
    case_spans = [span for span in spans_of(work) if span.name == "coordinator: reconcile"]

    assert request.name == "POST /api/v1/reconcile" and request.attributes[CASE_ID_KEY] == ""
    assert [span.attributes[CASE_ID_KEY] for span in case_spans] == [CASE_ID, OTHER_CASE_ID, OTHER_CASE_ID]


def test_a_stored_trace_is_read_only_from_a_well_formed_traceparent():
    assert trace_id_in({"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}) == int(
        "0af7651916cd43dd8448eb211c80319c", 16
    )
    for stored in (
        None,
        {},
        {"traceparent": 7},
        {"traceparent": "00-zz"},
        {"traceparent": "00-" + "0" * 32 + "-" + "1" * 16 + "-01"},
    ):
        assert trace_id_in(stored) is None


def test_a_trace_that_served_several_cases_is_nobodys_for_the_spans_exported_later():
    # A spot check's request runs each case in its own trace's stead (no stored trace): the spans it starts for the
    # next case would otherwise have the trace remembered as that case's again.
    backfill = CaseIdBackfill()
    backfill.remember(7, CASE_ID)
    backfill.forget(7)
    backfill.remember(7, OTHER_CASE_ID)

    assert backfill.case_of(7) is None
