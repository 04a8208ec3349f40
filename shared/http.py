"""HTTP entrypoints that answer in JSON and turn our errors into clear, field-named responses."""

import json
from typing import TypeVar

from nameko.web.handlers import HttpRequestHandler
from pydantic import BaseModel, ValidationError
from werkzeug.wrappers import Request, Response

from shared.messaging.inbox import Rejected
from shared.persistence.errors import Conflict, NotFound, StoreUnavailable

M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 256 * 1024


class BadInput(Exception):
    """Input that fails validation; `fields` name what is wrong."""

    def __init__(self, fields: list[dict], message: str = "invalid input") -> None:
        super().__init__(message)
        self.fields = fields


def json_response(status: int, payload: object) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False, default=str),
        status=status,
        mimetype="application/json",
    )


def field_errors(error: ValidationError) -> list[dict]:
    fields = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(body)"
        fields.append({"field": location, "message": item["msg"], "type": item["type"]})
    return fields


def parse_body(request: Request, model: type[M]) -> M:
    """Validate a JSON body against `model`, or raise BadInput naming the fields."""
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise BadInput([{"field": "(body)", "message": f"larger than {MAX_BODY_BYTES} bytes", "type": "too_large"}])
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY_BYTES:
        raise BadInput([{"field": "(body)", "message": f"larger than {MAX_BODY_BYTES} bytes", "type": "too_large"}])
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput([{"field": "(body)", "message": f"not valid JSON: {exc}", "type": "json_invalid"}]) from None
    if not isinstance(data, dict):
        raise BadInput([{"field": "(body)", "message": "must be a JSON object", "type": "dict_type"}])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadInput(field_errors(exc)) from None


def parse_query(request: Request, model: type[M]) -> M:
    """Validate the query string against `model`, or raise BadInput naming the parameters."""
    return validate_value(model, request.args.to_dict())


def validate_value(model: type[M], data: dict) -> M:
    """Validate already-decoded input (RPC arguments) against `model`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadInput(field_errors(exc)) from None


class ApiHandler(HttpRequestHandler):
    """nameko's @http, mapping our exceptions to status codes with a JSON body."""

    def __init__(self, method, url, **kwargs):
        kwargs.setdefault("expected_exceptions", (BadInput, NotFound, Conflict, Rejected, StoreUnavailable))
        super().__init__(method, url, **kwargs)

    def response_from_exception(self, exc):
        if isinstance(exc, BadInput):
            return json_response(400, {"error": "invalid_input", "message": str(exc), "fields": exc.fields})
        if isinstance(exc, NotFound):
            return json_response(404, {"error": "not_found", "message": str(exc)})
        if isinstance(exc, Conflict | Rejected):
            return json_response(409, {"error": "conflict", "message": str(exc)})
        if isinstance(exc, StoreUnavailable):
            return json_response(503, {"error": "unavailable", "message": "storage unavailable, retry later"})
        return json_response(500, {"error": "internal", "message": "internal error; see the service log"})


api = ApiHandler.decorator
