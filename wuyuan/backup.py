"""`wuyuan backup`: one consistent pg_dump per service database, with the secrets its data needs and a manifest."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg

from wuyuan.agencies import has_database
from wuyuan.backup_secrets import Source, needed_secrets, secret_files, secret_source, sha256_of, source_note
from wuyuan.os_words import os_error_words
from wuyuan.settings import PlatformSettings

MANIFEST = "manifest.json"
FORMAT = 1
DUMP_TIMEOUT_S = 3600


class BackupError(Exception):
    """A backup or restore that cannot go on; the message names what is wrong (in Chinese, for operators)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ServerInfo:
    version: str  # as the server reports it, e.g. "16.4 (Ubuntu 16.4-1)"
    major: int


def server_info(admin_url: str) -> ServerInfo:
    with psycopg.connect(admin_url, connect_timeout=10) as conn:
        row = conn.execute("SELECT current_setting('server_version'), current_setting('server_version_num')")
        version, number = row.fetchone() or ("", "0")
    return ServerInfo(str(version), int(number) // 10000)


def client_binary(name: str, server_major: int) -> Path:
    """pg_dump or pg_restore of the server's major version (a newer one reads an older server too).

    The distribution's versioned folders first, then PATH; an older client than the server is refused,
    as pg_dump itself would refuse it, but before any file is written.
    """
    candidates = sorted(
        (Path(p) for p in glob.glob(f"/usr/lib/postgresql/*/bin/{name}")), key=lambda p: _major_of_folder(p)
    )
    exact = [p for p in candidates if _major_of_folder(p) == server_major]
    newer = [p for p in candidates if _major_of_folder(p) > server_major]
    for found in (*exact, *newer):
        return found
    on_path = shutil.which(name)
    if on_path and client_major(Path(on_path)) >= server_major:
        return Path(on_path)
    raise BackupError(
        "client_missing",
        f"找不到与数据库服务器（PostgreSQL {server_major}）匹配的 {name}：请安装 postgresql-client-{server_major}",
    )


def _major_of_folder(path: Path) -> int:
    try:
        return int(path.parent.parent.name.split(".")[0])
    except ValueError:
        return 0


def client_major(binary: Path) -> int:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else 0


def applied_migrations(database_url: str) -> list[str]:
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        exists = conn.execute("SELECT to_regclass('_yoyo_migration') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return []
        rows = conn.execute("SELECT migration_id FROM _yoyo_migration ORDER BY applied_at_utc, migration_id")
        return [str(r[0]) for r in rows.fetchall()]


def backup_services(settings: PlatformSettings, services: tuple[str, ...], to: Path | None) -> Path:
    """Dump each service's database and copy its secrets into a new timestamped folder; returns the folder."""
    chosen = dumped_in_order([s for s in (services or settings.services) if has_database(settings, s)])
    if not chosen:
        raise BackupError("nothing_to_back_up", "所选服务都没有数据库，无可备份")
    at = datetime.now(UTC)
    root = (to or settings.state_dir / "backups").resolve()
    if to is not None and not root.parent.is_dir():
        # A mistyped --to would otherwise make a whole tree of folders wherever it pointed.
        raise BackupError(
            "folder_unusable", f"备份存放目录 {root} 的上级目录 {root.parent} 不存在或不是目录：请先建好或改正路径"
        )
    folder = root / f"wuyuan-{settings.vhost}-{at:%Y%m%dT%H%M%S%fZ}"
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)
    except OSError as exc:
        raise BackupError("folder_unusable", f"无法在 {root} 中建立备份目录：{os_error_words(exc)}") from None
    entries: dict[str, Any] = {}
    try:
        for service in chosen:
            entries[service] = _back_up_one(settings, service, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never leave a half backup that looks whole
        raise
    manifest = {
        "format": FORMAT,
        "created_at": at.isoformat(),
        # Every service the platform had then (no SERVICE given), or those chosen: --keep counts each kind apart.
        "scope": "chosen" if services else "all",
        "vhost": settings.vhost,
        "db_prefix": settings.db_prefix,
        "services": entries,
    }
    _write_private(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode())
    return folder


def dumped_in_order(services: list[str]) -> list[str]:
    """The coordinator's database is dumped after every other: each dump is one snapshot, but of one database, and
    they are taken one after another. With the coordinator's taken last, no other service of a backup is ahead of
    the centre: an agency restored with it never holds a referral the centre did not issue (one issued between two
    dumps would be such an orphan, whose results the centre could not take), and what the others lack behind the
    coordinator, `wuyuan reconcile` brings back as after any one service's restore."""
    return sorted(services, key=lambda service: service == "coordinator")


def _back_up_one(settings: PlatformSettings, service: str, folder: Path) -> dict[str, Any]:
    admin_url = settings.admin_database_url(service)
    try:
        server = server_info(admin_url)
        migrations = applied_migrations(admin_url)
    except psycopg.OperationalError as exc:
        unreachable = f"{service}：连不上数据库 {settings.database_name(service)}（{exc}）"
        raise BackupError("database_unreachable", unreachable) from None
    pg_dump = client_binary("pg_dump", server.major)
    dump = folder / f"{service}.dump"
    # Read just before the snapshot: whatever happened after it may be missing from the dump (reconcile's --backup).
    started = datetime.now(UTC)
    # One pg_dump is one snapshot of the whole database: every table as of the same moment.
    run_client([str(pg_dump), "--format=custom", "--no-password", f"--file={dump}"], admin_url, service)
    os.chmod(dump, 0o600)
    secrets = _copy_secrets(settings, service, folder)
    return {
        "service": service,
        "database": settings.database_name(service),
        "server_version": server.version,
        "client": f"{pg_dump.name} {client_major(pg_dump)}",
        "migrations": migrations,
        "dump": {"file": dump.name, "sha256": sha256_of(dump), "bytes": dump.stat().st_size},
        "secrets": secrets,
        "time": started.isoformat(),
    }


def _copy_secrets(settings: PlatformSettings, service: str, folder: Path) -> list[dict[str, Any]]:
    """Copy the secrets kept here; name where each other one is (`source`, a code, with a `note` saying so)."""
    kept = settings.state_dir / "secrets"
    out: list[dict[str, Any]] = []
    for secret in needed_secrets(service):
        source = secret_source(settings, service, secret)
        entry: dict[str, Any] = {"name": secret.path, "why": secret.why, "source": source.value}
        if secret.setting:
            entry["setting"] = secret.setting
        entry["note"] = source_note(source, secret)
        if source is Source.KEPT:
            entry["files"] = []
            for relative in secret_files(kept, secret):
                target = folder / "secrets" / relative
                _private_folders(folder, target.parent)
                _write_private(target, (kept / relative).read_bytes())
                entry["files"].append({"file": f"secrets/{relative}", "sha256": sha256_of(target)})
        out.append(entry)
    return out


def _private_folders(root: Path, folder: Path) -> None:
    """`folder` and the folders between it and `root`, each made 0700 (mkdir's parents ignore its mode)."""
    current = root
    for name in folder.relative_to(root).parts:
        current = current / name
        current.mkdir(exist_ok=True, mode=0o700)
        os.chmod(current, 0o700)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def run_client(command: list[str], database_url: str, service: str) -> None:
    """Run pg_dump or pg_restore on a database; a password in the URL goes by environment, never argv (ps)."""
    parts = urlsplit(database_url)
    environment = dict(os.environ)
    if parts.password:
        environment["PGPASSWORD"] = unquote(parts.password)
        host = parts.netloc.rsplit("@", 1)[-1]
        user = parts.username or ""
        parts = parts._replace(netloc=f"{user}@{host}" if user else host)
    command = [*command, f"--dbname={urlunsplit(parts)}"]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=DUMP_TIMEOUT_S, check=False, env=environment
    )
    if result.returncode != 0:
        tool = Path(command[0]).name
        failed = f"{service}：{tool} 失败（退出码 {result.returncode}）：{result.stderr.strip()}"
        raise BackupError("tool_failed", failed)


def read_manifest(folder: Path) -> dict[str, Any]:
    if not folder.is_dir():
        raise BackupError("no_backup_folder", f"备份目录 {folder} 不存在")
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError("no_manifest", f"{folder} 不是 wuyuan 备份：缺少 {MANIFEST}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BackupError("bad_manifest", f"{path} 不是有效的 JSON：备份已损坏或被改动") from None
    if not isinstance(manifest, dict):
        raise BackupError("bad_manifest", f"{path} 不是 wuyuan 备份清单（应为 JSON 对象）")
    if "format" not in manifest:
        raise BackupError("bad_manifest", f"{path} 缺少 format 项：不是 wuyuan 备份清单")
    if manifest["format"] != FORMAT:
        raise BackupError("bad_manifest", f"{path}：不认识的备份格式 {manifest['format']!r}（本版本读 {FORMAT!r}）")
    if not isinstance(manifest.get("services"), dict):
        raise BackupError("bad_manifest", f"{path} 的 services 项缺失或不是对象")
    return manifest


def prune_backups(root: Path, vhost: str, keep: int, manifest: dict[str, Any]) -> list[Path]:
    """Remove this platform's oldest backups of the same kind as `manifest`'s under `root` beyond the newest `keep`;
    returns those removed. Backups of every service count against each other, even when an agency joined between
    them; a backup of chosen services counts only against those of the same services, so one service's taken
    before a change is not removed by the nightly full ones, nor counts against them.

    Only whole backups (with a manifest) are counted and removed; a folder being written is never touched.
    """
    if keep < 1:
        raise BackupError("bad_keep", f"--keep 须至少为 1（给的是 {keep}）")
    kind = _kind_of(manifest)
    whole = sorted(p for p in root.glob(f"wuyuan-{vhost}-*") if _kind_of_backup(p) == kind)
    # The names end in the UTC time they were taken, so they sort oldest first.
    removed = whole[:-keep]
    for folder in removed:
        shutil.rmtree(folder)
    return removed


# Every platform has these; a backup of chosen services rarely holds all three.
CENTRE_SERVICES = frozenset({"intake", "coordinator", "supervision"})


def _kind_of(manifest: dict[str, Any]) -> str | frozenset[str]:
    """ "all" for a backup of every service; else the services it holds (a manifest from before `scope` included)."""
    if manifest.get("scope") == "all":
        return "all"
    services = frozenset(manifest["services"])
    # Written before `scope` was: a backup holding the centre's own services was one of every service.
    if "scope" not in manifest and services >= CENTRE_SERVICES:
        return "all"
    return services


def _kind_of_backup(folder: Path) -> str | frozenset[str] | None:
    """The kind of a whole backup; None for anything else (being written, damaged, not ours)."""
    try:
        return _kind_of(read_manifest(folder))
    except BackupError:
        return None
