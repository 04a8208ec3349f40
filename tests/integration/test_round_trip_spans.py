"""Every round trip to PostgreSQL is one span in the case's trace, named after what it carried; polling stays out."""

import pytest
from opentelemetry import baggage, context
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared.persistence.errors import Conflict
from shared.persistence.transaction import transaction
from shared.telemetry.processors import CaseSpanProcessor
from shared.telemetry.propagation import CASE_ID_KEY

pytestmark = pytest.mark.integration

CASE_ID = "430426-20260315-00042"


@pytest.fixture
def exported(monkeypatch):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(CaseSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # The module's tracer is a proxy until a provider is set; point it at this one for the test.
    monkeypatch.setattr("shared.persistence.transaction._tracer", provider.get_tracer("test"))
    return exporter


@pytest.fixture
def notes(connections):
    with connections() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS span_notes (id int PRIMARY KEY, text text)")
        conn.execute("TRUNCATE span_notes")
        conn.commit()


def test_a_handler_makes_one_span_per_round_trip_in_its_case(connections, notes, exported):
    token = context.attach(baggage.set_baggage(CASE_ID_KEY, CASE_ID))
    try:
        with transaction(connections) as tx:
            tx.write("INSERT INTO span_notes VALUES (%s, %s)", (1, "调解成功，手机 13912345678"))
            assert tx.one("SELECT text FROM span_notes WHERE id = %s", (1,))["text"].startswith("调解成功")
            tx.write("UPDATE span_notes SET text = %s WHERE id = %s", ("已回访", 1))
    finally:
        context.detach(token)

    spans = exported.get_finished_spans()
    assert [span.name for span in spans] == ["INSERT; SELECT", "UPDATE; COMMIT"]
    for span in spans:
        assert span.kind is SpanKind.CLIENT
        assert span.attributes[CASE_ID_KEY] == CASE_ID
        assert span.attributes["db.system"] == "postgresql"
        # Values travel bound, never in the statement a span keeps.
        assert "13912345678" not in span.attributes["db.statement"]


def test_a_failed_round_trip_is_marked_and_raises_our_error(connections, notes, exported):
    with pytest.raises(Conflict), transaction(connections) as tx:
        tx.write("INSERT INTO span_notes VALUES (%s, %s)", (2, "一"))
        tx.execute("INSERT INTO span_notes VALUES (%s, %s)", (2, "二"))

    [span] = [s for s in exported.get_finished_spans() if s.name == "INSERT; INSERT"]
    assert span.status.status_code is StatusCode.ERROR


def test_suppressed_work_makes_no_spans(connections, notes, exported):
    with suppress_instrumentation(), transaction(connections) as tx:
        tx.execute("SELECT count(*) FROM span_notes")

    assert exported.get_finished_spans() == ()
