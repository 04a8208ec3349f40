"""Accounts and signing in, as rules: who may hold which roles and units, when an account locks, when tokens end."""

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from shared.auth.principal import Principal, Role
from shared.contracts.identifiers import SINGLE_LINE_PATTERN
from shared.registry import CENTRE

# Well within the longest account id a token may name and a message may carry (ACCOUNT_ID_MAX_LENGTH, 200).
USERNAME_MAX_LENGTH = 64
USERNAME = re.compile(rf"[a-z][a-z0-9._-]{{1,{USERNAME_MAX_LENGTH - 1}}}", re.ASCII)
MIN_PASSWORD_LENGTH = 12
_ONE_LINE = re.compile(SINGLE_LINE_PATTERN)


class AccountError(ValueError):
    """An account that must not exist as asked; the message names what is wrong."""


# Outcomes in the sign-in log that are no failure: every other counts toward stopping the address it came from.
SUCCEEDED = ("signed_in", "password_changed")


class SignInOutcome(StrEnum):
    SIGNED_IN = "signed_in"
    WRONG_PASSWORD = "wrong_password"
    UNKNOWN_ACCOUNT = "unknown_account"
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True)
class LockoutPolicy:
    """Guessing is slowed by the hash and stopped by this: so many failures in a row lock the account."""

    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    # And so many failures from one address within `lockout`, whatever the accounts, stop that address.
    max_failures_per_address: int = 20


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    roles: frozenset[Role]
    units: frozenset[str]
    disabled: bool = False
    failed_attempts: int = 0
    locked_until: datetime | None = None
    tokens_valid_from: datetime | None = None  # the tokens issued before it are withdrawn
    # The random name its tokens carry and the list of withdrawals names it by, given by the store when it keeps the
    # account: like a row's id, not part of what the account is, so left out of comparisons.
    token_handle: str | None = field(default=None, compare=False)

    def principal(self) -> Principal:
        return Principal(self.username, self.display_name, self.roles, self.units)


@dataclass(frozen=True)
class Withdrawal:
    """An account whose tokens issued before `valid_from` no longer count, as the list of withdrawals names it."""

    username: str
    handle: str
    valid_from: datetime
    # The latest moment it may have been issued a token without the handle (before identity gave handles, or by an
    # identity of the release before during the upgrade); None when every token it was issued carries the handle.
    tokens_without_handle_until: datetime | None


def withdraws_tokens(before: Account, after: Account) -> bool:
    """Whether a change to an account ends the tokens it holds: disabling it, or changing what its tokens say it
    may do (its roles, its units). Unlocking or enabling it again leaves them as they are."""
    disabled = after.disabled and not before.disabled
    return disabled or before.roles != after.roles or before.units != after.units


def tokens_valid_from(now: datetime) -> datetime:
    """When the tokens still valid after a withdrawal at `now` begin: the next whole second. A token's `iat` is whole
    seconds, so every token issued up to and within the second of the change (one signed in a loop with a stolen
    password, say) is withdrawn; the store also begins it after the last token it noted as issued, whatever clock
    read `now`. A sign-in after the change is issued at this second at the earliest (`token_issued_at`)."""
    return now.replace(microsecond=0) + timedelta(seconds=1)


def token_issued_at(account: "Account", now: datetime) -> datetime:
    """When a token signed in now is issued, as its `iat` counts (whole seconds): now, or the moment the account's
    valid tokens begin if that is later (the sign-in then waits for it: a token dated ahead of the verifiers' clocks
    would be refused where they allow no leeway)."""
    valid_from = account.tokens_valid_from
    moment = valid_from if valid_from is not None and valid_from > now else now
    return moment.replace(microsecond=0)


def listed_by_digest(withdrawal: Withdrawal, reach: timedelta) -> bool:
    """Whether a withdrawal is listed by the digest of the account's name rather than by its handle: when it may meet
    a token issued without the handle, that is, when it begins within `reach` (a token's lifetime and the verifiers'
    slack) of the last such token. Its withdrawals after that are listed by handle alone.

    Decided by when the withdrawal begins, not by the hour of reading, so an entry keeps its form for as long as it is
    listed (unless, during an upgrade, the account is withdrawn again or signed in at an identity of the release
    before): one that turned from digest to handle between two readings would pair the handle with the digest, and so
    with the name. For the same reason a withdrawal is listed one way only, never both."""
    without_handle_until = withdrawal.tokens_without_handle_until
    return without_handle_until is not None and withdrawal.valid_from <= without_handle_until + reach


def new_account(username: str, display_name: str, roles: frozenset[Role], units: frozenset[str]) -> Account:
    """An account as asked, or AccountError: officers are bound to units, and coordinators may be bound to the
    `centre:<division>` units of the centres they work for (a township centre's staff act for their centre and
    those below it; a coordinator bound to none is the county centre's); no one else is bound to a unit."""
    if not USERNAME.fullmatch(username):
        raise AccountError(
            f"username: 2-{USERNAME_MAX_LENGTH} characters, lower-case ASCII letters, digits, '.', '_' or '-'"
        )
    if not display_name.strip() or len(display_name) > 100:
        raise AccountError("name: 1-100 characters")
    if not _ONE_LINE.match(display_name):  # the name goes into tokens, timelines, letters and terminals
        raise AccountError("name: one line, without control or bidirectional override characters")
    if not roles:
        raise AccountError("roles: at least one")
    if Role.OFFICER in roles and not units:
        raise AccountError("units: an officer acts for at least one unit")
    if units and Role.OFFICER not in roles:
        centre_units = all(unit.partition(":")[0] == CENTRE for unit in units)
        if Role.COORDINATOR not in roles or not centre_units:
            raise AccountError("units: only officers are bound to units, and coordinators to centre units")
    return Account(username, display_name.strip(), roles, units)


def password_problem(password: str) -> str | None:
    """What the password rule says of a password, or None when it may be used."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 1024:
        return "at most 1024 characters"
    if "\x00" in password:  # no request can carry it to sign in with (shared.contracts.strict_json refuses NUL)
        return "no NUL character"
    return None


def check_password(password: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise AccountError(f"password: {problem}")


def sign_in(
    account: Account | None, password_matches: bool, now: datetime, policy: LockoutPolicy
) -> tuple[SignInOutcome, Account | None]:
    """What a sign-in attempt comes to, and the account as it stands after it."""
    if account is None:
        return SignInOutcome.UNKNOWN_ACCOUNT, None
    if account.disabled:
        return SignInOutcome.DISABLED, account
    if account.locked_until is not None and now < account.locked_until:
        return SignInOutcome.LOCKED, account
    if not password_matches:
        failures = account.failed_attempts + 1
        locked_until = now + policy.lockout if failures >= policy.max_failures else None
        # A lock starts a fresh count: after it lapses, the next failures lock it again.
        return SignInOutcome.WRONG_PASSWORD, replace(
            account, failed_attempts=0 if locked_until else failures, locked_until=locked_until
        )
    return SignInOutcome.SIGNED_IN, replace(account, failed_attempts=0, locked_until=None)
