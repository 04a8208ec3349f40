"""Request bodies: only JSON is read, and whatever a client sends is a model or a clear 4xx, never a crash."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict
from werkzeug.test import EnvironBuilder

from shared.contracts.dates import ClockMissing, NotAfterToday
from shared.contracts.disputes import DisputeReport
from shared.contracts.strict_json import MAX_DEPTH, TextFault, UnstorableText, _check_decoded, loads_strict
from shared.http import PUBLIC, ApiHandler, BadInput, UnsupportedMediaType, parse_body
from tests.unit.contracts.test_field_rules import Gathering
from tests.unit.contracts.test_field_rules import Register as Gatherings

WALK_IN = {
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101",
    "summary": "李四家装修占用公共楼道。",
    "parties": [
        {"role": "applicant", "name": "张三", "phone": "13800138000", "id_number": "430426199005201239"},
        {"role": "respondent", "name": "李四"},
    ],
}


class Officer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: str


def post(data: bytes, content_type: str | None = "application/json"):
    return EnvironBuilder(method="POST", data=data, content_type=content_type).get_request()


def refusal(request, model: type[BaseModel] = DisputeReport) -> BadInput:
    with pytest.raises(BadInput) as refused:
        parse_body(request, model)
    return refused.value


# --- only JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"officer=zhao", "application/x-www-form-urlencoded"),
        (b'{"officer": "zhao"}', "text/plain"),  # what a cross-site form may send without asking
        (
            b"--x\r\nContent-Disposition: form-data; name=officer\r\n\r\nzhao\r\n--x--",
            "multipart/form-data; boundary=x",
        ),
        (b'{"officer": "zhao"}', None),
        (b'{"officer": "zhao"}', "application/json; charset=gbk"),
        (b'{"officer": "zhao"}', "application/jsonp"),
    ],
)
def test_a_body_not_declared_as_utf8_json_is_refused_naming_the_body(data, content_type):
    refused = refusal(post(data, content_type), Officer)

    assert isinstance(refused, UnsupportedMediaType)
    assert [(f["field"], f["type"]) for f in refused.fields] == [("(body)", "unsupported_media_type")]


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON; charset=UTF-8"]
)
def test_json_with_or_without_its_charset_is_read(content_type):
    assert parse_body(post(b'{"officer": "zhao"}', content_type), Officer).officer == "zhao"


def test_no_body_and_no_content_type_is_refused_as_not_an_object_as_before():
    [error] = refusal(post(b"", None), Officer).fields

    assert error["type"] == "dict_type"


# --- strict JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 100_000 + b"]" * 100_000,  # RecursionError inside json
        b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1),
        b'{"officer": NaN}',
        b'{"officer": Infinity}',
        b'{"officer": -Infinity}',
        b'{"officer": 1e999}',
        b'{"officer": ' + b"9" * 5000 + b"}",  # past Python's int-from-text limit
        b'{"officer": "a", "officer": "b"}',
        b"\xef\xbb\xbf{}",  # a byte-order mark
        "{}".encode("utf-16"),
        b'{"officer": "\xff"}',
    ],
    ids=lambda data: repr(data)[:30],
)
def test_json_that_two_parsers_or_postgres_would_read_differently_is_refused_as_the_body(data):
    [error] = refusal(post(data), Officer).fields

    assert (error["field"], error["type"]) == ("(body)", "json_invalid")
    assert len(error["message"]) < 300


@pytest.mark.parametrize(
    ("data", "field", "error_type"),
    [
        (b'{"officer": "a\\u0000b"}', "officer", "control_character"),
        (b'{"officer": "\\ud800"}', "officer", "string_unicode"),
        (b'{"officer": "\\udc00\\ud800"}', "officer", "string_unicode"),  # a pair in the wrong order is two lone ones
    ],
)
def test_text_no_database_could_keep_is_refused_naming_its_field(data, field, error_type):
    [error] = refusal(post(data), Officer).fields

    assert (error["field"], error["type"]) == (field, error_type)


def test_text_no_database_could_keep_deep_in_a_body_is_named_by_its_path_and_never_repeated():
    body = {**WALK_IN, "parties": [WALK_IN["parties"][0], {"role": "respondent", "name": "李\x00四"}]}

    [error] = refusal(post(json.dumps(body).encode())).fields

    assert (error["field"], error["type"]) == ("parties.1.name", "control_character")
    assert "李" not in str(error["message"])  # a person's name: never repeated


def test_every_field_holding_such_text_is_named_at_once():
    body = {**WALK_IN, "summary": "占用\ud800楼道", "division_code": "430426\x00101"}

    fields = refusal(post(json.dumps(body).encode())).fields

    assert [(f["field"], f["type"]) for f in fields] == [
        ("division_code", "control_character"),
        ("summary", "string_unicode"),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"offi\x00cer": "zhao"}, "(body)"),
        ({"parties": [{"name": "张三"}, {"na\x00me": "李四"}]}, "parties.1"),
        ({"parties": [{"\ud800": "李四"}]}, "parties.0"),
    ],
)
def test_a_key_holding_such_text_names_the_object_that_holds_it(body, field):
    [error] = refusal(post(json.dumps(body).encode())).fields

    assert error["field"] == field
    assert "key" in str(error["message"])


def test_an_escaped_surrogate_pair_is_one_character_and_is_read():
    assert parse_body(post(b'{"officer": "zhao \\ud83d\\ude00"}'), Officer).officer == "zhao \U0001f600"


def test_a_consumer_s_refusal_of_such_text_says_where_it_is():
    with pytest.raises(UnstorableText) as refused:
        loads_strict(b'{"type": "ProgressReported", "note": "a\\u0000b"}')

    assert refused.value.faults == [TextFault(("note",), "nul")]
    assert str(refused.value) == "text at note contains a NUL character"


def test_such_text_deeper_than_any_value_may_nest_is_refused_for_its_depth():
    nested = b'{"a":' * MAX_DEPTH + b'"\\u0000"' + b"}" * MAX_DEPTH

    with pytest.raises(ValueError, match="nested deeper") as refused:
        loads_strict(nested)

    assert not isinstance(refused.value, UnstorableText)


def test_nesting_up_to_the_limit_is_still_json():
    nested = b'{"a":' * (MAX_DEPTH - 1) + b"1" + b"}" * (MAX_DEPTH - 1)

    assert loads_strict(nested)["a"]["a"]


# Any character, and often the ones to refuse: NUL and surrogates (alone, or pairs that json joins).
any_text = st.text(
    st.characters(codec=None, exclude_categories=()) | st.characters(categories=["Cs"]) | st.just("\x00"), max_size=8
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | any_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=80,
)


def outcome(read: Any, data: bytes) -> tuple[str, object]:
    try:
        return "read", read(data)
    except ValueError:
        return "refused", None


def read_walking_every_value(data: bytes) -> object:
    """The reference: the same reading with the walk over every value, whatever the text holds."""
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=float, object_pairs_hook=dict)
    except RecursionError:
        raise ValueError("too deep") from None
    _check_decoded(value)
    return value


@settings(max_examples=500, deadline=None)
@given(value=json_values, ascii_only=st.booleans(), depth=st.integers(0, MAX_DEPTH + 2))
def test_reading_without_the_walk_refuses_exactly_what_the_walk_refuses(value, ascii_only, depth):
    text = "[" * depth + json.dumps(value, ensure_ascii=ascii_only) + "]" * depth
    data = text.encode("utf-8", "surrogatepass")  # a raw lone surrogate makes bytes UTF-8 refuses, as it should

    assert outcome(loads_strict, data) == outcome(read_walking_every_value, data)


def test_a_rule_across_fields_is_refused_naming_its_field_not_the_body():
    [error] = refusal(post(b'{"kind": "group"}'), Gathering).fields

    assert error == {"field": "size", "message": "a group needs its size (人数)", "type": "missing"}


def test_a_rule_across_fields_of_a_nested_object_names_the_field_s_path():
    data = b'{"gatherings": [{"kind": "petition"}, {"kind": "group"}]}'

    [error] = refusal(post(data), Gatherings).fields

    assert error["field"] == "gatherings.1.size"


def test_a_validator_that_raises_an_unexpected_error_is_still_a_refusal():
    class Touchy(BaseModel):
        @classmethod
        def model_validate(cls, *args: Any, **kwargs: Any) -> Any:
            raise KeyError("tripped")

    [error] = refusal(post(b"{}"), Touchy).fields

    assert error["field"] == "(body)"


# --- dates not in the future: judged with every other field ---------------------------------------------------------

SESSION_CLOCK = datetime(2026, 12, 4, 1, 30, tzinfo=UTC)  # 09:30 on 4 December in Beijing


class Session(BaseModel):
    model_config = ConfigDict(extra="forbid")
    held_on: NotAfterToday
    note: str


def test_a_day_after_today_is_refused_in_the_same_400_as_the_other_fields():
    with pytest.raises(BadInput) as refused:
        parse_body(post(b'{"held_on": "2026-12-05"}'), Session, SESSION_CLOCK)

    assert refused.value.fields == [
        {"field": "held_on", "message": "is after today (2026-12-04)", "type": "date_future"},
        {"field": "note", "message": "Field required", "type": "missing"},
    ]


def test_a_body_whose_model_needs_the_clock_parsed_without_it_is_the_endpoints_error_a_500_not_a_pass():
    with pytest.raises(ClockMissing) as missing:
        parse_body(post(json.dumps({"held_on": "2099-01-01", "note": "补录"}).encode()), Session)

    assert ApiHandler("POST", "/", access=PUBLIC).response_from_exception(missing.value).status_code == 500


def test_a_body_without_such_a_date_needs_no_clock():
    assert parse_body(post(b'{"officer": "zhao.li"}'), Officer).officer == "zhao.li"


# --- fuzzing --------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def mutated(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid body with one field dropped, replaced by any JSON, or one field added."""
    return st.sampled_from(sorted(valid)).flatmap(
        lambda key: st.one_of(
            st.just({k: v for k, v in valid.items() if k != key}),
            json_values.map(lambda junk: {**valid, key: junk}),
            json_values.map(lambda junk: {**valid, key + "_": junk}),
        )
    )


def report_like() -> st.SearchStrategy[dict[str, Any]]:
    """Bodies shaped by DisputeReport's fields: each valid, missing or junk, parties too."""
    party = st.fixed_dictionaries(
        {},
        optional={
            "role": st.sampled_from(["applicant", "respondent", "witness"]) | json_values,
            "kind": st.sampled_from(["person", "organisation"]) | json_values,
            "name": st.text(max_size=60) | json_values,
            "id_number": st.sampled_from(["430426199005201239", "٤٣٠٤٢٦١٩٩٠٠٥٢٠١٢٣٩"]) | st.text(max_size=20),
            "phone": st.sampled_from(["13800138000", "１３８００１３８０００"]) | st.text(max_size=15),
        },
    )
    return st.fixed_dictionaries(
        {},
        optional={
            **{field: st.just(WALK_IN[field]) | json_values for field in WALK_IN if field != "parties"},
            "parties": st.lists(party, max_size=4) | json_values,
            "flags": st.lists(st.text(max_size=10), max_size=3) | json_values,
        },
    )


def encoded(value: object) -> bytes:
    # allow_nan: let NaN and Infinity through to the parser, which must refuse them
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(encoded),
    report_like().map(encoded),
    mutated(WALK_IN).map(encoded),
    st.just(encoded(WALK_IN)),
)
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", None]
)
HANDLER = ApiHandler("POST", "/api/v1/disputes", access=PUBLIC)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=bodies, content_type=content_types)
def test_every_body_is_a_report_or_a_json_4xx_never_a_500(data, content_type):
    try:
        report = parse_body(post(data, content_type), DisputeReport, SESSION_CLOCK)  # at intake's clock
    except BadInput as refused:
        response = HANDLER.response_from_exception(refused)
        assert response.status_code in (400, 415)
        assert response.mimetype == "application/json"
        answer = json.loads(response.get_data(as_text=True))
        assert answer["fields"] and all(f["field"] and f["message"] for f in answer["fields"])
    else:
        assert isinstance(report, DisputeReport)
        assert all(p.id_number is None or p.id_number.isascii() for p in report.parties)
