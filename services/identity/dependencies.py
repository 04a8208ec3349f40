"""The identity service's own dependencies: its settings, password hashing off the hub, and the token issuer."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import argon2
import jwt
from eventlet import tpool
from nameko.containers import WorkerContext
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.identity.domain import LockoutPolicy
from shared.auth.principal import Principal
from shared.auth.settings import HANDLE_CLAIM, current_auth_settings
from shared.auth.signing import SigningKeys, issue_token
from shared.dependency import Injects
from shared.forwarded import check_networks


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WUYUAN_IDENTITY_", extra="ignore")

    signing_key_dir: Path = Field(description="the issuer's private keys, readable by this service alone")
    token_lifetime_minutes: int = Field(480, ge=5, le=1440, description="a working day by default")
    max_failed_sign_ins: int = Field(5, ge=1, le=100)
    lockout_minutes: int = Field(15, ge=1, le=1440)


@cache
def current_identity_settings() -> IdentitySettings:
    return IdentitySettings()  # fields come from the environment


class ProxySettings(BaseSettings):
    """Apart from the issuer's settings, so that a sign-in needs none of the keys to know its client."""

    model_config = SettingsConfigDict(env_prefix="WUYUAN_IDENTITY_", extra="ignore")

    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="JSON: addresses or networks (the console's) whose X-Forwarded-For names the client signing in",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, entries: list[str]) -> list[str]:
        return check_networks("trusted_proxies", entries)


@cache
def trusted_proxies() -> list[str]:
    return ProxySettings().trusted_proxies


class Passwords:
    """argon2id, memory-hard; hashing runs in a real thread so a sign-in never stalls the service's hub."""

    def __init__(self, hasher: argon2.PasswordHasher | None = None, offload: bool = True) -> None:
        self.hasher = hasher or argon2.PasswordHasher()
        # The `wuyuan` command runs without eventlet's hub, so it hashes in place.
        self._run: Callable[..., Any] = tpool.execute if offload else _call
        # Verified against when the username is unknown, so that answer takes as long as any other.
        self.decoy = self.hasher.hash("not a password anyone has")

    def hash(self, password: str) -> str:
        hashed: str = self._run(self.hasher.hash, password)
        return hashed

    def matches(self, password_hash: str | None, password: str) -> bool:
        try:
            verified: bool = self._run(self.hasher.verify, password_hash or self.decoy, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False
        return verified and password_hash is not None


def _call(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


@dataclass(frozen=True)
class Issuer:
    """Signs tokens with the newest key and publishes every key a verifier may still meet."""

    keys: SigningKeys
    issuer: str
    audience: str
    lifetime: timedelta
    lockout: LockoutPolicy
    passwords: Passwords

    def sign(self, principal: Principal, now: datetime, handle: str) -> tuple[str, datetime]:
        """A token for `principal`, carrying its account's handle: the list of withdrawals names the account by it."""
        claims = [(HANDLE_CLAIM, handle)]
        token = issue_token(principal, self.keys.ensure(), self.issuer, self.audience, now, self.lifetime, claims)
        return token, now + self.lifetime

    def jwks(self) -> dict[str, Any]:
        return self.keys.jwks(self.lifetime)

    def signed(self, token: str) -> bool:
        """Whether a token (verified already, by whatever the platform trusts) was signed with one of this issuer's
        keys: a deployment that trusts its own OpenID Connect provider signs people in there, not here."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            return False
        return kid is not None and kid in {key.get("kid") for key in self.jwks()["keys"]}


class IssuerProvider(Injects[Issuer]):
    """`self.issuer`, built once at start: the first key is made then if there is none."""

    issuer: Issuer | None = None

    def setup(self) -> None:
        settings, auth = current_identity_settings(), current_auth_settings()
        keys = SigningKeys(settings.signing_key_dir)
        keys.ensure()
        self.issuer = Issuer(
            keys=keys,
            issuer=auth.issuer,
            audience=auth.audience,
            lifetime=timedelta(minutes=settings.token_lifetime_minutes),
            lockout=LockoutPolicy(settings.max_failed_sign_ins, timedelta(minutes=settings.lockout_minutes)),
            passwords=Passwords(),
        )

    def get_dependency(self, worker_ctx: WorkerContext) -> Issuer:
        assert self.issuer is not None, "IssuerProvider used before setup"
        return self.issuer
