"""A service's HTTP port under slow, idle and hostile clients: it keeps answering, and answers in JSON."""

import json
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import closing

import eventlet
import nameko
import pytest
import requests
from nameko.containers import ServiceContainer
from pydantic import BaseModel, ConfigDict
from werkzeug.wrappers import Request, Response

from shared.auth.settings import current_auth_settings
from shared.http import PUBLIC, api, json_response, parse_body
from shared.web_server import CONFIG_KEY

pytestmark = pytest.mark.integration

PATIENCE = 30.0  # generous: a loaded two-core machine runs these beside everything else


class Officer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: str


# Requests to /api/v1/hold take their worker until the test lets them go.
HOLDS_RELEASED = eventlet.event.Event()


class Tiny:
    name = "tiny"

    @api("POST", "/api/v1/echo", access=PUBLIC)
    def echo(self, request: Request) -> Response:
        return json_response(200, {"officer": parse_body(request, Officer).officer})

    @api("POST", "/api/v1/hold", access=PUBLIC)
    def hold(self, request: Request) -> Response:
        HOLDS_RELEASED.wait()
        return json_response(200, {"held": True})


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def web(monkeypatch) -> Iterator[Callable[..., tuple[str, int]]]:
    """Starts the tiny service with the given HTTP limits; returns its base URL and port."""
    monkeypatch.setenv("WUYUAN_AUTH_ISSUER", "https://issuer.test")
    monkeypatch.setenv("WUYUAN_AUTH_AUDIENCE", "wuyuan")
    monkeypatch.setenv("WUYUAN_AUTH_JWKS_URL", "file:///nonexistent/jwks.json")
    current_auth_settings.cache_clear()
    containers: list[ServiceContainer] = []
    patches = []

    def start(**limits: float) -> tuple[str, int]:
        port = free_port()
        # Four workers: before the hardening, four slow bodies were enough to take them all.
        patch = nameko.config.patch({"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}", CONFIG_KEY: limits, "max_workers": 4})
        patch.__enter__()
        patches.append(patch)
        container = ServiceContainer(Tiny)
        container.start()
        containers.append(container)
        return f"http://127.0.0.1:{port}", port

    yield start
    for container in containers:
        container.kill()
    for patch in reversed(patches):
        patch.__exit__(None, None, None)
    current_auth_settings.cache_clear()


def closed_by_server(sock: socket.socket, within: float = PATIENCE) -> bool:
    """Whether the server ends the connection (EOF, reset, or a last answer then EOF) within `within` seconds."""
    sock.settimeout(within)
    try:
        while sock.recv(4096):
            pass
        return True
    except ConnectionError:
        return True
    except TimeoutError:
        return False
    finally:
        sock.close()


def trickle(port: int, preamble: bytes, every: float = 0.5) -> str:
    """Sends `preamble`, then one more byte every `every` seconds until the server gives up on it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
    deadline = time.monotonic() + 2 * PATIENCE
    try:
        sock.sendall(preamble)
        while time.monotonic() < deadline:
            sock.settimeout(every)
            try:
                sock.recv(4096)  # an answer (408) or EOF: the server ended it either way
                return "closed"
            except TimeoutError:
                pass
            sock.sendall(b"a")
        return "still open"
    except OSError:
        return "closed"
    finally:
        sock.close()


SLOW_HEADERS = b"POST /api/v1/echo HTTP/1.1\r\nHost: tiny\r\nX-Slow: "
SLOW_BODY = (
    b"POST /api/v1/echo HTTP/1.1\r\nHost: tiny\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
)


def test_slow_and_idle_clients_neither_starve_a_normal_request_nor_stay_connected(web):
    base, port = web(read_timeout_seconds=3, max_connections=1000, max_connections_per_client=1000)
    idle = [socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) for _ in range(100)]
    slow = [eventlet.spawn(trickle, port, SLOW_HEADERS if i % 2 else SLOW_BODY) for i in range(100)]
    eventlet.sleep(1)  # let them all connect and start trickling

    response = requests.post(f"{base}/api/v1/echo", json={"officer": "赵"}, timeout=PATIENCE)

    assert (response.status_code, response.json()) == (200, {"officer": "赵"})
    assert all(closed_by_server(sock) for sock in idle)
    assert [t.wait() for t in slow] == ["closed"] * len(slow)
    # And the service still serves once they are gone.
    assert requests.post(f"{base}/api/v1/echo", json={"officer": "钱"}, timeout=PATIENCE).status_code == 200


def test_an_idle_keep_alive_connection_is_closed_after_the_read_timeout(web):
    _, port = web(read_timeout_seconds=2)
    sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
    body = b'{"officer": "sun"}'
    sock.sendall(
        b"POST /api/v1/echo HTTP/1.1\r\nHost: tiny\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    first = sock.recv(4096)

    assert first.startswith(b"HTTP/1.1 200")
    assert closed_by_server(sock)


def test_unknown_paths_and_wrong_methods_answer_in_json(web):
    base, _ = web()

    missing = requests.get(f"{base}/api/v1/nothing", timeout=PATIENCE)
    wrong = requests.get(f"{base}/api/v1/echo", timeout=PATIENCE)

    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert (wrong.status_code, wrong.json()["error"]) == (405, "method_not_allowed")
    assert wrong.headers["Allow"] == "POST"
    assert wrong.headers["Content-Type"] == "application/json"


def test_a_form_post_from_another_site_is_refused(web):
    base, _ = web()

    response = requests.post(f"{base}/api/v1/echo", data={"officer": "zhao"}, timeout=PATIENCE)

    assert response.status_code in (400, 415)
    assert [f["field"] for f in response.json()["fields"]] == ["(body)"]


def test_connections_past_the_per_client_limit_get_a_json_503_until_some_close(web):
    base, port = web(max_connections_per_client=3)
    held = [socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) for _ in range(3)]
    eventlet.sleep(0.5)

    refused = requests.post(f"{base}/api/v1/echo", json={"officer": "zhou"}, timeout=PATIENCE)

    assert (refused.status_code, refused.json()["error"]) == (503, "too_many_connections")
    for sock in held:
        sock.close()
    deadline = time.monotonic() + PATIENCE
    while (status := requests.post(f"{base}/api/v1/echo", json={"officer": "wu"}, timeout=PATIENCE).status_code) != 200:
        assert time.monotonic() < deadline, status
        eventlet.sleep(0.2)


def raw(port: int, request: bytes) -> tuple[int, dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_oversized_headers_and_bodies_are_refused_in_json(web):
    _, port = web(max_header_bytes=4096)

    status, body = raw(port, b"GET /api/v1/echo HTTP/1.1\r\nHost: tiny\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n")
    assert (status, body["error"]) == (431, "headers_too_large")

    status, body = raw(
        port,
        b"POST /api/v1/echo HTTP/1.1\r\nHost: tiny\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10000000\r\n\r\n{",
    )
    assert (status, body["error"]) == (413, "too_large")


def test_a_request_line_too_long_for_the_server_is_refused_in_json_and_the_next_request_is_served(web):
    base, port = web()

    status, body = raw(port, b"GET /api/v1/echo?q=" + b"x" * 10000 + b" HTTP/1.1\r\nHost: tiny\r\n\r\n")

    assert (status, body["error"]) == (414, "uri_too_long")
    assert "request line longer than" in body["message"]
    assert requests.get(f"{base}/health/live", timeout=PATIENCE).status_code == 200


def test_a_client_that_sends_a_body_too_large_whole_before_reading_gets_its_json_413(web):
    """As an HTTP client does (requests, curl): the whole body first, then the answer. The server refuses on the
    declared length and takes the rest unread; it must not reset the connection under the client."""
    base, port = web()
    body = b"{" + b" " * (8 * 1024 * 1024) + b"}"
    request = (
        b"POST /api/v1/echo HTTP/1.1\r\nHost: tiny\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )

    status, answer = raw(port, request)

    assert (status, answer["error"]) == (413, "too_large")
    assert requests.get(f"{base}/health/live", timeout=PATIENCE).status_code == 200


def test_liveness_answers_while_every_worker_is_busy(web):
    global HOLDS_RELEASED
    HOLDS_RELEASED = eventlet.event.Event()
    base, _ = web()
    holds = [eventlet.spawn(requests.post, f"{base}/api/v1/hold", timeout=PATIENCE) for _ in range(4)]
    try:
        eventlet.sleep(0.5)  # the four workers are taken
        live = requests.get(f"{base}/health/live", timeout=PATIENCE)

        assert live.status_code == 200
        assert live.json() == {"service": "tiny", "status": "alive"}
        assert not any(hold.dead for hold in holds), "the liveness answer waited for a worker"
    finally:
        HOLDS_RELEASED.send()
    assert [hold.wait().status_code for hold in holds] == [200] * 4
