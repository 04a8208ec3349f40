"""Verifying a bearer token locally: signature against the issuer's published keys, expiry, audience, issuer, and
the accounts whose earlier tokens the issuer has withdrawn."""

import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NamedTuple, TypeGuard
from urllib.parse import unquote, urlsplit

import jwt
import requests
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from shared.auth.principal import Principal, Role, Unauthenticated
from shared.auth.settings import HANDLE_CLAIM, AuthSettings, claim_at
from shared.contracts.identifiers import AccountId, UnitCode

# An unknown key id may mean the issuer rotated; ask again, but not more often than this, so
# tokens with made-up key ids cannot turn every request into a call to the issuer.
REFRESH_AT_MOST_EVERY_SECONDS = 10.0
MAX_TOKEN_BYTES = 8192
VERIFIED_TOKENS_KEPT = 4096  # callers remembered at once; the least recently seen is forgotten first
_UNIT_CODE: TypeAdapter[str] = TypeAdapter(UnitCode)
_ACCOUNT_ID: TypeAdapter[str] = TypeAdapter(AccountId)
# What an issuer's handle for an account looks like (identity's are 32 hex digits): random, and long enough to be.
HANDLE_PATTERN = r"^[0-9A-Za-z_-]{16,128}$"
_HANDLE: TypeAdapter[str] = TypeAdapter(Annotated[str, Field(strict=True, pattern=HANDLE_PATTERN)])


class KeysUnavailable(Exception):
    """The issuer's keys could not be fetched, so no token can be verified now (HTTP 503)."""


def read_json(url: str, timeout: float = 5.0) -> Any:
    """The JSON document at an http(s) or file URL, as the issuer publishes its keys and withdrawals; ValueError for
    one that is not JSON, nested too deep for the parser included (RecursionError), so that the callers' "cannot
    read it" holds for every document, and the keys or the list last read keep serving."""
    try:
        if url.startswith("file://"):
            return json.loads(Path(unquote(urlsplit(url).path)).read_text(encoding="utf-8"))
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
        return response.json()
    except RecursionError:
        raise ValueError(f"{url}: JSON nested too deep") from None


def fetch_jwks(url: str, timeout: float = 5.0) -> dict[str, Any]:
    """The JSON Web Key Set at an http(s) or file URL."""
    try:
        data = read_json(url, timeout)
    except (OSError, ValueError, requests.RequestException) as exc:
        raise KeysUnavailable(f"cannot fetch the token keys from {url}: {exc.__class__.__name__}") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise KeysUnavailable(f"{url} is not a JSON Web Key Set")
    return data


class KeySet:
    """The issuer's public keys by key id, fetched once and again when they age or an unknown id appears.

    When the issuer cannot be reached, the keys already fetched keep verifying (a down issuer must
    not stop every service), and it is asked again at most every REFRESH_AT_MOST_EVERY_SECONDS.
    """

    def __init__(
        self,
        url: str,
        max_age: float,
        fetch: Callable[[str], dict[str, Any]] = fetch_jwks,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.max_age = max_age
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._tried_at: float | None = None
        self._unavailable: str | None = None  # why the last fetch failed, until one succeeds
        self._lock = threading.Lock()

    def key(self, kid: str) -> jwt.PyJWK:
        # A key not held yet goes through the lock even when no fetch is due: a fetch another request
        # is making right now may be about to bring it.
        if kid not in self._keys or self._wants_refresh(kid):
            with self._lock:
                if self._wants_refresh(kid):  # unless a request that held the lock just fetched them
                    self._refresh()
        try:
            return self._keys[kid]
        except KeyError:
            if not self._keys and self._unavailable is not None:
                raise KeysUnavailable(self._unavailable) from None
            raise Unauthenticated("token signed with an unknown key") from None

    def _wants_refresh(self, kid: str) -> bool:
        now = self._clock()
        if self._tried_at is None:
            return True
        if now - self._tried_at <= REFRESH_AT_MOST_EVERY_SECONDS:
            return False
        stale = self._fetched_at is None or now - self._fetched_at > self.max_age
        return stale or kid not in self._keys

    def _refresh(self) -> None:
        self._tried_at = self._clock()
        try:
            data = self._fetch(self.url)
        except KeysUnavailable as failure:
            self._unavailable = str(failure)
            if not self._keys:
                raise
            return  # keep verifying with the keys we have
        self._unavailable = None
        keys: dict[str, jwt.PyJWK] = {}
        for entry in data["keys"]:
            try:
                key = jwt.PyJWK.from_dict(entry)
            except (jwt.PyJWTError, TypeError, ValueError):
                continue  # a key type we do not use; the others still count
            if key.key_id:
                keys[key.key_id] = key
        self._keys = keys
        self._fetched_at = self._tried_at


class RevocationList(NamedTuple):
    """An issuer's withdrawals as read: when each account's valid tokens begin (epoch seconds), by the handle its
    tokens carry, and by the digest of its name (`subject_digest`) for tokens that may carry none."""

    by_handle: dict[str, float]
    by_subject_digest: dict[str, float]


NOTHING_WITHDRAWN = RevocationList({}, {})


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore")  # fields an issuer may add later are left alone
    tokens_valid_from: float = Field(strict=True, allow_inf_nan=False)


class _ByHandle(_Entry):
    handle: str = Field(strict=True, pattern=HANDLE_PATTERN)


class _ByDigest(_Entry):
    subject_digest: str = Field(strict=True, pattern=r"^[0-9a-f]{64}$")


class _Listed(BaseModel):
    # `revoked` (by digest) is in every version of the list; `withdrawn` (by handle) is not in an issuer's from
    # before handles, whose `revoked` names every withdrawal.
    revoked: list[_ByDigest]
    withdrawn: list[_ByHandle] = []


def fetch_revocations(url: str, timeout: float = 5.0) -> RevocationList:
    """The withdrawals an issuer lists at an http(s) or file URL; a list with any entry that is not as it should be is
    refused whole, as an issuer that cannot be read (the list last read then holds)."""
    try:
        return revocation_list(read_json(url, timeout))
    except (OSError, ValueError, requests.RequestException) as exc:  # pydantic's ValidationError is a ValueError
        raise KeysUnavailable(f"cannot read the withdrawn tokens from {url}: {exc.__class__.__name__}") from None


def revocation_list(document: object) -> RevocationList:
    """An issuer's list of withdrawals as it answers it (`GET /api/v1/token-revocations`), or ValidationError."""
    listed = _Listed.model_validate(document)
    by_handle: dict[str, float] = {}
    by_digest: dict[str, float] = {}
    # Were an account listed twice, its latest withdrawal is the one that counts.
    for handled in listed.withdrawn:
        by_handle[handled.handle] = max(handled.tokens_valid_from, by_handle.get(handled.handle, -math.inf))
    for digested in listed.revoked:
        by_digest[digested.subject_digest] = max(
            digested.tokens_valid_from, by_digest.get(digested.subject_digest, -math.inf)
        )
    return RevocationList(by_handle, by_digest)


def subject_digest(subject: str) -> str:
    """How the issuer named an account in its list of withdrawals before tokens carried a handle, and still names one
    whose withdrawal may meet a token without it: a digest, which a list of likely names reverses."""
    return hashlib.sha256(subject.encode("utf-8")).hexdigest()


def token_handle(claims: dict[str, Any]) -> str | None:
    """The account's handle a token carries (HANDLE_CLAIM), or None: a token of an issuer that gives none, signed
    before it gave them, or with a value no handle has (looked up by the digest of its subject alone)."""
    try:
        return _HANDLE.validate_python(claims.get(HANDLE_CLAIM))
    except ValidationError:
        return None


class Revocations:
    """The accounts whose tokens issued before a moment no longer count (an account disabled, its password or its
    roles changed), read from the issuer again once `max_age` has passed: a withdrawal takes effect within it.

    While the issuer cannot be reached the list last read still holds, and it is asked again at most every
    REFRESH_AT_MOST_EVERY_SECONDS. Before any list was read no token is taken: a service started while the issuer
    cannot answer its list (its database down, say) would otherwise take a withdrawn token until it could, so it
    answers "retry later" meanwhile, as it does while it has no keys.
    """

    def __init__(
        self,
        url: str,
        max_age: float,
        fetch: Callable[[str], RevocationList] = fetch_revocations,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.max_age = max_age
        self._fetch = fetch
        self._clock = clock
        self._listed = NOTHING_WITHDRAWN
        self._fetched_at: float | None = None
        self._tried_at: float | None = None
        self.unavailable: str | None = None  # why the last read failed, until one succeeds
        self._lock = threading.Lock()

    def valid_from(self, subject: str, handle: str | None = None) -> float | None:
        """When the valid tokens of a token's account begin (epoch seconds), or None if none of its tokens was
        withdrawn: by the handle the token carries, and by the digest of its subject.

        A token with a handle is looked up by digest too. The issuer lists a withdrawal one way only, by digest while
        it may meet tokens without the handle; and an issuer of the release before handles, still running during an
        upgrade, lists every withdrawal by digest alone.

        KeysUnavailable while no list has been read yet. Until one has, every request takes the lock, so that those
        that come while the first read is under way wait for it rather than being turned away."""
        if self._fetched_at is None or self._wants_refresh():
            with self._lock:
                if self._wants_refresh():  # unless a request that held the lock just read it
                    self._refresh()
        if self._fetched_at is None:
            raise KeysUnavailable(self.unavailable or f"the withdrawn tokens at {self.url} have not been read yet")
        listed = self._listed
        found = [listed.by_subject_digest.get(subject_digest(subject))]
        if handle is not None:
            found.append(listed.by_handle.get(handle))
        return max((valid_from for valid_from in found if valid_from is not None), default=None)

    def _wants_refresh(self) -> bool:
        now = self._clock()
        if self._tried_at is not None and now - self._tried_at <= min(REFRESH_AT_MOST_EVERY_SECONDS, self.max_age):
            return False
        return self._fetched_at is None or now - self._fetched_at >= self.max_age

    def _refresh(self) -> None:
        self._tried_at = self._clock()
        try:
            self._listed = self._fetch(self.url)
        except KeysUnavailable as failure:
            self.unavailable = str(failure)
            return
        self.unavailable = None
        self._fetched_at = self._tried_at


class Verified(NamedTuple):
    principal: Principal
    issued_at: float  # epoch seconds
    expires_at: float
    handle: str | None = None  # the account's, in a token of an issuer that gives one (HANDLE_CLAIM)


class TokenVerifier:
    """Turns a bearer token into a Principal, or refuses it; no call to another service per request."""

    def __init__(
        self,
        settings: AuthSettings,
        keys: KeySet | None = None,
        wall_clock: Callable[[], float] = time.time,
        revocations: Revocations | None = None,
    ) -> None:
        self.settings = settings
        self.keys = keys or KeySet(settings.jwks_url, settings.keys_max_age_seconds)
        if revocations is None and settings.revocations_url:
            revocations = Revocations(settings.revocations_url, settings.revocations_max_age_seconds)
        self.revocations = revocations
        self._wall_clock = wall_clock
        # A signed-in user sends the same token with every request of a working day: its signature
        # is checked once, then the verified caller is remembered (by the token's digest) until it expires.
        self._verified: OrderedDict[bytes, Verified] = OrderedDict()

    def verify(self, token: str) -> Principal:
        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthenticated("token too long")
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        verified = self._verified.get(digest)
        if verified is not None and self._wall_clock() >= verified.expires_at + self.settings.leeway_seconds:
            del self._verified[digest]
            verified = None
        if verified is None:
            verified = self.check_signature(token)
            self._verified[digest] = verified
            if len(self._verified) > VERIFIED_TOKENS_KEPT:
                self._verified.popitem(last=False)
        else:
            self._verified.move_to_end(digest)
        # Asked of a remembered token too: an account disabled mid-day stops within the list's age.
        revocations = self.revocations
        valid_from = revocations.valid_from(verified.principal.subject, verified.handle) if revocations else None
        if valid_from is not None and verified.issued_at < valid_from:
            raise Unauthenticated(
                "token withdrawn: the account was disabled, or its password or roles changed, after it was issued;"
                " sign in again"
            )
        return verified.principal

    def check_signature(self, token: str) -> Verified:
        """The caller and the token's issue and expiry times, checked in full, remembered or not."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("malformed token") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in self.settings.algorithms:
            raise Unauthenticated(f"token algorithm {algorithm!r} is not accepted")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("token names no key id")
        key = self.keys.key(kid)
        if not _suits(key, algorithm):
            # An RSA algorithm named against an EC key (or the reverse) is a forgery attempt, not a crash.
            raise Unauthenticated(f"token algorithm {algorithm} does not match its key")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except (jwt.PyJWTError, TypeError, ValueError) as exc:
            raise Unauthenticated(f"token refused: {exc.__class__.__name__}") from None
        return Verified(self.principal_from(claims), float(claims["iat"]), float(claims["exp"]), token_handle(claims))

    def principal_from(self, claims: dict[str, Any]) -> Principal:
        settings = self.settings
        subject = claim_at(claims, settings.subject_claim)
        if not _is_account_id(subject):
            raise Unauthenticated(f"token has no usable {settings.subject_claim!r} claim")
        name = claim_at(claims, settings.name_claim)
        return Principal(
            subject=subject,
            name=name if isinstance(name, str) and 0 < len(name) <= 200 else subject,
            roles=self._roles(claim_at(claims, settings.roles_claim)),
            units=_strings(claim_at(claims, settings.units_claim), _is_unit_code),
        )

    def _roles(self, raw: object) -> frozenset[Role]:
        if self.settings.role_map:
            return frozenset(self.settings.role_map[name] for name in _strings(raw) if name in self.settings.role_map)
        return frozenset(Role(name) for name in _strings(raw) if name in Role.__members__.values())


def _strings(raw: object, accept: Callable[[str], object] = bool) -> frozenset[str]:
    """The strings of a claim that is a list (or one string), keeping only those `accept` takes."""
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    return frozenset(value for value in values if isinstance(value, str) and accept(value))


# The key type each accepted algorithm needs (RFC 7518, RFC 8037).
_KEY_TYPE_OF = {"ES": "EC", "RS": "RSA", "PS": "RSA", "Ed": "OKP"}


def _suits(key: jwt.PyJWK, algorithm: str) -> bool:
    if _KEY_TYPE_OF.get(algorithm[:2]) != key.key_type:
        return False
    # An EC key's curve fixes its algorithm (P-256: ES256); an RSA key serves any RS or PS algorithm.
    return key.key_type != "EC" or key.algorithm_name == algorithm


def _is_account_id(value: object) -> TypeGuard[str]:
    """An account id exactly as the messages will name the caller (shared.contracts.identifiers.AccountId):
    a subject a message would refuse, or carry altered, would fail every write with a 500 instead."""
    try:
        return isinstance(value, str) and _ACCOUNT_ID.validate_python(value) == value
    except ValidationError:
        return False


def _is_unit_code(value: str) -> bool:
    try:
        _UNIT_CODE.validate_python(value)
    except ValidationError:
        return False
    return True
