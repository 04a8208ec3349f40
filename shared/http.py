"""HTTP entrypoints that answer in JSON and turn our errors into clear, field-named responses."""

import inspect
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar
from uuid import UUID

from nameko.containers import WorkerContext
from nameko.extensions import SharedExtension
from nameko.web.handlers import HttpRequestHandler
from pydantic import BaseModel, ValidationError
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from shared.auth.principal import AuthFailure, Forbidden, Principal, Role, TooManyAttempts, Unauthenticated
from shared.auth.settings import current_auth_settings
from shared.auth.tokens import KeysUnavailable, TokenVerifier
from shared.contracts.dates import ClockMissing, request_context
from shared.contracts.identifiers import CaseId
from shared.contracts.json_values import json_default
from shared.contracts.strict_json import (
    LONE_SURROGATE,
    NUL,
    TextFault,
    UnstorableText,
    loads_strict,
    unstorable_text,
)
from shared.dependency import Injects
from shared.persistence.errors import Conflict, InvalidValue, NotFound, StoreUnavailable
from shared.persistence.idempotency import (
    HELD_TRANSACTIONS_ENVIRON,
    KEY_HEADER,
    KEYED_REQUEST_ENVIRON,
    WRITE_METHODS,
    AlreadyAnswered,
    AnswerHolder,
    BadKey,
    InProgress,
    KeyedRequest,
    KeyReused,
    StoredAnswer,
    checked_key,
    fingerprint,
    should_keep,
)
from shared.refusal import NumberTaken, Refused
from shared.web_server import HardenedWebServer

M = TypeVar("M", bound=BaseModel)
FieldError = dict[str, str | int]  # field, message, type; limit (an int) when a length bound was broken
"""What is wrong with one field: `field` (dotted path), `message`, `type`."""
MAX_BODY_BYTES = 256 * 1024


class BadInput(Exception):
    """Input that fails validation; `fields` name what is wrong."""

    def __init__(self, fields: list[FieldError], message: str = "invalid input") -> None:
        super().__init__(message)
        self.fields = fields


def json_response(status: int, payload: object) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False, default=json_default),
        status=status,
        mimetype="application/json",
    )


def field_errors(error: ValidationError) -> list[FieldError]:
    fields: list[FieldError] = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(body)"
        field: FieldError = {"field": location, "message": item["msg"], "type": item["type"]}
        # The bound a too-long value broke, so a console can say "不能超过50字" without knowing the model.
        limit = item.get("ctx", {}).get("max_length")
        if isinstance(limit, int):
            field["limit"] = limit
        fields.append(field)
    return fields


class UnsupportedMediaType(BadInput):
    """A body that is not declared as JSON (a form post from another site, say); HTTP 415."""


def _body_error(message: str, error_type: str = "json_invalid") -> BadInput:
    return BadInput([{"field": "(body)", "message": message, "type": error_type}])


def _is_json(request: Request) -> bool:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    return request.mimetype == "application/json" and charset in ("utf-8", "utf8")


def parse_body(request: Request, model: type[M], now: datetime | None = None) -> M:
    """Validate a JSON body against `model`, or raise BadInput naming the fields.

    `now` is the service's clock reading (`platform.now()`), which the model's dates and times that must not be in
    the future (shared.contracts.dates' NotAfterToday, NotInFuture) are judged by, in the same ValidationError as every
    other field. A model with such a field parsed without it raises ClockMissing: the endpoint's mistake, a 500.
    Whatever the body, the answer is otherwise the model or BadInput (a 400 or 415), never another error.
    """
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise _body_error(f"larger than {MAX_BODY_BYTES} bytes", "too_large")
    try:
        raw = request.get_data(cache=False)
    except Exception:  # the client went away, a malformed chunk
        raise _body_error("could not be read", "body_unreadable") from None
    if len(raw) > MAX_BODY_BYTES:
        raise _body_error(f"larger than {MAX_BODY_BYTES} bytes", "too_large")
    # Only a JSON content type: browsers send forms from other sites without asking, never JSON.
    if (raw or request.content_type) and not _is_json(request):
        declared = (request.content_type or "none")[:100]
        raise UnsupportedMediaType(
            [
                {
                    "field": "(body)",
                    "message": f"send the body as application/json (UTF-8), not {declared}",
                    "type": "unsupported_media_type",
                }
            ],
            "unsupported media type",
        )
    try:
        data = loads_strict(raw or b"null")
    except UnstorableText as exc:  # plain JSON, but text no store could keep: named where it is
        raise BadInput(_text_field_errors(exc.faults, "(body)")) from None
    except ValueError as exc:  # not UTF-8, not JSON, NaN, duplicate keys, too deep
        raise _body_error(f"not valid JSON: {str(exc)[:200]}") from None
    if not isinstance(data, dict):
        raise _body_error("must be a JSON object", "dict_type")
    try:
        return model.model_validate(data, context=request_context(now))
    except ValidationError as exc:
        raise BadInput(field_errors(exc)) from None
    except ClockMissing:
        raise
    except Exception as exc:  # a validator that raised something else: still the input's fault here
        raise _body_error(f"could not be validated: {type(exc).__name__}", "value_error") from None


# Text no one types into a filter or a URL: the C0 controls and DEL. NUL is what PostgreSQL text refuses
# (psycopg raises before sending it), and a lone surrogate cannot be encoded as UTF-8 to send at all.
_CONTROLS = re.compile("[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED_UP_TO = 100  # a parameter's name as a field error repeats it
_NOT_UNICODE = "must be Unicode text: it holds a lone surrogate"
# Decoded input's unstorable text (shared.contracts.strict_json.TextFault): (kind, in a key) -> message, type.
_TEXT_FAULTS = {
    (NUL, False): ("must not contain the NUL character", "control_character"),
    (NUL, True): ("holds a key that contains the NUL character", "control_character"),
    (LONE_SURROGATE, False): (_NOT_UNICODE, "string_unicode"),
    (LONE_SURROGATE, True): ("holds a key that is not Unicode text (a lone surrogate)", "string_unicode"),
}


def _character_fault(field: str, text: str) -> FieldError | None:
    """What is wrong with the characters of `text`, never repeating them (they may be a person's data)."""
    if _CONTROLS.search(text):
        return {"field": field, "message": "must not contain control characters", "type": "control_character"}
    if _SURROGATE.search(text):
        return {"field": field, "message": _NOT_UNICODE, "type": "string_unicode"}
    return None


def text_faults(pairs: Iterable[tuple[str, object]], unnamed: str) -> list[FieldError]:
    """Field errors for the query parameters or path variables (`pairs`) whose text holds a control character
    or a lone surrogate, each named by its parameter, or `unnamed` when the name itself holds one."""
    faults: dict[str, FieldError] = {}
    for name, value in pairs:
        fault = _character_fault(unnamed, name)
        if fault is None and isinstance(value, str):
            fault = _character_fault(name[:_NAMED_UP_TO], value)
        if fault is not None:
            faults.setdefault(str(fault["field"]), fault)
    return list(faults.values())


def _decoded_faults(data: object) -> list[FieldError]:
    """Field errors for the text anywhere in decoded input that PostgreSQL could not store: NUL or a lone surrogate.
    Other controls may belong there (a note's line breaks)."""
    return _text_field_errors(unstorable_text(data), "(input)")


def _text_field_errors(faults: list[TextFault], whole: str) -> list[FieldError]:
    """Each fault named by its dotted path (`whole` for the input itself), once per field and message: a key's
    fault names the object that holds the key."""
    errors: dict[tuple[str, str], FieldError] = {}
    for fault in faults:
        field = ".".join(str(part)[:_NAMED_UP_TO] for part in fault.path) or whole
        message, error_type = _TEXT_FAULTS[fault.kind, fault.in_key]
        errors.setdefault((field, message), {"field": field, "message": message, "type": error_type})
    return list(errors.values())


def parse_query(request: Request, model: type[M], repeated: tuple[str, ...] = (), now: datetime | None = None) -> M:
    """Validate the query string against `model`, or raise BadInput naming the parameters. A parameter named in
    `repeated` may be given several times (`?account=a&account=b`) and is validated as the list of them; any other
    given more than once is refused (`repeated_parameter`); `now` is the service's clock reading, as parse_body
    takes it."""
    # A parameter that takes one value, given several times (?status=closed&status=assigned): taking the first, as
    # to_dict would, answers a question the caller did not ask. Its characters are judged first, in every copy.
    faults = text_faults(request.args.items(multi=True), "(query)") or [
        {"field": name[:_NAMED_UP_TO], "message": "given more than once: give it once", "type": "repeated_parameter"}
        for name, given in request.args.lists()
        if len(given) > 1 and name not in repeated
    ]
    if faults:
        raise BadInput(faults)
    values: dict[str, Any] = request.args.to_dict()
    values.update({name: request.args.getlist(name) for name in repeated if name in request.args})
    return validate_value(model, values, request_context(now))


def unexpected_parameters(request: Request) -> list[FieldError]:
    """Each query parameter, refused as a query model refuses one it does not name: for an endpoint that reads none."""
    return [
        {"field": name[:_NAMED_UP_TO], "message": "Extra inputs are not permitted", "type": "extra_forbidden"}
        for name in dict.fromkeys(request.args.keys())
    ]


def validate_value(model: type[M], data: dict[str, Any], context: dict[str, Any] | None = None) -> M:
    """Validate already-decoded input (RPC arguments, a path's variables) against `model`, with the validation
    `context` given (a request's, from shared.contracts.dates.request_context)."""
    faults = _decoded_faults(data)
    if faults:
        raise BadInput(faults)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise BadInput(field_errors(exc)) from None


class _CasePath(BaseModel):
    case_id: CaseId


def case_id_in_path(value: str) -> str:
    """A case number from a URL path, or BadInput naming `case_id`."""
    return validate_value(_CasePath, {"case_id": value}).case_id


def referral_id_in_path(value: str) -> UUID:
    """A referral id from a URL path, or BadInput naming `referral_id`."""
    try:
        return UUID(value)
    except ValueError:
        raise BadInput([{"field": "referral_id", "message": "must be a UUID", "type": "uuid_parsing"}]) from None


@dataclass(frozen=True)
class Access:
    """Who may call an endpoint: callers with one of `roles`, or anyone when `roles` is None.

    `admits`, when set, narrows who among those callers may use the endpoint at all (an agency's endpoints take only
    the officers of one of its units: shared.agency.service): it raises Forbidden for a caller it turns away. It is
    judged with the roles, before any body or query is read, so a caller who may not use the endpoint is told 403
    and learns nothing of what the endpoint accepts.
    """

    roles: frozenset[Role] | None
    admits: Callable[[Principal], None] | None = None

    def __post_init__(self) -> None:
        if self.roles is not None and not self.roles:
            raise ValueError("an endpoint open to no role: name its roles, or make it PUBLIC")


def allow(*roles: Role) -> Access:
    return Access(frozenset(roles))


PUBLIC = Access(None)
"""Health, sign-in, the issuer's keys and a citizen's rating link: nothing a caller could borrow."""
SIGNED_IN = Access(frozenset(Role))

ANONYMOUS = Principal("anonymous", "anonymous", frozenset())
PRINCIPAL_KEY = "wuyuan.principal"  # where the verified caller rides on the request


class Authenticator(SharedExtension):
    """One token verifier per service, built from its trust settings (issuer, keys, audience)."""

    verifier: TokenVerifier | None = None

    def setup(self) -> None:
        self.verifier = TokenVerifier(current_auth_settings())

    def authenticate(self, request: Request, access: Access) -> Principal | None:
        if access.roles is None:
            return None
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("sign in first: send Authorization: Bearer <token>")
        assert self.verifier is not None, "Authenticator used before setup"
        principal = self.verifier.verify(token.strip())
        if not principal.has_any(access.roles):
            raise _forbidden_role(principal, access.roles)
        if access.admits is not None:
            access.admits(principal)
        return principal


def _forbidden_role(principal: Principal, roles: frozenset[Role]) -> Forbidden:
    have = ", ".join(sorted(principal.roles)) or "no role"
    return Forbidden(f"{principal.subject} ({have}) may not do this; it needs one of: {', '.join(sorted(roles))}")


class Caller(Injects[Principal]):
    """`self.caller`: the verified caller of the HTTP request a worker handles."""

    def get_dependency(self, worker_ctx: WorkerContext) -> Principal:
        request = worker_ctx.args[0] if worker_ctx.args else None
        principal = request.environ.get(PRINCIPAL_KEY) if isinstance(request, Request) else None
        # Every worker gets every dependency (timers, messages, public endpoints too): those see a
        # caller with no role and no unit, who may do nothing a role is needed for.
        return principal if isinstance(principal, Principal) else ANONYMOUS


EXPECTED: tuple[type[Exception], ...] = (BadInput, NotFound, Conflict, Refused, StoreUnavailable, AuthFailure)
EXPECTED += (AlreadyAnswered, KeyReused, InProgress)
"""Refusals and retries the caller is told about: logged as warnings, not errors."""
ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | None
REPLAYED_HEADER = "Idempotent-Replayed"
# A value the database refused (shared.persistence.errors.InvalidValue): which one, and why, may be a person's data.
INVALID_VALUE = "a value given is not valid for its field (out of range, or not of its type)"
# What a 503 or a 409 `in_progress` asks the caller to wait: a database restart or a first request's end.
RETRY_AFTER_SECONDS = 2


class ApiHandler(HttpRequestHandler):
    """nameko's @http, checking who calls before any worker runs, and mapping our exceptions to JSON answers.

    `access` is required: an endpoint that forgot to say who may call it does not load.
    A state-changing endpoint (POST, PUT, PATCH, DELETE) takes an Idempotency-Key: its change
    and its answer commit together, and a retry with the key gets that answer again and changes
    nothing. `idempotent=False` opts an endpoint out, for an answer that must never be stored
    (a sign-in's token); the key is then accepted and ignored. `secret_body=True` keeps the body out
    of the key's fingerprint, for a body that holds secrets (a password change): the fingerprint is a
    fast hash that would let anyone who read the table guess them; such a key stands for one request
    to the endpoint, whatever body it comes with. `takes_query=True` says the endpoint reads its query string with
    `parse_query` (whose model names its parameters); any other endpoint refuses every query parameter before a
    worker runs (`400`, each named, `extra_forbidden`, as a query model does), so a filter it does not have is
    never taken for one that was applied.
    """

    authenticator = Authenticator()
    server = HardenedWebServer()

    def __init__(
        self,
        method: str,
        url: str,
        *,
        access: Access,
        idempotent: bool = True,
        secret_body: bool = False,
        takes_query: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("expected_exceptions", EXPECTED)
        super().__init__(method, url, **kwargs)
        self.access = access
        self.takes_key = idempotent and bool(WRITE_METHODS & {m.strip().upper() for m in method.split(",")})
        self.secret_body = secret_body
        self.takes_query = takes_query

    def setup(self) -> None:
        self.check_route_matches_method()
        super().setup()

    def check_route_matches_method(self) -> None:
        """The method takes the request and exactly the route's variables, or the service does not start.

        Every request to a route binds the same names, so checking once here is the check nameko
        repeats (with `inspect.getcallargs`) for every request, and a mistake fails at start-up
        instead of answering each caller with an error.
        """
        method = getattr(self.container.service_cls, self.method_name)
        rule = self.get_url_rule()
        Map([rule])  # a rule learns its variables when a map compiles it
        variables = dict.fromkeys(rule.arguments)
        try:
            inspect.signature(method).bind(None, None, **variables)
        except TypeError as exc:
            raise TypeError(f"{self.method_name} does not take the variables of {self.url}: {exc}") from None

    def check_signature(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Checked at setup (check_route_matches_method): a request brings its route's variables, no others."""

    def handle_request(self, request: Request) -> Response:
        try:
            principal = self.authenticator.authenticate(request, self.access)
        except (AuthFailure, KeysUnavailable) as exc:
            return self.response_from_exception(exc)
        request.environ[PRINCIPAL_KEY] = principal
        # Every endpoint's path variables and query parameters, before any worker: a NUL there would otherwise
        # reach the store (which cannot hold it) from endpoints that read them without parse_query.
        path_values = getattr(request, "path_values", None) or {}
        faults = text_faults([*path_values.items(), *request.args.items(multi=True)], "(query)")
        if not faults and not self.takes_query:
            faults = unexpected_parameters(request)
        if faults:
            return self.response_from_exception(BadInput(faults))
        request.shallow = False  # as nameko's handler sets it: the body may be read
        if self.takes_key and request.method in WRITE_METHODS:
            try:
                keyed = _keyed(request, principal, with_body=not self.secret_body)
            except BadInput as exc:
                return self.response_from_exception(exc)
            if keyed is not None:
                request.environ[KEYED_REQUEST_ENVIRON] = keyed
        response: Response = super().handle_request(request)
        return response

    def handle_result(
        self, event: Any, worker_ctx: WorkerContext, result: Any, exc_info: ExcInfo
    ) -> tuple[Any, ExcInfo]:
        """For a keyed request, the answer commits with the change before it is sent (or the change is undone)."""
        args = getattr(worker_ctx, "args", None)
        request = args[0] if args else None
        if not isinstance(request, Request) or KEYED_REQUEST_ENVIRON not in request.environ:
            handled: tuple[Any, ExcInfo] = super().handle_result(event, worker_ctx, result, exc_info)
            return handled
        event.send(self._committed_answer(request.environ.get(HELD_TRANSACTIONS_ENVIRON, []), result, exc_info))
        return result, exc_info

    def _committed_answer(self, held: list[AnswerHolder], result: Any, exc_info: ExcInfo) -> Response:
        try:
            response = self.response_from_result(result) if exc_info is None else None
        except Exception as exc:  # a handler returned something that is not an answer
            response = self.response_from_exception(exc)
        if response is None:
            assert exc_info is not None
            response = self.response_from_exception(exc_info[1])  # type: ignore[arg-type]
        if not any(part.pending for part in held):
            return response
        if not should_keep(response.status_code):
            for part in held:
                part.abandon()
            return response
        answer = StoredAnswer(response.status_code, response.get_data(as_text=True), response.content_type or "")
        try:
            for part in held:
                part.finish(answer)
        except Exception as exc:
            # Writes held back to the commit may be refused there (a 409); a 503 is a commit not
            # confirmed, which may have held after all: the key's retry finds out which.
            for part in held:
                part.abandon()
            return self.response_from_exception(exc)
        return response

    def response_from_exception(self, exc: Exception) -> Response:
        if isinstance(exc, AuthFailure):
            response = json_response(exc.status, {"error": exc.error, "message": str(exc)})
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="wuyuan"'
            if isinstance(exc, TooManyAttempts):
                response.headers["Retry-After"] = str(exc.retry_after_seconds)
            return response
        if isinstance(exc, KeysUnavailable):
            return _retry_later(
                json_response(503, {"error": "unavailable", "message": "cannot verify credentials now, retry later"})
            )
        if isinstance(exc, AlreadyAnswered):
            replayed = Response(exc.answer.body, status=exc.answer.status, content_type=exc.answer.content_type)
            replayed.headers[REPLAYED_HEADER] = "true"
            return replayed
        if isinstance(exc, KeyReused):
            return json_response(
                422,
                {
                    "error": "idempotency_key_reused",
                    "message": str(exc),
                    "fields": [{"field": KEY_HEADER, "message": str(exc), "type": "idempotency_key_reused"}],
                },
            )
        if isinstance(exc, InProgress):
            return _retry_later(json_response(409, {"error": "in_progress", "message": str(exc)}))
        if isinstance(exc, UnsupportedMediaType):
            return json_response(415, {"error": "unsupported_media_type", "message": str(exc), "fields": exc.fields})
        if isinstance(exc, BadInput):
            return json_response(400, {"error": "invalid_input", "message": str(exc), "fields": exc.fields})
        if isinstance(exc, NotFound):
            return json_response(404, {"error": "not_found", "message": str(exc)})
        if isinstance(exc, Refused):
            refused: dict[str, object] = {
                "error": "conflict",
                "message": str(exc),
                "code": exc.code,
                "detail": exc.detail,
            }
            if isinstance(exc, NumberTaken):  # beside its input, as a 400's fields are
                refused["fields"] = [{"field": exc.field, "message": exc.reason, "type": exc.code}]
            return json_response(409, refused)
        if isinstance(exc, Conflict):
            return json_response(409, {"error": "conflict", "message": str(exc)})
        if isinstance(exc, InvalidValue):
            # The boundary's checks should have refused it first: not in EXPECTED, so the gap is logged as an error.
            invalid: FieldError = {"field": "(input)", "message": INVALID_VALUE, "type": "invalid_value"}
            return json_response(400, {"error": "invalid_input", "message": INVALID_VALUE, "fields": [invalid]})
        if isinstance(exc, StoreUnavailable):
            unavailable = {"error": "unavailable", "message": "storage unavailable, retry later"}
            return _retry_later(json_response(503, unavailable))
        return json_response(500, {"error": "internal", "message": "internal error; see the service log"})


def _retry_later(response: Response) -> Response:
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _keyed(request: Request, principal: Principal | None, with_body: bool = True) -> KeyedRequest | None:
    """The request's key with what identifies it, None without a key; BadInput naming the header if it is bad."""
    value = request.headers.get(KEY_HEADER)
    if value is None:
        return None
    try:
        key = checked_key(value)
    except BadKey as exc:
        raise BadInput([{"field": KEY_HEADER, "message": str(exc), "type": "idempotency_key"}]) from None
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        return None  # refused as too large by parse_body, before any change
    try:
        body = request.get_data(cache=True)  # parse_body reads it again from the cache
    except Exception:
        raise _body_error("could not be read", "body_unreadable") from None
    query = request.query_string.decode("latin-1")
    path = request.path + (f"?{query}" if query else "")
    subject = principal.subject if principal is not None else ANONYMOUS.subject
    return KeyedRequest(key, subject, fingerprint(request.method, path, body if with_body else b""))


api = ApiHandler.decorator
