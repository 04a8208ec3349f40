"""HTTP input and errors: bodies are checked before use, and every error answers with a clear status and fields."""

import json

import pytest
from pydantic import BaseModel, ConfigDict
from werkzeug.test import EnvironBuilder

from shared.contracts.disputes import DisputeReport
from shared.http import MAX_BODY_BYTES, PUBLIC, ApiHandler, BadInput, json_response, parse_body, validate_value
from shared.persistence.errors import Conflict, NotFound, StoreError, StoreUnavailable
from shared.refusal import Refused

WALK_IN = {
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101",
    "summary": "李四家装修占用公共楼道。",
    "parties": [
        {"role": "applicant", "name": "张三", "phone": "13800138000"},
        {"role": "respondent", "name": "李四"},
    ],
}


class Officer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: str


def post(data: bytes, content_type: str = "application/json"):
    return EnvironBuilder(method="POST", data=data, content_type=content_type).get_request()


def post_json(body: object):
    return EnvironBuilder(method="POST", json=body).get_request()


def refusal(request, model=DisputeReport) -> list[dict]:
    with pytest.raises(BadInput) as refused:
        parse_body(request, model)
    return refused.value.fields


def body_of(response) -> dict:
    return json.loads(response.get_data(as_text=True))


# --- parse_body ------------------------------------------------------------------------


def test_a_valid_body_becomes_the_model():
    report = parse_body(post_json(WALK_IN), DisputeReport)

    assert [p.name for p in report.parties] == ["张三", "李四"]


def test_a_body_that_is_not_json_is_refused_as_the_body():
    [error] = refusal(post(b"case_id=430426-20261122-00001", "application/x-www-form-urlencoded"))

    assert (error["field"], error["type"]) == ("(body)", "unsupported_media_type")


def test_a_body_that_is_not_utf8_is_refused_as_the_body():
    [error] = refusal(post("张三".encode("gbk")))

    assert (error["field"], error["type"]) == ("(body)", "json_invalid")


@pytest.mark.parametrize("body", [[WALK_IN], "张三", 42, None])
def test_a_json_body_that_is_not_an_object_is_refused(body):
    [error] = refusal(post_json(body))

    assert (error["field"], error["type"]) == ("(body)", "dict_type")


def test_an_empty_body_is_refused_as_not_an_object():
    [error] = refusal(post(b""))

    assert error["type"] == "dict_type"


def test_a_body_over_the_limit_is_refused_before_it_is_parsed():
    oversized = json.dumps({**WALK_IN, "summary": "张" * MAX_BODY_BYTES}).encode()

    [error] = refusal(post(oversized))

    assert (error["field"], error["type"]) == ("(body)", "too_large")


def test_a_body_of_exactly_the_limit_is_read():
    padding = MAX_BODY_BYTES - len(b'{"officer": ""}')
    request = post(json.dumps({"officer": "x" * padding}).encode())

    assert len(parse_body(request, Officer).officer) == padding


def test_every_invalid_field_is_named_with_its_path():
    bad = {
        **WALK_IN,
        "division_code": "12",
        "parties": [WALK_IN["parties"][0], {"role": "respondent", "name": "李四", "phone": "12345"}],
    }
    del bad["summary"]

    fields = refusal(post_json(bad))

    assert sorted(f["field"] for f in fields) == ["division_code", "parties.1.phone", "summary"]
    assert all(f["message"] for f in fields)


def test_an_unexpected_field_is_named():
    fields = refusal(post_json({"officer": "刘警官", "badge": "4301"}), Officer)

    assert [(f["field"], f["type"]) for f in fields] == [("badge", "extra_forbidden")]


def test_validate_value_names_fields_like_parse_body():
    with pytest.raises(BadInput) as refused:
        validate_value(Officer, {})

    assert [f["field"] for f in refused.value.fields] == ["officer"]


# --- errors as responses ------------------------------------------------------------------

HANDLER = ApiHandler("POST", "/api/v1/disputes", access=PUBLIC)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (BadInput([{"field": "summary", "message": "Field required", "type": "missing"}]), 400, "invalid_input"),
        (NotFound("no case 430426-20261122-00009"), 404, "not_found"),
        (Refused("referral_closed", "referral is already closed"), 409, "conflict"),
        (Conflict("duplicate key"), 409, "conflict"),
        (StoreUnavailable("could not connect"), 503, "unavailable"),
        (StoreError("syntax error at or near SELEC"), 500, "internal"),
        (KeyError("registry"), 500, "internal"),
    ],
)
def test_each_error_maps_to_its_status(error, status, code):
    response = HANDLER.response_from_exception(error)

    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert body_of(response)["error"] == code


def test_bad_input_answers_with_the_fields():
    fields = [{"field": "parties.1.phone", "message": "must be an 11-digit mainland mobile number", "type": "value"}]

    response = HANDLER.response_from_exception(BadInput(fields))

    assert body_of(response)["fields"] == fields


@pytest.mark.parametrize(
    "error",
    [
        NotFound("no case 430426-20261122-00009"),
        Refused("already_rated", "case 430426-20261122-00009 round 1 was already rated"),
    ],
)
def test_not_found_and_conflicts_say_which_case(error):
    message = body_of(HANDLER.response_from_exception(error))["message"]

    assert message == str(error)
    assert "430426-20261122-00009" in message


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("password authentication failed for user wuyuan_intake at 10.0.3.7"),
        StoreUnavailable("connection to server at 10.0.3.7 port 5432 failed"),
    ],
)
def test_internal_and_storage_errors_never_leak_their_text(error):
    response = HANDLER.response_from_exception(error)

    text = response.get_data(as_text=True)
    assert "10.0.3.7" not in text
    assert "wuyuan_intake" not in text


def test_the_handler_expects_our_errors_so_they_are_not_logged_as_crashes():
    expected = HANDLER.expected_exceptions

    assert all(issubclass(e, expected) for e in (BadInput, NotFound, Conflict, Refused, StoreUnavailable))
    assert not issubclass(RuntimeError, expected)


def test_responses_keep_chinese_text_readable():
    response = json_response(200, {"name": "张三"})

    assert "张三" in response.get_data(as_text=True)


def test_answers_write_times_and_dates_in_iso_8601():
    from datetime import UTC, date, datetime
    from uuid import UUID

    response = json_response(
        200,
        {"at": datetime(2026, 12, 5, 18, 38, 37, 84985, tzinfo=UTC), "on": date(2026, 12, 5), "id": UUID(int=1)},
    )

    assert json.loads(response.get_data()) == {
        "at": "2026-12-05T18:38:37.084985+00:00",
        "on": "2026-12-05",
        "id": "00000000-0000-0000-0000-000000000001",
    }


def test_stored_json_writes_times_as_answers_do():
    from datetime import UTC, datetime

    from shared.persistence.jsonb import jsonb

    stored = jsonb({"due_at": datetime(2026, 12, 25, 9, 30, tzinfo=UTC)})

    assert json.loads(stored.dumps(stored.obj)) == {"due_at": "2026-12-25T09:30:00+00:00"}
