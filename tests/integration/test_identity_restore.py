"""Identity restored to an earlier point, against the real PostgreSQL with pg_dump and pg_restore: a token signed after
the backup carries a handle the restored database no longer knows, so a withdrawal after the restore is listed by the
digest of the username, which a verifier checks whatever handle a token carries; and what staff took away since the
backup (an account disabled, tokens withdrawn, an account made) stays taken away. A platform of this run's own."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from services.identity import domain
from services.identity.domain import Account
from services.identity.store import PostgresAccountStore
from shared.auth.principal import Role
from shared.persistence.transaction import transaction
from tests.integration.databases import provisioned
from wuyuan.backup import backup_services
from wuyuan.backup_restore import restore_service
from wuyuan.commands_backup import account_lines, token_handle_lines

pytestmark = pytest.mark.integration

LIFETIME = timedelta(hours=8)  # a token's lifetime by default
REACH = LIFETIME + timedelta(minutes=6)  # and the verifiers' slack
OFFICER = Account("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))


def test_a_withdrawal_after_identity_is_restored_reaches_a_token_signed_since_the_backup(tmp_path: Path) -> None:
    (tmp_path / "backups").mkdir()
    with provisioned(tmp_path, ["identity"]) as settings:
        url = settings.admin_database_url("identity")
        yesterday = datetime.now(UTC) - timedelta(days=1)
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            store = PostgresAccountStore(tx)
            store.add(OFFICER, "$argon2id$x", yesterday)
            at_backup = store.note_issued(
                OFFICER.username, yesterday, yesterday + LIFETIME, yesterday - REACH, yesterday - REACH + LIFETIME
            )
        folder = backup_services(settings, ("identity",), tmp_path / "backups")
        # This morning's sign-in, after a quiet night, draws the officer a new handle, which the token carries.
        morning = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            since_backup = PostgresAccountStore(tx).note_issued(
                OFFICER.username, morning, morning + LIFETIME, morning - REACH, morning - REACH + LIFETIME
            )

        report = restore_service(settings, "identity", folder, force=False, restore_secrets=False)
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            store = PostgresAccountStore(tx)
            restored_handle = store.lock(OFFICER.username)[0].token_handle  # type: ignore[index]
            store.withdraw_tokens(OFFICER.username, domain.tokens_valid_from(datetime.now(UTC)))
            [withdrawal] = store.withdrawals_since(datetime.now(UTC) - REACH, datetime.now(UTC) - REACH + LIFETIME)

    assert since_backup != at_backup and restored_handle == at_backup  # the morning's handle is gone
    assert domain.listed_by_digest(withdrawal, REACH)  # so the morning's token is refused by the digest of its subject
    assert report.token_handles is not None and report.token_handles["accounts"] == 1
    assert "按用户名摘要列出" in token_handle_lines(report.token_handles)[0]


LEADER = Account("wang.fang", "王芳", frozenset({Role.LEADER}), frozenset())
CLERK = Account("zhao.lei", "赵磊", frozenset({Role.OFFICER}), frozenset({"justice:430426"}))
NEWCOMER = Account("chen.jing", "陈静", frozenset({Role.OFFICER}), frozenset({"court:430426"}))


def test_what_staff_took_away_since_the_backup_stays_taken_away_and_a_changed_password_is_named(
    tmp_path: Path,
) -> None:
    (tmp_path / "backups").mkdir()
    with provisioned(tmp_path, ["identity"]) as settings:
        url = settings.admin_database_url("identity")
        yesterday = datetime.now(UTC) - timedelta(days=1)
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            store = PostgresAccountStore(tx)
            for account in (OFFICER, LEADER, CLERK):
                store.add(account, "$argon2id$before", yesterday)
        folder = backup_services(settings, ("identity",), tmp_path / "backups")
        this_morning = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            store = PostgresAccountStore(tx)
            # Since the backup: the officer dismissed, the clerk's tokens withdrawn (a roles change, say), the leader's
            # password changed, and a newcomer given an account, who signed in.
            store.save(replace(store.lock(OFFICER.username)[0], disabled=True), None)  # type: ignore[index]
            store.withdraw_tokens(OFFICER.username, this_morning)
            store.withdraw_tokens(CLERK.username, this_morning)
            store.set_password(LEADER.username, "$argon2id$after", this_morning)
            store.add(NEWCOMER, "$argon2id$newcomer", this_morning)
            store.note_issued(
                NEWCOMER.username, this_morning, this_morning + LIFETIME, this_morning - REACH, this_morning - REACH
            )

        report = restore_service(settings, "identity", folder, force=False, restore_secrets=False)
        restored_at = datetime.now(UTC)
        with psycopg.connect(url, row_factory=dict_row) as db:
            rows = {row["username"]: row for row in db.execute("SELECT * FROM accounts")}
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            listed = {w.username for w in PostgresAccountStore(tx).withdrawals_since(restored_at - REACH, restored_at)}

    assert report.accounts == {
        "read": True,
        "made_since": ["chen.jing"],
        "kept_disabled": ["liu.yang"],
        "kept_withdrawn": ["liu.yang", "zhao.lei"],
        "changed_since": ["wang.fang"],
    }
    assert rows["liu.yang"]["disabled"] and rows["liu.yang"]["tokens_valid_from"] >= this_morning
    assert rows["zhao.lei"]["tokens_valid_from"] >= this_morning and not rows["zhao.lei"]["disabled"]
    # The newcomer is back, disabled, every token it was signed withdrawn; its roles and units as they were.
    newcomer = rows["chen.jing"]
    assert newcomer["disabled"] and newcomer["tokens_valid_from"] > this_morning
    assert (newcomer["roles"], newcomer["units"]) == (["officer"], ["court:430426"])
    # Nothing taken away is given back: the leader's password is the backup's, for staff to change again.
    assert rows["wang.fang"]["password_hash"] == "$argon2id$before"
    assert listed == {"liu.yang", "zhao.lei", "chen.jing"}
    lines = account_lines(report.accounts)
    assert any("陈静" not in line and "chen.jing" in line and "wuyuan account enable" in line for line in lines)
    assert any("wang.fang" in line and "请重新修改" in line for line in lines)


def test_a_database_lost_before_the_restore_is_said_to_have_kept_nothing(tmp_path: Path) -> None:
    (tmp_path / "backups").mkdir()
    with provisioned(tmp_path, ["identity"]) as settings:
        folder = backup_services(settings, ("identity",), tmp_path / "backups")
        with psycopg.connect(settings.pg_admin_url_of("identity"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{settings.database_name("identity")}" WITH (FORCE)')  # a disk lost
        report = restore_service(settings, "identity", folder, force=False, restore_secrets=False)

    assert report.accounts == {"read": False}
    [line] = account_lines(report.accounts)
    assert "未能读取恢复前的 identity 数据库" in line and "重新停用" in line
