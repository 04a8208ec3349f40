"""Accounts there before identity gave token handles are each given one of their own, and their withdrawals are
listed by digest for as long as tokens without a handle, signed before the migration or by an identity of the release
before during the upgrade, may still be valid."""

import re
import shutil
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.rows import dict_row

from services.identity.domain import Account
from services.identity.store import PostgresAccountStore
from shared.auth.principal import Role
from shared.persistence.transaction import transaction
from tests.integration.databases import migrated_database, migrations_before
from wuyuan.provision_db import REPO_ROOT, apply_migrations, migration_dirs

MIGRATIONS = REPO_ROOT / "services" / "identity" / "migrations"
# As the release before adds an account, and notes a token it signs (without a handle) at a sign-in.
ADD = (
    "INSERT INTO accounts (username, display_name, password_hash, roles, units, disabled, password_changed_at,"
    " created_at) VALUES (%s, %s, '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', %s, %s, false, now(), now())"
)
NOTE_ISSUED = "UPDATE accounts SET tokens_issued_until = GREATEST(tokens_issued_until, %s) WHERE username = %s"
BEFORE = ["liu.yang", "wang.fang", "demo.court"]
LIFETIME = timedelta(hours=8)


def test_accounts_there_before_are_each_given_a_handle_and_may_hold_tokens_without_one_until_the_migration(tmp_path):
    earlier = migrations_before(MIGRATIONS, "0004", tmp_path / "identity")
    directories = [*migration_dirs("identity")[:-1], earlier]
    signed_in_before = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with migrated_database("wyt_token_handles", directories) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            for username in BEFORE:
                conn.execute(ADD, (username, "刘洋", ["officer"], ["police:430426101"]))
            conn.execute(NOTE_ISSUED, (signed_in_before, "liu.yang"))
        shutil.copy(MIGRATIONS / "0004_token_handles.sql", earlier)

        assert apply_migrations(url, directories) == ["0004_token_handles"]

        with psycopg.connect(url, row_factory=dict_row) as conn:
            migrated_at = conn.execute("SELECT now() AS now").fetchone()["now"]  # after the migration's
            rows = {
                row["username"]: row
                for row in conn.execute("SELECT username, token_handle, tokens_without_handle_until FROM accounts")
            }
            # The release before, still running during the upgrade: it adds an account and signs tokens without a
            # handle, noting them as it always has.
            conn.execute(ADD, ("zhao.lei", "赵磊", ["leader"], []))
            late_sign_in = migrated_at.replace(microsecond=0) + timedelta(minutes=20)
            conn.execute(NOTE_ISSUED, (late_sign_in, "wang.fang"))
            conn.commit()
        for later in sorted(MIGRATIONS.glob("00*.sql")):  # and the migrations after, which this release's store needs
            if later.name > "0004":
                shutil.copy(later, earlier)
        apply_migrations(url, directories)
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            store = PostgresAccountStore(tx)
            # This release adds an account; every one is withdrawn.
            store.add(Account("chen.jing", "陈静", frozenset({Role.LEADER}), frozenset()), "$argon2id$x", migrated_at)
            for username in [*BEFORE, "zhao.lei", "chen.jing"]:
                store.withdraw_tokens(username, migrated_at + timedelta(minutes=1))
            handles = {
                username: store.lock(username)[0].token_handle for username in [*BEFORE, "zhao.lei", "chen.jing"]
            }
            withdrawn = {w.username: w for w in store.withdrawals_since(migrated_at, migrated_at)}

    assert all(re.fullmatch(r"[0-9a-f]{32}", handle) for handle in handles.values())
    assert len(set(handles.values())) == len(handles)
    assert {username: row["token_handle"] for username, row in rows.items()} == {u: handles[u] for u in BEFORE}
    # Every account there was may hold tokens issued before the migration, and not after it.
    migration_moments = {row["tokens_without_handle_until"] for row in rows.values()}
    assert len(migration_moments) == 1 and signed_in_before < migration_moments.pop() <= migrated_at
    assert withdrawn["liu.yang"].tokens_without_handle_until == rows["liu.yang"]["tokens_without_handle_until"]
    # A token the release before signed after the migration counts too, whoever's account it is.
    assert withdrawn["wang.fang"].tokens_without_handle_until == late_sign_in
    assert withdrawn["wang.fang"].valid_from == late_sign_in + timedelta(seconds=1)
    assert withdrawn["zhao.lei"].tokens_without_handle_until is None  # made since, and never signed in without one
    assert withdrawn["chen.jing"].tokens_without_handle_until is None
    assert {w.handle for w in withdrawn.values()} == set(handles.values())


# As the release before withdraws an account's tokens (its identity's password change, its `wuyuan account disable`).
EARLIER_WITHDRAWAL = (
    "UPDATE accounts SET tokens_valid_from = GREATEST(tokens_valid_from, %s, tokens_issued_until + interval '1 second')"
    " WHERE username = %s"
)


def test_a_withdrawal_written_the_earlier_releases_way_still_ends_the_tokens_this_release_signed(tmp_path):
    """The release before knows only `tokens_issued_until`: withdrawing in the same second as a token this release had
    just signed (or with its clock behind), it would have left that token valid for its whole life."""
    with migrated_database("wyt_token_handles_trigger", migration_dirs("identity")) as url:
        signed = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            store = PostgresAccountStore(tx)
            store.add(Account("liu.yang", "刘洋", frozenset({Role.LEADER}), frozenset()), "$argon2id$x", signed)
            store.withdraw_tokens("liu.yang", signed)  # a first withdrawal: valid from `signed`
            # A sign-in at this release right after it, in the same second.
            store.note_issued("liu.yang", signed, signed + LIFETIME, signed - LIFETIME, signed)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(EARLIER_WITHDRAWAL, (signed - timedelta(seconds=3), "liu.yang"))  # its clock behind
            conn.execute("UPDATE accounts SET display_name = '刘洋（派出所）' WHERE username = 'liu.yang'")
            valid_from, listed_until = conn.execute(
                "SELECT tokens_valid_from, withdrawn_tokens_expire_until FROM accounts"
            ).fetchone()

    assert valid_from == signed + timedelta(seconds=1)  # the token signed at `signed` no longer counts
    assert listed_until == signed + LIFETIME  # and the withdrawal is listed until that token has expired
