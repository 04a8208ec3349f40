"""The console's store: signed-in sessions, each holding the token the console calls the services with, sealed under
the browser's cookie (services.console.domain.seal_token): the `token` column never holds a usable token, nor the
`held_form` column a readable form."""

from datetime import datetime
from typing import Protocol

from services.console.domain import Session
from shared.delivery.statements import Statements


class SessionStore(Protocol):
    def add(self, session: Session) -> None: ...

    def find(self, digest: bytes, now: datetime) -> Session | None:
        """The session whose cookie hashes to `digest`, unless it has expired."""
        ...

    def remove(self, digest: bytes) -> None: ...

    def release_held(self, digest: bytes) -> None:
        """Forget the form the session holds (sent, or given up); the session stays."""
        ...

    def remove_expired(self, now: datetime) -> int:
        """Forget sessions past their expiry, and held forms past their time; how many sessions there were."""
        ...


class PostgresSessionStore:
    def __init__(self, sql: Statements) -> None:
        self.sql = sql

    def add(self, session: Session) -> None:
        self.sql.write(
            "INSERT INTO sessions"
            " (session_digest, username, token, csrf, created_at, expires_at, held_form, held_until)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                session.digest,
                session.username,
                session.sealed_token,
                session.csrf,
                session.created_at,
                session.expires_at,
                session.sealed_held,
                session.held_until,
            ),
        )

    def find(self, digest: bytes, now: datetime) -> Session | None:
        row = self.sql.one(
            "SELECT session_digest, username, token, csrf, created_at, expires_at, held_form, held_until FROM sessions"
            " WHERE session_digest = %s AND expires_at > %s",
            (digest, now),
        )
        if row is None:
            return None
        return Session(
            digest=bytes(row["session_digest"]),
            username=row["username"],
            sealed_token=row["token"],
            csrf=row["csrf"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            sealed_held=row["held_form"],
            held_until=row["held_until"],
        )

    def remove(self, digest: bytes) -> None:
        self.sql.write("DELETE FROM sessions WHERE session_digest = %s", (digest,))

    def release_held(self, digest: bytes) -> None:
        self.sql.write(
            "UPDATE sessions SET held_form = '', held_until = NULL"
            " WHERE session_digest = %s AND held_until IS NOT NULL",
            (digest,),
        )

    def remove_expired(self, now: datetime) -> int:
        rows = self.sql.all("DELETE FROM sessions WHERE expires_at <= %s RETURNING 1 AS gone", (now,))
        self.sql.write("UPDATE sessions SET held_form = '', held_until = NULL WHERE held_until <= %s", (now,))
        return len(rows)
