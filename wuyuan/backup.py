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
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg

from shared.wording import local_time_words
from wuyuan.agencies import has_database
from wuyuan.backup_secrets import Source, needed_secrets, secret_files, secret_source, sha256_of, source_note
from wuyuan.cli_errors import service_words
from wuyuan.database_words import DatabaseFailure, database_failure
from wuyuan.os_words import os_error_words
from wuyuan.settings import PlatformSettings

MANIFEST = "manifest.json"
# A backup's folder is named by the UTC time it was taken, to the microsecond, marked Z: pruning sorts by it and
# operators give the folder to restore and reconcile, so it never changes. People are shown it in Beijing time.
STAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"
_STAMP = re.compile(r"-(\d{8}T\d{12}Z)$")
FORMAT = 1
DUMP_TIMEOUT_S = 3600


class BackupError(Exception):
    """A backup or restore that cannot go on; the message names what is wrong (in Chinese, for operators)."""

    def __init__(
        self, code: str, message: str, detail: str | None = None, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        # What the database or its client said (English, passwords taken out): --json and --verbose only.
        self.detail = detail
        self.fields = dict(fields or {})


def said_of(settings: PlatformSettings, service: str, error: BaseException) -> DatabaseFailure:
    """What went wrong with `service`'s database as reached by the admin URL, in Chinese by its kind."""
    return database_failure(error, settings.database_name(service), settings.admin_database_url(service))


def database_backup_error(
    code: str,
    named: str,
    database: str,
    url: str,
    error: BaseException | str,
    after: str = "",
    tool: str | None = None,
) -> BackupError:
    """A database's or pg_dump's failure as operators read it, under the command's code, the driver's words kept
    as the detail; `named` is the service as the other commands name it (service_words: 法院（court_link）)."""
    failure = database_failure(error, database, url, tool)
    return BackupError(code, f"{named}：{failure.message}{after}", failure.detail, failure.fields())


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
    folder = root / f"wuyuan-{settings.vhost}-{at:{STAMP_FORMAT}}"
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)
    except OSError as exc:
        raise BackupError("folder_unusable", f"无法在 {root} 中建立备份目录：{os_error_words(exc)}") from None
    entries: dict[str, Any] = {}
    try:
        for service in chosen:
            named = service_words(service, settings)
            try:
                entries[service] = _back_up_one(settings, service, folder)
            except subprocess.TimeoutExpired:
                raise BackupError("tool_failed", f"{named}：pg_dump 未在 {DUMP_TIMEOUT_S} 秒内完成，已中止") from None
            except OSError as exc:  # the dump or a secret written here, or a kept secret read
                where = f" {exc.filename}" if exc.filename else ""
                said = f"{named}：读写{where}失败（{os_error_words(exc)}），备份未完成"
                raise BackupError("folder_unusable", said, str(exc)) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never leave a half backup that looks whole
        raise
    manifest = {
        "format": FORMAT,
        "created_at": at.isoformat(),
        # Every service the platform had then (no SERVICE given), or those chosen: --keep counts each kind apart.
        "scope": "chosen" if services else "all",
        # Which platform it is of (restore and reconcile refuse another's): its vhost and database prefix, which
        # stay the same when it moves to another host, and the county it serves.
        "vhost": settings.vhost,
        "db_prefix": settings.db_prefix,
        "county": settings.county,
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
        raise database_backup_error(
            "database_unreachable", service_words(service, settings), settings.database_name(service), admin_url, exc
        ) from None
    pg_dump = client_binary("pg_dump", server.major)
    dump = folder / f"{service}.dump"
    # Read just before the snapshot: whatever happened after it may be missing from the dump (reconcile's --backup).
    started = datetime.now(UTC)
    # One pg_dump is one snapshot of the whole database: every table as of the same moment.
    dumping = [str(pg_dump), "--format=custom", "--no-password", f"--file={dump}"]
    run_client(dumping, admin_url, service_words(service, settings))
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


def run_client(command: list[str], database_url: str, named: str) -> None:
    """Run pg_dump or pg_restore on a database; a password in the URL goes by environment, never argv (ps). `named`:
    the service as an error names it."""
    environment, dbname = client_connection(database_url)
    command = [*command, dbname]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=DUMP_TIMEOUT_S, check=False, env=environment
    )
    if result.returncode != 0:
        tool = Path(command[0]).name
        said = f"{tool} exit {result.returncode}: {result.stderr.strip()}"
        tool = f"{tool}（退出码 {result.returncode}）"
        raise database_backup_error("tool_failed", named, dbname_of(database_url), database_url, said, tool=tool)


def dbname_of(database_url: str) -> str:
    """The database a postgresql:// URL names."""
    return urlsplit(database_url).path.lstrip("/") or "postgres"


def client_connection(database_url: str) -> tuple[dict[str, str], str]:
    """The environment and `--dbname` argument of a PostgreSQL client: the URL's password goes by environment."""
    environment = dict(os.environ)
    parts = urlsplit(database_url)
    if parts.password:
        environment["PGPASSWORD"] = unquote(parts.password)
        host = parts.netloc.rsplit("@", 1)[-1]
        user = parts.username or ""
        parts = parts._replace(netloc=f"{user}@{host}" if user else host)
    return environment, f"--dbname={urlunsplit(parts)}"


def read_manifest(folder: Path) -> dict[str, Any]:
    """The backup's manifest, its every entry of the shape restore and reconcile read, and each file it names inside
    `folder`; else BackupError `bad_manifest` naming the entry and field (a damaged or altered backup is never half
    read, and a file outside the backup, by its path or by a symbolic link, is never opened or written)."""
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
    _ManifestCheck(folder, path).whole(manifest)
    return manifest


def other_platform(
    settings: PlatformSettings, folder: Path, manifest: dict[str, Any], service: str, after: str
) -> BackupError | None:
    """A backup of another platform as the error `other_platform` naming both, or None for this platform's: its vhost,
    database prefix, the service's database and, where recorded, its county against this platform's settings. A
    platform moved to another host keeps its vhost and prefix, so its own backups pass; one restored on purpose under
    other names is the operator's explicit choice (`--from-other-platform`), which the caller weighs."""
    theirs = {
        "vhost": manifest["vhost"],
        "db_prefix": manifest["db_prefix"],
        "database": manifest["services"][service]["database"],
        "county": manifest.get("county", settings.county),
    }
    ours = {
        "vhost": settings.vhost,
        "db_prefix": settings.db_prefix,
        "database": settings.database_name(service),
        "county": settings.county,
    }
    if theirs == ours:
        return None

    def described(platform: dict[str, str]) -> str:
        county = f"、区划 {platform['county']}" if "county" in manifest else ""  # older backups do not record it
        database = f"{service_words(service, settings)}的数据库 {platform['database']}"
        return f"vhost {platform['vhost']}、数据库前缀 {platform['db_prefix']}、{database}{county}"

    return BackupError(
        "other_platform",
        f"备份 {backup_words(folder)} 是另一个平台的：{described(theirs)}；"
        "本平台（WUYUAN_VHOST、WUYUAN_DB_PREFIX、WUYUAN_COUNTY）"
        f"为 {described(ours)}{after}。同一平台迁到另一台主机时 vhost 和数据库前缀不变，不会有此提示；"
        "确是有意用另一个平台的备份（如平台迁来时改了 vhost 或数据库前缀，或在演练平台上试恢复），"
        "加 --from-other-platform",
    )


SHA256 = re.compile(r"^[0-9a-f]{64}$")
SERVICE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class _ManifestCheck:
    """Each field of a manifest as `wuyuan backup` writes it (every one of them since the first format)."""

    def __init__(self, folder: Path, path: Path) -> None:
        self.folder, self.path = folder, path
        self.root = folder.resolve()

    def bad(self, where: str, why: str) -> BackupError:
        return BackupError("bad_manifest", f"{self.path} 中的 {where} {why}：备份已损坏或被改动，未做任何改动")

    def whole(self, manifest: dict[str, Any]) -> None:
        for name in ("vhost", "db_prefix"):
            self.text(manifest, name, name)
        if "created_at" in manifest:  # read by nothing since each entry has its own time, but written always
            self.moment(manifest, "created_at", "created_at")
        if manifest.get("scope", "all") not in ("all", "chosen"):
            raise self.bad("scope", "应为 all 或 chosen")
        if "county" in manifest and not re.fullmatch(r"[0-9]{6}", str(manifest["county"])):
            raise self.bad("county", "应为6位区划代码")
        for service, entry in manifest["services"].items():
            self.entry(service, entry)

    def entry(self, service: str, entry: object) -> None:
        where = f"services.{service}"
        if not SERVICE_NAME.fullmatch(service):
            raise self.bad(where, "不是服务名")
        if not isinstance(entry, dict):
            raise self.bad(where, "缺失或不是对象")
        if entry.get("service", service) != service:
            raise self.bad(f"{where}.service", f"与其所在的项（{service}）不符")
        self.text(entry, "database", f"{where}.database")
        self.moment(entry, "time", f"{where}.time")
        migrations = entry.get("migrations")
        if not isinstance(migrations, list) or not all(isinstance(m, str) for m in migrations):
            raise self.bad(f"{where}.migrations", "缺失或不是文字的列表")
        dump = entry.get("dump")
        if not isinstance(dump, dict):
            raise self.bad(f"{where}.dump", "缺失或不是对象")
        self.file(dump, f"{where}.dump")
        secrets = entry.get("secrets")
        if not isinstance(secrets, list):
            raise self.bad(f"{where}.secrets", "缺失或不是列表")
        # A secret is put back into STATE_DIR/secrets under its name (--restore-secrets): only those the service's
        # data needs, each within its own folder there, so that a manifest cannot name another service's password.
        needed = {secret.path for secret in needed_secrets(service)}
        for index, secret in enumerate(secrets):
            at = f"{where}.secrets[{index}]"
            if not isinstance(secret, dict):
                raise self.bad(at, "不是对象")
            name = self.text(secret, "name", f"{at}.name")
            if name not in needed:
                raise self.bad(
                    f"{at}.name", f"“{name}”不是 {service} 的数据所需的密钥（应为 {'、'.join(sorted(needed))}）"
                )
            files = secret.get("files", [])
            if not isinstance(files, list):
                raise self.bad(f"{at}.files", "不是列表")
            for number, listed in enumerate(files):
                if not isinstance(listed, dict):
                    raise self.bad(f"{at}.files[{number}]", "不是对象")
                self.file(listed, f"{at}.files[{number}]", under=f"secrets/{name}")

    def text(self, holder: dict[str, Any], key: str, where: str) -> str:
        value = holder.get(key)
        if not isinstance(value, str) or not value:
            raise self.bad(where, "缺失或不是文字")
        return value

    def moment(self, holder: dict[str, Any], key: str, where: str) -> None:
        try:
            parsed = datetime.fromisoformat(self.text(holder, key, where))
        except ValueError:
            raise self.bad(where, "不是 ISO 8601 时间") from None
        if parsed.tzinfo is None:  # reconcile reads it as the moment of the backup: it must say which zone
            raise self.bad(where, "没有时区")

    def file(self, listed: dict[str, Any], where: str, under: str = "") -> None:
        """A file of the backup: a relative path inside the folder (under `under` there), and its sha256."""
        name = self.text(listed, "file", f"{where}.file")
        relative = PurePosixPath(name)
        inside = PurePosixPath(under) if under else None
        if (
            "\\" in name
            or "\x00" in name
            or relative.is_absolute()
            or ".." in relative.parts
            or (inside is not None and relative != inside and inside not in relative.parents)
        ):
            within = f"备份目录的 {under}/ 之内" if under else "备份目录之内"
            raise self.bad(f"{where}.file", f"“{name}”不在{within}（应为其中的相对路径）")
        # A symbolic link in the backup (the file, or a folder on its way) that leads out of it is refused too.
        if not (self.folder / name).resolve().is_relative_to(self.root):
            raise self.bad(f"{where}.file", f"“{name}”经符号链接指向备份目录之外")
        if not isinstance(listed.get("sha256"), str) or not SHA256.fullmatch(listed["sha256"]):
            raise self.bad(f"{where}.sha256", "缺失或不是64位十六进制的 sha256")
        if "bytes" in listed and (type(listed["bytes"]) is not int or listed["bytes"] < 0):
            raise self.bad(f"{where}.bytes", "不是非负整数")


def taken_at(folder: Path) -> datetime | None:
    """When a backup was taken, read from its folder's name (`wuyuan-<vhost>-<UTC stamp>Z`); None for another name."""
    stamp = _STAMP.search(folder.name)
    if stamp is None:
        return None
    try:
        return datetime.strptime(stamp.group(1), STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def backup_words(folder: Path, shown: str | None = None) -> str:
    """A backup as operators read it: its folder (or `shown`, say its name alone) with, beside it, when it was taken in
    Beijing time, '…/wuyuan-wuyuan-20261207T133000123456Z（北京时间 2026年12月7日 21:30）'; the folder alone when its
    name carries no time (one renamed, or given by hand)."""
    moment = taken_at(folder)
    named = str(folder) if shown is None else shown
    return f"{named}（北京时间 {local_time_words(moment)}）" if moment else named


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
