"""A console page about a case names it on its span, so its access line carries the case id as the services' do."""

import pytest

from services.console.pages import PageNotFound
from services.console.service import case_in_path
from shared.runtime.metrics import span_log_fields
from shared.telemetry.propagation import CASE_ID_KEY
from tests.spans import recording_provider

CASE_ID = "430426-20261207-00002"


def test_a_case_page_names_its_case_on_the_span_its_access_line_is_read_from():
    provider, exporter = recording_provider()
    with provider.get_tracer("test").start_as_current_span("console.case") as span:
        assert case_in_path(CASE_ID) == CASE_ID
        fields = span_log_fields(span)
    provider.shutdown()

    [finished] = exporter.get_finished_spans()
    assert finished.attributes[CASE_ID_KEY] == CASE_ID
    assert fields["case_id"] == CASE_ID


def test_a_path_that_is_no_case_number_is_not_found_and_names_no_case():
    provider, exporter = recording_provider()
    with provider.get_tracer("test").start_as_current_span("console.case"), pytest.raises(PageNotFound):
        case_in_path("../../etc")
    provider.shutdown()

    [finished] = exporter.get_finished_spans()
    assert CASE_ID_KEY not in finished.attributes
