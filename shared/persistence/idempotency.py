"""Idempotency keys of HTTP requests: what a key is, what identifies its request, and how a retry is told apart."""

import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

KEY_HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY_LENGTH = 200
_KEY = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}")

# Where a keyed request's details and its held transactions ride on the WSGI environ.
KEYED_REQUEST_ENVIRON = "wuyuan.idempotency.request"
HELD_TRANSACTIONS_ENVIRON = "wuyuan.idempotency.held"


class BadKey(ValueError):
    """An Idempotency-Key header that is empty, too long or not printable ASCII."""


def checked_key(value: str) -> str:
    """The header's key, or BadKey saying what is wrong with it."""
    if not value:
        raise BadKey(f"{KEY_HEADER} is empty: send 1 to {MAX_KEY_LENGTH} printable ASCII characters")
    if len(value) > MAX_KEY_LENGTH:
        raise BadKey(f"{KEY_HEADER} is {len(value)} characters long; at most {MAX_KEY_LENGTH}")
    if not _KEY.fullmatch(value):
        raise BadKey(f"{KEY_HEADER} must be printable ASCII (a UUID, say)")
    return value


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same request: method, path with query, and body, hashed."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode("utf-8", "surrogateescape"), body):
        digest.update(len(part).to_bytes(8, "big"))  # lengths first, so parts cannot run into each other
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class KeyedRequest:
    """A state-changing request that carried a key: the key, whose it is, and what was asked."""

    key: str
    subject: str
    fingerprint: str


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer to a keyed request, as it went out."""

    status: int
    body: str
    content_type: str


class AnswerHolder(Protocol):
    """A keyed request's change, waiting for its answer (held_transaction.HeldTransaction is one)."""

    @property
    def pending(self) -> bool: ...

    def finish(self, answer: StoredAnswer) -> None: ...

    def abandon(self) -> None: ...


class AlreadyAnswered(Exception):
    """This key's request was answered before: the answer is sent again and nothing changes."""

    def __init__(self, answer: StoredAnswer) -> None:
        super().__init__(f"answered before with {answer.status}")
        self.answer = answer


class KeyReused(Exception):
    """The key was used before for a different request (another path or body); HTTP 422."""


class InProgress(Exception):
    """A request with this key is still running; HTTP 409, retry shortly."""


def should_keep(status: int) -> bool:
    """Whether a keyed request's change is committed with this answer: not after a server error."""
    return status < 500
