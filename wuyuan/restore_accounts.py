"""Restoring identity keeps what staff took away since the backup: an account disabled since stays disabled, tokens
withdrawn since stay withdrawn, and an account made or changed since comes back disabled, its tokens withdrawn.

Going back to the backup's accounts would otherwise give back what was taken away after it: a dismissed officer's
account enabled again, the tokens withdrawn since valid again until they expire, roles or units taken away since
granted again at the next sign-in, a password replaced since (leaked, say) valid again, and the tokens of an account
made since valid with nothing to withdraw them by (the list of withdrawals names only accounts identity holds). So
the accounts of the database being replaced are read before the replacement (when it can be read: a database lost
with its disk cannot, and the restore goes on without), and right after it, before anything else can fail, each
restored account is made at least as restrictive:
- disabled if it was disabled since;
- its password the newer of the two (a password changed since is kept, so an old one that leaked stays invalid);
- disabled, its tokens withdrawn, if its roles or units changed since (which way the restore cannot tell: staff
  check them and enable it again), and so is an account made since the backup, added back as it was;
- the moments identity noted of its tokens the later of the two (`LATEST`): its withdrawal, and the last token it
  signed and its expiry, so that a withdrawal begins after every token signed since and stays listed until they
  expire.
A backup from before withdrawals (migration 0003) has no column for them until the migrations run: those are then
kept right after the migrations (`keep_withdrawals`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from wuyuan.backup import BackupError, said_of
from wuyuan.settings import PlatformSettings

# Moments that only move later, each kept as the later of the two where both databases have it (migrations 0003-0005).
LATEST = (
    "tokens_valid_from",
    "tokens_issued_until",
    "handle_tokens_issued_until",
    "handle_tokens_expire_until",
    "withdrawn_tokens_expire_until",
)
# The columns every release of identity has had (migration 0001).
BASE = ("username", "display_name", "password_hash", "roles", "units", "disabled", "password_changed_at", "created_at")
COLUMNS = (
    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
    " AND table_name = 'accounts'"
)
# Every token issued until the restore: the whole second after it, as a withdrawal begins (services/identity).
NOW_WITHDRAWN = "SELECT date_trunc('second', now()) + interval '1 second'"


@dataclass(frozen=True)
class HeldAccount:
    """An account as one of the two databases holds it: the columns of 0001, and the `LATEST` moments it has."""

    username: str
    display_name: str
    password_hash: str
    roles: frozenset[str]
    units: frozenset[str]
    disabled: bool
    password_changed_at: datetime
    created_at: datetime
    moments: dict[str, datetime | None]


def _columns(connection: psycopg.Connection[Any]) -> set[str]:
    return {str(row[0]) for row in connection.execute(COLUMNS)}


def _read(connection: psycopg.Connection[Any]) -> list[HeldAccount]:
    present = _columns(connection)
    if not present:
        return []  # no accounts table
    moments = [name for name in LATEST if name in present]
    query = sql.SQL("SELECT {} FROM accounts ORDER BY username").format(
        sql.SQL(", ").join(sql.Identifier(name) for name in (*BASE, *moments))
    )
    return [
        HeldAccount(
            username=row["username"],
            display_name=row["display_name"],
            password_hash=row["password_hash"],
            roles=frozenset(row["roles"]),
            units=frozenset(row["units"]),
            disabled=row["disabled"],
            password_changed_at=row["password_changed_at"],
            created_at=row["created_at"],
            moments={name: row[name] for name in moments},
        )
        for row in connection.cursor(row_factory=dict_row).execute(query)
    ]


def accounts_held(settings: PlatformSettings) -> list[HeldAccount] | None:
    """The accounts of identity's database as it is before the restore; None when it cannot be read."""
    try:
        with psycopg.connect(settings.admin_database_url("identity"), connect_timeout=10) as identity:
            return _read(identity)
    except psycopg.Error:
        return None


def keep_restrictions(settings: PlatformSettings, held: list[HeldAccount] | None) -> dict[str, object]:
    """Make the restored accounts at least as restrictive as `held` (right after the replacement); what was kept, by
    username. `read: False` when nothing could be read before; `withdrawals_pending` when the restored database has
    no withdrawals yet, for `keep_withdrawals` after the migrations."""
    if held is None:
        return {"read": False}
    url = settings.admin_database_url("identity")
    with _kept_or_said(settings, held), psycopg.connect(url, connect_timeout=10) as identity:
        return {"read": True, **_keep(identity, held)}


def keep_withdrawals(settings: PlatformSettings, held: list[HeldAccount], found: dict[str, object]) -> None:
    """The withdrawals a backup from before them could not take (`found["withdrawals_pending"]`), once the
    migrations have made their columns: noted in `found` as `keep_restrictions` notes them."""
    url = settings.admin_database_url("identity")
    with _kept_or_said(settings, held), psycopg.connect(url, connect_timeout=10) as identity:
        withdrawn = set(found["made_since"]) | set(found["changed_since"])  # type: ignore[call-overload]
        found["kept_withdrawn"] = _withdraw(identity, held, withdrawn)
        found["withdrawals_pending"] = False


@contextlib.contextmanager
def _kept_or_said(settings: PlatformSettings, held: list[HeldAccount]) -> Iterator[None]:
    """A failure once the database is replaced is said with what staff must then do by hand; never run the restore
    again for it, which would read the restored database as the one before."""
    try:
        yield
    except psycopg.Error as error:
        disabled = "、".join(a.username for a in held if a.disabled) or "（无）"
        said = said_of(settings, "identity", error)
        raise BackupError(
            "accounts_not_kept",
            f"identity 的数据库已恢复，但未能保留备份之后停用的账号和作废的令牌（{said.message}）："
            f"不要重新运行恢复（恢复前的数据库已被替换）；启动 identity 前请人工停用 {disabled}，"
            f"逐一核对恢复前的 {len(held)} 个账号（备份之后新建或改过的须停用后重新修改），再运行 wuyuan up",
            said.detail,
            said.fields(),
        ) from None


def withdrawals_not_kept(failure: BackupError, held: list[HeldAccount]) -> BackupError:
    """The migrations failed after a backup from before withdrawals: none made since it could be kept, and the
    database they were read from is gone, so staff redo them by hand."""
    disabled = "、".join(a.username for a in held if a.disabled) or "（无）"
    return BackupError(
        failure.code,
        f"{failure}；备份早于令牌撤销（迁移 0003），备份之后作废的令牌未能保留：不要重新运行恢复，"
        f"排除故障后运行 wuyuan up，再人工停用 {disabled}，"
        f"并停用后重新修改备份之后新建或改过的账号（恢复前共 {len(held)} 个账号）",
        failure.detail,
        failure.fields,
    )


def _keep(identity: psycopg.Connection[Any], held: list[HeldAccount]) -> dict[str, object]:
    restored = {account.username: account for account in _read(identity)}
    present = _columns(identity)
    found: dict[str, Any] = {
        "made_since": [],
        "kept_disabled": [],
        "changed_since": [],
        "password_kept": [],
        "enabled_since": [],
    }
    for account in held:
        before = restored.get(account.username)
        if before is None:
            _add_disabled(identity, account)
            found["made_since"].append(account.username)
            continue
        if (account.roles, account.units) != (before.roles, before.units):
            identity.execute("UPDATE accounts SET disabled = true WHERE username = %s", (account.username,))
            found["changed_since"].append(account.username)
        elif account.disabled and not before.disabled:
            identity.execute("UPDATE accounts SET disabled = true WHERE username = %s", (account.username,))
            found["kept_disabled"].append(account.username)
        elif before.disabled and not account.disabled:
            found["enabled_since"].append(account.username)
        if account.password_changed_at > before.password_changed_at and account.password_hash != before.password_hash:
            identity.execute(
                "UPDATE accounts SET password_hash = %s, password_changed_at = %s WHERE username = %s",
                (account.password_hash, account.password_changed_at, account.username),
            )
            found["password_kept"].append(account.username)
    if "tokens_valid_from" in present:
        withdrawn = set(found["made_since"]) | set(found["changed_since"])
        found["kept_withdrawn"] = _withdraw(identity, held, withdrawn)
        found["withdrawals_pending"] = False
    else:
        found["kept_withdrawn"] = []
        found["withdrawals_pending"] = True
    return found


def _add_disabled(identity: psycopg.Connection[Any], account: HeldAccount) -> None:
    """The account as it was, disabled; `_withdraw` then withdraws its tokens and notes what it was signed."""
    columns = [*BASE]
    values: list[object] = [
        account.username,
        account.display_name,
        account.password_hash,
        sorted(account.roles),
        sorted(account.units),
        True,
        account.password_changed_at,
        account.created_at,
    ]
    identity.execute(
        sql.SQL("INSERT INTO accounts ({}) VALUES ({})").format(
            sql.SQL(", ").join(sql.Identifier(name) for name in columns),
            sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        ),
        values,
    )


def _withdraw(identity: psycopg.Connection[Any], held: list[HeldAccount], now_too: set[str]) -> list[str]:
    """Each account's withdrawal the later of the two, then what identity noted of its tokens (its last token and
    expiries), and those of `now_too` withdrawn as of now and after their last token, as a withdrawal in identity is;
    the others whose withdrawal moved.

    In that order: the 0004 trigger begins a withdrawal after the last token the row notes, so a withdrawal kept
    from before the restore is set while the row still notes the backup's tokens, never one signed after it."""
    present = _columns(identity)
    noted = [name for name in LATEST if name in present and name != "tokens_valid_from"]
    after_last = [
        sql.SQL("{} + interval '1 second'").format(sql.Identifier(name))
        for name in ("tokens_issued_until", "handle_tokens_issued_until")
        if name in present
    ]
    row = identity.execute(NOW_WITHDRAWN).fetchone()
    assert row is not None
    now_withdrawn: datetime = row[0]
    restored = {account.username: account for account in _read(identity)}
    moved = []
    for account in held:
        before = restored.get(account.username)
        if before is None:
            continue
        kept = account.moments.get("tokens_valid_from")
        was = before.moments.get("tokens_valid_from")
        if kept is not None and (was is None or kept > was):
            identity.execute(
                "UPDATE accounts SET tokens_valid_from = GREATEST(tokens_valid_from, %s) WHERE username = %s",
                (kept, account.username),
            )
            if account.username not in now_too:
                moved.append(account.username)
        later = {name: account.moments[name] for name in noted if account.moments.get(name) is not None}
        if later:
            identity.execute(
                sql.SQL("UPDATE accounts SET {} WHERE username = %s").format(
                    sql.SQL(", ").join(
                        sql.SQL("{0} = GREATEST({0}, %s)").format(sql.Identifier(name)) for name in later
                    )
                ),
                [*later.values(), account.username],
            )
        if account.username in now_too:
            identity.execute(
                sql.SQL(
                    "UPDATE accounts SET tokens_valid_from = GREATEST(tokens_valid_from, %s, {}) WHERE username = %s"
                ).format(sql.SQL(", ").join(after_last) if after_last else sql.SQL("NULL")),
                (now_withdrawn, account.username),
            )
    return moved
