"""The embedded issuer's signing keys: made, rotated and published as a JSON Web Key Set; tokens signed."""

import contextlib
import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shared.auth.principal import Principal
from shared.private_dirs import private_directory

ALGORITHM = "ES256"
SUFFIX = ".pem"
# A new key is published at once but signs only after this: a service that fetched the keys just
# before it was made meets no token it cannot verify (services fetch again at most every 10 s).
KEY_SIGNS_AFTER_SECONDS = 60.0
KID_TIME = "%Y%m%dT%H%M%S.%fZ"  # a key id starts with when it was made, to the microsecond


@dataclass(frozen=True)
class SigningKey:
    kid: str
    created: float  # seconds since the epoch: the newest key signs
    private_key: ec.EllipticCurvePrivateKey

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


class SigningKeys:
    """A directory of private keys (`<kid>.pem`, readable by the issuer's user only).

    Rotation without downtime: a new key is published from the moment it is made and signs
    KEY_SIGNS_AFTER_SECONDS later, while the keys it superseded stay published until every token they
    signed has expired.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def all(self) -> list[SigningKey]:
        keys = []
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(private_key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{path}: not an EC private key")
            keys.append(SigningKey(path.stem, _created(path), private_key))
        return sorted(keys, key=lambda key: (key.created, key.kid))

    def active(self, now: float | None = None) -> SigningKey:
        """The key that signs: the newest one published for KEY_SIGNS_AFTER_SECONDS (the first key at once)."""
        keys = self.all()
        if not keys:
            raise FileNotFoundError(f"no signing key in {self.directory}; `wuyuan auth rotate-key` makes one")
        return _signing(keys, time.time() if now is None else now)

    def ensure(self, now: float | None = None) -> SigningKey:
        """The active key, made the first time."""
        keys = self.all()
        return _signing(keys, time.time() if now is None else now) if keys else self.create()

    def create(self) -> SigningKey:
        private_directory(self.directory)
        kid = datetime.now(UTC).strftime(KID_TIME) + "-" + secrets.token_hex(4)
        private_key = ec.generate_private_key(ec.SECP256R1())
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd, draft = tempfile.mkstemp(dir=self.directory, prefix=".key.")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            os.rename(draft, self.directory / f"{kid}{SUFFIX}")
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(draft)
        return next(key for key in self.all() if key.kid == kid)

    def published(self, token_lifetime: timedelta, now: float | None = None) -> list[SigningKey]:
        """The keys a verifier may still meet: the active one and those superseded within a token's lifetime."""
        return _still_valid(self.all(), token_lifetime.total_seconds(), time.time() if now is None else now)

    def retire_expired(self, token_lifetime: timedelta, now: float | None = None) -> list[str]:
        """Delete keys no unexpired token can carry; returns their ids."""
        keys = self.all()
        keep = {key.kid for key in _still_valid(keys, token_lifetime.total_seconds(), now or time.time())}
        retired = []
        for key in keys:
            if key.kid not in keep:
                (self.directory / f"{key.kid}{SUFFIX}").unlink()
                retired.append(key.kid)
        return retired

    def jwks(self, token_lifetime: timedelta) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.published(token_lifetime)]}


def _created(path: Path) -> float:
    """When a key was made: from its id, which survives copying (a mounted secret has new mtimes)."""
    try:
        return datetime.strptime(path.stem.partition("-")[0], KID_TIME).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return path.stat().st_mtime


def _signing(keys: list[SigningKey], now: float) -> SigningKey:
    ready = [key for key in keys if now - key.created >= KEY_SIGNS_AFTER_SECONDS]
    return ready[-1] if ready else keys[0]


def _still_valid(keys: list[SigningKey], lifetime: float, now: float) -> list[SigningKey]:
    kept = []
    for index, key in enumerate(keys):
        # Superseded once the next key signs, not when it was made.
        superseded_at = keys[index + 1].created + KEY_SIGNS_AFTER_SECONDS if index + 1 < len(keys) else None
        # A minute of slack for clocks and for tokens signed just before the new key appeared.
        if superseded_at is None or now - superseded_at < lifetime + 60:
            kept.append(key)
    return kept


def issue_token(
    principal: Principal,
    key: SigningKey,
    issuer: str,
    audience: str,
    issued_at: datetime,
    lifetime: timedelta,
    extra_claims: Iterable[tuple[str, Any]] = (),
) -> str:
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": principal.subject,
        "name": principal.name,
        "roles": sorted(principal.roles),
        "units": sorted(principal.units),
        "iat": int(issued_at.timestamp()),
        "nbf": int(issued_at.timestamp()),
        "exp": int((issued_at + lifetime).timestamp()),
        "jti": secrets.token_urlsafe(16),
        **dict(extra_claims),
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
