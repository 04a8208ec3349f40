"""`wuyuan backup`, `wuyuan restore` and `wuyuan reconcile`: operators' commands for a service's data."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from shared import clock
from shared.wording import local_time, local_time_words
from shared.workdays import CHINA_TZ
from wuyuan.backup import BackupError, backup_words
from wuyuan.cli_errors import CommandUsageError, service_words, services_named, verbose_wanted
from wuyuan.cli_usage import Seconds
from wuyuan.restore_case_numbers import DRAIN_WAIT_SECONDS
from wuyuan.settings import PlatformSettings


def _settings() -> PlatformSettings:
    from wuyuan.cli_errors import load_settings

    return load_settings()


def _fail(
    as_json: bool, code: str, message: str, detail: str | None = None, fields: dict[str, str] | None = None
) -> None:
    """An error as operators read it, or as a JSON {error, message, …} for scripts; exit status 1 either way.
    `detail` (what the database or a library said, in its own words) is in the JSON, and after the message with
    `wuyuan --verbose`."""
    if as_json:
        extra = {"detail": detail} if detail else {}
        click.echo(json.dumps({"error": code, "message": message, **(fields or {}), **extra}, ensure_ascii=False))
        raise SystemExit(1)
    raise click.ClickException(message + (f"\n  详情：{detail}" if detail and verbose_wanted() else ""))


def _failed(as_json: bool, error: BackupError) -> None:
    _fail(as_json, error.code, str(error), error.detail, error.fields)


def _require_services(settings: PlatformSettings, services: tuple[str, ...]) -> tuple[str, ...]:
    return services_named(settings, services, "SERVICE")


FOLDER = click.Path(file_okay=False, path_type=Path)


@click.command("backup")
@click.argument("services", nargs=-1, metavar="[SERVICE]...")
@click.option("--to", "to", type=FOLDER, help="备份存放目录（默认 STATE_DIR/backups）")
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    help="只保留最近 N 份本平台的同类备份（删除更早的）：全部服务的备份与指定服务的备份分开计",
)
@click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出（备份清单 manifest，稳定的键和代码）")
def backup_command(services: tuple[str, ...], to: Path | None, keep: int | None, as_json: bool) -> None:
    """备份服务的数据库及其数据所需的密钥，存入以时间命名的新目录。

    不指定 SERVICE 时备份全部服务。备份含密钥，请按机密资料保管。
    """
    from wuyuan.backup import MANIFEST, backup_services, prune_backups

    settings = _settings()
    services = _require_services(settings, services)
    try:
        folder = backup_services(settings, services, to)
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        pruned = prune_backups(folder.parent, settings.vhost, keep, manifest) if keep else []
    except BackupError as error:
        _failed(as_json, error)
        return
    if as_json:
        answer = {"folder": str(folder), "pruned": [str(p) for p in pruned], **manifest}
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    # The folder keeps its UTC name (restore and reconcile take it as given); people read when it was in Beijing time.
    click.echo(f"已备份 {len(manifest['services'])} 个服务的数据库到 {backup_words(folder)}")
    for service, entry in manifest["services"].items():
        kept = [s["name"] for s in entry["secrets"] if s.get("files")]
        dump, migrations = entry["dump"], len(entry["migrations"])
        line = f"  {service_words(service, settings)}：{dump['file']}（{dump['bytes']} 字节，迁移 {migrations} 项）"
        line += f"，密钥：{'、'.join(kept) or '无'}"
        for source, words in SOURCE_WORDS.items():
            named = [s["name"] for s in entry["secrets"] if s.get("source") == source and not s.get("files")]
            if named:
                line += f"；{words}：{'、'.join(named)}"
        click.echo(line)
    if pruned:
        click.echo(f"已删除同类较早的备份 {len(pruned)} 份：{'、'.join(backup_words(p, p.name) for p in pruned)}")
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
@click.option(
    "--force",
    is_flag=True,
    help="即使平台仍在运行该服务或其数据库仍有连接也恢复（恢复 intake 时也不查综合协调组的队列）",
)
@click.option("--restore-secrets", is_flag=True, help="同时恢复备份中的密钥（与现有不同的，现有的另存后替换）")
@click.option(
    "--queue-wait",
    type=Seconds(least=0),
    default=DRAIN_WAIT_SECONDS,
    show_default=True,
    help="恢复 intake 前，最多等待综合协调组处理完其收件队列的秒数",
)
@click.option(
    "--skip-queue-check",
    is_flag=True,
    help="恢复 intake 时不向 RabbitMQ 查综合协调组收件队列中等待的登记（其余检查照做）；仅在确知该队列已空时使用，"
    "否则其中登记的编号会再次发给新案件、被综合协调组以重号拒收",
)
@click.option(
    "--from-other-platform",
    is_flag=True,
    help="备份的 vhost、数据库前缀或区划与本平台不同也恢复（有意用另一个平台的备份时）；同一平台换主机无需此项",
)
@click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出（稳定的键和代码）")
def restore_command(
    service: str,
    folder: Path,
    force: bool,
    restore_secrets: bool,
    queue_wait: float,
    skip_queue_check: bool,
    from_other_platform: bool,
    as_json: bool,
) -> None:
    """从备份恢复一个服务的数据库（先核对校验和）。

    用备份目录中该服务的数据库转储（dump）替换现有数据库。恢复的是机构服务或 supervision、stability、intake 时，之后先
    wuyuan start SERVICE，再用 wuyuan reconcile 对账。
    """
    from wuyuan.backup_restore import restore_service
    from wuyuan.reconcile_followers import FOLLOWERS

    settings = _settings()
    [service] = _require_services(settings, (service,))
    try:
        report = restore_service(
            settings,
            service,
            folder,
            force=force,
            restore_secrets=restore_secrets,
            queue_wait=queue_wait,
            skip_queue_check=skip_queue_check,
            from_other_platform=from_other_platform,
        )
    except BackupError as error:
        _failed(as_json, error)
        return
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    # Staff read Beijing time, as everywhere else; --json keeps the manifest's ISO time.
    named, taken = service_words(service, settings), local_time_words(report.backup_time)
    click.echo(f"已将{named}的数据库 {report.database} 恢复到备份时点 {taken}（北京时间）")
    if report.from_other_platform:
        click.echo("  所用备份是另一个平台的（--from-other-platform）")
    if report.queue_check_skipped:
        click.echo(
            f"  未核对综合协调组收件队列中等待的登记（{'--force' if report.forced else '--skip-queue-check'}）："
            "如有，其编号可能再次发给新登记的案件，须留意死信（wuyuan dlq list）"
        )
    if report.migrations_applied_after:
        click.echo(f"  补做迁移：{'、'.join(report.migrations_applied_after)}")
    for line in secret_lines(report.secrets):
        click.echo(f"  {line}")

    def named_service(name: str) -> str:
        return service_words(name, settings)

    for line in case_number_lines(report.case_numbers) + document_number_lines(report.document_numbers, named_service):
        click.echo(f"  {line}")
    for line in account_lines(report.accounts) + token_handle_lines(report.token_handles):
        click.echo(f"  {line}")
    # Forced, the service kept running and reconnects to the restored database by itself. A secret put back or
    # replaced reaches the services only through a new supervisord config, which `wuyuan up` writes and applies.
    changed_secrets = any(secret["action"] != "none" for secret in report.secrets)
    if changed_secrets:
        start = "`wuyuan up -d`（各服务按恢复的密钥重新启动），然后 "
    else:
        start = "" if report.forced else f"`wuyuan start {service}`，然后 "
    # Where the backup's folder cannot be read (Kubernetes' wuyuan-ops has no backups volume), its time does as well.
    since = f"（读不到该备份目录处，如 wuyuan-ops：--since {since_of(report.backup_time)}）"
    if service in settings.registry.agency_services() or service in FOLLOWERS:
        click.echo(f"下一步：{start}`wuyuan reconcile {service} --backup {folder}`{since}")
    elif service == "coordinator":
        # Its decisions since the backup cannot come back through messages (wuyuan reconcile refuses it): the
        # others go back to the same backup, behind the coordinator's dump, and are reconciled one by one.
        click.echo(
            "下一步：其余各服务也恢复到这份备份（先 intake，再各机构、stability，最后 supervision），"
            f"然后 `wuyuan up -d`，再逐一对账：`wuyuan reconcile 机构服务 --backup {folder}`（每个机构一次，"
            "stability 也在其中），然后 supervision、intake 同样各一次"
            "（读不到该备份目录处，如 wuyuan-ops，改用 --since 给出各服务恢复时所报的备份时点）"
        )
    elif start:
        click.echo(f"下一步：{start.removesuffix('，然后 ')}")


def since_of(backup_time: str) -> str:
    """A backup's time as `wuyuan reconcile --since` takes it, in Beijing time: cut to the second, never later than
    the backup (a moment earlier only lists and sends again a moment more, which is harmless)."""
    moment = datetime.fromisoformat(backup_time)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TZ).replace(microsecond=0).isoformat()


SERIES_WORDS = {"reminder": "提醒函", "overdue": "督办函", "notice": "通报"}


def account_lines(found: dict[str, Any] | None) -> list[str]:
    """What restoring identity kept of the accounts as they were before it (wuyuan/restore_accounts.py)."""
    if found is None:
        return []
    if not found["read"]:
        return [
            "账号：未能读取恢复前的 identity 数据库：备份之后停用的账号、作废的令牌、新建的账号和改过的密码、角色、单位"
            "都已回到备份时的样子，请逐一核对（wuyuan account list）并重新停用、修改"
        ]
    names = "、".join
    lines = []
    if found["made_since"]:
        lines.append(
            f"账号：备份之后新建的 {names(found['made_since'])} 已按停用恢复，其令牌已全部作废；"
            "核实后用 wuyuan account enable 启用"
        )
    if found["changed_since"]:
        lines.append(
            f"账号：{names(found['changed_since'])} 的角色或单位在备份之后改过，已回到备份时的样子并停用，"
            "其令牌已全部作废；重新修改后用 wuyuan account enable 启用"
        )
    if found["kept_disabled"]:
        lines.append(f"账号：备份之后停用的 {names(found['kept_disabled'])} 保持停用")
    if found["enabled_since"]:
        lines.append(
            f"账号：备份之后启用的 {names(found['enabled_since'])} 仍为停用，核实后用 wuyuan account enable 启用"
        )
    if found["password_kept"]:
        lines.append(f"账号：{names(found['password_kept'])} 保留备份之后改过的密码")
    if found["kept_withdrawn"]:
        lines.append(f"账号：备份之后作废的令牌仍然作废（{names(found['kept_withdrawn'])}）")
    if found["withdrawals_pending"]:
        lines.append(
            "账号：备份早于令牌撤销（迁移 0003），迁移未完成，备份之后作废的令牌未能保留：排除故障后运行 wuyuan up，"
            "再重新停用上述账号"
        )
    return lines


def token_handle_lines(found: dict[str, Any] | None) -> list[str]:
    """What restoring identity did for the tokens signed since the backup (wuyuan/restore_token_handles.py)."""
    if found is None or not found["accounts"]:
        return []
    since = local_time(str(found["listed_by_digest_from"]))
    return [
        f"令牌：备份之后签发的令牌可能带有数据库已不记得的账号标识；自 {since} 起一个令牌有效期（另加六分钟）内，"
        f"{found['accounts']} 个账号的令牌撤销（停用、改密码、改角色或单位）改按用户名摘要列出，各服务照样拒绝这些令牌"
    ]


def document_number_lines(found: dict[str, Any] | None, named: Callable[[str], str] = str) -> list[str]:
    """What restoring supervision did to its 文号 series (wuyuan/restore_document_numbers.py); each agency's service
    `named` as the other commands name it (法院（court_link）)."""
    if found is None:
        return []
    lines = []
    for item in found["advanced"]:
        series = SERIES_WORDS.get(item["kind"], item["kind"])
        lines.append(f"文号：{series} {item['year']} 年已续至第 {item['last']} 号（各机构已收到此前的编号）")
    if found.get("notices_reissued"):
        lines.append(
            f"按月通报 {'、'.join(found['notices_reissued'])} 已不在档案中：定时任务将以原文号重新归档，"
            "各单位已收到的不会重复收到"
        )
    if found.get("notices_lost"):
        lines.append(
            f"备份之后发出的通报 {'、'.join(found['notices_lost'])} 已不在档案中（各单位已收到），不会自动补发："
            "如需存档，请核对后重新签发"
        )
    marked = found.get("letters_marked_sent") or {}
    if any(marked.values()):
        lines.append(
            f"提醒函 {marked.get('reminder', 0)} 件、督办函 {marked.get('overdue', 0)} 件在备份之后已发出"
            "（各单位已收到）：已记为已发，不会重发"
        )
    lines += letters_archived_lines(found.get("letters_archived"))
    if found["unreadable"]:
        lines.append(
            f"未能读取{'、'.join(named(agency) for agency in found['unreadable'])}收到的文书："
            "其文号未计入，新发文书可能与之重号；"
            "对其单位，对账时视应发时刻已到的提醒函、督办函为已发出（停机期间到期的不会补发）；"
            "其单位备份之后收到的提醒函、督办函不在档案中，也未能重新存档"
        )
    return lines


# Why a letter its units hold was not archived again (services/supervision/documents_recovered.NotRecovered).
NOT_ARCHIVED_WORDS = {
    "referral_unknown": "恢复的数据库和综合协调组都没有其交办件，无从得知交办时间",
    "centre_unreadable": "其交办件不在恢复的数据库中，且未能读取综合协调组（coordinator）的数据库，无从得知交办时间",
    "number_taken": "档案中已有同一文号的文书，或该交办件已有同类函件",
    "number_unreadable": "文号不是本平台编的格式",
}


def letters_archived_lines(found: dict[str, Any] | None) -> list[str]:
    """The letters issued since the backup that restoring supervision archived again from the units' copies
    (wuyuan/restore_letters_archived.py), and those it could not, by 文号, unit and referral."""
    if not found:
        return []
    lines = []
    archived = found["archived_again"]
    if any(archived.values()):
        line = (
            f"提醒函 {archived['reminder']} 件、督办函 {archived['overdue']} 件在备份之后发出、已不在档案中："
            "已依据各单位收到的函件（文号、期限、发文时间）和交办件的记录重新存档，文中注明系重新存档"
        )
        if found["dated_as_received"]:
            line += f"；其中 {found['dated_as_received']} 件单位未留存发文时间，按单位收到的时间记，文中亦已注明"
        lines.append(line)
    for letter in found["left_out"]:
        words = NOT_ARCHIVED_WORDS.get(letter["reason"], letter["reason"])
        lines.append(
            f"{SERIES_WORDS.get(letter['kind'], letter['kind'])} {letter['number']}（{letter['unit_name']}，"
            f"案件 {letter['case_id']}，交办件 {letter['referral_id']}）单位已收到，但不在档案中，未能重新存档：{words}"
        )
    return lines


def case_number_lines(found: dict[str, Any] | None) -> list[str]:
    """What restoring intake did to its case numbers (wuyuan/restore_case_numbers.py), as operators read it."""
    if found is None:
        return []
    lines = [
        f"案件编号：{item['county']} {item['day']} 的流水号已续至 {item['last']}（综合协调组已有此前的编号）"
        for item in found["advanced"]
    ]
    if found["lost_count"]:
        shown = "、".join(found["lost"])
        more = f" 等 {found['lost_count']} 件" if found["lost_count"] > len(found["lost"]) else ""
        lines.append(
            f"备份之后登记的 {found['lost_count']} 件案件仍在综合协调组，但窗口的登记材料（当事人身份证号、手机号等）"
            f"已随恢复丢失：{shown}{more}"
        )
    return lines


SECRET_WORDS = {
    "same": "与现用一致",
    "missing_here": "本机没有",
    "different": "与现用的不同",
    "not_in_backup": "备份中没有",
}


def secret_lines(secrets: list[dict[str, Any]]) -> list[str]:
    lines = []
    for secret in secrets:
        words = SECRET_WORDS.get(secret["state"], secret["state"])
        action = secret["action"]
        if action == "none" and secret["state"] == "different":
            words += "！用现用密钥读备份中的数据可能失败（未改动；确认后加 --restore-secrets 换成备份中的）"
        elif action == "none" and secret["state"] == "missing_here":
            words += "（未改动；确认后加 --restore-secrets 恢复）"
        elif action == "restored":
            words += "（已恢复为备份中的）"
        elif action != "none":
            words += f"（已换成备份中的；原用的另存为 {secret.get('kept_as') or '同目录下的 .replaced- 文件'}）"
        lines.append(f"密钥 {secret['file']}：{words}")
    return lines


@click.command("reconcile")
@click.argument("service", metavar="SERVICE")
@click.option(
    "--since",
    # Seconds may be left out, and the T may be a space; an offset (+08:00, Z) is taken as given.
    type=click.DateTime([f"%Y-%m-%d{t}%H:%M{s}{z}" for z in ("%z", "") for t in ("T", " ") for s in (":%S", "")]),
    metavar="YYYY-MM-DDTHH:mm[:ss][+08:00]",
    help="所恢复备份的时间（不带时区时按北京时间，秒可省略；不能晚于现在；wuyuan restore 的“下一步”中有）",
)
@click.option("--backup", "folder", type=FOLDER, help="恢复所用的备份目录（读其时间）")
@click.option(
    "--from-other-platform",
    is_flag=True,
    help="--backup 的备份是另一个平台的（vhost、数据库前缀或区划不同）也用其时间（与 wuyuan restore 的同名选项配合）",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="机器可读的 JSON 输出（对账报告；机构的另含 followed 一项：其他服务重发的消息）",
)
def reconcile_command(
    service: str, since: datetime | None, folder: Path | None, from_other_platform: bool, as_json: bool
) -> None:
    """对账：服务的数据库恢复到较早时点后，把它可能丢失的消息以原编号重发。

    机构服务（如
    court_link）：由综合协调组重发给它的交办文书（机构已有的会跳过）；消息补不回的，按交办件逐件列出，由该机构的经办人员重办或核对。恢复时间点用
    --since 或 --backup
    给出（只能给一个），其后结束的交办件也一并处理；都不给时只处理尚未结束的交办件。随后其他各服务把它可能丢失的提醒函、督办函、通报、拒收通知（及它订阅的案件消息）
    按下述方式以原编号重发。

    supervision、stability、intake：其他各服务把自恢复时间点前一天起、可能发给它的消息（不给时间点则发件箱中仍保留的全部）以原编号重发，已收到的服务会跳过。综合协调组本身不能这样对账。
    """
    from wuyuan.backup import other_platform, read_manifest
    from wuyuan.cli_errors import platform_failure
    from wuyuan.client import PlatformError, ServiceUnreachable
    from wuyuan.labels import Names
    from wuyuan.reconcile import FINISHED, report_lines, request_reconcile
    from wuyuan.reconcile_followers import FOLLOWERS

    settings = _settings()
    [service] = _require_services(settings, (service,))
    if service == "coordinator":
        _fail(
            as_json,
            "not_reconciled",
            "综合协调组恢复到较早时点后，尚不能由消息对账：其后的交办需重新作出决定，会产生新的交办件。"
            "请改为把全部服务恢复到同一份备份",
        )
    if service not in settings.registry.agency_services() and service not in FOLLOWERS:
        _fail(as_json, "not_reconciled", f"{service_words(service, settings)}不接收其他服务的消息，恢复后无需对账")
    if since is not None and folder is not None:
        raise CommandUsageError("both_since_and_backup", "--since 与 --backup 只能给一个")
    if folder is not None:
        try:
            manifest = read_manifest(folder)
        except BackupError as error:
            _failed(as_json, error)
            return
        entry = manifest["services"].get(service)
        if entry is None:
            named = service_words(service, settings)
            said = f"备份 {backup_words(folder)} 中没有{named}的数据库，无从得知恢复时间点"
            _fail(as_json, "service_not_in_backup", said)
            return
        # Another platform's folder is most likely the wrong one: its time is not when this service went back to.
        elsewhere = other_platform(settings, folder, manifest, service, "；未对账")
        if elsewhere is not None and not from_other_platform:
            _fail(as_json, elsewhere.code, str(elsewhere))
            return
        since = datetime.fromisoformat(entry["time"])  # read_manifest holds it to a time with its offset
    if since is not None and since.tzinfo is None:  # typed by staff, who read Beijing time everywhere
        since = since.replace(tzinfo=CHINA_TZ)
    if since is not None:
        _refuse_a_time_to_come(since, folder, service, service_words(service, settings), as_json)
    if service not in settings.registry.agency_services():
        _reconcile_follower(settings, service, since, as_json)
        return
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
        _fail(
            as_json,
            "coordinator_unreachable",
            "连不上综合协调组（coordinator）；平台是否已经启动？用 `wuyuan status` 查看",
            detail=str(error),
        )
        return
    if not as_json:  # what officers must redo is shown before anything else can fail
        for line in report_lines(report, Names.of(settings).unit, lambda name: service_words(name, settings)):
            click.echo(line)
    # An agency gets its referrals back from the coordinator, as above, and the rest of what it takes (letters,
    # notices, refusals; stability and the police case facts too) from the centre's outboxes; its letters only
    # about the referrals it holds again, never one issued and finished since the backup, which it never gets back.
    lines = report.get("referrals") or []
    held = [line["referral_id"] for line in lines if FINISHED not in (line.get("gaps") or [])]
    followed = _followed(settings, service, since, held)
    if as_json:
        click.echo(json.dumps({**report, "followed": followed}, ensure_ascii=False, indent=2))
    else:
        _show_followed(settings, followed)


def _refuse_a_time_to_come(since: datetime, folder: Path | None, service: str, named: str, as_json: bool) -> None:
    """A time later than now would leave out what happened between the backup and it: the report would list less for
    officers to redo, and less would be sent again, with nothing to say so."""
    now = clock.now()
    if since <= now:
        return
    given, current = _beijing(since), _beijing(now)
    if folder is None:
        raise CommandUsageError(
            "since_in_future",
            f"--since 给的时间 {given}（北京时间）晚于现在（{current}）：对账补的是备份时点之后的事，"
            "给将来的时间会漏掉其间要重办、重发的内容。请给所恢复备份的时间（见 wuyuan restore 输出的“下一步”，"
            f"或备份目录中 manifest.json 的 services.{service}.time）",
        )
    _fail(
        as_json,
        "since_in_future",
        f"备份 {backup_words(folder)} 中{named}的时间 {given}（北京时间）晚于现在（{current}）："
        "做备份的主机或本机的时钟不准？"
        "核对后用 --since 给出备份的实际时间；未对账",
    )


def _beijing(moment: datetime) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _followed(
    settings: PlatformSettings, service: str, since: datetime | None, held: list[str] | None = None
) -> dict[str, Any]:
    """The follower's reconcile as a report, or {error, message} when it could not be made."""
    from wuyuan.reconcile_followers import reconcile_follower

    try:
        return reconcile_follower(settings, service, since, held).as_dict()
    except BackupError as error:
        return {"error": error.code, "message": str(error)}


def _show_followed(settings: PlatformSettings, followed: dict[str, Any]) -> None:
    if "error" in followed:
        raise click.ClickException(followed["message"])
    for line in follower_lines(followed, lambda name: service_words(name, settings)):
        click.echo(line)


def _reconcile_follower(settings: PlatformSettings, service: str, since: datetime | None, as_json: bool) -> None:
    followed = _followed(settings, service, since)
    if "error" in followed:
        _fail(as_json, followed["error"], followed["message"])
    if as_json:
        click.echo(json.dumps(followed, ensure_ascii=False, indent=2))
        return
    _show_followed(settings, followed)


# What the restored service did of its own accord, which no message brings back.
OWN_ACTS = {
    "supervision": "备份之后检查督导组自己作出的记录（通报、抽查）无法由消息补回，请核对"
    "（各单位已收到的提醒函、督办函已在恢复时据其留存重新存档，见 wuyuan restore supervision 的列表）；"
    "回访评价随案件办结、重新交办的消息补回（评价人记为综治中心），评价的备注无法补回；"
    "重建的期限监督不重发各单位已收到的提醒函、督办函，停机期间到时的照常发出（恢复时未能读取的机构，其单位视应发时刻已到的为已发出）；"
    "上月的按月通报由定时任务以原文号重新归档（见 wuyuan restore supervision 的列表），其余备份之后发出的通报不会补回",
    "stability": "备份之后稳源（政法委）自己登记的内容（重点人员、预警处置）无法由消息补回，请核对",
    "intake": "备份之后窗口登记的案件，其登记材料已随恢复丢失（见 wuyuan restore intake 的列表）",
}


def follower_lines(report: dict[str, Any], named: Callable[[str], str]) -> list[str]:
    """A follower's reconcile (wuyuan/reconcile_followers.py) as operators read it, each service `named` as the other
    commands name it ('检查督导组（supervision）')."""
    service = report["service"]
    since = report.get("sent_from")
    frame = f"自 {local_time(since)} 起" if since else "发件箱中仍保留的全部"
    lines = [f"对账 {named(service)}：各服务把{frame}可能发给它的消息以原编号重发，已收到的会跳过"]
    for sender in report["senders"]:
        name = named(sender["service"])
        if sender.get("unreachable"):
            lines.append(f"  {name}：未能重发，{sender['unreachable']}")
            continue
        line = f"  {name}：重发 {sender['sent_again']} 条"
        if sender["scrubbed"]:
            line += f"；{sender['scrubbed']} 条已抹去身份证号或手机号，无法重发"
        if sender.get("never_again"):
            line += f"；{sender['never_again']} 条推送的登记未重发（重发会另立新案），请核对这些记录是否已在案件中"
        lines.append(line)
    if report.get("pruned_before"):
        lines.append(
            f"各服务的发件箱只保留近期发出的消息（WUYUAN_OUTBOX_RETENTION_DAYS）：{local_time(report['pruned_before'])}"
            " 之前发出的可能已清理，无法重发"
        )
    lines.append(
        "重发的消息由各服务的转发程序在其运行时发出（停着的服务启动后发出）；此前被拒收而进入死信的消息会再次进入死信"
    )
    lines.append(OWN_ACTS.get(service, ""))
    return [line for line in lines if line]
