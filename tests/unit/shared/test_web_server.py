"""The hardened web server's limits come from settings, and its routing errors answer in JSON."""

import io
import json

import pytest
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from shared.config import ServiceSettings
from shared.http import MAX_BODY_BYTES, ApiHandler
from shared.web_server import CONFIG_KEY, HardenedWebServer, HardenedWsgiApp, HttpLimits


class Endpoint:
    """Stands for an @api entrypoint: answers with what it read of the body."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def handle_request(self, request) -> Response:
        request.shallow = False  # as nameko's handler does
        self.bodies.append(request.get_data())
        return Response("{}", mimetype="application/json")


class Server:
    def __init__(self, endpoint: Endpoint, limits: HttpLimits) -> None:
        self.endpoint = endpoint
        self.limits = limits
        self.routing_error_answer = None

    def make_url_map(self) -> Map:
        rule = Rule("/api/v1/referrals/<referral_id>/accept", methods=["POST"])
        rule.endpoint = self.endpoint
        return Map([rule])


def app(limits: HttpLimits | None = None) -> tuple[HardenedWsgiApp, Endpoint]:
    endpoint = Endpoint()
    return HardenedWsgiApp(Server(endpoint, limits or HttpLimits())), endpoint


def call(wsgi_app: HardenedWsgiApp, method: str, path: str, **options) -> tuple[int, dict, dict]:
    environ = EnvironBuilder(method=method, path=path, **options).get_environ()
    response = wsgi_app.respond(environ)
    return response.status_code, dict(response.headers), json.loads(response.get_data(as_text=True))


# --- routing errors ------------------------------------------------------------------------------


def test_an_unknown_path_is_a_json_404():
    status, headers, body = call(app()[0], "GET", "/api/v1/nothing-here")

    assert (status, body["error"]) == (404, "not_found")
    assert headers["Content-Type"] == "application/json"


class Page(Endpoint):
    """Stands for a page entrypoint registered with a real server."""

    def get_url_rule(self) -> Rule:
        return Rule("/cases/<case_id>", methods=["GET"])


def as_page(request, status: int, allowed: tuple[str, ...]) -> Response:
    title = "未找到" if status == 404 else f"无法这样打开（{'、'.join(allowed)}）"
    return Response(f"<h1>{title}</h1>{request.path}", status, mimetype="text/html")


def pages_app() -> tuple[HardenedWsgiApp, Page]:
    server, page = HardenedWebServer(), Page()
    server.register_provider(page)
    server.answer_routing_errors(as_page)
    return HardenedWsgiApp(server), page


def test_a_service_of_pages_answers_an_unknown_path_with_its_own_page_and_a_known_one_as_before():
    wsgi_app, page = pages_app()

    missing = wsgi_app.respond(EnvironBuilder(method="GET", path="/court-filings/new").get_environ())
    found = wsgi_app.respond(EnvironBuilder(method="GET", path="/cases/430426-20261123-00007").get_environ())

    assert (missing.status_code, missing.mimetype) == (404, "text/html")
    assert missing.get_data(as_text=True) == "<h1>未找到</h1>/court-filings/new"
    assert found.status_code == 200 and page.bodies == [b""]


def test_a_service_of_pages_answers_a_wrong_method_with_its_own_page_and_the_allow_header():
    wsgi_app, page = pages_app()

    wrong = wsgi_app.respond(EnvironBuilder(method="POST", path="/cases/430426-20261123-00007").get_environ())

    assert (wrong.status_code, wrong.mimetype, wrong.headers["Allow"]) == (405, "text/html", "GET, HEAD")
    assert wrong.get_data(as_text=True) == "<h1>无法这样打开（GET、HEAD）</h1>/cases/430426-20261123-00007"
    assert page.bodies == []  # no worker ran


def test_a_wrong_method_is_a_json_405_with_allow():
    status, headers, body = call(app()[0], "GET", "/api/v1/referrals/R-1/accept")

    assert (status, body["error"]) == (405, "method_not_allowed")
    assert headers["Allow"] == "POST"
    assert "POST" in body["message"]


# --- the body is read before a worker is taken --------------------------------------------------


def test_the_handler_gets_the_whole_body_from_a_buffer():
    wsgi_app, endpoint = app()

    status, _, _ = call(wsgi_app, "POST", "/api/v1/referrals/R-1/accept", data=b'{"officer": "zhao"}')

    assert status == 200
    assert endpoint.bodies == [b'{"officer": "zhao"}']


def test_a_chunked_body_is_read_too():
    wsgi_app, endpoint = app()
    environ = EnvironBuilder(method="POST", path="/api/v1/referrals/R-1/accept").get_environ()
    environ.update({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b'{"officer": "li"}')})
    environ.pop("CONTENT_LENGTH", None)

    assert wsgi_app.respond(environ).status_code == 200
    assert endpoint.bodies == [b'{"officer": "li"}']


def test_a_body_declared_over_the_limit_is_a_413_before_it_is_read():
    wsgi_app, endpoint = app(HttpLimits(max_body_bytes=10))

    status, _, body = call(wsgi_app, "POST", "/api/v1/referrals/R-1/accept", data=b"x" * 11)

    assert (status, body["error"]) == (413, "too_large")
    assert endpoint.bodies == []


# --- limits from settings --------------------------------------------------------------------------


def test_limits_come_from_nameko_config():
    limits = HttpLimits.from_config({CONFIG_KEY: {"read_timeout_seconds": "2.5", "max_connections": 10}})

    assert (limits.read_timeout_seconds, limits.max_connections) == (2.5, 10)
    assert limits.max_connections_per_client == HttpLimits().max_connections_per_client


@pytest.mark.parametrize("given", [{"max_conections": 5}, {"max_connections": 0}, {"read_timeout_seconds": -1}])
def test_a_misspelt_or_impossible_limit_stops_the_service_starting(given):
    with pytest.raises(ValueError):
        HttpLimits.from_config({CONFIG_KEY: given})


def test_the_settings_defaults_are_the_servers_defaults():
    fields = ServiceSettings.model_fields
    defaults = HttpLimits()

    assert fields["http_read_timeout_seconds"].default == defaults.read_timeout_seconds == 15
    assert fields["http_max_connections"].default == defaults.max_connections
    assert fields["http_max_connections_per_client"].default == defaults.max_connections_per_client
    assert fields["http_max_header_bytes"].default == defaults.max_header_bytes
    assert defaults.max_body_bytes == MAX_BODY_BYTES


def test_every_api_endpoint_runs_on_the_hardened_server():
    assert isinstance(ApiHandler.server, HardenedWebServer)
