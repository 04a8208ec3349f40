# nameko.web.handlers: HttpRequestHandler, the entrypoint behind `@http`.
from typing import Any

from nameko.extensions import Entrypoint
from werkzeug.wrappers import Request, Response

class HttpRequestHandler(Entrypoint):
    method: str
    url: str
    def __init__(self, method: str, url: str, **kwargs: Any) -> None: ...
    def handle_request(self, request: Request) -> Response: ...
    def response_from_exception(self, exc: Exception) -> Response: ...
