"""`wuyuan restore`: a service's database back from a `wuyuan backup` folder, checked first, secrets on request."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from shared.private_dirs import private_directory
from shared.workdays import CHINA_TZ
from wuyuan import supervise
from wuyuan.agencies import is_managed
from wuyuan.backup import (
    BackupError,
    backup_words,
    client_binary,
    database_backup_error,
    other_platform,
    read_manifest,
    server_info,
)
from wuyuan.backup_secrets import SecretState, Source, compare_secrets, sha256_of
from wuyuan.cli_errors import service_words
from wuyuan.provision_db import SealingKeyMissing, ensure_databases
from wuyuan.restore_accounts import accounts_held, keep_restrictions, keep_withdrawals, withdrawals_not_kept
from wuyuan.restore_case_numbers import (
    DRAIN_WAIT_SECONDS,
    CentreNumbers,
    advance_case_numbers,
    centre_numbers,
    require_coordinator_drained,
)
from wuyuan.restore_document_numbers import advance_document_numbers, give_back_notice_numbers, numbers_held
from wuyuan.restore_letters_archived import archive_letters_again
from wuyuan.restore_letters_held import record_letters_held
from wuyuan.restore_script import psql_beside, restore_through_psql
from wuyuan.restore_token_handles import forget_token_handles
from wuyuan.settings import PlatformSettings

RUNNING_STATES = {"running", "starting", "backoff", "stopping"}
PERSONAL_DATA_KEY = "personal-data-key"  # intake's, as kept in STATE_DIR/secrets and in a backup's secrets/


@dataclass
class RestoreReport:
    service: str
    database: str
    backup: str
    backup_time: str
    migrations_in_backup: list[str]
    migrations_applied_after: list[str] = field(default_factory=list)
    secrets: list[dict[str, str]] = field(default_factory=list)
    forced: bool = False
    # intake alone: restored without asking the broker what waits in the coordinator's queues (--skip-queue-check).
    queue_check_skipped: bool = False
    # A backup of another platform (its vhost, database prefix or county), restored on purpose.
    from_other_platform: bool = False
    # intake alone: its counters moved past the numbers the centre holds (restore_case_numbers).
    case_numbers: dict[str, object] | None = None
    # supervision alone: its 文号 series moved past the letters the agencies hold (restore_document_numbers), and the
    # letters they hold that its archive lost archived again (restore_letters_archived).
    document_numbers: dict[str, object] | None = None
    # identity alone: withdrawals listed by digest while a token signed since the backup may be valid
    # (restore_token_handles).
    token_handles: dict[str, object] | None = None
    # identity alone: accounts disabled, tokens withdrawn and accounts made since the backup, kept so
    # (restore_accounts).
    accounts: dict[str, object] | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def restore_service(
    settings: PlatformSettings,
    service: str,
    folder: Path,
    *,
    force: bool,
    restore_secrets: bool,
    queue_wait: float = DRAIN_WAIT_SECONDS,
    skip_queue_check: bool = False,
    from_other_platform: bool = False,
) -> RestoreReport:
    """Check the backup, refuse while the service runs (unless forced), then replace its database with the dump.

    Everything the restore needs is checked before anything is replaced: that the backup is this platform's (unless
    `from_other_platform`), the files, for intake the personal data key its rows are sealed under and the
    coordinator's queues (unless `skip_queue_check` or forced), the database server and its sessions, and pg_restore.
    """
    manifest = read_manifest(folder)
    entry = manifest["services"].get(service)
    if entry is None:
        held = "、".join(service_words(s, settings) for s in sorted(manifest["services"])) or "无"
        named = service_words(service, settings)
        raise BackupError(
            "service_not_in_backup", f"备份 {backup_words(folder)} 中没有{named}的数据库（其中有：{held}）"
        )
    elsewhere = other_platform(settings, folder, manifest, service, AFTER["check"])
    if elsewhere is not None and not from_other_platform:
        raise elsewhere
    verify_checksums(folder, entry)
    require_sealing_key(settings, service, folder, entry, restore_secrets)
    backup_time = str(entry["time"])
    # intake's case numbers go on after the coordinator's: a coordinator that cannot be read stops it here.
    numbers_since = _china_date(backup_time) - timedelta(days=1) if service == "intake" else None
    if numbers_since is not None and not force and not skip_queue_check:
        require_coordinator_drained(settings, queue_wait)  # numbers still queued at the centre are in no database yet
    taken_before = centre_numbers(settings, numbers_since) if numbers_since is not None else None
    # supervision's 文号 go on past those the agencies hold: read now, so that the restore's own time is not spent.
    letters_held = numbers_held(settings) if service == "supervision" else None
    with _as_backup_errors(settings, service, "check"):
        if not force:
            refuse_while_running(settings, service)
        server_major = server_info(settings.pg_admin_url_of(service)).major
        pg_restore = client_binary("pg_restore", server_major)
        psql_beside(
            pg_restore, service_words(service, settings)
        )  # the restore runs through it: missing, nothing is touched
    report = RestoreReport(
        service=service,
        database=settings.database_name(service),
        backup=str(folder),
        backup_time=backup_time,
        migrations_in_backup=list(entry["migrations"]),
        forced=force,
        queue_check_skipped=numbers_since is not None and (force or skip_queue_check),
        from_other_platform=elsewhere is not None,
    )
    # A secret missing here goes back before the database is touched: provisioning, which the replacement runs
    # first, would otherwise make a new one (intake's personal data key) that no restored row is sealed under.
    put_back = _settle_secrets(settings, folder, entry, restore_secrets, settle=(SecretState.MISSING_HERE,))
    # identity's accounts as they are now, so that what staff took away since the backup stays taken away (those of
    # this platform: another platform's backup is no earlier point of them).
    keeps_accounts = service == "identity" and elsewhere is None
    accounts_before = accounts_held(settings) if keeps_accounts else None
    with _as_backup_errors(settings, service, "replace"):
        _replace_database(
            settings,
            service,
            folder / entry["dump"]["file"],
            pg_restore,
            server_major,
            foreign_roles=elsewhere is not None,
        )
    # Right after the data is back, before anything else can fail: intake's counters go on past the centre's
    # numbers (case_counters is as the first migration made it, whatever the backup's age), supervision's 文号 past
    # the agencies', and identity's withdrawals are listed by digest.
    if numbers_since is not None and taken_before is not None:
        report.case_numbers = advance_case_numbers(
            settings, _read_again(settings, numbers_since, taken_before)
        ).as_dict()
    if letters_held is not None:
        report.document_numbers = advance_document_numbers(settings, letters_held)
    if service == "identity":
        report.accounts = keep_restrictions(settings, accounts_before) if keeps_accounts else None
        report.token_handles = forget_token_handles(settings)
    # One that differs is replaced once the data is back: a failed restore changes none of them.
    replaced = _settle_secrets(settings, folder, entry, restore_secrets, settle=(SecretState.DIFFERENT,))
    report.secrets = _reported_together(put_back, replaced)
    # A backup older than the code: its missing migrations are applied now, as the service's role.
    pending = accounts_before is not None and report.accounts is not None and report.accounts.get("withdrawals_pending")
    try:
        with _as_backup_errors(settings, service, "migrate"):
            report.migrations_applied_after = ensure_databases(settings, [service]).get(service, [])
    except BackupError as failure:
        if pending and accounts_before is not None:
            raise withdrawals_not_kept(failure, accounts_before) from None
        raise
    if pending and accounts_before is not None and report.accounts is not None:
        keep_withdrawals(settings, accounts_before, report.accounts)  # a backup from before withdrawals had no column
    if letters_held is not None and report.document_numbers is not None:
        report.document_numbers |= give_back_notice_numbers(settings, letters_held)
        report.document_numbers["letters_marked_sent"] = record_letters_held(settings, letters_held)
        report.document_numbers["letters_archived"] = archive_letters_again(settings, letters_held)
    return report


def _read_again(settings: PlatformSettings, since: date, before: CentreNumbers) -> CentreNumbers:
    """The coordinator's numbers once more, as it may have taken in cases during the restore; else those read first."""
    try:
        return centre_numbers(settings, since)
    except BackupError:
        return before


def _china_date(moment: str) -> date:
    """The China date of a backup's time (the day part of the case numbers intake gave then)."""
    parsed = datetime.fromisoformat(moment)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(CHINA_TZ).date()


def _reported_together(put_back: list[dict[str, str]], replaced: list[dict[str, str]]) -> list[dict[str, str]]:
    """One line per secret: what the first pass did to it, else what the second found and did."""
    first = {line["file"]: line for line in put_back if line["action"] != "none"}
    return [first.get(line["file"], line) for line in replaced]


def require_sealing_key(
    settings: PlatformSettings, service: str, folder: Path, entry: dict[str, Any], restore_secrets: bool
) -> None:
    """Intake's restored rows are sealed under a personal data key: refuse, before anything is replaced, when this
    process knows none (not given WUYUAN_PERSONAL_DATA_KEY, none kept here, nor the backup's to be put back)."""
    if service != "intake" or settings.personal_data_key is not None:
        return
    if (settings.state_dir / "secrets" / "personal-data-key").is_file():
        return
    recorded = {str(s.get("name")): s.get("source") for s in entry.get("secrets", [])}
    if recorded.get(PERSONAL_DATA_KEY) == Source.NOT_MADE:
        return  # intake had never run where the backup was taken: nothing in it is sealed
    in_backup = any(
        f.get("file") == f"secrets/{PERSONAL_DATA_KEY}" for s in entry.get("secrets", []) for f in s.get("files", [])
    )
    if restore_secrets and in_backup and (folder / "secrets" / PERSONAL_DATA_KEY).is_file():
        return
    hint = "，或加 --restore-secrets 使用备份中的密钥" if in_backup else ""
    raise BackupError(
        "personal_data_key_missing",
        f"恢复 intake 需要其个人信息密钥：本进程未获得 WUYUAN_PERSONAL_DATA_KEY，{settings.state_dir / 'secrets'}"
        f" 中也没有 {PERSONAL_DATA_KEY}。请设置为 intake 运行所用的密钥（Kubernetes：Secret wuyuan-secrets 的"
        f" personal-data-key）后重试{hint}；数据库未做任何改动",
    )


# What an error in each step of a restore leaves behind, as operators are told.
AFTER = {
    "check": "；数据库未做任何改动",
    "replace": "；恢复未完成，排除后重新运行本命令（备份不受影响）",
    "migrate": "；数据库已恢复为备份内容，但迁移未补完，排除后运行 `wuyuan provision`",
}


@contextmanager
def _as_backup_errors(settings: PlatformSettings, service: str, step: str) -> Iterator[None]:
    """A database that cannot be reached or refuses a statement, or a key provisioning needs, as the command's own
    error with its code."""
    after = AFTER[step]
    try:
        yield
    except SealingKeyMissing:
        named = service_words(service, settings)
        missing = f"{named}：数据库中有案件，但本进程不知道个人信息密钥（WUYUAN_PERSONAL_DATA_KEY）{after}"
        raise BackupError("personal_data_key_missing", missing) from None
    except psycopg.Error as exc:
        if not _unreachable(exc):
            raise _refused(settings, service, step, exc) from None
        raise database_backup_error(
            "database_unreachable",
            service_words(service, settings),
            settings.database_name(service),
            _admin_url(settings, service),
            exc,
            after,
        ) from None


# Errors by which the server ends the connection: shut down, crashed, starting up, the database dropped, a session
# idle too long (in a transaction or not).
_CONNECTION_ENDED = frozenset({"57P01", "57P02", "57P03", "57P04", "57P05", "25P03"})


def _unreachable(exc: psycopg.Error) -> bool:
    """A connection that failed or was cut (libpq's own errors have no SQLSTATE), not a statement that failed: psycopg
    counts a cancelled statement, a lock not had or a full disk as operational errors too."""
    state = exc.sqlstate
    if state is None:
        return isinstance(exc, psycopg.OperationalError)
    return state.startswith("08") or state in _CONNECTION_ENDED


def _refused(settings: PlatformSettings, service: str, step: str, exc: psycopg.Error) -> BackupError:
    """Reached, but a statement failed (a migration that cannot run on what was restored, a right the role lacks)."""
    code = "migration_failed" if step == "migrate" else "database_error"
    url = _admin_url(settings, service)
    named = service_words(service, settings)
    return database_backup_error(code, named, settings.database_name(service), url, exc, AFTER[step])


def _admin_url(settings: PlatformSettings, service: str) -> str:
    """The URL a restore's statements go by, for naming its server and taking its password out of what is shown."""
    return settings.admin_database_url(service)


def verify_checksums(folder: Path, entry: dict[str, Any]) -> None:
    """Every file the manifest names for the service is there and has its recorded sha256."""
    files = [entry["dump"]] + [f for secret in entry.get("secrets", []) for f in secret.get("files", [])]
    for listed in files:
        path = folder / listed["file"]
        if not path.is_file():
            raise BackupError("file_missing", f"备份不完整：缺少文件 {listed['file']}")
        if sha256_of(path) != listed["sha256"]:
            mismatch = f"校验失败：{listed['file']} 的 sha256 与清单不符，备份已损坏或被改动"
            raise BackupError("checksum_mismatch", mismatch)


def refuse_while_running(settings: PlatformSettings, service: str) -> None:
    """The platform must not run the service, nor any session hold its database, while it is replaced."""
    if is_managed(settings, service):
        states = {s.name: s.state for s in supervise.status(settings, [service])}
        if states.get(service) in RUNNING_STATES:
            raise BackupError(
                "service_running",
                f"平台正在运行{service_words(service, settings)}：请先 `wuyuan stop {service}`（或加 --force）再恢复",
            )
    sessions = _sessions(settings, service)
    if sessions:
        raise BackupError(
            "database_in_use",
            f"数据库 {settings.database_name(service)} 仍有 {sessions} 个连接：请先停止使用它的服务（或加 --force）",
        )


def _sessions(settings: PlatformSettings, service: str) -> int:
    with psycopg.connect(settings.pg_admin_url_of(service), connect_timeout=10) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (settings.database_name(service),),
        ).fetchone()
    return int(row[0]) if row else 0


def _replace_database(
    settings: PlatformSettings,
    service: str,
    dump: Path,
    pg_restore: Path,
    server_major: int,
    *,
    foreign_roles: bool = False,
) -> None:
    # The role (with its kept password) and an up-to-date database exist first, as provisioning makes them.
    ensure_databases(settings, [service])
    name = settings.database_name(service)

    # Another platform's dump gives its objects to that platform's roles, which need not exist here (nor should own
    # anything here): restored without owners, they pass to this service's role when provisioning runs next.
    def restore(url: str, database: str, *, empty_first: bool) -> None:
        restore_through_psql(
            url,
            database,
            service_words(service, settings),
            dump,
            pg_restore,
            server_major,
            foreign_roles=foreign_roles,
            empty_first=empty_first,
        )

    if settings.admin_is_the_role(service):
        # A role that owns its database but may create none (CloudNativePG): emptied and filled again in place.
        restore(settings.admin_database_url(service), name, empty_first=True)
        return
    # Restored beside the live database first, so that a failed restore leaves it as it was.
    draft = f"{name}__restoring"
    admin_url = settings.pg_admin_url_of(service)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(draft)))
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(
                sql.Identifier(draft), sql.Identifier(settings.database_role(service))
            )
        )
    draft_url = settings.admin_database_url(service).replace(f"/{name}", f"/{draft}", 1)
    try:
        restore(draft_url, draft, empty_first=False)
    except BackupError:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(draft)))
        raise
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        admin.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(draft), sql.Identifier(name)))


def _settle_secrets(
    settings: PlatformSettings,
    folder: Path,
    entry: dict[str, Any],
    restore: bool,
    settle: tuple[SecretState, ...] = (SecretState.MISSING_HERE, SecretState.DIFFERENT),
) -> list[dict[str, str]]:
    """Compare the backup's secrets with those kept here; with `restore`, put back those in a `settle` state: a
    missing one, and for a different one, ours kept aside (`.replaced-<time>`) before the backup's is written.
    Never silent: all reported."""
    files = [f["file"].removeprefix("secrets/") for s in entry.get("secrets", []) for f in s.get("files", [])]
    kept = settings.state_dir / "secrets"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out: list[dict[str, str]] = []
    for comparison in compare_secrets(folder / "secrets", kept, files):
        action, kept_as = "none", ""
        if restore and comparison.state in settle:
            target = kept / comparison.file
            private_directory(kept)
            private_directory(target.parent)
            if comparison.state is SecretState.DIFFERENT:
                aside = target.with_name(f"{target.name}.replaced-{stamp}")
                os.replace(target, aside)
                action, kept_as = "replaced", aside.name
            else:
                action = "restored"
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write((folder / "secrets" / comparison.file).read_bytes())
        line = {"file": comparison.file, "state": comparison.state.value, "action": action}
        out.append({**line, "kept_as": kept_as} if kept_as else line)
    return out
