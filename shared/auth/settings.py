"""Which tokens a service trusts: the issuer, its keys and audience, and how its claims name roles and units."""

from functools import cache
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.auth.principal import Role

# The claim the embedded issuer's tokens carry their account's handle in: a random name of the account, by which its
# list of withdrawn tokens names the account to whoever holds one of its tokens, and to no one else. A private claim
# (RFC 7519, 4.3), prefixed so that no provider's claim is taken for it; not a setting, as only that issuer gives it.
HANDLE_CLAIM = "wuyuan_handle"


class AuthSettings(BaseSettings):
    """Set by `wuyuan up` for the embedded issuer, or by a deployment for its own OpenID Connect provider."""

    model_config = SettingsConfigDict(env_prefix="WUYUAN_AUTH_", extra="ignore")

    issuer: str = Field(min_length=1, description="the `iss` every token must carry")
    audience: str = Field(min_length=1, description="the `aud` every token must carry: this platform")
    jwks_url: str = Field(pattern=r"^(https?|file)://", description="where the issuer publishes its public keys")
    subject_claim: str = Field("sub", min_length=1, description="the claim naming the account, e.g. preferred_username")
    name_claim: str = Field("name", min_length=1)
    roles_claim: str = Field("roles", min_length=1, description="dotted path, e.g. realm_access.roles for Keycloak")
    units_claim: str = Field("units", min_length=1, description="dotted path to the list of unit codes")
    role_map: dict[str, Role] = Field(
        default_factory=dict, description="JSON: the provider's role names -> ours; empty means they are ours"
    )
    algorithms: list[str] = Field(default_factory=lambda: ["ES256", "RS256", "EdDSA"], min_length=1)
    leeway_seconds: int = Field(30, ge=0, le=300, description="clock skew allowed on exp, nbf and iat")
    keys_max_age_seconds: int = Field(3600, ge=10, le=86400, description="how long fetched keys are trusted")
    revocations_url: str | None = Field(
        None,
        pattern=r"^(https?|file)://",
        description="where the embedded issuer lists the accounts whose earlier tokens no longer count (disabled,"
        " password or roles changed); unset for a provider of a deployment's own, whose tokens it withdraws itself",
    )
    revocations_max_age_seconds: int = Field(
        30, ge=1, le=3600, description="how often that list is read again: how late a withdrawal takes effect"
    )

    @field_validator("revocations_url", mode="before")
    @classmethod
    def _unset_when_empty(cls, url: object) -> object:
        return None if url == "" else url  # compose's way to leave it out: `WUYUAN_AUTH_REVOCATIONS_URL=`

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, algorithms: list[str]) -> list[str]:
        # A shared-secret algorithm would let every service that can verify also sign.
        allowed = {"ES256", "ES384", "RS256", "RS384", "RS512", "PS256", "EdDSA"}
        unknown = [a for a in algorithms if a not in allowed]
        if unknown:
            raise ValueError(f"unsupported or symmetric algorithms {unknown}; use some of {sorted(allowed)}")
        return algorithms


def claim_at(claims: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of the claims, or None."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@cache
def current_auth_settings() -> AuthSettings:
    """The running service's trust settings, read once from the environment."""
    return AuthSettings()  # fields come from the environment
