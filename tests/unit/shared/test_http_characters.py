"""Query strings, path segments and values the database refuses: a 400 naming what is wrong, never a 500."""

import json
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from pydantic import BaseModel, ConfigDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from shared.http import (
    INVALID_VALUE,
    PUBLIC,
    ApiHandler,
    BadInput,
    case_id_in_path,
    json_response,
    parse_query,
    text_faults,
    validate_value,
)
from shared.messaging import consumer as consumer_module
from shared.messaging.consumer import InboxConsumer, retries_without_attempt
from shared.persistence.errors import InvalidValue, StoreError, StoreUnavailable
from shared.persistence.group_commit import database_down
from shared.persistence.transaction import store_error

FENCE_QUARREL = "430426-20261122-00001"


class CaseSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str | None = None
    status: str | None = None


class Note(BaseModel):
    note: str
    parties: list[dict[str, str]] = []


def get(query_string: str) -> Request:
    return EnvironBuilder(method="GET", query_string=query_string).get_request()


def refused(call: Any, *args: Any) -> list[dict[str, Any]]:
    with pytest.raises(BadInput) as refusal:
        call(*args)
    return refusal.value.fields  # type: ignore[return-value]


def body_of(response: Response) -> dict[str, Any]:
    assert response.mimetype == "application/json"
    body: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return body


# --- query strings ---------------------------------------------------------------------------------------


def test_a_nul_in_a_search_is_refused_naming_the_parameter():
    [error] = refused(parse_query, get("q=%E5%BC%A0%00%E4%B8%89"), CaseSearch)

    assert (error["field"], error["type"]) == ("q", "control_character")
    assert "张" not in str(error["message"])  # the value may be a person's name: never repeated


@pytest.mark.parametrize("control", ["%01", "%09", "%0A", "%0D", "%1B", "%1F", "%7F"])
def test_every_control_character_in_a_query_is_refused(control):
    [error] = refused(parse_query, get(f"status=registered&q=%E5%BC%A0{control}"), CaseSearch)

    assert (error["field"], error["type"]) == ("q", "control_character")


def test_a_parameter_whose_name_holds_a_nul_is_refused_as_the_query():
    [error] = refused(parse_query, get("q%00=1"), CaseSearch)

    assert (error["field"], error["type"]) == ("(query)", "control_character")


def test_a_repeated_parameter_is_checked_in_every_copy():
    [error] = refused(parse_query, get("q=%E5%BC%A0%E4%B8%89&q=%00"), CaseSearch)

    assert error["field"] == "q"


def test_a_parameter_that_takes_one_value_given_twice_is_refused_naming_it_not_read_as_the_first():
    """?status=closed&status=assigned: the first alone would answer with the closed cases, as if that were asked."""
    errors = refused(parse_query, get("status=closed&status=assigned&q=a&q=b"), CaseSearch)

    assert [(e["field"], e["type"]) for e in errors] == [("status", "repeated_parameter"), ("q", "repeated_parameter")]


def test_a_parameter_named_as_repeated_takes_every_copy():
    class Accounts(BaseModel):
        account: list[str]

    assert parse_query(get("account=wang.fang&account=liu.yang"), Accounts, repeated=("account",)).account == [
        "wang.fang",
        "liu.yang",
    ]


def test_chinese_text_spaces_and_punctuation_are_not_control_characters():
    search = parse_query(get("q=%E5%BC%A0%E4%B8%89+%E6%A5%BC%E9%81%93%EF%BC%88%E4%B8%80%EF%BC%89"), CaseSearch)

    assert search.q == "张三 楼道（一）"


def test_a_lone_surrogate_is_refused_as_not_unicode():
    [error] = text_faults([("q", "张\ud800")], "(query)")

    assert (error["field"], error["type"]) == ("q", "string_unicode")


# --- decoded values and path segments ----------------------------------------------------------------------


def test_a_nul_anywhere_in_decoded_input_is_refused_naming_its_path():
    fields = refused(validate_value, Note, {"note": "ok", "parties": [{"name": "李四"}, {"name": "王\x00五"}]})

    assert [(f["field"], f["type"]) for f in fields] == [("parties.1.name", "control_character")]


def test_a_lone_surrogate_in_decoded_input_is_refused():
    [error] = refused(validate_value, Note, {"note": "\udc80"})

    assert (error["field"], error["type"]) == ("note", "string_unicode")


def test_line_breaks_in_decoded_input_are_kept():
    # A note or a record's details may run over several lines: only NUL and lone surrogates are refused there.
    assert validate_value(Note, {"note": "第一行\n第二行\t完"}).note == "第一行\n第二行\t完"


def test_a_case_number_holding_a_nul_is_refused_naming_case_id():
    [error] = refused(case_id_in_path, FENCE_QUARREL + "\x00")

    assert (error["field"], error["type"]) == ("case_id", "control_character")


# --- every endpoint, before any worker ---------------------------------------------------------------------


class Desk:
    def show(self, request: Request, referral_id: str) -> Response:
        raise AssertionError("the fake container answers in its place")


@dataclass
class FakeContainer:
    spawned: list[tuple[Any, ...]] = field(default_factory=list)
    service_cls: type = Desk

    def spawn_worker(self, entrypoint: Any, args: tuple[Any, ...], kwargs: dict[str, Any], **options: Any) -> None:
        self.spawned.append(args)
        options["handle_result"](None, json_response(200, {"ran": True}), None)


class FakeServer:
    def context_data_from_headers(self, request: Request) -> dict[str, str]:
        return {}


@pytest.fixture
def container() -> FakeContainer:
    return FakeContainer()


@pytest.fixture
def endpoint(container: FakeContainer) -> ApiHandler:
    handler = ApiHandler("GET", "/api/v1/referrals/<referral_id>", access=PUBLIC, takes_query=True)
    handler.server = FakeServer()  # type: ignore[assignment]
    handler.container = container  # type: ignore[assignment]
    handler.method_name = "show"
    return handler


def routed(referral_id: str, query_string: str = "") -> Request:
    request = EnvironBuilder(method="GET", query_string=query_string).get_request()
    request.path_values = {"referral_id": referral_id}  # type: ignore[attr-defined]
    return request


def test_a_path_segment_holding_a_nul_answers_400_naming_it_and_no_worker_runs(endpoint, container):
    response = endpoint.handle_request(routed("7b0c\x00"))

    assert response.status_code == 400
    assert [(f["field"], f["type"]) for f in body_of(response)["fields"]] == [("referral_id", "control_character")]
    assert container.spawned == []


def test_a_query_parameter_the_endpoint_reads_by_hand_is_checked_too(endpoint, container):
    response = endpoint.handle_request(routed("7b0c", "format=svg%00"))

    assert response.status_code == 400
    assert [f["field"] for f in body_of(response)["fields"]] == ["format"]
    assert container.spawned == []


def test_clean_path_and_query_reach_the_worker(endpoint, container):
    assert endpoint.handle_request(routed("7b0c", "format=svg&q=%E5%BC%A0%E4%B8%89")).status_code == 200
    assert len(container.spawned) == 1


# --- values the database refuses ------------------------------------------------------------------------------

DATA_ERRORS = [
    psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),  # psycopg's, before sending
    psycopg.errors.InvalidTextRepresentation('invalid input syntax for type uuid: "13800138000"'),
    psycopg.errors.NumericValueOutOfRange('value "13800138000" is out of range for type integer'),
    psycopg.errors.CharacterNotInRepertoire("invalid byte sequence for encoding UTF8: 0x00"),
]


@pytest.mark.parametrize("driver_error", DATA_ERRORS, ids=lambda e: type(e).__name__)
def test_a_value_the_database_refuses_is_invalid_input_naming_no_value(driver_error):
    error = store_error(driver_error)

    assert isinstance(error, InvalidValue)
    assert not isinstance(error, StoreUnavailable)  # not an outage: retrying cannot help
    assert "13800138000" not in str(error)


def test_an_invalid_value_answers_400_in_the_field_error_shape_naming_no_value():
    response = ApiHandler("GET", "/api/v1/cases", access=PUBLIC).response_from_exception(
        store_error(DATA_ERRORS[2])  # type: ignore[arg-type]
    )

    assert response.status_code == 400
    body = body_of(response)
    assert body["error"] == "invalid_input"
    assert body["fields"] == [{"field": "(input)", "message": INVALID_VALUE, "type": "invalid_value"}]
    assert "13800138000" not in response.get_data(as_text=True)


def test_other_store_errors_still_answer_500():
    response = ApiHandler("GET", "/api/v1/cases", access=PUBLIC).response_from_exception(StoreError("syntax error"))

    assert response.status_code == 500


# --- a message whose value the database refuses ------------------------------------------------------------


class RecordingConsumer:
    def __init__(self) -> None:
        self.requeued: list[object] = []
        self.rejected: list[object] = []

    def requeue_message(self, message: object) -> None:
        self.requeued.append(message)

    def reject_message(self, message: object) -> None:
        self.rejected.append(message)


class Delivered:
    def __init__(self, attempts_before: int = 0) -> None:
        self.properties = {"type": "CaseRegistered", "message_id": "m-1"}
        deaths = [{"queue": "wuyuan.coordinator.inbox", "reason": "rejected", "count": attempts_before}]
        self.headers: dict[str, object] = {"x-death": deaths} if attempts_before else {}


@pytest.fixture
def inbox(monkeypatch) -> InboxConsumer:
    monkeypatch.setattr(consumer_module, "STORE_DOWN_PAUSE_SECONDS", 0)
    inbox = InboxConsumer()
    inbox.consumer = RecordingConsumer()  # type: ignore[assignment]
    inbox.queue_name = "wuyuan.coordinator.inbox"
    inbox.max_attempts = 3
    return inbox


def raised_from_the_driver() -> InvalidValue:
    try:
        try:
            raise DATA_ERRORS[0]
        except psycopg.DataError as exc:
            raise store_error(exc) from None
    except InvalidValue as invalid:
        return invalid


def test_a_refused_value_is_not_a_database_outage():
    invalid = raised_from_the_driver()

    assert not retries_without_attempt(invalid)
    assert not database_down(invalid)


def test_a_message_with_a_refused_value_uses_up_its_attempts(inbox):
    message = Delivered()

    inbox.settle(message, (InvalidValue, raised_from_the_driver(), None))  # type: ignore[arg-type]

    assert inbox.consumer.rejected == [message]  # type: ignore[union-attr]  # the retry queue counts it
    assert inbox.consumer.requeued == []  # type: ignore[union-attr]


def test_a_message_with_a_refused_value_is_dead_lettered_after_its_last_attempt(inbox, monkeypatch):
    dead: list[tuple[str, str]] = []
    monkeypatch.setattr(inbox, "dead_letter", lambda message, reason, code: dead.append((reason, code)))

    inbox.settle(Delivered(attempts_before=2), (InvalidValue, raised_from_the_driver(), None))  # type: ignore[arg-type]

    [(reason, code)] = dead
    assert "InvalidValue" in reason and code == "failed"
