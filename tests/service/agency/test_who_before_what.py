"""An agency's endpoints turn away a caller who may not use them at all (an officer of another agency's units) with
a 403 before the body is read: such a caller learns nothing of what the endpoint accepts. An officer of the agency who
names a unit they do not act for is still answered on the body first, then refused naming the unit.

The endpoints are found in the services themselves, so a new one is covered unasked.
"""

import copy
import json

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from shared.auth.principal import Principal, Role
from shared.http import ApiHandler, Authenticator
from tests.service.test_query_characters import ENDPOINTS, FakeContainer, FakeServer, endpoint_id, route_variables

AGENCY_SERVICES = {"court_link", "police_link", "justice_link", "petition_link", "stability"}
COURT_OFFICER = Principal("chen.jing", "陈静", frozenset({Role.OFFICER}), frozenset({"court:430426"}))
POLICE_OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))
# Refused by every body model: a field no model has, and none of the fields they need.
MALFORMED = {"unit": 42, "no_such_field": True}
SAMPLE_VALUES = {
    "referral_id": "00000000-0000-4000-8000-000000000007",
    "person_id": "00000000-0000-4000-8000-000000000009",
}


class Verifier:
    """Verifies every token as the given caller: what is checked here comes after the signature."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    def verify(self, token: str) -> Principal:
        return self.principal


def officers_endpoints() -> list[tuple[type, str, ApiHandler]]:
    return [
        case
        for case in ENDPOINTS
        if case[0].name in AGENCY_SERVICES and case[2].access.roles == frozenset({Role.OFFICER})
    ]


OFFICERS_ENDPOINTS = officers_endpoints()
WRITES = [case for case in OFFICERS_ENDPOINTS if "POST" in case[2].method]


def bound(
    service: type, method_name: str, prototype: ApiHandler, caller: Principal
) -> tuple[ApiHandler, FakeContainer]:
    handler = copy.copy(prototype)
    container = FakeContainer(service)
    handler.container = container  # type: ignore[assignment]
    handler.server = FakeServer()  # type: ignore[assignment]
    authenticator = Authenticator()
    authenticator.verifier = Verifier(caller)  # type: ignore[assignment]
    handler.authenticator = authenticator  # type: ignore[assignment]
    handler.method_name = method_name
    return handler, container


def post_to(entrypoint: ApiHandler, body: object) -> Request:
    request = EnvironBuilder(method="POST", json=body, headers={"Authorization": "Bearer any"}).get_request()
    request.path_values = {  # type: ignore[attr-defined]
        name: SAMPLE_VALUES.get(name, "2026") for name in route_variables(entrypoint)
    }
    return request


def malformed_request_to(entrypoint: ApiHandler) -> Request:
    """A body no model takes, or a query of a filter no endpoint has and a path no record has."""
    if "POST" in entrypoint.method:
        return post_to(entrypoint, MALFORMED)
    request = EnvironBuilder(
        method="GET", query_string="page=-1&no_such_filter=1", headers={"Authorization": "Bearer any"}
    ).get_request()
    request.path_values = dict.fromkeys(route_variables(entrypoint), "no number")  # type: ignore[attr-defined]
    return request


def answer(response: Response) -> tuple[int, dict]:
    return response.status_code, json.loads(response.get_data(as_text=True))


def test_the_sweep_finds_the_agencies_write_endpoints():
    found = {endpoint_id(case) for case in WRITES}

    assert "police_link:POST /api/v1/calls" in found
    assert "court_link:POST /api/v1/referrals/<referral_id>/accept" in found  # the agency base's, inherited
    assert "court_link:POST /api/v1/filings" in found
    assert "petition_link:GET /api/v1/petitions/<number>" in {endpoint_id(case) for case in OFFICERS_ENDPOINTS}


@pytest.mark.parametrize("case", OFFICERS_ENDPOINTS, ids=endpoint_id)
def test_an_officer_of_another_agency_sending_malformed_input_is_told_403_before_any_field_error(case, run_as):
    service, method_name, entrypoint = case
    run_as(service.name)
    stranger = POLICE_OFFICER if service.name == "court_link" else COURT_OFFICER
    handler, container = bound(service, method_name, entrypoint, stranger)

    status, body = answer(handler.handle_request(malformed_request_to(entrypoint)))

    assert (status, body["error"], "fields" in body) == (403, "forbidden", False)
    assert container.spawned == 0


@pytest.mark.parametrize("case", WRITES, ids=endpoint_id)
def test_an_officer_of_the_agency_reaches_the_endpoint_whatever_the_body(case, run_as):
    service, method_name, entrypoint = case
    run_as(service.name)
    own = {
        "court_link": "court:430426",
        "police_link": "police:430426",
        "justice_link": "justice:430426",
        "petition_link": "petition:430426",
        "stability": "plc:430426",
    }[service.name]
    officer = Principal("zhang.wei", "张伟", frozenset({Role.OFFICER}), frozenset({own}))
    handler, container = bound(service, method_name, entrypoint, officer)

    status, _ = answer(handler.handle_request(post_to(entrypoint, MALFORMED)))

    assert (status, container.spawned) == (200, 1)  # the worker validates the body, then the units it names


def test_the_committee_s_register_still_lets_coordinators_through_and_turns_away_other_agencies_officers(run_as):
    from services.stability.service import Stability

    run_as("stability")
    [(service, method_name, entrypoint)] = [
        case for case in ENDPOINTS if case[0] is Stability and case[2].url == "/api/v1/risk-register"
    ]
    coordinator = Principal("wang.fang", "王芳", frozenset({Role.COORDINATOR}))
    answers = {}
    for caller in (coordinator, COURT_OFFICER):
        handler, _ = bound(service, method_name, entrypoint, caller)
        request = EnvironBuilder(method="GET", query_string="colour=mauve", headers={"Authorization": "Bearer any"})
        asked = request.get_request()
        asked.path_values = {}  # type: ignore[attr-defined]
        answers[caller.subject] = answer(handler.handle_request(asked))[0]

    assert answers == {"wang.fang": 200, "chen.jing": 403}  # the worker judges the coordinator's filter
