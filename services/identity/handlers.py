"""The identity service layer: signing in, the issuer's public keys, and managing accounts (for the CLI)."""

import time
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.identity import domain
from services.identity.dependencies import Issuer, Passwords
from services.identity.domain import SignInOutcome
from services.identity.store import AccountStore
from shared.auth.principal import Principal, Role, TooManyAttempts, Unauthenticated
from shared.auth.tokens import subject_digest
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH, AccountId
from shared.delivery.statements import Row
from shared.http import BadInput
from shared.persistence.errors import NotFound
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform

Work = UnitOfWork[AccountStore]
SIGN_IN_REFUSED = "wrong username or password, or the account is locked after repeated failures"
# More accounts than a page names (a case's timeline names a handful): a caller cannot list them all this way.
MAX_PEOPLE_ASKED = 50
# The verifiers' leeway on expiry (WUYUAN_AUTH_LEEWAY_SECONDS, at most 300) and a minute for clocks: a withdrawn
# token stays on the list for as long as any verifier could still take it (and a token without a handle is looked
# for by digest as long).
WITHDRAWAL_SLACK = timedelta(minutes=6)
MAX_WAIT_FOR_VALID_FROM = 2.0  # seconds: a withdrawal begins at most a second or two after a token issued


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # Bounded as account ids are: a name no account has (one over 64 characters, say) is refused as unknown
    # (401) and logged; a longer one, which no token may name, is a bad field (400), logged nowhere.
    username: str = Field(min_length=1, max_length=ACCOUNT_ID_MAX_LENGTH)
    password: str = Field(min_length=1, max_length=1024)


def sign_in(command: SignIn, address: str | None, uow: Work, issuer: Issuer, platform: Platform) -> dict[str, Any]:
    """A token for a right password; every attempt is logged and counted, and the answer never says
    whether the username exists."""
    # The hash is checked (tens of milliseconds, off the hub) outside any transaction: a flood of
    # sign-ins then holds neither database connections nor the account's row lock while it hashes.
    now = platform.now()
    with uow:
        if address and uow.store.failures_from(address, now - issuer.lockout.lockout) >= (
            issuer.lockout.max_failures_per_address
        ):
            uow.store.log_sign_in(command.username, address, "throttled", now)
            throttled = True
        else:
            throttled = False
            checked_hash = uow.store.password_hash(command.username)
    if throttled:
        raise TooManyAttempts(
            "too many failed sign-ins from this address; try again later",
            int(issuer.lockout.lockout.total_seconds()),
        )
    matches = issuer.passwords.matches(checked_hash, command.password)
    issued_at, handle = now, None
    with uow:
        found = uow.store.lock(command.username)
        account, password_hash = found if found else (None, None)
        # A password changed meanwhile is judged by the hash that was checked, which is no longer it.
        outcome, updated = domain.sign_in(account, matches and password_hash == checked_hash, now, issuer.lockout)
        if updated is not None:
            uow.store.save(updated, now if outcome is SignInOutcome.SIGNED_IN else None)
        uow.store.log_sign_in(command.username, address, outcome.value, now)
        if outcome is SignInOutcome.SIGNED_IN and updated is not None:
            # Noted under the row lock: a withdrawal after this commit begins after this token, whatever its clock.
            issued_at = domain.token_issued_at(updated, platform.now())
            # A new handle only past the reach of a list read by an identity pod whose clock is a slack behind this one.
            quiet_since = now - withdrawal_reach(issuer) - WITHDRAWAL_SLACK
            expired_by = now - 2 * WITHDRAWAL_SLACK
            expires_at = issued_at + issuer.lifetime
            handle = uow.store.note_issued(updated.username, issued_at, expires_at, quiet_since, expired_by)
    if outcome is not SignInOutcome.SIGNED_IN or updated is None or handle is None:
        # One answer for every refusal, so that it never tells whether an account exists; the
        # sign-in log keeps the real outcome for operators (`wuyuan account list` shows locks).
        raise Unauthenticated(SIGN_IN_REFUSED)
    principal = updated.principal()
    # Issued no earlier than the account's valid tokens begin, and not before that moment has come: a sign-in in the
    # second after a withdrawal waits out the rest of it (at most a second) rather than being dated ahead.
    ahead = (issued_at - platform.now()).total_seconds()
    if ahead > 0:
        time.sleep(min(ahead, MAX_WAIT_FOR_VALID_FROM))
    token, expires_at = issuer.sign(principal, issued_at, handle)
    return {
        "token": token,
        "token_type": "Bearer",
        "expires_at": expires_at.isoformat(),
        "account": principal.as_json(),
    }


class ChangePassword(BaseModel):
    """A signed-in person's own new password, given with the one they have."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


def change_own_password(
    command: ChangePassword,
    caller: Principal,
    token: str,
    address: str | None,
    uow: Work,
    issuer: Issuer,
    platform: Platform,
) -> dict[str, Any]:
    """The caller's own password, changed once they have given the one they have.

    A wrong current password counts as a failed sign-in, toward the same lock: a token left on an unattended
    screen must not become a way to guess the password. The hashes are computed outside any transaction, as
    for signing in."""
    problem = domain.password_problem(command.new_password)
    if problem is None and command.new_password == command.current_password:
        problem = "must differ from the current password"
    if problem is not None:
        raise BadInput([{"field": "new_password", "message": problem, "type": "password_policy"}])
    if not issuer.signed(token):  # never a guess at a local account that happens to bear the provider's name
        raise NotFound(f"account {caller.subject}: its password is kept by the identity provider that signed it")
    now = platform.now()
    with uow:
        checked_hash = uow.store.password_hash(caller.subject)
    if checked_hash is None:  # a person a deployment's own OpenID Connect provider vouches for
        raise NotFound(f"account {caller.subject}: its password is kept by the identity provider that signed it")
    matches = issuer.passwords.matches(checked_hash, command.current_password)
    new_hash = issuer.passwords.hash(command.new_password) if matches else None
    with uow:
        found = uow.store.lock(caller.subject)
        if found is None:
            raise NotFound(f"account {caller.subject}")
        account, password_hash = found
        outcome, updated = domain.sign_in(account, matches and password_hash == checked_hash, now, issuer.lockout)
        if outcome is SignInOutcome.SIGNED_IN and new_hash is not None:
            uow.store.set_password(caller.subject, new_hash, now)
            # Every token of the old password stops counting, this one too (one left on another screen, say): the
            # caller signs in with the new password. No token is answered here, as an answer may be kept for a
            # retry under its Idempotency-Key, and a token is never kept.
            uow.store.withdraw_tokens(caller.subject, domain.tokens_valid_from(now))
            uow.store.log_sign_in(caller.subject, address, "password_changed", now)
            return {"changed_at": now.isoformat(), "sign_in_again": True}
        if updated is not None:
            uow.store.save(updated, None)
        uow.store.log_sign_in(caller.subject, address, f"password_change_{outcome.value}", now)
    if outcome is SignInOutcome.WRONG_PASSWORD:
        raise BadInput([{"field": "current_password", "message": "is not the account's password", "type": "wrong"}])
    raise TooManyAttempts(  # locked (now or before) or disabled: no more guesses until the lock lapses
        "the account is locked after repeated failures; try again later", int(issuer.lockout.lockout.total_seconds())
    )


# --- accounts, managed by operators with `wuyuan account` ----------------------------------------


def add_account(
    store: AccountStore,
    passwords: Passwords,
    username: str,
    display_name: str,
    roles: frozenset[Role],
    units: frozenset[str],
    password: str,
    now: datetime,
) -> None:
    account = domain.new_account(username, display_name, roles, units)
    domain.check_password(password)
    if not store.add(account, passwords.hash(password), now):
        raise domain.AccountError(f"username: {username} is taken")


def change_account(
    store: AccountStore,
    username: str,
    now: datetime,
    *,
    disabled: bool | None = None,
    unlock: bool = False,
    roles: frozenset[Role] | None = None,
    units: frozenset[str] | None = None,
) -> Principal:
    found = store.lock(username)
    if found is None:
        raise domain.AccountError(f"username: no account {username}")
    account, _ = found
    changed = domain.new_account(
        account.username, account.display_name, roles or account.roles, account.units if units is None else units
    )
    saved = domain.Account(
        changed.username,
        changed.display_name,
        changed.roles,
        changed.units,
        disabled=account.disabled if disabled is None else disabled,
        failed_attempts=0 if unlock else account.failed_attempts,
        locked_until=None if unlock else account.locked_until,
    )
    store.save(saved, None)
    if domain.withdraws_tokens(account, saved):
        store.withdraw_tokens(username, domain.tokens_valid_from(now))
    return changed.principal()


def set_password(store: AccountStore, passwords: Passwords, username: str, password: str, now: datetime) -> None:
    """An operator's reset: the tokens the account held stop counting, whoever had them."""
    domain.check_password(password)
    if not store.set_password(username, passwords.hash(password), now):
        raise domain.AccountError(f"username: no account {username}")
    store.withdraw_tokens(username, domain.tokens_valid_from(now))


def withdrawal_reach(issuer: Issuer) -> timedelta:
    """How long a withdrawal stays on the list: a token's lifetime and the verifiers' slack, after which no token it
    withdrew can be valid."""
    return issuer.lifetime + WITHDRAWAL_SLACK


def token_revocations(uow: Work, issuer: Issuer, platform: Platform) -> dict[str, Any]:
    """The accounts whose earlier tokens no longer count, for every service's verifier to read (`Revocations`):
    those withdrawn within a token's lifetime and some slack (an older withdrawal can meet no token still valid).

    Each is named by the handle its tokens carry (`withdrawn`), which names no one to whoever holds none of them. A
    withdrawal that may still meet a token issued without the handle is named instead by the digest of the username
    (`revoked`), as before handles (`domain.listed_by_digest`); `revoked` stays in the answer, empty once no such
    token can be valid, since verifiers of the release before read it. Both are sorted by what names the account, so
    that their order tells nothing of the usernames."""
    now = platform.now()
    reach = withdrawal_reach(issuer)
    with uow:
        # And one whose tokens were signed under a longer lifetime than today's, until they have expired.
        withdrawals = uow.store.withdrawals_since(now - reach, now - WITHDRAWAL_SLACK)
    by_handle = sorted((w.handle, w.valid_from) for w in withdrawals if not domain.listed_by_digest(w, reach))
    by_digest = sorted(
        (subject_digest(w.username), w.valid_from) for w in withdrawals if domain.listed_by_digest(w, reach)
    )
    return {
        "as_of": now.isoformat(),
        "withdrawn": [{"handle": h, "tokens_valid_from": int(at.timestamp())} for h, at in by_handle],
        "revoked": [{"subject_digest": d, "tokens_valid_from": int(at.timestamp())} for d, at in by_digest],
    }


def accounts(store: AccountStore) -> list[Row]:
    return store.accounts()


def list_accounts(uow: Work) -> dict[str, list[Row]]:
    with uow:
        return {"accounts": uow.store.accounts()}


class PeopleAsked(BaseModel):
    """The accounts a page or printout names, whose names it asks for (`?account=…`, repeated)."""

    model_config = ConfigDict(extra="forbid")

    account: list[AccountId] = Field(min_length=1, max_length=MAX_PEOPLE_ASKED)


def staff_names(asked: PeopleAsked, uow: Work) -> dict[str, dict[str, str]]:
    """Who the named accounts are, for pages and printouts that name the staff who acted (刘洋（liu.yang）):
    names only, nothing of roles, units or sign-ins, and only for accounts the caller already knows of. An
    account that is not there, or only an operator's, is left out of the answer."""
    with uow:
        return {"people": uow.store.display_names(sorted(set(asked.account)))}
