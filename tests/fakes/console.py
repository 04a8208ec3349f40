"""The console's stand-ins: its session store in memory, the platform's APIs as scripted answers, and a token check."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.console.dependencies import Answer, ApiUnavailable
from services.console.domain import Session, without_held
from shared.auth.principal import Principal, Unauthenticated
from shared.persistence.errors import Conflict


class FakeSessionStore:
    """Fits `services.console.store.SessionStore`, as the `sessions` table behaves (see tests/stores)."""

    def __init__(self) -> None:
        self.sessions: dict[bytes, Session] = {}

    def add(self, session: Session) -> None:
        if session.digest in self.sessions:
            raise Conflict("duplicate key value violates unique constraint sessions_pkey")
        self.sessions[session.digest] = session

    def find(self, digest: bytes, now: datetime) -> Session | None:
        session = self.sessions.get(digest)
        return session if session is not None and session.expires_at > now else None

    def remove(self, digest: bytes) -> None:
        self.sessions.pop(digest, None)

    def release_held(self, digest: bytes) -> None:
        if digest in self.sessions:
            self.sessions[digest] = without_held(self.sessions[digest])

    def remove_expired(self, now: datetime) -> int:
        ended = [digest for digest, session in self.sessions.items() if session.expires_at <= now]
        for digest in ended:
            del self.sessions[digest]
        for digest, session in list(self.sessions.items()):
            if session.held_until is not None and session.held_until <= now:
                self.sessions[digest] = without_held(session)
        return len(ended)


@dataclass(frozen=True)
class Call:
    """One call the console made to a service's API, as `Apis.call` was given it."""

    service: str
    method: str
    path: str
    token: str | None
    params: dict[str, str] | None
    body: dict[str, Any] | None
    forwarded_for: str | None


class FakeApis:
    """Fits `services.console.dependencies.Apis`: answers scripted by (service, method, path), every call recorded.

    A call nobody scripted fails the test, so a page cannot quietly reach a service it should not.
    An `ApiUnavailable` scripted as the answer is raised, as the real client does when a service is down.
    """

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str, str], Answer | ApiUnavailable] = {}
        self.calls: list[Call] = []

    def answer(self, service: str, method: str, path: str, status: int = 200, body: Any = None) -> "FakeApis":
        self.answers[(service, method, path)] = Answer(status, {} if body is None else body)
        return self

    def down(self, service: str, method: str, path: str) -> "FakeApis":
        self.answers[(service, method, path)] = ApiUnavailable(service)
        return self

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        forwarded_for: str | None = None,
    ) -> Answer:
        self.calls.append(Call(service, method, path, token, params, body, forwarded_for))
        scripted = self.answers.get((service, method, path))
        if scripted is None:
            raise AssertionError(f"unscripted call: {method} {service}{path}")
        if isinstance(scripted, ApiUnavailable):
            raise scripted
        return scripted

    def fetch(self, service: str, path: str, *, token: str) -> Answer:
        """A document's bytes or HTML, scripted with `answer` (its body) like any call."""
        return self.call(service, "GET", path, token=token)

    # --- for tests -----------------------------------------------------------------------

    def calls_to(self, service: str) -> list[Call]:
        return [call for call in self.calls if call.service == service]

    def posts(self) -> list[Call]:
        return [call for call in self.calls if call.method == "POST"]


class FakeTokens:
    """The token check: the principal each token was issued to; any other token fails as an expired one does."""

    def __init__(self, principals: dict[str, Principal] | None = None) -> None:
        self.principals = dict(principals or {})

    def __call__(self, token: str) -> Principal:
        try:
            return self.principals[token]
        except KeyError:
            raise Unauthenticated("token expired or not ours") from None
