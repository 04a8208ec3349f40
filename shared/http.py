"""HTTP entrypoints that answer in JSON and turn our errors into clear, field-named responses."""

import json
from typing import Any, TypeVar

from nameko.web.handlers import HttpRequestHandler
from pydantic import BaseModel, ValidationError
from werkzeug.wrappers import Request, Response

from shared.contracts.identifiers import CaseId
from shared.persistence.errors import Conflict, NotFound, StoreUnavailable
from shared.refusal import Refused

M = TypeVar("M", bound=BaseModel)
FieldError = dict[str, str]
"""What is wrong with one field: `field` (dotted path), `message`, `type`."""
MAX_BODY_BYTES = 256 * 1024


class BadInput(Exception):
    """Input that fails validation; `fields` name what is wrong."""

    def __init__(self, fields: list[FieldError], message: str = "invalid input") -> None:
        super().__init__(message)
        self.fields = fields


def json_response(status: int, payload: object) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False, default=str),
        status=status,
        mimetype="application/json",
    )


def field_errors(error: ValidationError) -> list[FieldError]:
    fields: list[FieldError] = []
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


def validate_value(model: type[M], data: dict[str, Any]) -> M:
    """Validate already-decoded input (RPC arguments) against `model`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadInput(field_errors(exc)) from None


class _CasePath(BaseModel):
    case_id: CaseId


def case_id_in_path(value: str) -> str:
    """A case number from a URL path, or BadInput naming `case_id`."""
    return validate_value(_CasePath, {"case_id": value}).case_id


class ApiHandler(HttpRequestHandler):
    """nameko's @http, mapping our exceptions to status codes with a JSON body."""

    def __init__(self, method: str, url: str, **kwargs: Any) -> None:
        kwargs.setdefault("expected_exceptions", (BadInput, NotFound, Conflict, Refused, StoreUnavailable))
        super().__init__(method, url, **kwargs)

    def response_from_exception(self, exc: Exception) -> Response:
        if isinstance(exc, BadInput):
            return json_response(400, {"error": "invalid_input", "message": str(exc), "fields": exc.fields})
        if isinstance(exc, NotFound):
            return json_response(404, {"error": "not_found", "message": str(exc)})
        if isinstance(exc, Conflict | Refused):
            return json_response(409, {"error": "conflict", "message": str(exc)})
        if isinstance(exc, StoreUnavailable):
            return json_response(503, {"error": "unavailable", "message": "storage unavailable, retry later"})
        return json_response(500, {"error": "internal", "message": "internal error; see the service log"})


api = ApiHandler.decorator
