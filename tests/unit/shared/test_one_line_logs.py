"""A log record stays one line whatever a caller sent: hostile paths and values cannot cut it or forge another."""

import json

import pytest

from shared.logs import one_line_json
from shared.web_server import loggable_path


def test_characters_line_readers_break_on_are_escaped_and_the_record_reads_back():
    record = {"event": "备注", "note": "第一行\u0085第二行\u2028第三行\u2029\n"}

    line = one_line_json(record, ensure_ascii=False)

    assert len(line.splitlines()) == 1
    assert "备注" in line  # Chinese stays readable
    assert json.loads(line) == record


def test_an_access_line_carries_the_path_percent_encoded():
    hostile = '/api/v1/documents/\u0085forged\r\n{"level": "error"}'.encode().decode("latin-1")

    path = loggable_path({"PATH_INFO": hostile})

    assert path.startswith("/api/v1/documents/%C2%85forged%0D%0A")
    assert path.isascii() and len(path.splitlines()) == 1
    assert loggable_path({"PATH_INFO": "/api/v1/cases/430426-20261121-00001"}) == "/api/v1/cases/430426-20261121-00001"


@pytest.mark.parametrize("prefix", ["/rate/", "/api/v1/ratings/"])
def test_an_access_line_keeps_the_case_and_round_of_a_rating_link_and_never_its_code(prefix):
    """The code rates and closes the case for whoever holds it: logs and their readers never see it."""
    path = loggable_path({"PATH_INFO": f"{prefix}430426-20261206-00002.1.mQSS9l2Xv4Jk_8wq"})

    assert path == f"{prefix}430426-20261206-00002.1.***"
    # A mistyped link (a slash after it, a doubled slash before) answers 404 and leaves the code valid: masked too.
    assert loggable_path({"PATH_INFO": f"/{prefix}430426-20261206-00002.1.mQSS9l2Xv4Jk_8wq/"}).endswith(".1.***/")


@pytest.mark.parametrize("prefix", ["/track/", "/api/v1/progress/"])
def test_an_access_line_keeps_the_case_and_day_of_a_progress_link_and_never_its_code(prefix):
    """The code opens the case's progress for whoever holds it: logs and their readers never see it."""
    path = loggable_path({"PATH_INFO": f"{prefix}430426-20261206-00002.20271206.mQSS9l2Xv4Jk_8wq"})
    assert path == f"{prefix}430426-20261206-00002.20271206.***"
