"""Every log line names the trace, span and case it belongs to; the access line too, though it is written after
the worker and its span have ended."""

import io
import json
import logging

import pytest
from opentelemetry import baggage, context
from opentelemetry.sdk.trace import TracerProvider
from werkzeug.wrappers import Response

from shared.logs import configure_logging
from shared.runtime.metrics import span_log_fields
from shared.telemetry.processors import CaseSpanProcessor
from shared.telemetry.propagation import CASE_ID_KEY
from shared.web_server import REQUEST_LOG_FIELDS_KEY, log_access

CASE_ID = "430426-20261122-00001"


@pytest.fixture
def json_lines():
    root = logging.getLogger()
    kept = root.handlers[:], root.level
    # configure_logging also turns off what no line carries (the caller's file and line, the thread): put it back.
    switches = logging._srcfile, logging.logThreads, logging.logProcesses, logging.logMultiprocessing
    configure_logging("coordinator")
    written = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)

    def read() -> list[dict]:
        return [json.loads(line) for line in written.getvalue().splitlines() if line.strip()]

    yield read
    root.handlers[:], _ = kept
    root.setLevel(kept[1])
    logging._srcfile, logging.logThreads, logging.logProcesses, logging.logMultiprocessing = switches


@pytest.fixture
def tracer():
    provider = TracerProvider()
    provider.add_span_processor(CaseSpanProcessor())
    yield provider.get_tracer("test")
    provider.shutdown()


def test_a_line_logged_while_handling_a_case_carries_its_trace_span_and_case(json_lines, tracer):
    token = context.attach(baggage.set_baggage(CASE_ID_KEY, CASE_ID))
    try:
        with tracer.start_as_current_span("coordinator: result reported") as span:
            logging.getLogger("services.coordinator.handlers").info("result recorded", extra={"unit": "court:430426"})
    finally:
        context.detach(token)

    (line,) = json_lines()
    assert line["event"] == "result recorded" and line["service"] == "coordinator"
    assert line["case_id"] == CASE_ID
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["span_id"] == format(span.get_span_context().span_id, "016x")


def test_the_access_line_is_json_with_the_workers_trace_and_case_and_no_query_string(json_lines, tracer):
    token = context.attach(baggage.set_baggage(CASE_ID_KEY, CASE_ID))
    try:
        with tracer.start_as_current_span("GET /api/v1/cases/<case_id>") as span:
            pass
    finally:
        context.detach(token)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/api/v1/cases/{CASE_ID}",
        "QUERY_STRING": "phone=13807450031",
        "REMOTE_ADDR": "10.0.0.7",
        REQUEST_LOG_FIELDS_KEY: lambda: span_log_fields(span),
    }

    log_access(environ, Response("{}", status=200), started=0.0)

    (line,) = json_lines()
    assert line["event"] == "http request" and line["service"] == "coordinator"
    assert (line["method"], line["path"], line["status"]) == ("GET", f"/api/v1/cases/{CASE_ID}", 200)
    assert line["case_id"] == CASE_ID
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert len(line["span_id"]) == 16
    assert "13807450031" not in json.dumps(line)


def test_an_access_line_for_a_request_no_worker_answered_has_no_ids(json_lines):
    log_access({"REQUEST_METHOD": "GET", "PATH_INFO": "/nowhere"}, Response("{}", status=404), started=0.0)

    (line,) = json_lines()
    assert line["status"] == 404 and "trace_id" not in line and "case_id" not in line


def test_numbers_nested_in_a_fields_lists_dicts_or_objects_are_redacted_as_top_level_ones_are(json_lines):
    class Party:
        def __str__(self) -> str:
            return "Party(name='陈立新', phone='13807341234')"

    logging.getLogger("shared.http").warning(
        "request refused",
        extra={
            "fields": [{"field": "parties.0.phone", "message": "13807341234 is not a mobile number"}],
            "headers": {"x-id": ("430426199005201239", 7)},
            "party": Party(),
            "broker": {"url": "amqp://coordinator:s3cret@127.0.0.1:5672/wuyuan"},
            "counts": {"open": 3, "overdue": None, "ratio": 0.5, "late": True},
            "caller": 13807341234,
            "holder": {"id": 430426199005201239, "cases": [15, 20261207001]},
        },
    )

    (line,) = json_lines()
    assert line["fields"] == [{"field": "parties.0.phone", "message": "[redacted] is not a mobile number"}]
    assert line["headers"] == {"x-id": ["[redacted]", 7]}
    assert line["party"] == "Party(name='陈立新', phone='[redacted]')"
    assert line["broker"] == {"url": "amqp://coordinator:***@127.0.0.1:5672/wuyuan"}
    assert line["counts"] == {"open": 3, "overdue": None, "ratio": 0.5, "late": True}
    # Numbers logged as integers: a mobile and an ID number go, a long number that is neither stays a number.
    assert line["caller"] == "[redacted]"
    assert line["holder"] == {"id": "[redacted]", "cases": [15, 20261207001]}
    assert "13807341234" not in json.dumps(line) and "s3cret" not in json.dumps(line)
