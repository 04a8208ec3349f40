"""Database round trips in a case's trace: counted on the hop's span, a span of their own when slow or failed."""

import pytest
from opentelemetry import baggage, context
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind, StatusCode

from shared.persistence.errors import Conflict
from shared.persistence.transaction import transaction
from shared.telemetry import round_trips
from shared.telemetry.propagation import CASE_ID_KEY
from tests.spans import recording_provider

pytestmark = pytest.mark.integration

CASE_ID = "430426-20260315-00042"


@pytest.fixture
def tracer(monkeypatch):
    provider, exporter = recording_provider()
    # The module's tracer is a proxy until a provider is set; point it at this one for the test.
    monkeypatch.setattr(round_trips, "_tracer", provider.get_tracer("test"))
    hop_tracer = provider.get_tracer("hop")
    hop_tracer.exported = exporter
    return hop_tracer


@pytest.fixture
def every_round_trip(monkeypatch):
    monkeypatch.setattr(round_trips, "span_threshold_ns", lambda: 0)  # WUYUAN_DB_SPAN_MIN_MS=0


@pytest.fixture
def notes(connections):
    with connections() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS span_notes (id int PRIMARY KEY, text text)")
        conn.execute("TRUNCATE span_notes")
        conn.commit()


def handle(tracer, connections, work) -> None:
    """Run `work(tx)` in one transaction inside a handler's span, in the case's baggage."""
    token = context.attach(baggage.set_baggage(CASE_ID_KEY, CASE_ID))
    try:
        with tracer.start_as_current_span("coordinator handle ResultReported"), transaction(connections) as tx:
            work(tx)
    finally:
        context.detach(token)


def note_and_read(tx) -> None:
    tx.write("INSERT INTO span_notes VALUES (%s, %s)", (1, "调解成功，手机 13912345678"))
    assert tx.one("SELECT text FROM span_notes WHERE id = %s", (1,))["text"].startswith("调解成功")
    tx.write("UPDATE span_notes SET text = %s WHERE id = %s", ("已回访", 1))


def test_the_hops_span_counts_its_round_trips_and_fast_ones_make_no_span(connections, notes, tracer):
    handle(tracer, connections, note_and_read)

    [hop] = tracer.exported.get_finished_spans()
    assert hop.attributes[round_trips.ROUND_TRIPS] == 2  # BEGIN; INSERT; SELECT, then UPDATE; COMMIT
    assert hop.attributes[round_trips.TIME_MS] > 0


def test_a_slow_round_trip_is_a_span_of_its_own_beneath_the_hop(connections, notes, tracer):
    handle(tracer, connections, lambda tx: tx.one("SELECT pg_sleep(%s)", (0.05,)))

    slow, hop = tracer.exported.get_finished_spans()
    assert slow.name == "SELECT"
    assert slow.parent.span_id == hop.context.span_id
    assert slow.attributes[CASE_ID_KEY] == CASE_ID
    assert (slow.end_time - slow.start_time) >= 50_000_000


def test_with_no_threshold_every_round_trip_is_a_span_named_after_what_it_carried(
    connections, notes, tracer, every_round_trip
):
    handle(tracer, connections, note_and_read)

    *statements, hop = tracer.exported.get_finished_spans()
    # A fresh connection first prepares the statements of its first round trip, each alone (not counted as
    # the hop's: they are the connection's), then the hop's own round trips follow.
    assert [span.name for span in statements] == ["PREPARE", "PREPARE", "INSERT; SELECT", "UPDATE; COMMIT"]
    assert hop.attributes[round_trips.ROUND_TRIPS] == 2
    for span in statements:
        assert span.parent.span_id == hop.context.span_id
        assert span.kind is SpanKind.CLIENT
        assert span.attributes[CASE_ID_KEY] == CASE_ID
        assert span.attributes["db.system"] == "postgresql"
        # Values travel bound, never in the statement a span keeps.
        assert "13912345678" not in span.attributes["db.statement"]


def test_a_failed_round_trip_is_a_span_marked_failed_and_raises_our_error(connections, notes, tracer):
    def twice(tx) -> None:
        tx.write("INSERT INTO span_notes VALUES (%s, %s)", (2, "一"))
        tx.execute("INSERT INTO span_notes VALUES (%s, %s)", (2, "二"))

    with pytest.raises(Conflict):
        handle(tracer, connections, twice)

    [failed] = [span for span in tracer.exported.get_finished_spans() if span.name == "INSERT; INSERT"]
    assert failed.status.status_code is StatusCode.ERROR


def test_suppressed_work_is_neither_counted_nor_a_span(connections, notes, tracer, every_round_trip):
    with tracer.start_as_current_span("relay pass"), suppress_instrumentation(), transaction(connections) as tx:
        tx.execute("SELECT count(*) FROM span_notes")

    [relay] = tracer.exported.get_finished_spans()
    assert round_trips.ROUND_TRIPS not in relay.attributes
