"""`wuyuan backup`, `wuyuan restore` and `wuyuan reconcile`: operators' commands for a service's data."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from shared.wording import local_time
from wuyuan.backup import BackupError
from wuyuan.settings import PlatformSettings


def _settings() -> PlatformSettings:
    from wuyuan.cli_errors import load_settings

    return load_settings()


def _fail(as_json: bool, code: str, message: str) -> None:
    """An error as operators read it, or as a JSON {error, message} for scripts; exit status 1 either way."""
    if as_json:
        click.echo(json.dumps({"error": code, "message": message}, ensure_ascii=False))
        raise SystemExit(1)
    raise click.ClickException(message)


def _require_services(settings: PlatformSettings, services: tuple[str, ...]) -> None:
    for service in services:
        if service not in settings.services:
            known = ", ".join(settings.services)
            raise click.BadParameter(f"未知服务 {service!r}；可选：{known}", param_hint="SERVICE")


FOLDER = click.Path(file_okay=False, path_type=Path)


@click.command("backup")
@click.argument("services", nargs=-1, metavar="[SERVICE]...")
@click.option("--to", "to", type=FOLDER, help="备份存放目录（默认 STATE_DIR/backups）")
@click.option("--keep", type=click.IntRange(min=1), default=None, help="只保留最近 N 份本平台的备份（删除更早的）")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output (the manifest)")
def backup_command(services: tuple[str, ...], to: Path | None, keep: int | None, as_json: bool) -> None:
    """Dump each service's database (all by default) with the secrets its data needs, into a new timestamped folder."""
    from wuyuan.backup import MANIFEST, backup_services, prune_backups

    settings = _settings()
    _require_services(settings, services)
    try:
        folder = backup_services(settings, services, to)
        pruned = prune_backups(folder.parent, settings.vhost, keep) if keep else []
    except BackupError as error:
        _fail(as_json, error.code, str(error))
        return
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if as_json:
        answer = {"folder": str(folder), "pruned": [str(p) for p in pruned], **manifest}
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    click.echo(f"已备份 {len(manifest['services'])} 个服务的数据库到 {folder}")
    if pruned:
        click.echo(f"已删除较早的备份 {len(pruned)} 份：{'、'.join(p.name for p in pruned)}")
    for service, entry in manifest["services"].items():
        kept = [s["name"] for s in entry["secrets"] if s.get("files")]
        dump, migrations = entry["dump"], len(entry["migrations"])
        line = f"  {service}：{dump['file']}（{dump['bytes']} 字节，迁移 {migrations} 项）"
        line += f"，密钥：{'、'.join(kept) or '无'}"
        for source, words in SOURCE_WORDS.items():
            named = [s["name"] for s in entry["secrets"] if s.get("source") == source and not s.get("files")]
            if named:
                line += f"；{words}：{'、'.join(named)}"
        click.echo(line)
    click.echo("备份含密钥：请按机密资料保管（目录权限 0700，文件 0600）")


# Why a secret the data needs is not in the backup, by the manifest's `source` code (wuyuan/backup_secrets.py).
SOURCE_WORDS = {
    "environment": "由环境变量提供、未随备份（请随部署的密钥一并保管）",
    "database_owner": "由数据库运维方（CloudNativePG）管理、未随备份",
    "not_given": "本进程未获得、备份中没有（在部署的密钥中，请一并保管）",
    "not_made": "尚未生成（平台尚未启动过该服务）",
}


@click.command("restore")
@click.argument("service", metavar="SERVICE")
@click.option("--from", "folder", required=True, type=FOLDER, help="备份目录")
@click.option("--force", is_flag=True, help="即使平台仍在运行该服务或其数据库仍有连接也恢复")
@click.option("--restore-secrets", is_flag=True, help="同时恢复备份中的密钥（与现有不同的，现有的另存后替换）")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def restore_command(service: str, folder: Path, force: bool, restore_secrets: bool, as_json: bool) -> None:
    """Replace one service's database with its dump from a backup folder (checksums verified first)."""
    from wuyuan.backup_restore import restore_service

    settings = _settings()
    _require_services(settings, (service,))
    try:
        report = restore_service(settings, service, folder, force=force, restore_secrets=restore_secrets)
    except BackupError as error:
        _fail(as_json, error.code, str(error))
        return
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    # Staff read Beijing time, as everywhere else; --json keeps the manifest's ISO time.
    click.echo(f"已将 {service} 的数据库 {report.database} 恢复到备份时点 {local_time(report.backup_time)}")
    if report.migrations_applied_after:
        click.echo(f"  补做迁移：{'、'.join(report.migrations_applied_after)}")
    for line in secret_lines(report.secrets):
        click.echo(f"  {line}")
    if service in settings.registry.agency_services():
        click.echo(f"下一步：`wuyuan start {service}`，然后 `wuyuan reconcile {service} --backup {folder}`")


SECRET_WORDS = {
    "same": "与现用一致",
    "missing_here": "本机没有",
    "different": "与现用不同！用现用密钥读备份数据可能失败",
    "not_in_backup": "备份中没有",
}


def secret_lines(secrets: list[dict[str, Any]]) -> list[str]:
    lines = []
    for secret in secrets:
        words = SECRET_WORDS.get(secret["state"], secret["state"])
        action = secret["action"]
        if action == "none" and secret["state"] in ("missing_here", "different"):
            words += "（未改动；确认后加 --restore-secrets 恢复）"
        elif action != "none":
            words += f"（{'已恢复' if action == 'restored' else '已替换，原密钥另存'}）"
        lines.append(f"密钥 {secret['file']}：{words}")
    return lines


@click.command("reconcile")
@click.argument("service", metavar="SERVICE")
@click.option("--since", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"]), help="所恢复备份的时间")
@click.option("--backup", "folder", type=FOLDER, help="恢复所用的备份目录（读其时间）")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output (the coordinator's answer)")
def reconcile_command(service: str, since: datetime | None, folder: Path | None, as_json: bool) -> None:
    """After an agency's database was restored: the coordinator sends its referral documents again under their
    original ids; what messages cannot give back is listed per referral for its officers to redo."""
    from wuyuan.backup import read_manifest
    from wuyuan.cli_errors import platform_failure
    from wuyuan.client import PlatformError, ServiceUnreachable
    from wuyuan.labels import Names
    from wuyuan.reconcile import report_lines, request_reconcile

    settings = _settings()
    _require_services(settings, (service,))
    if service not in settings.registry.agency_services():
        _fail(as_json, "not_an_agency", f"{service} 不是机构服务：只有机构服务的数据库恢复后需要对账")
    if since is not None and folder is not None:
        _fail(as_json, "both_since_and_backup", "--since 与 --backup 只能给一个")
    if folder is not None:
        try:
            entry = read_manifest(folder)["services"].get(service)
        except BackupError as error:
            _fail(as_json, error.code, str(error))
            return
        if not isinstance(entry, dict) or not entry.get("time"):
            _fail(as_json, "service_not_in_backup", f"备份 {folder} 中没有 {service} 的数据库，无从得知恢复时间点")
            return
        since = datetime.fromisoformat(entry["time"])
    if since is not None and since.tzinfo is None:
        _fail(as_json, "since_without_zone", "--since 须带时区，例如 2026-12-04T20:00:00+08:00")
    try:
        report = request_reconcile(settings, service, since)
    except PlatformError as error:
        # A sign-in or address problem keeps its own code; anything else the coordinator refused, said in Chinese.
        failure = platform_failure(error, "coordinator", settings)
        _fail(as_json, "coordinator_refused" if error.code == "service_refused" else failure.code, failure.message)
        return
    except ServiceUnreachable as error:
        _fail(as_json, f"{error.service}_unreachable", str(error))
        return
    except OSError as error:
        _fail(as_json, "coordinator_unreachable", f"连不上综合协调组（coordinator）：{error}")
        return
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    names = Names.of(settings)
    for line in report_lines(report, names.unit):
        click.echo(line)
