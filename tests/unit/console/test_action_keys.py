"""One user action, one change: the console sends each call of a posted form with a key made from the form's own."""

import json
from typing import Any

import pytest
import requests

from services.console.api_client import act_on, key_for, new_action_key
from services.console.dependencies import Apis
from shared.persistence.idempotency import KEY_HEADER, checked_key


class Wire:
    """Stands in for requests.Session: records the headers each call would send, answers 201."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    def request(self, method: str, url: str, **options: Any) -> requests.Response:
        self.sent.append(dict(options.get("headers") or {}))
        response = requests.Response()
        response.status_code = 201
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps({"case_id": "430426-20261204-00001"}).encode()
        return response


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
def apis(wire) -> Apis:
    return Apis({"intake": "http://intake:8002", "coordinator": "http://coordinator:8003"}, 4.0, session=wire)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_action():
    yield
    act_on(None)


def register(apis: Apis) -> None:
    apis.call("intake", "POST", "/api/v1/disputes", token="t", body={"summary": "宅基地纠纷"})


def test_the_same_form_sent_twice_sends_its_change_with_one_key(apis, wire):
    form_key = new_action_key()

    act_on(form_key)
    register(apis)
    act_on(form_key)  # the double click: the browser posts the same form again
    register(apis)

    first, second = (headers[KEY_HEADER] for headers in wire.sent)
    assert first == second
    assert checked_key(first) == first


def test_another_rendering_of_the_form_is_another_action(apis, wire):
    for _ in range(2):
        act_on(new_action_key())
        register(apis)

    first, second = (headers[KEY_HEADER] for headers in wire.sent)
    assert first != second


def test_the_calls_of_one_action_have_keys_of_their_own():
    act_on(new_action_key())

    assert key_for("POST", "/api/v1/cases/x/assign") != key_for("POST", "/api/v1/cases/x/call-in")


@pytest.mark.parametrize("posted", [None, "", "not-a-key", "A" * 32])
def test_without_a_usable_form_key_every_call_gets_a_fresh_key(posted):
    act_on(posted)

    assert key_for("POST", "/p") != key_for("POST", "/p")


def test_reads_carry_no_key(apis, wire):
    act_on(new_action_key())

    apis.call("coordinator", "GET", "/api/v1/cases", token="t")

    assert KEY_HEADER not in wire.sent[0]
