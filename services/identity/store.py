"""The identity store: accounts with their password hashes, and the log of sign-in attempts."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.identity.domain import SUCCEEDED, Account, Withdrawal
from shared.auth.principal import Role
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH
from shared.delivery.statements import Row, Statements
from shared.persistence.errors import NotFound


class AccountStore(Protocol):
    def add(self, account: Account, password_hash: str, now: datetime) -> bool:
        """Keep a new account, with a token handle of its own; False when the username is taken."""
        ...

    def password_hash(self, username: str) -> str | None:
        """The account's password hash, read without a lock; None if there is none."""
        ...

    def lock(self, username: str) -> tuple[Account, str] | None:
        """The account (with its token handle) and its password hash, locked for this transaction; None if there is
        none."""
        ...

    def save(self, account: Account, signed_in_at: datetime | None) -> None:
        """Its failure count, lock, roles, units and disabled flag, and when it last signed in (if it just did)."""
        ...

    def set_password(self, username: str, password_hash: str, now: datetime) -> bool: ...

    def withdraw_tokens(self, username: str, valid_from: datetime) -> None:
        """Tokens of the account issued before `valid_from`, and every token issued it so far, no longer count."""
        ...

    def note_issued(
        self, username: str, issued_at: datetime, expires_at: datetime, quiet_since: datetime, expired_by: datetime
    ) -> str:
        """A token of the account is issued at `issued_at` (its whole second, as its `iat`) to expire at `expires_at`;
        the handle it is to carry.

        The account is given a new handle when neither a token with its handle nor a withdrawal of it came after
        `quiet_since` (a token's lifetime and the verifiers' slack ago), and every token it was signed and every
        withdrawal's tokens expired by `expired_by` (the verifiers' slack ago): no valid token then carries the old
        one, and no list of withdrawals names it, so nothing ties the new handle to the old. A handle someone once
        tied to the account's name (by holding one of its tokens, or by comparing two readings of the list during an
        upgrade) thus tells nothing of its withdrawals after the account's next sign-in after such a pause."""
        ...

    def withdrawals_since(self, since: datetime, expired_by: datetime) -> list[Withdrawal]:
        """The accounts whose valid tokens begin after `since`, or whose withdrawn tokens expire after `expired_by`
        (signed under a longer lifetime than today's), with their handles and the latest moment each may have been
        issued a token without it."""
        ...

    def log_sign_in(self, username: str, address: str | None, outcome: str, at: datetime) -> None: ...

    def failures_from(self, address: str, since: datetime) -> int:
        """Failed sign-ins logged from `address` since `since`."""
        ...

    def sign_ins(self, username: str) -> list[Row]:
        """The attempts to sign in as `username` (`address`, `outcome`, `at`), oldest first: for audits."""
        ...

    def accounts(self) -> list[Row]:
        """Every account without its hash, by username."""
        ...

    def display_names(self, usernames: Sequence[str]) -> dict[str, str]:
        """The names of those of `usernames` that act on cases: accounts with a role but `operator`, disabled
        ones included (they signed what is on record). Operators act on no case, and their accounts are the
        platform's keys: no name of one goes to staff."""
        ...


class PostgresAccountStore:
    def __init__(self, sql: Statements) -> None:
        self.sql = sql

    def add(self, account: Account, password_hash: str, now: datetime) -> bool:
        # The handle is the column's default (migration 0004): random, and made the same way for every account.
        row = self.sql.one(
            "INSERT INTO accounts (username, display_name, password_hash, roles, units, disabled,"
            " password_changed_at, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (username) DO NOTHING RETURNING username",
            (
                account.username,
                account.display_name,
                password_hash,
                sorted(account.roles),
                sorted(account.units),
                account.disabled,
                now,
                now,
            ),
        )
        return row is not None

    def password_hash(self, username: str) -> str | None:
        row = self.sql.one("SELECT password_hash FROM accounts WHERE username = %s", (username,))
        return None if row is None else str(row["password_hash"])

    def lock(self, username: str) -> tuple[Account, str] | None:
        row = self.sql.one("SELECT * FROM accounts WHERE username = %s FOR UPDATE", (username,))
        if row is None:
            return None
        account = Account(
            username=row["username"],
            display_name=row["display_name"],
            roles=frozenset(Role(r) for r in row["roles"] if r in Role.__members__.values()),
            units=frozenset(row["units"]),
            disabled=row["disabled"],
            failed_attempts=row["failed_attempts"],
            locked_until=row["locked_until"],
            tokens_valid_from=row["tokens_valid_from"],
            token_handle=row["token_handle"],
        )
        return account, row["password_hash"]

    def save(self, account: Account, signed_in_at: datetime | None) -> None:
        self.sql.write(
            "UPDATE accounts SET display_name = %s, roles = %s, units = %s, disabled = %s, failed_attempts = %s,"
            " locked_until = %s, last_signed_in_at = COALESCE(%s, last_signed_in_at) WHERE username = %s",
            (
                account.display_name,
                sorted(account.roles),
                sorted(account.units),
                account.disabled,
                account.failed_attempts,
                account.locked_until,
                signed_in_at,
                account.username,
            ),
        )

    def set_password(self, username: str, password_hash: str, now: datetime) -> bool:
        row = self.sql.one(
            "UPDATE accounts SET password_hash = %s, password_changed_at = %s, failed_attempts = 0,"
            " locked_until = NULL WHERE username = %s RETURNING username",
            (password_hash, now, username),
        )
        return row is not None

    def withdraw_tokens(self, username: str, valid_from: datetime) -> None:
        # GREATEST skips NULLs: after the last token issued, even one signed a moment ago in the same second, with the
        # handle or (by an identity of the release before, during the upgrade) without.
        self.sql.write(
            "UPDATE accounts SET tokens_valid_from = GREATEST(tokens_valid_from, %s,"
            " tokens_issued_until + interval '1 second', handle_tokens_issued_until + interval '1 second')"
            " WHERE username = %s",
            (valid_from, username),
        )

    def note_issued(
        self, username: str, issued_at: datetime, expires_at: datetime, quiet_since: datetime, expired_by: datetime
    ) -> str:
        # Not in tokens_issued_until, which an identity of the release before writes for tokens without the handle. The
        # handle is drawn as migration 0004's default draws it; the CASE reads the row as it was before this update.
        # Both the time of issue and the expiry are asked: an identity of the release before notes the one alone.
        row = self.sql.one(
            "UPDATE accounts SET handle_tokens_issued_until = GREATEST(handle_tokens_issued_until, %s),"
            " handle_tokens_expire_until = GREATEST(handle_tokens_expire_until, %s),"
            " token_handle = CASE WHEN COALESCE(handle_tokens_issued_until, '-infinity') <= %s"
            " AND COALESCE(tokens_valid_from, '-infinity') <= %s"
            " AND COALESCE(GREATEST(handle_tokens_expire_until, withdrawn_tokens_expire_until), '-infinity') <= %s"
            " THEN replace(gen_random_uuid()::text, '-', '') ELSE token_handle END"
            " WHERE username = %s RETURNING token_handle",
            (issued_at, expires_at, quiet_since, quiet_since, expired_by, username),
        )
        if row is None:
            raise NotFound(f"no account {username}")
        handle: str = row["token_handle"]
        return handle

    def withdrawals_since(self, since: datetime, expired_by: datetime) -> list[Withdrawal]:
        # withdrawn_tokens_expire_until is noted by migration 0005's trigger, at every withdrawal.
        rows = self.sql.all(
            "SELECT username, token_handle, tokens_valid_from,"
            " GREATEST(tokens_without_handle_until, tokens_issued_until) AS without_handle_until"
            " FROM accounts WHERE tokens_valid_from > %s OR withdrawn_tokens_expire_until > %s ORDER BY username",
            (since, expired_by),
        )
        return [
            Withdrawal(row["username"], row["token_handle"], row["tokens_valid_from"], row["without_handle_until"])
            for row in rows
        ]

    def log_sign_in(self, username: str, address: str | None, outcome: str, at: datetime) -> None:
        self.sql.write(
            "INSERT INTO sign_ins (username, address, outcome, at) VALUES (%s, %s, %s, %s)",
            (username[:ACCOUNT_ID_MAX_LENGTH], address, outcome, at),
        )

    def sign_ins(self, username: str) -> list[Row]:
        return self.sql.all(
            "SELECT address, outcome, at FROM sign_ins WHERE username = %s ORDER BY at, id",
            (username[:ACCOUNT_ID_MAX_LENGTH],),
        )

    def failures_from(self, address: str, since: datetime) -> int:
        row = self.sql.one(
            "SELECT count(*) AS n FROM sign_ins WHERE address = %s AND at >= %s AND outcome <> ALL(%s)",
            (address, since, list(SUCCEEDED)),
        )
        return int(row["n"]) if row else 0

    def accounts(self) -> list[Row]:
        return self.sql.all(
            "SELECT username, display_name, roles, units, disabled, failed_attempts, locked_until,"
            " password_changed_at, created_at, last_signed_in_at FROM accounts ORDER BY username"
        )

    def display_names(self, usernames: Sequence[str]) -> dict[str, str]:
        rows = self.sql.all(
            "SELECT username, display_name FROM accounts WHERE username = ANY(%s) AND NOT roles <@ %s",
            (list(usernames), [Role.OPERATOR.value]),
        )
        return {row["username"]: row["display_name"] for row in rows}
