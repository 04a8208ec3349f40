# eventlet.wsgi: the WSGI server nameko's WebServer runs, and its per-connection protocol.
from http.server import BaseHTTPRequestHandler
from typing import Any

MAX_REQUEST_LINE: int
MAX_HEADER_LINE: int
MAX_TOTAL_HEADER_SIZE: int

class HeaderLineTooLong(Exception): ...
class HeadersTooLarge(Exception): ...
class ChunkReadError(ValueError): ...

class HttpProtocol(BaseHTTPRequestHandler):
    conn_state: list[Any]
    def __init__(self, conn_state: list[Any], server: Server) -> None: ...
    def handle_one_request(self) -> None: ...
    def _read_request_line(self) -> bytes | str: ...
    def get_environ(self) -> dict[str, Any]: ...

class Server:
    socket_timeout: float | None
    keepalive: bool | float
    url_length_limit: int
    def __init__(
        self,
        socket: Any,
        address: Any,
        app: Any,
        log: Any = ...,
        environ: dict[str, Any] | None = ...,
        max_http_version: str | None = ...,
        protocol: type[Any] = ...,
        minimum_chunk_size: int | None = ...,
        log_x_forwarded_for: bool = ...,
        keepalive: bool | float = ...,
        log_output: bool = ...,
        log_format: str = ...,
        url_length_limit: int = ...,
        debug: bool = ...,
        socket_timeout: float | None = ...,
        capitalize_response_headers: bool = ...,
    ) -> None: ...
    def process_request(self, conn_state: list[Any]) -> None: ...
