"""Accounts: officers are bound to units and only they are; failed sign-ins lock an account for a while; a withdrawal
is listed by digest only while it may meet a token without a handle."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import TypeAdapter

from services.identity.domain import (
    USERNAME_MAX_LENGTH,
    Account,
    AccountError,
    LockoutPolicy,
    SignInOutcome,
    Withdrawal,
    check_password,
    listed_by_digest,
    new_account,
    sign_in,
)
from shared.auth.principal import Role
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH, AccountId

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
POLICY = LockoutPolicy(max_failures=3, lockout=timedelta(minutes=15))
CLERK = Account("wang.fang", "王芳", frozenset({Role.INTAKE_STAFF}), frozenset())


@pytest.mark.parametrize(
    ("username", "roles", "units", "field"),
    [
        ("Wang Fang", {Role.INTAKE_STAFF}, set(), "username"),
        ("王芳", {Role.INTAKE_STAFF}, set(), "username"),
        ("liu.yang", {Role.OFFICER}, set(), "units"),
        ("wang.fang", {Role.INTAKE_STAFF}, {"court:430426"}, "units"),
        ("wang.fang", {Role.LEADER}, {"centre:430426101"}, "units"),
        ("wang.fang", {Role.COORDINATOR}, {"centre:430426101", "court:430426"}, "units"),
        ("wang.fang", set(), set(), "roles"),
    ],
)
def test_accounts_that_cannot_exist_are_refused_naming_the_field(
    username: str, roles: set[Role], units: set[str], field: str
) -> None:
    with pytest.raises(AccountError, match=field):
        new_account(username, "名字", frozenset(roles), frozenset(units))


def test_a_township_centres_coordinator_is_bound_to_the_centre_and_acts_for_no_agency() -> None:
    account = new_account("jiang.hua", "蒋华", frozenset({Role.COORDINATOR}), frozenset({"centre:430426102"}))

    principal = account.principal()
    assert principal.units == frozenset({"centre:430426102"})
    assert not principal.acts_for("centre:430426102")  # binding a centre makes no one an officer


@pytest.mark.parametrize("name", ["\x1b[31m红\x1b[0m", "王芳\n伪造的一行", "王\u202e芳"])
def test_a_name_that_would_forge_lines_or_reorder_text_in_tokens_and_letters_is_refused(name: str) -> None:
    with pytest.raises(AccountError, match="name: one line"):
        new_account("wang.fang", name, frozenset({Role.INTAKE_STAFF}), frozenset())


def test_a_password_no_sign_in_could_ever_send_is_refused() -> None:
    with pytest.raises(AccountError, match="password: no NUL"):
        check_password("correct-horse\x00battery")


def test_the_longest_username_is_an_account_id_every_message_can_name_and_one_longer_cannot_exist() -> None:
    longest = "w" * USERNAME_MAX_LENGTH

    account = new_account(longest, "王伟", frozenset({Role.INTAKE_STAFF}), frozenset())

    assert TypeAdapter(AccountId).validate_python(account.principal().subject) == longest
    assert USERNAME_MAX_LENGTH <= ACCOUNT_ID_MAX_LENGTH
    with pytest.raises(AccountError, match="username"):
        new_account(longest + "w", "王伟", frozenset({Role.INTAKE_STAFF}), frozenset())


def test_short_passwords_are_refused() -> None:
    with pytest.raises(AccountError, match="password"):
        check_password("123456")


def test_a_right_password_signs_in_and_clears_the_failures() -> None:
    outcome, after = sign_in(Account(**{**CLERK.__dict__, "failed_attempts": 2}), True, NOW, POLICY)
    assert outcome is SignInOutcome.SIGNED_IN
    assert after is not None and after.failed_attempts == 0


def test_failures_in_a_row_lock_the_account_even_for_the_right_password() -> None:
    account: Account | None = CLERK
    for _ in range(3):
        outcome, account = sign_in(account, False, NOW, POLICY)
        assert outcome is SignInOutcome.WRONG_PASSWORD
    assert account is not None and account.locked_until == NOW + POLICY.lockout
    outcome, _ = sign_in(account, True, NOW + timedelta(minutes=5), POLICY)
    assert outcome is SignInOutcome.LOCKED
    outcome, _ = sign_in(account, True, NOW + timedelta(minutes=16), POLICY)
    assert outcome is SignInOutcome.SIGNED_IN


def test_unknown_and_disabled_accounts_do_not_sign_in() -> None:
    assert sign_in(None, True, NOW, POLICY)[0] is SignInOutcome.UNKNOWN_ACCOUNT
    disabled = Account(**{**CLERK.__dict__, "disabled": True})
    assert sign_in(disabled, True, NOW, POLICY)[0] is SignInOutcome.DISABLED


# --- how a withdrawal is listed ---------------------------------------------------------------------------------

REACH = timedelta(hours=8, minutes=6)  # a token's lifetime and the verifiers' slack
HANDLE = "5f0c3a9e2b7d41c8a6e09b1d3f2c7a45"


def withdrawal(valid_from: datetime, without_handle_until: datetime | None) -> Withdrawal:
    return Withdrawal("wang.fang", HANDLE, valid_from, without_handle_until)


@pytest.mark.parametrize(
    ("valid_from", "listed"),
    [
        (NOW + timedelta(seconds=1), True),
        (NOW + REACH, True),  # a token without the handle issued at NOW may still be taken
        (NOW + REACH + timedelta(seconds=1), False),
        (NOW + timedelta(days=3), False),
    ],
)
def test_a_withdrawal_is_listed_by_digest_only_within_a_tokens_reach_of_the_last_token_without_a_handle(
    valid_from: datetime, listed: bool
) -> None:
    assert listed_by_digest(withdrawal(valid_from, NOW), REACH) is listed


def test_an_account_never_issued_a_token_without_a_handle_is_never_listed_by_digest() -> None:
    assert listed_by_digest(withdrawal(NOW + timedelta(seconds=1), None), REACH) is False


def test_the_handle_is_not_part_of_what_an_account_is() -> None:
    assert Account("wang.fang", "王芳", frozenset({Role.INTAKE_STAFF}), frozenset(), token_handle=HANDLE) == CLERK
