"""Restoring identity keeps what staff took away since the backup: an account disabled since stays disabled, tokens
withdrawn since stay withdrawn, and an account made since comes back disabled, its tokens withdrawn.

Going back to the backup's accounts would otherwise give back what was taken away after it: a dismissed officer's
account enabled again, the tokens withdrawn since valid again until they expire, and the tokens of an account made
since valid with nothing to withdraw them by (the restored database does not hold the account, and the list of
withdrawals names only accounts it holds). So the accounts of the database being replaced are read before the
replacement (when it can be read: a database lost or broken cannot, and the restore goes on without), and right
after it, before anything else can fail, the restored rows are made at least as restrictive as those: `disabled`
if either was, `tokens_valid_from` the later of the two, and an account missing from the backup added back disabled
with every token it was issued withdrawn, for staff to check and enable again (`wuyuan account enable`). Nothing
is given back that the backup had taken away: a password, roles or units changed since the backup go back to the
backup's, and the report names those accounts, for staff to change again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import dict_row

from wuyuan.backup import BackupError
from wuyuan.settings import PlatformSettings

# Migration 0003 added it: a backup, or a database, from before knows no withdrawal.
HAS_WITHDRAWALS = (
    "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'accounts'"
    " AND column_name = 'tokens_valid_from'"
)
HAS_ACCOUNTS = "SELECT to_regclass('accounts') IS NOT NULL"
# The columns every release of identity has had (migration 0001), and the withdrawal where there is one.
READ = (
    "SELECT username, display_name, password_hash, roles, units, disabled, password_changed_at, created_at,"
    " {valid_from} AS tokens_valid_from FROM accounts ORDER BY username"
)
# Every token issued before the restore: the whole second after it, as a withdrawal begins (services/identity).
WITHDRAWN_FROM = "SELECT date_trunc('second', now()) + interval '1 second'"
ADD_DISABLED = (
    "INSERT INTO accounts (username, display_name, password_hash, roles, units, disabled, password_changed_at,"
    " created_at) VALUES (%s, %s, %s, %s, %s, true, %s, %s)"
)
KEEP_DISABLED = "UPDATE accounts SET disabled = true WHERE username = %s"
KEEP_WITHDRAWN = (
    "UPDATE accounts SET tokens_valid_from = GREATEST(tokens_valid_from, %s) WHERE username = %s"
    " AND tokens_valid_from IS DISTINCT FROM GREATEST(tokens_valid_from, %s)"
)


@dataclass(frozen=True)
class HeldAccount:
    """An account as the database being replaced held it."""

    username: str
    display_name: str
    password_hash: str
    roles: tuple[str, ...]
    units: tuple[str, ...]
    disabled: bool
    password_changed_at: datetime
    created_at: datetime
    tokens_valid_from: datetime | None


def _read(connection: psycopg.Connection[tuple[object, ...]]) -> list[HeldAccount]:
    has_accounts = connection.execute(HAS_ACCOUNTS).fetchone()
    if not has_accounts or not has_accounts[0]:
        return []
    valid_from = "tokens_valid_from" if connection.execute(HAS_WITHDRAWALS).fetchone() else "NULL::timestamptz"
    rows = connection.cursor(row_factory=dict_row).execute(READ.format(valid_from=valid_from))
    return [
        HeldAccount(
            username=str(row["username"]),
            display_name=str(row["display_name"]),
            password_hash=str(row["password_hash"]),
            roles=tuple(row["roles"]),
            units=tuple(row["units"]),
            disabled=bool(row["disabled"]),
            password_changed_at=row["password_changed_at"],
            created_at=row["created_at"],
            tokens_valid_from=row["tokens_valid_from"],
        )
        for row in rows
    ]


def accounts_held(settings: PlatformSettings) -> list[HeldAccount] | None:
    """The accounts of identity's database as it is before the restore; None when it cannot be read."""
    try:
        with psycopg.connect(settings.admin_database_url("identity"), connect_timeout=10) as identity:
            return _read(identity)
    except psycopg.Error:
        return None


def keep_restrictions(settings: PlatformSettings, held: list[HeldAccount] | None) -> dict[str, object]:
    """Make the restored accounts at least as restrictive as `held`; what was kept, by username, and those whose
    password, roles or units went back to the backup's (`changed_since`). `read: False` when nothing was held."""
    if held is None:
        return {"read": False}
    try:
        with psycopg.connect(settings.admin_database_url("identity"), connect_timeout=10) as identity:
            found = _kept(identity, held)
    except psycopg.Error as exc:
        raise BackupError(
            "accounts_not_kept",
            f"identity 的数据库已恢复，但未能保留备份之后停用的账号和作废的令牌（{' '.join(str(exc).split())}）："
            f"启动 identity 前请人工停用 {'、'.join(a.username for a in held if a.disabled) or '（无）'}，"
            "并核对备份之后新建的账号",
        ) from None
    return {"read": True, **found}


def _kept(identity: psycopg.Connection[tuple[object, ...]], held: list[HeldAccount]) -> dict[str, list[str]]:
    restored = {account.username: account for account in _read(identity)}
    has_withdrawals = identity.execute(HAS_WITHDRAWALS).fetchone() is not None
    withdrawn_from = identity.execute(WITHDRAWN_FROM).fetchone()[0]  # type: ignore[index]
    made_since, kept_disabled, kept_withdrawn, changed_since = [], [], [], []
    for account in held:
        before = restored.get(account.username)
        if before is None:
            identity.execute(
                ADD_DISABLED,
                (
                    account.username,
                    account.display_name,
                    account.password_hash,
                    list(account.roles),
                    list(account.units),
                    account.password_changed_at,
                    account.created_at,
                ),
            )
            if has_withdrawals:
                identity.execute(KEEP_WITHDRAWN, (withdrawn_from, account.username, withdrawn_from))
            made_since.append(account.username)
            continue
        if account.disabled and not before.disabled:
            identity.execute(KEEP_DISABLED, (account.username,))
            kept_disabled.append(account.username)
        if has_withdrawals and account.tokens_valid_from is not None:
            kept = identity.execute(
                KEEP_WITHDRAWN, (account.tokens_valid_from, account.username, account.tokens_valid_from)
            )
            if kept.rowcount:
                kept_withdrawn.append(account.username)
        if (account.password_hash, set(account.roles), set(account.units)) != (
            before.password_hash,
            set(before.roles),
            set(before.units),
        ):
            changed_since.append(account.username)
    return {
        "made_since": made_since,
        "kept_disabled": kept_disabled,
        "kept_withdrawn": kept_withdrawn,
        "changed_since": changed_since,
    }
