"""The identity store keeps accounts with their password hashes, counts and locks, and logs every sign-in attempt."""

import re
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.identity.domain import Account, Withdrawal
from services.identity.store import PostgresAccountStore
from shared.auth.principal import Role
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH
from tests.fakes.identity import FakeAccountStore

SERVICE = "identity"
FAKE = FakeAccountStore
POSTGRES_STORE = PostgresAccountStore

BEIJING = ZoneInfo("Asia/Shanghai")
CREATED_AT = datetime(2026, 11, 22, 8, 30, tzinfo=BEIJING)
# What argon2id gives, shortened: the store keeps it as it is.
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
SECOND, HOUR = timedelta(seconds=1), timedelta(hours=1)
LIFETIME = timedelta(hours=8)
REACH = LIFETIME + timedelta(minutes=6)  # a token's lifetime and the verifiers' slack
QUIET_SINCE = CREATED_AT - REACH  # for tests of something else: whether the handle is drawn anew does not matter
NEW_HASH = "$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2g"

OFFICER = Account("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426102", "police:430426101"}))
COORDINATOR = Account("wang.fang", "王芳", frozenset({Role.COORDINATOR, Role.LEADER}), frozenset())


def add(stores, account: Account = OFFICER, password_hash: str = HASH, at: datetime = CREATED_AT) -> bool:
    with stores.transaction() as store:
        added: bool = store.add(account, password_hash, at)
    return added


def note(store, at: datetime, quiet_since: datetime, lifetime: timedelta = LIFETIME) -> str:
    """The officer signed a token at `at` for `lifetime`, asked at `quiet_since` + REACH as identity asks: quiet
    since a lifetime and twice the slack, and every token expired by twice the slack."""
    return str(store.note_issued(OFFICER.username, at, at + lifetime, quiet_since, quiet_since + LIFETIME))


def listed(store, since: datetime) -> list[Withdrawal]:
    """The list as identity reads it at `since` + REACH: begun within the reach, or tokens not expired a slack ago."""
    return list(store.withdrawals_since(since, since + LIFETIME))


def locked(stores, username: str = OFFICER.username) -> tuple[Account, str] | None:
    with stores.transaction() as store:
        found: tuple[Account, str] | None = store.lock(username)
    return found


# --- accounts ---------------------------------------------------------------------------------


def test_an_added_account_reads_back_with_its_roles_units_and_hash(stores):
    assert add(stores) is True

    assert locked(stores) == (OFFICER, HASH)


def test_a_username_taken_is_refused_and_the_first_account_kept(stores):
    add(stores)

    impostor = replace(OFFICER, display_name="冒名者", roles=frozenset({Role.OPERATOR}), units=frozenset())

    assert add(stores, impostor) is False
    assert locked(stores) == (OFFICER, HASH)


OPERATOR = Account("ops.zhang", "张运维", frozenset({Role.OPERATOR}), frozenset())
OPERATING_LEADER = Account("li.ke", "李科", frozenset({Role.OPERATOR, Role.LEADER}), frozenset())


def test_the_names_asked_for_are_given_for_accounts_that_act_on_cases_disabled_ones_too_operators_not(stores):
    for account in (OFFICER, COORDINATOR, OPERATOR, OPERATING_LEADER):
        add(stores, account)
    with stores.transaction() as store:
        store.save(replace(COORDINATOR, disabled=True), None)  # left the centre; what they signed still names them

    with stores.transaction() as store:
        named = store.display_names(["liu.yang", "wang.fang", "ops.zhang", "li.ke", "nobody.here"])
        assert named == {"li.ke": "李科", "liu.yang": "刘洋", "wang.fang": "王芳"}
        assert store.display_names(["liu.yang"]) == {"liu.yang": "刘洋"}  # only those asked for


def test_an_unknown_username_reads_as_none(stores):
    add(stores)

    assert locked(stores, "liu.yan") is None


def test_failures_a_lock_and_a_disabled_flag_are_saved(stores):
    add(stores)
    until = CREATED_AT + timedelta(minutes=15)

    with stores.transaction() as store:
        store.save(replace(OFFICER, failed_attempts=4), None)
    assert locked(stores)[0].failed_attempts == 4

    with stores.transaction() as store:
        store.save(replace(OFFICER, failed_attempts=0, locked_until=until, disabled=True), None)
    account, password_hash = locked(stores)
    assert (account.failed_attempts, account.locked_until, account.disabled) == (0, until, True)
    assert password_hash == HASH


def test_changed_roles_and_units_are_saved(stores):
    add(stores)
    moved = replace(OFFICER, units=frozenset({"police:430426"}), display_name="刘洋（县局）")

    with stores.transaction() as store:
        store.save(moved, None)

    assert locked(stores) == (moved, HASH)


def test_the_last_sign_in_is_kept_until_the_next_one(stores):
    add(stores)
    first = CREATED_AT + timedelta(hours=1)

    with stores.transaction() as store:
        store.save(OFFICER, first)
    with stores.transaction() as store:
        store.save(replace(OFFICER, failed_attempts=1), None)  # a failed attempt later on

    with stores.transaction() as store:
        [row] = store.accounts()
    assert row["last_signed_in_at"] == first


def test_a_new_password_replaces_the_hash_and_lifts_a_lock(stores):
    add(stores)
    with stores.transaction() as store:
        store.save(replace(OFFICER, failed_attempts=2, locked_until=CREATED_AT + timedelta(minutes=15)), None)
    changed_at = CREATED_AT + timedelta(days=1)

    with stores.transaction() as store:
        assert store.set_password(OFFICER.username, NEW_HASH, changed_at) is True

    account, password_hash = locked(stores)
    assert (password_hash, account.failed_attempts, account.locked_until) == (NEW_HASH, 0, None)
    with stores.transaction() as store:
        assert store.accounts()[0]["password_changed_at"] == changed_at


def test_a_new_password_for_an_unknown_account_changes_nothing(stores):
    add(stores)

    with stores.transaction() as store:
        assert store.set_password("nobody", NEW_HASH, CREATED_AT) is False

    assert locked(stores) == (OFFICER, HASH)


def test_accounts_are_listed_by_username_without_their_hashes(stores):
    add(stores, OFFICER)
    add(stores, COORDINATOR)

    with stores.transaction() as store:
        rows = store.accounts()

    assert [row["username"] for row in rows] == ["liu.yang", "wang.fang"]
    assert all("password_hash" not in row and HASH not in str(row) for row in rows)
    officer = rows[0]
    assert (officer["display_name"], officer["roles"], officer["units"]) == (
        "刘洋",
        ["officer"],
        ["police:430426101", "police:430426102"],
    )
    assert (officer["disabled"], officer["failed_attempts"], officer["locked_until"]) == (False, 0, None)
    assert (officer["created_at"], officer["password_changed_at"], officer["last_signed_in_at"]) == (
        CREATED_AT,
        CREATED_AT,
        None,
    )
    assert sorted(rows[1]["roles"]) == ["coordinator", "leader"]


def test_a_failed_transaction_keeps_nothing(stores):
    try:
        with stores.transaction() as store:
            store.add(OFFICER, HASH, CREATED_AT)
            raise RuntimeError("the caller failed after adding")
    except RuntimeError:
        pass

    assert locked(stores) is None


# --- the sign-in log --------------------------------------------------------------------------


def test_every_attempt_is_logged_in_order_with_address_and_outcome(stores):
    add(stores)
    attempts = [
        ("10.0.3.7", "wrong_password", CREATED_AT + timedelta(minutes=1)),
        ("10.0.3.7", "signed_in", CREATED_AT + timedelta(minutes=2)),
        (None, "signed_in", CREATED_AT + timedelta(minutes=2)),  # the same second: kept in the order logged
    ]

    for address, outcome, at in attempts:
        with stores.transaction() as store:
            store.log_sign_in(OFFICER.username, address, outcome, at)

    with stores.transaction() as store:
        logged = store.sign_ins(OFFICER.username)
    assert [(a["address"], a["outcome"], a["at"]) for a in logged] == attempts


def test_attempts_for_usernames_that_do_not_exist_are_logged_too(stores):
    with stores.transaction() as store:
        store.log_sign_in("admin", "203.0.113.9", "unknown_account", CREATED_AT)
        store.log_sign_in("x" * (ACCOUNT_ID_MAX_LENGTH + 20), "203.0.113.9", "unknown_account", CREATED_AT)

    with stores.transaction() as store:
        assert [a["outcome"] for a in store.sign_ins("admin")] == ["unknown_account"]
        assert len(store.sign_ins("x" * ACCOUNT_ID_MAX_LENGTH)) == 1  # an overlong username is kept cut, not refused
        assert store.sign_ins(OFFICER.username) == []


def test_only_failed_attempts_count_against_their_address(stores):
    outcomes = ["signed_in", "password_changed", "wrong_password", "password_change_wrong_password", "throttled"]
    with stores.transaction() as store:
        for minute, outcome in enumerate(outcomes):
            store.log_sign_in(OFFICER.username, "10.0.3.7", outcome, CREATED_AT + timedelta(minutes=minute))
        store.log_sign_in(OFFICER.username, "10.0.3.8", "wrong_password", CREATED_AT)

    with stores.transaction() as store:
        assert store.failures_from("10.0.3.7", CREATED_AT) == 3
        assert store.failures_from("10.0.3.7", CREATED_AT + timedelta(minutes=3)) == 2


# --- withdrawn tokens ------------------------------------------------------------------------------


def test_a_withdrawal_begins_after_the_last_token_issued_and_never_moves_back(stores):
    add(stores)
    add(stores, COORDINATOR)
    issued = CREATED_AT + timedelta(seconds=10)
    with stores.transaction() as store:
        note(store, issued, QUIET_SINCE)
        # An earlier one changes nothing.
        note(store, issued - timedelta(seconds=5), QUIET_SINCE)
        store.withdraw_tokens(OFFICER.username, CREATED_AT + timedelta(seconds=3))  # a clock behind the sign-in's
    with stores.transaction() as store:
        store.withdraw_tokens(OFFICER.username, CREATED_AT + timedelta(seconds=1))  # an earlier one changes nothing
        store.withdraw_tokens(COORDINATOR.username, CREATED_AT + timedelta(seconds=2))  # none issued yet

    with stores.transaction() as store:
        withdrawn = {w.username: w.valid_from for w in listed(store, CREATED_AT)}
        officer, _ = store.lock(OFFICER.username)

    assert withdrawn == {
        OFFICER.username: issued + timedelta(seconds=1),
        COORDINATOR.username: CREATED_AT + timedelta(seconds=2),
    }
    assert officer.tokens_valid_from == issued + timedelta(seconds=1)


# --- token handles ----------------------------------------------------------------------------------


def test_every_account_is_given_a_random_handle_of_its_own_that_a_change_to_it_keeps(stores):
    for account in (OFFICER, COORDINATOR, OPERATOR):
        add(stores, account)

    handles = {
        account.username: locked(stores, account.username)[0].token_handle
        for account in (OFFICER, COORDINATOR, OPERATOR)
    }
    with stores.transaction() as store:
        store.save(replace(OFFICER, units=frozenset({"police:430426"}), disabled=True), CREATED_AT)
        store.set_password(OFFICER.username, NEW_HASH, CREATED_AT)
        store.withdraw_tokens(OFFICER.username, CREATED_AT + timedelta(seconds=1))

    assert all(re.fullmatch(r"[0-9a-f]{32}", handle) for handle in handles.values())
    assert len(set(handles.values())) == 3
    assert locked(stores)[0].token_handle == handles[OFFICER.username]
    with stores.transaction() as store:
        assert all(handles[OFFICER.username] not in str(row) for row in store.accounts())  # not shown to operators


def test_a_sign_in_after_a_token_lifetime_with_no_token_and_no_withdrawal_draws_a_new_handle(stores):
    """So a handle once tied to the account's name (by a token's holder, or by two readings of the list during an
    upgrade) tells nothing of its withdrawals after the next such pause."""
    add(stores)
    signed_in = CREATED_AT + HOUR
    with stores.transaction() as store:
        first = note(store, signed_in, signed_in - REACH)
    with stores.transaction() as store:
        # Its token is still valid: the same handle, whatever the list said of it.
        assert note(store, signed_in + HOUR, signed_in + HOUR - REACH) == first
        store.withdraw_tokens(OFFICER.username, signed_in + 2 * HOUR)
    after_tokens_expired = signed_in + HOUR + REACH + SECOND
    with stores.transaction() as store:
        # Every token with it has expired, but the list still names it with the withdrawal: the same handle again.
        assert note(store, after_tokens_expired, after_tokens_expired - REACH) == first
    quiet = after_tokens_expired + REACH + SECOND
    with stores.transaction() as store:
        drawn = note(store, quiet, quiet - REACH)
        assert note(store, quiet + SECOND, quiet + SECOND - REACH) == drawn  # once

    assert re.fullmatch(r"[0-9a-f]{32}", drawn) and drawn != first
    assert locked(stores)[0].token_handle == drawn
    with stores.transaction() as store:
        assert listed(store, quiet - REACH) == []  # no list read then names the account


def test_a_withdrawal_stays_listed_while_a_token_signed_under_a_longer_lifetime_may_still_be_valid(stores):
    """The lifetime was a day when the officer signed in, and is eight hours now: the list's reach alone would let
    the withdrawn token pass again for the rest of its day."""
    add(stores)
    signed_in = CREATED_AT + HOUR
    with stores.transaction() as store:
        note(store, signed_in, signed_in - REACH, lifetime=timedelta(hours=24))
        store.withdraw_tokens(OFFICER.username, signed_in + HOUR)

    past_reach = signed_in + HOUR + REACH + HOUR
    with stores.transaction() as store:
        assert [w.valid_from for w in listed(store, past_reach - REACH)] == [signed_in + HOUR]
        # Its token expired more than the verifiers' slack ago: no longer listed.
        assert listed(store, signed_in + timedelta(hours=24, minutes=7) - REACH) == []


def test_a_handle_is_not_drawn_anew_while_a_token_signed_under_a_longer_lifetime_carries_it(stores):
    add(stores)
    signed_in = CREATED_AT + HOUR
    with stores.transaction() as store:
        first = note(store, signed_in, signed_in - REACH, lifetime=timedelta(hours=24))
    later = signed_in + REACH + HOUR  # quiet for today's lifetime, but the day's token is valid
    with stores.transaction() as store:
        assert note(store, later, later - REACH) == first
    after_the_day = signed_in + timedelta(hours=24) + 2 * REACH - LIFETIME  # every token expired twice the slack ago
    with stores.transaction() as store:
        assert note(store, after_the_day, after_the_day - REACH) != first


def test_a_withdrawal_keeps_the_expiry_of_the_tokens_it_took_back_not_of_those_signed_after(stores):
    add(stores)
    signed_in = CREATED_AT + HOUR
    with stores.transaction() as store:
        note(store, signed_in, signed_in - REACH)  # today's lifetime
        store.withdraw_tokens(OFFICER.username, signed_in + HOUR)
        note(store, signed_in + 2 * HOUR, signed_in - REACH, lifetime=timedelta(hours=24))  # signed in again since

    past_reach = signed_in + HOUR + REACH + HOUR
    with stores.transaction() as store:
        assert listed(store, past_reach - REACH) == []  # the token it took back has expired: nothing to name


def test_a_withdrawal_is_read_with_the_accounts_handle_and_an_account_made_since_handles_holds_no_token_without(
    stores,
):
    add(stores)
    with stores.transaction() as store:
        store.withdraw_tokens(OFFICER.username, CREATED_AT + timedelta(seconds=1))

    with stores.transaction() as store:
        [withdrawal] = listed(store, CREATED_AT)
    assert withdrawal == Withdrawal(
        OFFICER.username, locked(stores)[0].token_handle, CREATED_AT + timedelta(seconds=1), None
    )


def test_a_withdrawal_begins_after_the_last_token_signed_with_the_handle(stores):
    add(stores)
    issued = CREATED_AT + timedelta(seconds=30)
    with stores.transaction() as store:
        note(store, issued, QUIET_SINCE)
        store.withdraw_tokens(OFFICER.username, CREATED_AT + timedelta(seconds=10))  # dated by a clock behind

    with stores.transaction() as store:
        [withdrawal] = listed(store, CREATED_AT)
    assert withdrawal.valid_from == issued + timedelta(seconds=1)
    assert withdrawal.tokens_without_handle_until is None  # a token with the handle is none without
