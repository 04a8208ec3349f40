"""The identity store in memory: accounts with their password hashes, and the log of sign-in attempts."""

import copy
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from services.identity.domain import SUCCEEDED, Account, Withdrawal
from shared.auth.principal import Role
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH
from shared.delivery.statements import Row
from shared.persistence.errors import NotFound

# A handle is drawn anew at a sign-in when neither of these is after the quiet moment (the store's note_issued).
QUIET_UNLESS_AFTER = ("handle_tokens_issued_until", "tokens_valid_from")
# … and when every token it was signed, and every token a withdrawal took back, expired before the expiry moment.
EXPIRED_UNLESS_AFTER = ("handle_tokens_expire_until", "withdrawn_tokens_expire_until")


def _latest(*moments: datetime | None) -> datetime | None:
    return max(filter(None, moments), default=None)


_LISTED = (
    "username",
    "display_name",
    "roles",
    "units",
    "disabled",
    "failed_attempts",
    "locked_until",
    "password_changed_at",
    "created_at",
    "last_signed_in_at",
)


class FakeAccountStore:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.attempts: list[Row] = []

    def add(self, account: Account, password_hash: str, now: datetime) -> bool:
        if account.username in self.rows:
            return False
        self.rows[account.username] = {
            "username": account.username,
            "display_name": account.display_name,
            "password_hash": password_hash,
            "roles": sorted(account.roles),
            "units": sorted(account.units),
            "disabled": account.disabled,
            "failed_attempts": 0,
            "locked_until": None,
            "password_changed_at": now,
            "created_at": now,
            "last_signed_in_at": None,
            "tokens_valid_from": None,
            "tokens_issued_until": None,  # noted by an identity of the release before, for tokens without the handle
            "token_handle": uuid.uuid4().hex,  # as the column's default makes it
            "tokens_without_handle_until": None,
            "handle_tokens_issued_until": None,
            "handle_tokens_expire_until": None,
            "withdrawn_tokens_expire_until": None,
        }
        return True

    def password_hash(self, username: str) -> str | None:
        row = self.rows.get(username)
        return None if row is None else str(row["password_hash"])

    def lock(self, username: str) -> tuple[Account, str] | None:
        row = self.rows.get(username)
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
        row = self.rows.get(account.username)
        if row is None:
            return  # an UPDATE that matches no row
        row.update(
            display_name=account.display_name,
            roles=sorted(account.roles),
            units=sorted(account.units),
            disabled=account.disabled,
            failed_attempts=account.failed_attempts,
            locked_until=account.locked_until,
            last_signed_in_at=signed_in_at or row["last_signed_in_at"],
        )

    def set_password(self, username: str, password_hash: str, now: datetime) -> bool:
        row = self.rows.get(username)
        if row is None:
            return False
        row.update(password_hash=password_hash, password_changed_at=now, failed_attempts=0, locked_until=None)
        return True

    def withdraw_tokens(self, username: str, valid_from: datetime) -> None:
        row = self.rows.get(username)
        if row is not None:
            after_issued = [
                row[issued] + timedelta(seconds=1)
                for issued in ("tokens_issued_until", "handle_tokens_issued_until")
                if row[issued] is not None
            ]
            row["tokens_valid_from"] = max(filter(None, (row["tokens_valid_from"], valid_from, *after_issued)))
            # As migration 0005's trigger notes it, at every withdrawal.
            row["withdrawn_tokens_expire_until"] = _latest(
                row["withdrawn_tokens_expire_until"], row["handle_tokens_expire_until"]
            )

    def note_issued(
        self, username: str, issued_at: datetime, expires_at: datetime, quiet_since: datetime, expired_by: datetime
    ) -> str:
        row = self.rows.get(username)
        if row is None:
            raise NotFound(f"no account {username}")
        quiet = all(row[moment] is None or row[moment] <= quiet_since for moment in QUIET_UNLESS_AFTER)
        expired = all(row[moment] is None or row[moment] <= expired_by for moment in EXPIRED_UNLESS_AFTER)
        if quiet and expired:
            row["token_handle"] = uuid.uuid4().hex
        row["handle_tokens_issued_until"] = _latest(row["handle_tokens_issued_until"], issued_at)
        row["handle_tokens_expire_until"] = _latest(row["handle_tokens_expire_until"], expires_at)
        return str(row["token_handle"])

    def withdrawals_since(self, since: datetime, expired_by: datetime) -> list[Withdrawal]:
        return [
            Withdrawal(
                username,
                row["token_handle"],
                row["tokens_valid_from"],
                max(filter(None, (row["tokens_without_handle_until"], row["tokens_issued_until"])), default=None),
            )
            for username, row in sorted(self.rows.items())
            if (row["tokens_valid_from"] is not None and row["tokens_valid_from"] > since)
            or (row["withdrawn_tokens_expire_until"] is not None and row["withdrawn_tokens_expire_until"] > expired_by)
        ]

    def log_sign_in(self, username: str, address: str | None, outcome: str, at: datetime) -> None:
        self.attempts.append(
            {"username": username[:ACCOUNT_ID_MAX_LENGTH], "address": address, "outcome": outcome, "at": at}
        )

    def failures_from(self, address: str, since: datetime) -> int:
        return sum(
            1 for a in self.attempts if a["address"] == address and a["at"] >= since and a["outcome"] not in SUCCEEDED
        )

    def sign_ins(self, username: str) -> list[Row]:
        mine = [a for a in self.attempts if a["username"] == username[:ACCOUNT_ID_MAX_LENGTH]]
        return [{k: a[k] for k in ("address", "outcome", "at")} for a in sorted(mine, key=lambda a: a["at"])]

    def accounts(self) -> list[Row]:
        return [copy.deepcopy({k: row[k] for k in _LISTED}) for _, row in sorted(self.rows.items())]

    def display_names(self, usernames: Sequence[str]) -> dict[str, str]:
        return {
            username: row["display_name"]
            for username, row in self.rows.items()
            if username in usernames and set(row["roles"]) - {Role.OPERATOR}
        }

    # --- for tests -----------------------------------------------------------------------

    def outcomes(self) -> list[tuple[str, str]]:
        """Every attempt as (username, outcome), in order."""
        return [(a["username"], a["outcome"]) for a in self.attempts]

    def made_before_handles(self, username: str, migrated_at: datetime) -> None:
        """The account as identity's migration 0004 at `migrated_at` leaves one it finds: it may hold tokens issued
        before then, which carry no handle."""
        self.rows[username]["tokens_without_handle_until"] = migrated_at
