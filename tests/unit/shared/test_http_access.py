"""Who may call: every @api endpoint checks the bearer token and the caller's role before any worker runs."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from shared.auth.principal import Principal, Role, Unauthenticated
from shared.auth.settings import AuthSettings
from shared.auth.signing import SigningKeys, issue_token
from shared.auth.tokens import KeySet, KeysUnavailable, TokenVerifier
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH
from shared.http import PUBLIC, SIGNED_IN, Access, ApiHandler, Authenticator, Caller, allow, json_response

ISSUER = AUDIENCE = "urn:wuyuan:430426"
LIFETIME = timedelta(hours=8)
COORDINATOR = Principal("wang.fang", "王芳", frozenset({Role.COORDINATOR}))
OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))


class CaseDesk:
    """The service class the endpoint belongs to (nameko checks the call fits its method)."""

    def assign(self, request: Request) -> Response:
        raise AssertionError("the fake container answers in its place")


@dataclass
class FakeContainer:
    """Runs the worker at once and remembers who it ran for; nothing runs when the check refuses."""

    workers: list[Principal | None] = field(default_factory=list)
    service_cls: type = CaseDesk

    def spawn_worker(self, entrypoint: Any, args: tuple[Any, ...], kwargs: dict[str, Any], **options: Any) -> None:
        try:
            caller: Principal | None = Caller().get_dependency(SimpleNamespace(args=args))  # type: ignore[arg-type]
        except Unauthenticated:
            caller = None
        self.workers.append(caller)
        options["handle_result"](None, json_response(200, {"ran": True}), None)


class FakeServer:
    def context_data_from_headers(self, request: Request) -> dict[str, str]:
        return {}


class Keys:
    """The issuer's keys as its JWKS serves them; `down` makes the fetch fail like an unreachable issuer."""

    def __init__(self, directory: Path) -> None:
        self.signing = SigningKeys(directory)
        self.down = False

    def fetch(self, url: str) -> dict[str, Any]:
        if self.down:
            raise KeysUnavailable(f"cannot fetch the token keys from {url}: ConnectionError")
        return self.signing.jwks(LIFETIME)

    def token(self, principal: Principal, at: datetime | None = None, **claims: object) -> str:
        issued = at or datetime.now(UTC)
        return issue_token(principal, self.signing.ensure(), ISSUER, AUDIENCE, issued, LIFETIME, claims.items())


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys(tmp_path / "keys")


@pytest.fixture
def container() -> FakeContainer:
    return FakeContainer()


@pytest.fixture
def endpoint(keys: Keys, container: FakeContainer):
    """An ApiHandler as nameko binds it, with the real verifier reading the keys above."""

    def build(access: Access) -> ApiHandler:
        handler = ApiHandler("POST", "/api/v1/cases/<case_id>/assign", access=access)
        settings = AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_url="file:///unused")
        authenticator = Authenticator()
        authenticator.verifier = TokenVerifier(settings, KeySet("file:///unused", 3600, keys.fetch))
        handler.authenticator = authenticator
        handler.server = FakeServer()  # type: ignore[assignment]
        handler.container = container  # type: ignore[assignment]
        handler.method_name = "assign"
        return handler

    return build


def request(authorization: str | None = None) -> Request:
    headers = {"Authorization": authorization} if authorization is not None else {}
    built = EnvironBuilder(method="POST", json={"unit": "police:430426101"}, headers=headers).get_request()
    built.path_values = {}  # type: ignore[attr-defined]
    return built


def answer(response: Response) -> dict[str, Any]:
    assert response.mimetype == "application/json"
    body: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return body


COORDINATORS = allow(Role.COORDINATOR)


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer   ", "Basic d2FuZzpzZWNyZXQ="])
def test_no_credentials_answer_401_and_no_worker_runs(endpoint, container, authorization):
    response = endpoint(COORDINATORS).handle_request(request(authorization))

    assert response.status_code == 401
    assert answer(response)["error"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert container.workers == []


def test_a_garbage_token_answers_401(endpoint, container):
    response = endpoint(COORDINATORS).handle_request(request("Bearer not.a.token"))

    assert response.status_code == 401
    assert container.workers == []


def test_an_expired_token_answers_401_saying_so(endpoint, container, keys):
    stale = keys.token(COORDINATOR, at=datetime.now(UTC) - LIFETIME - timedelta(minutes=5))

    response = endpoint(COORDINATORS).handle_request(request(f"Bearer {stale}"))

    assert response.status_code == 401
    assert "expired" in answer(response)["message"]
    assert container.workers == []


def test_a_token_for_another_platform_answers_401(endpoint, container, keys):
    elsewhere = keys.token(COORDINATOR, aud="urn:wuyuan:430100")

    response = endpoint(COORDINATORS).handle_request(request(f"Bearer {elsewhere}"))

    assert response.status_code == 401
    assert container.workers == []


@pytest.mark.parametrize("length", [ACCOUNT_ID_MAX_LENGTH - 1, ACCOUNT_ID_MAX_LENGTH])
def test_a_subject_as_long_as_a_message_may_name_reaches_the_worker(endpoint, container, keys, length):
    long_named = Principal("w" * length, "王芳", frozenset({Role.COORDINATOR}))

    response = endpoint(COORDINATORS).handle_request(request(f"Bearer {keys.token(long_named)}"))

    assert response.status_code == 200
    assert container.workers == [long_named]


@pytest.mark.parametrize("subject", ["w" * (ACCOUNT_ID_MAX_LENGTH + 1), "wang.fang\nadmin"])
def test_a_subject_no_message_could_name_answers_401_before_any_worker_runs(endpoint, container, keys, subject):
    # Let through, the caller would reach every write and fail it with a 500 when the message refused the name.
    unnameable = Principal(subject, "王芳", frozenset({Role.COORDINATOR}))

    response = endpoint(COORDINATORS).handle_request(request(f"Bearer {keys.token(unnameable)}"))

    assert response.status_code == 401
    assert answer(response) == {"error": "unauthenticated", "message": "token has no usable 'sub' claim"}
    assert container.workers == []


def test_a_signed_in_caller_without_the_role_answers_403_naming_the_roles(endpoint, container, keys):
    response = endpoint(COORDINATORS).handle_request(request(f"Bearer {keys.token(OFFICER)}"))

    assert response.status_code == 403
    body = answer(response)
    assert body["error"] == "forbidden"
    assert "liu.yang" in body["message"] and "coordinator" in body["message"]
    assert "WWW-Authenticate" not in response.headers
    assert container.workers == []


def test_a_caller_with_the_role_reaches_the_worker_as_the_verified_principal(endpoint, container, keys):
    response = endpoint(COORDINATORS).handle_request(request(f"Bearer {keys.token(COORDINATOR)}"))

    assert response.status_code == 200
    assert container.workers == [COORDINATOR]


def test_the_scheme_is_case_insensitive(endpoint, container, keys):
    response = endpoint(COORDINATORS).handle_request(request(f"bearer {keys.token(COORDINATOR)}"))

    assert response.status_code == 200


def test_signed_in_lets_every_role_through(endpoint, container, keys):
    for principal in (COORDINATOR, OFFICER):
        assert endpoint(SIGNED_IN).handle_request(request(f"Bearer {keys.token(principal)}")).status_code == 200

    assert container.workers == [COORDINATOR, OFFICER]


@pytest.mark.parametrize("authorization", [None, "Bearer not.a.token"])
def test_a_public_endpoint_answers_without_credentials_and_names_no_caller(endpoint, container, authorization):
    response = endpoint(PUBLIC).handle_request(request(authorization))

    assert response.status_code == 200
    [caller] = container.workers
    # Whatever was sent, a public endpoint's worker sees a caller who may do nothing a role is needed for.
    assert caller is None or (caller.roles, caller.units) == (frozenset(), frozenset())


def test_keys_that_cannot_be_fetched_answer_503_not_401(endpoint, container, keys):
    token = keys.token(COORDINATOR)
    keys.down = True

    response = endpoint(COORDINATORS).handle_request(request(f"Bearer {token}"))

    assert response.status_code == 503
    assert answer(response)["error"] == "unavailable"
    assert container.workers == []


def test_an_endpoint_open_to_no_role_does_not_load():
    with pytest.raises(ValueError, match="open to no role"):
        allow()


def test_access_is_required_to_declare_an_endpoint():
    with pytest.raises(TypeError, match="access"):
        ApiHandler("GET", "/api/v1/cases")  # type: ignore[call-arg]


class ReferralDesk:
    def accept(self, request: Request, referral_id: str) -> Response:
        raise AssertionError("never called: only its signature is checked")

    def list_referrals(self, request: Request) -> Response:
        raise AssertionError("never called: only its signature is checked")


def bound_to_desk(method_name: str, url: str) -> ApiHandler:
    handler = ApiHandler("POST", url, access=SIGNED_IN)
    handler.method_name = method_name
    handler.container = SimpleNamespace(service_cls=ReferralDesk)  # type: ignore[assignment]
    return handler


def test_an_endpoint_whose_method_takes_its_route_variables_starts() -> None:
    bound_to_desk("accept", "/api/v1/referrals/<referral_id>/accept").check_route_matches_method()
    bound_to_desk("list_referrals", "/api/v1/referrals").check_route_matches_method()


@pytest.mark.parametrize(
    ("method_name", "url"),
    [
        ("accept", "/api/v1/referrals/<case_id>/accept"),  # a variable the method does not take
        ("accept", "/api/v1/referrals/accept"),  # the method needs a variable the route lacks
        ("list_referrals", "/api/v1/referrals/<referral_id>"),
    ],
)
def test_an_endpoint_whose_route_does_not_fit_its_method_does_not_start(method_name: str, url: str) -> None:
    with pytest.raises(TypeError, match=method_name):
        bound_to_desk(method_name, url).check_route_matches_method()
