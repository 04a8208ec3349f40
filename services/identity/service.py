"""The identity nameko service: the embedded issuer; staff sign in here, every other service verifies locally."""

from werkzeug.wrappers import Request, Response

from services.identity import handlers
from services.identity.dependencies import IssuerProvider, trusted_proxies
from services.identity.store import PostgresAccountStore
from shared.auth.principal import Role
from shared.forwarded import client_address
from shared.http import PUBLIC, SIGNED_IN, Caller, allow, api, json_response, parse_body, parse_query
from shared.runtime.dependencies import Database, PlatformProvider
from shared.runtime.service_base import PlatformService

STAFF_ROLES = tuple(role for role in Role if role is not Role.OPERATOR)


class Identity(PlatformService):
    name = "identity"
    uow = Database(PostgresAccountStore)
    platform = PlatformProvider()
    issuer = IssuerProvider()
    caller = Caller()

    # A sign-in's answer is a token: never stored for a retry to collect. It changes nothing worth a key.
    @api("POST", "/api/v1/sessions", access=PUBLIC, idempotent=False)
    def sign_in(self, request: Request) -> Response:
        command = parse_body(request, handlers.SignIn)
        address = client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted_proxies())
        return json_response(201, handlers.sign_in(command, address, self.uow, self.issuer, self.platform))

    @api("GET", "/.well-known/jwks.json", access=PUBLIC)
    def jwks(self, request: Request) -> Response:
        response = json_response(200, self.issuer.jwks())
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    # Read by every service's token verifier, which has no token of its own; it names accounts by the handle their
    # tokens carry, never by name (by digest only while a token without a handle may be valid).
    @api("GET", "/api/v1/token-revocations", access=PUBLIC)
    def token_revocations(self, request: Request) -> Response:
        response = json_response(200, handlers.token_revocations(self.uow, self.issuer, self.platform))
        response.headers["Cache-Control"] = "no-store"
        return response

    @api("GET", "/api/v1/me", access=SIGNED_IN)
    def me(self, request: Request) -> Response:
        return json_response(200, self.caller.as_json())

    # Anyone signed in by this issuer changes their own password, and only their own: the account is the token's.
    # Its Idempotency-Key's fingerprint leaves the body out: a fast hash of both passwords must not be stored.
    @api("POST", "/api/v1/me/password", access=SIGNED_IN, secret_body=True)
    def change_password(self, request: Request) -> Response:
        command = parse_body(request, handlers.ChangePassword)
        address = client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted_proxies())
        token = request.headers.get("Authorization", "").partition(" ")[2].strip()
        changed = handlers.change_own_password(
            command, self.caller, token, address, self.uow, self.issuer, self.platform
        )
        return json_response(200, changed)

    # Staff read who acted on a case (登记人, 经办人) by name; operators see no case, so need none.
    @api("GET", "/api/v1/people", access=allow(*STAFF_ROLES), takes_query=True)
    def staff_names(self, request: Request) -> Response:
        asked = parse_query(request, handlers.PeopleAsked, repeated=("account",))
        return json_response(200, handlers.staff_names(asked, self.uow))

    @api("GET", "/api/v1/accounts", access=allow(Role.OPERATOR))
    def list_accounts(self, request: Request) -> Response:
        return json_response(200, handlers.list_accounts(self.uow))


SERVICE = Identity
