"""Every service's endpoints refuse a NUL or another control character in a path segment or a query with a 400
naming it, before any worker runs (the database cannot hold a NUL, and answered such a search with a 500).

The endpoints and their query models are found in the services themselves, so a new one is covered unasked.
"""

import ast
import copy
import importlib
import inspect
import json
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from werkzeug.routing import Map
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from shared.auth.principal import Principal, Role
from shared.http import ApiHandler, BadInput, json_response, parse_query
from shared.runtime.service_base import PlatformService

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
EVERY_ROLE = Principal("zhao.yunwei", "赵运维", frozenset(Role), frozenset({"centre:430426", "police:430426101"}))


def service_classes() -> list[type[PlatformService]]:
    found = []
    for module_file in sorted(SERVICES_DIR.glob("*/service.py")):
        module = importlib.import_module(f"services.{module_file.parent.name}.service")
        found += [
            value
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, PlatformService) and value.__module__ == module.__name__
        ]
    return list(dict.fromkeys(found))  # a module may name its service twice (for `nameko run`)


def api_endpoints() -> list[tuple[type, str, ApiHandler]]:
    endpoints = []
    for service in service_classes():
        for method_name, method in inspect.getmembers(service, inspect.isfunction):
            for entrypoint in getattr(method, "nameko_entrypoints", ()):
                if isinstance(entrypoint, ApiHandler):
                    endpoints.append((service, method_name, entrypoint))
    return endpoints


def query_models(service: type) -> dict[str, type[BaseModel]]:
    """Each method's query model: the second argument of the `parse_query` call in its body."""
    models: dict[str, type[BaseModel]] = {}
    for cls in reversed(service.__mro__):  # a subclass's method replaces its base's
        if not issubclass(cls, PlatformService):
            continue
        namespace = vars(sys.modules[cls.__module__])
        for node in ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body:  # type: ignore[attr-defined]
            if not isinstance(node, ast.FunctionDef):
                continue
            models.pop(node.name, None)
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "parse_query":
                    expression = ast.Expression(call.args[1])
                    models[node.name] = eval(compile(expression, cls.__module__, "eval"), namespace)
    return models


ENDPOINTS = api_endpoints()
QUERIES = [
    (service, method_name, entrypoint, model)
    for service, method_name, entrypoint in ENDPOINTS
    if (model := query_models(service).get(method_name)) is not None
]


def endpoint_id(case: tuple[Any, ...]) -> str:
    service, _, entrypoint = case[:3]
    return f"{service.name}:{entrypoint.method} {entrypoint.url}"


@dataclass
class FakeContainer:
    """Answers 200 in the worker's place, and remembers that a worker ran."""

    service_cls: type
    spawned: int = 0

    def spawn_worker(self, entrypoint: Any, args: tuple[Any, ...], kwargs: dict[str, Any], **options: Any) -> None:
        self.spawned += 1
        options["handle_result"](None, json_response(200, {"ran": True}), None)


class FakeServer:
    def context_data_from_headers(self, request: Request) -> dict[str, str]:
        return {}


class EveryRole:
    """Lets every call through as a caller with every role: what is checked here comes after who calls."""

    def authenticate(self, request: Request, access: Any) -> Principal:
        return EVERY_ROLE


def bound(service: type, method_name: str, prototype: ApiHandler) -> tuple[ApiHandler, FakeContainer]:
    handler = copy.copy(prototype)
    container = FakeContainer(service)
    handler.container = container  # type: ignore[assignment]
    handler.server = FakeServer()  # type: ignore[assignment]
    handler.authenticator = EveryRole()  # type: ignore[assignment]
    handler.method_name = method_name
    return handler, container


def route_variables(entrypoint: ApiHandler) -> list[str]:
    rule = entrypoint.get_url_rule()
    Map([rule])  # a rule learns its variables when a map compiles it
    return sorted(rule.arguments)


def request_to(entrypoint: ApiHandler, path_values: dict[str, str], query_string: str = "") -> Request:
    method = entrypoint.method.split(",")[0].strip()
    request = EnvironBuilder(method=method, query_string=query_string).get_request()
    request.path_values = path_values  # type: ignore[attr-defined]
    return request


def refused_fields(response: Response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = json.loads(response.get_data(as_text=True))
    assert body["error"] == "invalid_input"
    return [(f["field"], f["type"]) for f in body["fields"]]


def test_the_sweep_finds_the_services_endpoints_and_their_query_models():
    found = {endpoint_id(case) for case in QUERIES}

    assert "coordinator:GET /api/v1/cases" in found
    assert "court_link:GET /api/v1/referrals" in found  # the agency base's, inherited
    assert len({service for service, _, _ in ENDPOINTS}) >= 8


WITH_VARIABLES = [case for case in ENDPOINTS if route_variables(case[2])]


@pytest.mark.parametrize("case", WITH_VARIABLES, ids=endpoint_id)
def test_a_nul_in_any_path_segment_answers_400_naming_it_before_any_worker(case):
    service, method_name, entrypoint = case
    variables = route_variables(entrypoint)
    for bad in variables:
        handler, container = bound(service, method_name, entrypoint)
        values = {name: "a\x00b" if name == bad else "2026" for name in variables}

        response = handler.handle_request(request_to(entrypoint, values))

        assert refused_fields(response) == [(bad, "control_character")]
        assert container.spawned == 0


@pytest.mark.parametrize("case", QUERIES, ids=endpoint_id)
def test_a_nul_in_any_query_parameter_answers_400_naming_it_before_any_worker(case):
    service, method_name, entrypoint, model = case
    values = dict.fromkeys(route_variables(entrypoint), "2026")
    for name in model.model_fields:
        handler, container = bound(service, method_name, entrypoint)

        response = handler.handle_request(request_to(entrypoint, values, f"{name}=a%00b"))

        assert refused_fields(response) == [(name, "control_character")]
        assert container.spawned == 0


@pytest.mark.parametrize("case", QUERIES, ids=endpoint_id)
def test_each_query_model_refuses_a_control_character_in_each_of_its_parameters(case):
    model = case[3]
    for name in model.model_fields:
        for control in ("%00", "%0A", "%1F"):
            request = EnvironBuilder(method="GET", query_string=f"{name}=a{control}b").get_request()

            with pytest.raises(BadInput) as refused:
                parse_query(request, model)

            assert [(f["field"], f["type"]) for f in refused.value.fields] == [(name, "control_character")]


WITHOUT_QUERY = [case for case in ENDPOINTS if query_models(case[0]).get(case[1]) is None]


def test_an_endpoint_says_it_takes_a_query_exactly_when_it_reads_one_with_a_model():
    reads = {endpoint_id(case) for case in QUERIES}
    says = {endpoint_id(case) for case in ENDPOINTS if case[2].takes_query}

    assert says == reads


@pytest.mark.parametrize("case", WITHOUT_QUERY, ids=endpoint_id)
def test_an_endpoint_without_a_query_model_refuses_any_query_parameter_naming_it_before_any_worker(case):
    service, method_name, entrypoint = case
    handler, container = bound(service, method_name, entrypoint)
    values = dict.fromkeys(route_variables(entrypoint), "2026")

    response = handler.handle_request(request_to(entrypoint, values, "limit=10&status=closed&limit=20"))

    assert refused_fields(response) == [("limit", "extra_forbidden"), ("status", "extra_forbidden")]
    assert container.spawned == 0


def test_health_and_metrics_refuse_a_query_too_as_probes_and_scrapes_send_none():
    probes = [
        case
        for case in WITHOUT_QUERY
        if case[0].name == "court_link" and case[2].url.startswith(("/health", "/metrics"))
    ]
    assert {case[2].url for case in probes} == {"/health", "/health/ready", "/metrics"}
    for service, method_name, entrypoint in probes:
        handler, _ = bound(service, method_name, entrypoint)

        assert refused_fields(handler.handle_request(request_to(entrypoint, {}, "verbose=1"))) == [
            ("verbose", "extra_forbidden")
        ]
        assert handler.handle_request(request_to(entrypoint, {})).status_code == 200


@pytest.mark.parametrize("case", QUERIES, ids=endpoint_id)
def test_an_endpoint_with_a_query_model_lets_its_query_reach_the_worker(case):
    service, method_name, entrypoint, _ = case
    handler, container = bound(service, method_name, entrypoint)
    values = dict.fromkeys(route_variables(entrypoint), "2026")

    response = handler.handle_request(request_to(entrypoint, values, "no_such_filter=1"))

    assert (response.status_code, container.spawned) == (200, 1)  # the worker's model refuses it, naming it
