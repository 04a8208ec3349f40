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
from tests.integration.databases import provisioned, the_role_as_admin
from wuyuan.backup import backup_services
from wuyuan.backup_restore import restore_service
from wuyuan.commands_backup import account_lines, token_handle_lines
from wuyuan.provision_db import ensure_databases

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
MOVED = Account("sun.li", "孙丽", frozenset({Role.OFFICER}), frozenset({"police:430426102"}))
RETURNING = Account("li.na", "李娜", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))
# Before migration 0003: no withdrawals, no token handles or expiries (what a backup of then holds).
BEFORE_WITHDRAWALS = (
    "DROP TRIGGER withdrawal_after_handle_tokens ON accounts; DROP FUNCTION withdrawal_after_handle_tokens();"
    " ALTER TABLE accounts DROP COLUMN tokens_valid_from, DROP COLUMN tokens_issued_until, DROP COLUMN token_handle,"
    " DROP COLUMN tokens_without_handle_until, DROP COLUMN handle_tokens_issued_until,"
    " DROP COLUMN handle_tokens_expire_until, DROP COLUMN withdrawn_tokens_expire_until;"
    " DELETE FROM _yoyo_migration WHERE migration_id IN ('0003_tokens_valid_from', '0004_token_handles',"
    " '0005_token_expiries')"
)


def staff_before_the_backup(url: str, yesterday: datetime) -> None:
    with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
        store = PostgresAccountStore(tx)
        for account in (OFFICER, LEADER, CLERK, MOVED, RETURNING):
            store.add(account, "$argon2id$before", yesterday)
        store.withdraw_tokens(RETURNING.username, yesterday)  # her password reset then, long before the backup


def staff_changes_since_the_backup(url: str, this_morning: datetime) -> None:
    """The officer dismissed, the clerk's tokens withdrawn after a sign-in under a day-long lifetime (since shortened),
    the leader's own new password, an officer moved to another unit, and a newcomer given an account, who signed in."""
    with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
        store = PostgresAccountStore(tx)
        store.save(replace(store.lock(OFFICER.username)[0], disabled=True), None)  # type: ignore[index]
        store.withdraw_tokens(OFFICER.username, this_morning)
        day = timedelta(days=1)
        store.note_issued(CLERK.username, this_morning, this_morning + day, this_morning - REACH, this_morning - REACH)
        store.withdraw_tokens(CLERK.username, this_morning + timedelta(minutes=1))
        store.set_password(LEADER.username, "$argon2id$after", this_morning)
        moved = replace(store.lock(MOVED.username)[0], units=frozenset({"police:430426101"}))  # type: ignore[index]
        store.save(moved, None)
        store.add(NEWCOMER, "$argon2id$newcomer", this_morning)
        signed = this_morning + timedelta(minutes=30)
        store.note_issued(NEWCOMER.username, signed, signed + LIFETIME, signed - REACH, signed - REACH)
        store.note_issued(RETURNING.username, signed, signed + LIFETIME, signed - REACH, signed - REACH)


def accounts_now(url: str) -> dict[str, dict]:
    with psycopg.connect(url, row_factory=dict_row) as db:
        return {row["username"]: row for row in db.execute("SELECT * FROM accounts")}


@pytest.mark.parametrize("restored", ["beside", "in place"])
@pytest.mark.parametrize("backup_from", ["now", "before withdrawals"])
def test_what_staff_took_away_since_the_backup_stays_taken_away(
    tmp_path: Path, backup_from: str, restored: str
) -> None:
    (tmp_path / "backups").mkdir()
    with provisioned(tmp_path, ["identity"]) as provisioned_settings:
        # In place, the role empties its database and fills it again: what later migrations made goes too (a
        # function that stayed used to stop migration 0004 when it ran again).
        settings = provisioned_settings if restored == "beside" else the_role_as_admin(provisioned_settings, "identity")
        assert settings.admin_is_the_role("identity") == (restored == "in place")
        url = settings.admin_database_url("identity")
        staff_before_the_backup(url, datetime.now(UTC) - timedelta(days=1))
        if backup_from == "before withdrawals":
            with psycopg.connect(url, autocommit=True) as db:
                db.execute(BEFORE_WITHDRAWALS)
        folder = backup_services(settings, ("identity",), tmp_path / "backups")
        ensure_databases(settings, ["identity"])  # the live database as the code has it
        this_morning = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        staff_changes_since_the_backup(url, this_morning)

        report = restore_service(settings, "identity", folder, force=False, restore_secrets=False)
        restored_at = datetime.now(UTC)
        rows = accounts_now(url)
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            listed = {w.username for w in PostgresAccountStore(tx).withdrawals_since(restored_at - REACH, restored_at)}

    assert report.accounts == {
        "read": True,
        "made_since": ["chen.jing"],
        "kept_disabled": ["liu.yang"],
        "changed_since": ["sun.li"],
        "password_kept": ["wang.fang"],
        "enabled_since": [],
        "kept_withdrawn": ["liu.yang", "zhao.lei"],
        "withdrawals_pending": False,
    }
    # Her withdrawal of before the backup is kept as it was, not moved past her sign-in since (dropping the column to
    # make a backup from before withdrawals took it from the live database too).
    kept = rows["li.na"]["tokens_valid_from"]
    assert (kept < this_morning if backup_from == "now" else kept is None) and not rows["li.na"]["disabled"]
    assert rows["li.na"]["handle_tokens_issued_until"] == this_morning + timedelta(minutes=30)
    assert rows["liu.yang"]["disabled"] and rows["liu.yang"]["tokens_valid_from"] >= this_morning
    clerk = rows["zhao.lei"]
    assert not clerk["disabled"] and clerk["tokens_valid_from"] >= this_morning + timedelta(minutes=1)
    assert clerk["withdrawn_tokens_expire_until"] == this_morning + timedelta(days=1)  # listed until its token expires
    # The newcomer is back as it was, disabled, every token it was signed withdrawn, after the last one too.
    newcomer = rows["chen.jing"]
    assert newcomer["disabled"] and newcomer["tokens_valid_from"] > newcomer["handle_tokens_issued_until"]
    assert (newcomer["roles"], newcomer["units"]) == (["officer"], ["court:430426"])
    # Moved since: the backup's unit again, for staff to check, and disabled until they have.
    assert rows["sun.li"]["disabled"] and rows["sun.li"]["units"] == ["police:430426102"]
    assert rows["wang.fang"]["password_hash"] == "$argon2id$after" and not rows["wang.fang"]["disabled"]
    assert listed == {"liu.yang", "zhao.lei", "chen.jing", "sun.li"}
    lines = account_lines(report.accounts)
    assert any("chen.jing" in line and "wuyuan account enable" in line for line in lines)
    assert any("sun.li" in line and "重新修改" in line for line in lines)


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
