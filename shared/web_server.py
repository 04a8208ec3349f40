"""nameko's web server with limits, so that slow or many clients cannot starve a service, and JSON routing errors.

nameko's WebServer reads with no timeout and spawns a green thread per connection, and the
handler reads the body inside a worker. A client that trickles bytes or idles would hold its
connection forever, and a worker too, and workers are what the AMQP consumers need. Here:
- a request must arrive whole (request line, headers, body) within the read timeout from when
  the server starts waiting for it; an idle keep-alive connection is closed after it;
- the connection's own thread reads the body before a worker is taken, so workers never wait
  on a client;
- connections are capped in total and per client address; the rest get a 503;
- request lines, headers and bodies are capped; 404, 405, 408, 413, 414, 431 and 503 answer in JSON like the API, save
  that a service of pages answers an unknown path or a wrong method with its own page
  (`answer_routing_errors`);
- an error on one connection is logged, never raised into nameko (which would kill the service);
- `GET /health/live` is answered by the connection's own thread, never a worker: a service whose
  workers are all busy is alive, and a liveness probe must not restart it for that.

The limits come from `nameko.config["WEB_SERVER_LIMITS"]` (set from ServiceSettings' http_* fields).
"""

import io
import json
import logging
import re
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from functools import partial
from typing import Any, cast
from urllib.parse import quote

import eventlet
import structlog
from eventlet import wsgi
from eventlet.wsgi import HeaderLineTooLong, HeadersTooLarge
from nameko import config
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request, Response

log = logging.getLogger(__name__)
access_log = structlog.get_logger("wuyuan.access")

CONFIG_KEY = "WEB_SERVER_LIMITS"
CONNECTION_KEY = "wuyuan.connection"  # the environ entry through which the app reaches its connection
# The environ entry where the worker leaves a function naming its trace, span and case (shared.runtime.metrics),
# which the access log line calls once the answer is sent.
REQUEST_LOG_FIELDS_KEY = "wuyuan.request_log_fields"
REFUSAL_SECONDS = 1.0  # how long a refused connection may take to receive its 503
# After a 413 the client may still be sending the body refused: what it sends is taken and dropped for this long, up to
# this much, so that the connection ends in a close the client reads its answer before, not a reset that loses it.
LINGER_SECONDS = 2.0
LINGER_BYTES = 16 * 1024 * 1024
MAX_REFUSING = 64  # refusals answered at once; beyond that, excess connections are just closed

StartResponse = Callable[..., Any]
# How a service answers a path none of its entrypoints serves: a person's mistyped address gets a page.
# A service of pages answers routing errors as pages: (request, 404 or 405, the methods the path takes).
RoutingErrorAnswer = Callable[[Request, int, tuple[str, ...]], Response]


@dataclass(frozen=True)
class HttpLimits:
    """What one service's HTTP server allows; the defaults match ServiceSettings' http_* fields."""

    read_timeout_seconds: float = 15.0
    max_connections: int = 512
    max_connections_per_client: int = 64
    max_header_bytes: int = 16 * 1024
    max_body_bytes: int = 256 * 1024

    def __post_init__(self) -> None:
        for field in fields(self):
            if not getattr(self, field.name) > 0:
                raise ValueError(f"{CONFIG_KEY}.{field.name} must be positive")

    @classmethod
    def from_config(cls, settings: Mapping[str, Any]) -> "HttpLimits":
        given = settings.get(CONFIG_KEY) or {}
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(given) - known)
        if unknown:
            raise ValueError(f"unknown {CONFIG_KEY}: {unknown}; known: {sorted(known)}")
        values: dict[str, Any] = {
            name: float(value) if name == "read_timeout_seconds" else int(value) for name, value in given.items()
        }
        return cls(**values)


LIVENESS_PATH = "/health/live"


def json_error(status: int, error: str, message: str) -> Response:
    return Response(
        json.dumps({"error": error, "message": message}, ensure_ascii=False), status=status, mimetype="application/json"
    )


def raw_json_error(status: int, reason: str, error: str, message: str) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection, for where no WSGI response can be made."""
    body = json.dumps({"error": error, "message": message}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class ReadTimedOut(TimeoutError):
    """The client did not send its whole request within the read timeout.

    A socket timeout, so that eventlet closes the connection quietly when it happens between requests.
    """


class _HeaderBudget:
    """Lets http.client read header lines until their total passes the limit."""

    def __init__(self, lines: Any, limit: int) -> None:
        self._lines = lines
        self._left = limit

    def readline(self, size: int = -1) -> bytes:
        line: bytes = self._lines.readline(size)
        self._left -= len(line)
        if self._left < 0:
            raise HeadersTooLarge()
        return line


class LimitedWsgiServer(wsgi.Server):
    """eventlet's server, carrying the limits for its connections."""

    def __init__(self, *args: Any, limits: HttpLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits


class HardenedProtocol(HttpOnlyProtocol):
    """One connection: each request under a read deadline, protocol errors answered in JSON."""

    _deadline: eventlet.Timeout | None = None

    @property
    def limits(self) -> HttpLimits:
        return cast(LimitedWsgiServer, self.server).limits

    def handle_one_request(self) -> None:
        # Started before the request line is awaited, so an idle keep-alive connection ends too.
        self._deadline = eventlet.Timeout(
            self.limits.read_timeout_seconds, ReadTimedOut("request not received in time")
        )
        try:
            super().handle_one_request()
        finally:
            self._deadline.cancel()

    def _read_request_line(self) -> bytes | str:
        """The request line; one too long for the server (a query of many kilobytes) is answered here with a JSON
        414, as every other refusal, where eventlet would send an empty one without a content type."""
        line: bytes | str = super()._read_request_line()
        limit = cast(LimitedWsgiServer, self.server).url_length_limit
        if line and len(line) >= limit:
            message = f"request line longer than {limit - 1} bytes: send long filters in fewer, shorter parameters"
            self.wfile.write(raw_json_error(414, "URI Too Long", "uri_too_long", message))
            self.wfile.flush()
            self.close_connection = True
            return b""  # nothing more to read: eventlet closes the connection
        return line

    def request_received(self) -> None:
        """The whole request is in: what follows (the worker, the answer) is not the client's to delay."""
        if self._deadline is not None:
            self._deadline.cancel()

    _body_unread = False

    def close_after_response(self, body_unread: bool = False) -> None:
        self.close_connection = True
        self._body_unread = self._body_unread or body_unread

    def finish(self) -> None:
        if self._body_unread:
            self._linger()
        super().finish()

    def _linger(self) -> None:
        """Send the answer, stop sending, and take what the client still sends of the refused body until it closes
        (within LINGER_SECONDS and LINGER_BYTES): closing with unread data would reset the connection, and a client
        still sending would lose its 413 and see only a broken connection."""
        taken = 0
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            with eventlet.Timeout(LINGER_SECONDS, False):
                while taken < LINGER_BYTES and (chunk := self.connection.recv(65536)):
                    taken += len(chunk)
        except OSError:
            pass  # the client is gone already: nothing left to answer

    def get_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environ()
        environ[CONNECTION_KEY] = self
        return environ

    def parse_request(self) -> bool:
        # eventlet allows 64 KiB of headers; a service needs far less.
        self.rfile = cast(Any, _HeaderBudget(self.rfile, self.limits.max_header_bytes))
        try:
            return bool(super().parse_request())
        except (HeaderLineTooLong, HeadersTooLarge):
            self.send_error(431, f"request headers larger than {self.limits.max_header_bytes} bytes")
            return False

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's error page, as our JSON; always closes the connection."""
        reason = self.responses.get(code, ("Error", ""))[0]
        error = {400: "bad_request", 431: "headers_too_large", 505: "http_version_not_supported"}.get(
            code, "bad_request"
        )
        self.wfile.write(raw_json_error(code, reason, error, message or reason))
        self.wfile.flush()
        self.close_connection = True


class HardenedWsgiApp(WsgiApp):
    """Routes like nameko's, answering unknown paths and methods in JSON, and reads the body before a worker runs."""

    def __init__(self, server: "HardenedWebServer") -> None:
        super().__init__(server)
        self.limits = server.limits
        self.web_server = server

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        response = self.respond(environ)
        posthooks = environ.get("eventlet.posthooks")
        if isinstance(posthooks, list):  # run by eventlet once the answer is sent
            posthooks.append((log_access, (response, started), {}))
        return response(environ, start_response)

    def respond(self, environ: dict[str, Any]) -> Response:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        if path == LIVENESS_PATH and method in ("GET", "HEAD"):
            alive = {"service": self.web_server.container.service_name, "status": "alive"}
            return Response(json.dumps(alive), status=200, mimetype="application/json")
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
        except RequestRedirect as redirect:
            return redirect.get_response(environ)
        except MethodNotAllowed as exc:
            methods = tuple(sorted(exc.valid_methods or ()))
            allowed = ", ".join(methods)
            answer = self.web_server.routing_error_answer
            if answer is not None:
                response = answer(Request(environ, shallow=True), 405, methods)
            else:
                message = f"{method} is not allowed on {path[:200]}; use {allowed}"
                response = json_error(405, "method_not_allowed", message)
            response.headers["Allow"] = allowed
            return response
        except NotFound:
            answer = self.web_server.routing_error_answer
            if answer is not None:
                return answer(Request(environ, shallow=True), 404, ())
            return json_error(404, "not_found", f"no such path: {path[:200]}")
        except HTTPException as exc:
            return json_error(exc.code or 400, "bad_request", exc.description or "bad request")
        refused = self.read_body(environ)
        if refused is not None:
            return refused
        request = Request(environ, shallow=True)
        request.path_values = values  # type: ignore[attr-defined]  # where nameko's handler looks for them
        return cast(Response, provider.handle_request(request))

    def read_body(self, environ: dict[str, Any]) -> Response | None:
        """Read the whole body here, within the read deadline, and hand the handler a buffer of it."""
        connection = environ.get(CONNECTION_KEY)
        limit = self.limits.max_body_bytes
        chunked = environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
        declared = int(environ.get("CONTENT_LENGTH") or 0)  # eventlet has refused a malformed length
        if declared > limit:
            too_large = json_error(413, "too_large", f"request body larger than {limit} bytes")
            return self._closing(connection, too_large, body_unread=True)
        body = b""
        if declared or chunked:
            try:
                body = environ["wsgi.input"].read(limit + 1)
            except TimeoutError:
                return self._closing(
                    connection, json_error(408, "request_timeout", "request body not received in time")
                )
            except (OSError, ValueError):  # a connection reset, malformed chunks
                return self._closing(connection, json_error(400, "bad_request", "request body could not be read"))
            if len(body) > limit:
                too_large = json_error(413, "too_large", f"request body larger than {limit} bytes")
                return self._closing(connection, too_large, body_unread=True)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        if isinstance(connection, HardenedProtocol):
            connection.request_received()
        return None

    @staticmethod
    def _closing(connection: object, response: Response, body_unread: bool = False) -> Response:
        # The rest of the body is unread: the connection cannot carry another request. A body too large may still
        # be on its way, and is drained before the close (HardenedProtocol._linger).
        if isinstance(connection, HardenedProtocol):
            connection.close_after_response(body_unread)
        return response


# Paths that carry a credential: a citizen's rating link (`<case id>.<round>.<code>`) rates and closes its case for
# whoever holds it, and a progress link (`<case id>.<last day>.<code>`) opens its case's progress, so the line keeps
# which case and round or day it was, and never the code.
_CREDENTIAL_IN_PATH = re.compile(r"(/rate/|/ratings/|/track/|/api/v1/progress/)((?:[^/.]*\.)*)[^/.]*")


def loggable_path(environ: dict[str, Any]) -> str:
    """The path as it came on the wire, percent-encoded: a hostile one (line breaks, U+0085, U+2028 …) stays on
    one log line and cannot forge another; the first 200 characters; a citizen link's code masked."""
    # WSGI hands PATH_INFO over as latin-1 text of the raw bytes.
    raw = str(environ.get("PATH_INFO", "")).encode("latin-1", errors="replace")
    path = quote(raw, safe="/:@!$&'()*+,;=-._~")
    return _CREDENTIAL_IN_PATH.sub(lambda found: f"{found[1]}{found[2] or ''}***", path)[:200]


def log_access(environ: dict[str, Any], response: Response, started: float) -> None:
    """One JSON access line per request, with the trace, span and case of the worker that answered it.

    Written after the answer, outside the worker and its span: the ids come from what the worker
    left in the environ. The query string is left out (it may hold search terms about a person).
    """
    fields: dict[str, Any] = {
        "method": environ.get("REQUEST_METHOD"),
        "path": loggable_path(environ),
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "client": environ.get("REMOTE_ADDR"),
    }
    request_fields = environ.get(REQUEST_LOG_FIELDS_KEY)
    if callable(request_fields):
        fields.update(request_fields())
    access_log.info("http request", **fields)


class HardenedWebServer(WebServer):
    """nameko's WebServer with read deadlines, connection caps and JSON errors; see the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.limits = HttpLimits()
        self.open_connections: Counter[str] = Counter()
        self.refusing = 0
        self.routing_error_answer: RoutingErrorAnswer | None = None

    def answer_routing_errors(self, answer: RoutingErrorAnswer) -> None:
        """Answer paths no entrypoint serves, and methods a path does not take, with `answer` rather than
        JSON: the console's 未找到 and 无法这样打开 pages (the server adds the 405's Allow header).

        One server serves all of a service's entrypoints, so this is the service's choice, made by its
        page entrypoints as they are set up; a service of APIs alone keeps the JSON 404 and 405."""
        self.routing_error_answer = answer

    @property
    def connection_count(self) -> int:
        return sum(self.open_connections.values())

    def start(self) -> None:
        self.limits = HttpLimits.from_config(config)
        super().start()

    def get_wsgi_app(self) -> HardenedWsgiApp:
        return HardenedWsgiApp(self)

    def get_wsgi_server(
        self, sock: Any, wsgi_app: Any, protocol: type[Any] = HardenedProtocol, debug: bool = False
    ) -> LimitedWsgiServer:
        return LimitedWsgiServer(
            sock,
            sock.getsockname(),
            wsgi_app,
            limits=self.limits,
            protocol=protocol,
            debug=debug,
            log=logging.getLogger("nameko.web.server"),
            log_output=False,  # log_access writes the access lines, in JSON with the request's ids
            socket_timeout=self.limits.read_timeout_seconds,  # each send and receive, the answer's too
        )

    def run(self) -> None:
        while self._is_accepting:
            try:
                sock, address = self._sock.accept()
            except OSError as exc:
                if not self._is_accepting:
                    return
                # Out of file descriptors, or a client gone before accept: wait for some to close.
                log.warning("could not accept a connection: %s", exc)
                eventlet.sleep(0.1)
                continue
            client = str(address[0]) if isinstance(address, tuple) and address else "local"
            refusal = self.refusal_for(client)
            if refusal is not None:
                self.refuse(sock, *refusal)
                continue
            self.open_connections[client] += 1
            sock.settimeout(self._serv.socket_timeout)
            self.container.spawn_managed_thread(partial(self.serve, sock, address, client))

    def refusal_for(self, client: str) -> tuple[str, str] | None:
        if self.connection_count >= self.limits.max_connections:
            return "busy", "the service is at its connection limit; retry later"
        if self.open_connections[client] >= self.limits.max_connections_per_client:
            return "too_many_connections", "too many connections from your address; close some and retry"
        return None

    def serve(self, sock: Any, address: Any, client: str) -> None:
        try:
            self.process_request(sock, address)
        except Exception:
            # nameko kills the whole container when a managed thread raises; one connection must not.
            log.warning("connection from %s ended with an error", client, exc_info=True)
        finally:
            sock.close()
            self.open_connections[client] -= 1
            if self.open_connections[client] <= 0:
                del self.open_connections[client]

    def refuse(self, sock: Any, error: str, message: str) -> None:
        if self.refusing >= MAX_REFUSING:
            sock.close()
            return
        self.refusing += 1
        self.container.spawn_managed_thread(partial(self._send_refusal, sock, error, message))

    def _send_refusal(self, sock: Any, error: str, message: str) -> None:
        try:
            with eventlet.Timeout(REFUSAL_SECONDS, False):
                sock.sendall(raw_json_error(503, "Service Unavailable", error, message))
                sock.shutdown(socket.SHUT_WR)
                # Take what the client sent until it closes: closing with unread data would reset
                # the connection, and the client could lose the 503 before reading it.
                while sock.recv(4096):
                    pass
        except OSError:
            pass
        finally:
            sock.close()
            self.refusing -= 1
