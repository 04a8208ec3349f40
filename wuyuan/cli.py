"""The `wuyuan` command: bring the platform up and down, and look at its services."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlsplit

import click

from wuyuan import supervise
from wuyuan.cli_errors import CommandError, load_settings, services_named, verbose_wanted
from wuyuan.cli_usage import ChineseErrorsGroup, ChineseHelpContext, Seconds
from wuyuan.database_words import DatabaseFailure, database_failure
from wuyuan.labels import table
from wuyuan.settings import REPO_ROOT, PlatformSettings

ENSURE_INFRA = REPO_ROOT / "scripts" / "ensure-infra.sh"


def _known_service(context: click.Context, parameter: click.Parameter, value: str) -> str:
    """Services come from the agency registry, so the choice is checked once settings are read."""
    [service] = services_named(load_settings(), (value,), "SERVICE")
    return service


service_argument = click.argument("service", metavar="SERVICE", callback=_known_service)


@click.group(cls=ChineseErrorsGroup)
@click.option("-v", "--verbose", is_flag=True, help="出错时在末尾附上背后的原因（服务自己的答复，英文）")
def main(verbose: bool) -> None:
    """五源共治 wuyuan：在本机运行矛盾纠纷多元化解平台的各项服务。"""


@main.command()
@click.option("-d", "--detach", is_flag=True, help="在后台运行：全部服务就绪后即返回")
@click.option("--timeout", default=90.0, show_default=True, type=Seconds(), help="等待全部服务就绪的秒数")
@click.option("--skip-infra", is_flag=True, help="不先检查（或安装）RabbitMQ 和 PostgreSQL")
def up(detach: bool, timeout: float, skip_infra: bool) -> None:
    """准备数据库和消息队列（RabbitMQ），然后启动全部服务。"""
    from wuyuan.config_check import check_coordinator_configuration

    settings = load_settings()
    check_coordinator_configuration(settings)
    try:
        # Before anything is made: a platform that cannot start here would leave its databases, vhost and secrets.
        if not supervise.is_running(settings):
            supervise.require_free_ports(settings)
    except supervise.SupervisorError as exc:
        raise click.ClickException(str(exc)) from exc
    if not skip_infra:
        _ensure_infra()
    _provision(settings)
    try:
        if not detach:
            sys.exit(supervise.start(settings, detach=False, timeout=timeout, echo=click.echo))
        supervise.start(settings, detach=True)
        supervise.wait_until_ready(settings, timeout)
    except supervise.NotReady as exc:
        tail = "\n".join(f"  {line}" for line in exc.log_lines) or "  （空）"
        raise click.ClickException(
            f"{_not_ready(settings, exc)}\n{supervise.log_path(settings, exc.service)} 的最后几行：\n{tail}\n"
            f"其他服务仍在运行：wuyuan logs {exc.service} 看更多，wuyuan down 全部停止"
        ) from exc
    except supervise.SupervisorError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_status(settings, supervise.status(settings))
    click.echo(supervise.console_banner(settings))


@main.command()
def provision() -> None:
    """准备各服务的数据库和消息队列，不启动服务。

    建立各服务的数据库（并执行迁移），以及 RabbitMQ 的虚拟主机（vhost）、用户和队列。

    可重复运行（幂等）；正式部署在启动各服务之前运行一次（compose 的一次性任务、Kubernetes
    Job）。直接使用 WUYUAN_* 所指的 RabbitMQ 和 PostgreSQL，不检查、不安装它们。
    """
    from wuyuan.config_check import check_coordinator_configuration

    settings = load_settings()
    check_coordinator_configuration(settings)
    _provision(settings)
    servers = sorted({settings.pg_admin_url_of(s).rsplit("@", 1)[-1] for s in settings.services})
    click.echo(
        f"已准备 {len(settings.services)} 个服务：RabbitMQ 虚拟主机 {settings.vhost}（{settings.queue_type} 队列），"
        f"数据库 {settings.db_prefix}*，位于 {'、'.join(servers)}"
    )


@main.command()
@click.option(
    "--purge",
    is_flag=True,
    help="同时永久删除本机平台：其数据库和数据库角色、RabbitMQ 虚拟主机和用户，以及状态目录中的密钥、日志和"
    "追踪记录（备份保留）",
)
@click.option("--yes", is_flag=True, help="与 --purge 同用：不再询问确认")
def down(purge: bool, yes: bool) -> None:
    """停止全部服务和进程管理器（supervisor）；加 --purge 则删除本机平台本身。"""
    settings = load_settings()
    if yes and not purge:
        raise click.UsageError("--yes 只与 --purge 一起使用")
    if purge:
        _confirm_purge(settings, yes)
    try:
        stopped = supervise.stop(settings)
    except supervise.SupervisorError as exc:
        raise click.ClickException(str(exc)) from exc
    if not purge:
        click.echo("已停止" if stopped else "没有在运行")
        return
    _purge(settings)


def _confirm_purge(settings: PlatformSettings, yes: bool) -> None:
    from wuyuan.provision_purge import PurgeRefused, purge_plan

    try:
        plan = purge_plan(settings)
    except PurgeRefused as refused:
        raise CommandError("purge_refused", str(refused)) from None
    click.echo("将永久删除本机平台：", err=True)
    for line in plan.lines():
        click.echo(f"  {line}", err=True)
    if yes:
        return
    if not at_terminal():
        raise CommandError("confirmation_needed", "删除前须确认：在终端中运行，或加 --yes")
    click.confirm("确定删除吗？数据无法恢复（备份除外）", abort=True, err=True)


def at_terminal() -> bool:
    """Whether someone is there to answer a question."""
    return sys.stdin.isatty()


def _purge(settings: PlatformSettings) -> None:
    import psycopg

    from wuyuan.provision_amqp import BrokerSetupError
    from wuyuan.provision_purge import PurgeRefused, purge_platform

    try:
        removed = purge_platform(settings)
    except PurgeRefused as refused:
        raise CommandError("purge_refused", str(refused)) from None
    except psycopg.Error as exc:
        said = _admin_database_failure(settings, exc)
        raise CommandError(
            "database_unreachable",
            f"无法删除数据库（WUYUAN_PG_ADMIN_URL）：{said.message}；已删除的不会恢复，修好后再运行一次",
            said.fields(),
            detail=said.detail,
        ) from None
    except BrokerSetupError as exc:
        raise CommandError(
            "broker_unreachable",
            "无法删除 RabbitMQ 虚拟主机和用户：管理接口（WUYUAN_RABBIT_MANAGEMENT_URL）不可用或拒绝了操作；"
            "数据库已删除，修好后再运行一次",
            detail=str(exc),
        ) from None
    for line in removed:
        click.echo(line)
    click.echo("本机平台已删除；`make run` 会重新建立一个新的平台")


@main.command()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="机器可读的 JSON 输出：列表，每项为 {name, pid, state, url, kind}，未就绪的另有 not_ready（原因）",
)
def status(as_json: bool) -> None:
    """查看各服务的类型、状态、进程号和地址。"""
    settings = load_settings()
    statuses = supervise.status(settings, check_ready=True)
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in statuses], indent=2))
    else:
        _print_status(settings, statuses)


@main.command("start")
@service_argument
@click.option("--timeout", default=60.0, show_default=True, type=Seconds(), help="等待其健康检查通过的秒数")
def start_command(service: str, timeout: float) -> None:
    """重新启动一个服务（用于 `wuyuan stop SERVICE` 之后）。"""
    settings = load_settings()
    _require_managed(settings, service)
    if service == "coordinator":
        from wuyuan.config_check import check_coordinator_configuration

        check_coordinator_configuration(settings)
    try:
        supervise.start_service(settings, service, timeout=timeout)
    except supervise.NotReady as exc:
        tail = "\n".join(f"  {line}" for line in exc.log_lines)
        raise click.ClickException(f"{_not_ready(settings, exc)}\n{tail}") from exc
    except supervise.SupervisorError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{_named(settings, service)}已就绪：{settings.http_base_url(service)}")


@main.command("stop")
@service_argument
def stop_command(service: str) -> None:
    """停止一个服务；发给它的消息留在其队列中等候。"""
    settings = load_settings()
    _require_managed(settings, service)
    try:
        supervise.stop_service(settings, service)
    except supervise.SupervisorError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{_named(settings, service)}已停止")


def _named(settings: PlatformSettings, service: str) -> str:
    """'法院（court_link）': a service as operators call it, with the name they type."""
    from wuyuan.labels import service_label

    return f"{service_label(settings, service)}（{service}）"


def _not_ready(settings: PlatformSettings, failed: supervise.NotReady) -> str:
    return f"{_named(settings, failed.service)}未就绪：{failed.reason}"


# A service's log rotates at 10 MB, tens of thousands of lines: a bound above that shows any of it, and a
# mistyped number is said as such instead of overflowing the reader.
MAX_LOG_LINES = 100_000


@main.command()
@service_argument
@click.option(
    "-n", "--lines", type=click.IntRange(1, MAX_LOG_LINES), default=50, show_default=True, help="显示末尾的多少行"
)
def logs(service: str, lines: int) -> None:
    """显示一个服务日志的最后几行。"""
    settings = load_settings()
    _require_managed(settings, service)
    path = supervise.log_path(settings, service)
    if not path.exists():
        raise click.ClickException(f"还没有日志 {path}：平台是否启动过（wuyuan up）？")
    for line in supervise.log_tail(settings, service, lines):
        click.echo(line)


def _require_managed(settings: PlatformSettings, service: str) -> None:
    from wuyuan.agencies import is_managed

    if not is_managed(settings, service):
        raise click.ClickException(
            f"{service} 在别处运行（config/agencies.toml 没有给出它的启动命令）：平台为它准备数据库和消息队列、"
            "检查它的健康状态（wuyuan status），但不启动、不停止它，也不保存它的日志"
        )


def _ensure_infra() -> None:
    if not ENSURE_INFRA.exists():
        return  # an installed copy without the repository's scripts: infrastructure is the operator's
    result = subprocess.run(["bash", str(ENSURE_INFRA)], check=False)
    if result.returncode != 0:
        raise click.ClickException("RabbitMQ 或 PostgreSQL 未就绪（见上）：修好后再运行 wuyuan up")


def _admin_database_failure(settings: PlatformSettings, error: Exception) -> DatabaseFailure:
    """A failure on the admin URL's server, said by its kind, naming the database it connects to and the server."""
    url = settings.pg_admin_url
    return database_failure(error, urlsplit(url).path.lstrip("/") or "postgres", url)


def _provision(settings: PlatformSettings) -> None:
    # Imported here so that `status`, `logs` and the like start without the provisioning stack.
    import psycopg
    import requests

    from wuyuan.commands_ops import management_host
    from wuyuan.provision import provision_all
    from wuyuan.provision_amqp import BrokerSetupError, ManagementUnreachable
    from wuyuan.provision_db import SealingKeyMissing

    try:
        provision_all(settings)
    except SealingKeyMissing:
        raise CommandError("personal_data_key_missing", sealing_key_missing_text(settings)) from None
    except psycopg.OperationalError as exc:
        said = _admin_database_failure(settings, exc)
        raise CommandError(
            "database_unreachable",
            f"无法准备数据库（WUYUAN_PG_ADMIN_URL）：{said.message}",
            said.fields(),
            detail=said.detail,
        ) from None
    except psycopg.Error as exc:  # a refusal of the server's: a privilege, an object someone else owns
        said = _admin_database_failure(settings, exc)
        raise CommandError(
            "database_refused",
            f"PostgreSQL（{said.server}）拒绝了准备数据库的操作：WUYUAN_PG_ADMIN_URL 的用户须能建库、建角色",
            said.fields(),
            detail=said.detail,
        ) from None
    except (requests.ConnectionError, ManagementUnreachable) as exc:
        # Named with its host and port (never its password), as `dlq list` names it: the setting is what to check.
        raise CommandError(
            "broker_unreachable",
            f"连不上 RabbitMQ 管理接口 WUYUAN_RABBIT_MANAGEMENT_URL（{management_host(settings)}）：RabbitMQ 是否在"
            "运行、管理插件是否已启用（rabbitmq-plugins enable rabbitmq_management，scripts/ensure-infra.sh 会做）？",
            detail=str(exc),
        ) from None
    except BrokerSetupError as exc:
        why = "该地址中的用户名或密码不对" if ": 401 " in str(exc) else "加 --verbose 可看其答复"
        raise CommandError(
            "broker_refused",
            f"RabbitMQ 管理接口 WUYUAN_RABBIT_MANAGEMENT_URL（{management_host(settings)}）拒绝了设置虚拟主机、用户或"
            f"队列的请求：{why}",
            detail=str(exc),
        ) from None


def sealing_key_missing_text(settings: PlatformSettings) -> str:
    """Why provisioning stops when intake holds cases but no key is known to read their sealed numbers: most
    often the state directory's secrets were deleted (`make clean` once did) while the databases stayed."""
    secrets = settings.state_dir / "secrets"
    return (
        "信息收集组（intake）的数据库中已有案件，但找不到加密其身份证号和手机号的个人信息密钥"
        f"（{secrets / 'personal-data-key'}，或 WUYUAN_PERSONAL_DATA_KEY）。状态目录中的密钥可能已被删除，"
        "而数据库还在。服务未启动。可以：\n"
        f"  1. 从备份取回密钥：把备份目录（wuyuan-<vhost>-<时间>）中 secrets/ 下的文件复制回 {secrets}；\n"
        "  2. 或设置 WUYUAN_PERSONAL_DATA_KEY 为 intake 原来所用的密钥；\n"
        "  3. 或放弃本机平台的全部数据、从头开始：.venv/bin/wuyuan down --purge（删除数据库、消息队列和密钥，"
        "备份保留），再 make run"
    )


# supervisord's states, and a remote agency's health, as operators read them (--json keeps the codes).
STATE_WORDS = {
    "running": "运行中",
    "starting": "启动中",
    "backoff": "反复重启",
    "stopping": "停止中",
    "stopped": "已停止",
    "exited": "已退出",
    "fatal": "启动失败",
    "unknown": "未知",
    "unreachable": "连不上",
}
KIND_WORDS = {"python": "Python", "external": "外部机构"}


def _print_status(settings: PlatformSettings, statuses: list[supervise.ServiceStatus]) -> None:
    from wuyuan.labels import service_label

    rows = [
        [
            s.name,
            service_label(settings, s.name),
            KIND_WORDS.get(s.kind, s.kind),
            STATE_WORDS.get(s.state, s.state) + ("，未就绪" if s.not_ready else ""),
            str(s.pid or "-"),
            s.url,
        ]
        for s in statuses
    ]
    for line in table(["服务", "名称", "类型", "状态", "进程号", "地址"], rows):
        click.echo(line)
    for s in statuses:
        if s.not_ready:
            # What the health check saw, in its own words, is for --verbose and --json (`not_ready`).
            seen = f"\n  详情：{s.not_ready}" if verbose_wanted() else ""
            click.echo(f"{service_label(settings, s.name)}（{s.name}）未就绪：{not_ready_words(s.not_ready)}{seen}")


not_ready_words = supervise.health_words


# --- command groups from other modules --------------------------------------------------------
from wuyuan.commands_accounts import account, auth  # noqa: E402
from wuyuan.commands_agency import agency_group  # noqa: E402
from wuyuan.commands_backup import backup_command, reconcile_command, restore_command  # noqa: E402
from wuyuan.commands_calendar import calendar_group  # noqa: E402
from wuyuan.commands_case import case_group, demo_command, trace_command  # noqa: E402
from wuyuan.commands_conformance import conformance_command  # noqa: E402
from wuyuan.commands_ops import dlq  # noqa: E402
from wuyuan.commands_privacy import privacy  # noqa: E402
from wuyuan.commands_report import report_command  # noqa: E402

EXTRA_COMMANDS: list[click.Command] = [case_group, trace_command, demo_command, dlq, account, auth]

EXTRA_COMMANDS.append(privacy)
EXTRA_COMMANDS.append(report_command)
EXTRA_COMMANDS.append(calendar_group)
EXTRA_COMMANDS.append(agency_group)
EXTRA_COMMANDS.append(conformance_command)
EXTRA_COMMANDS.extend([backup_command, restore_command, reconcile_command])
for _command in EXTRA_COMMANDS:
    main.add_command(_command)


def _help_option_in_chinese(command: click.Command) -> None:
    """Every command's --help says what it does in Chinese too, not click's "Show this message and exit."; click
    adds none of its own once a parameter holds the name. Its headings and notes are Chinese as well."""
    if not any("--help" in parameter.opts for parameter in command.params):
        click.help_option("--help", help="显示本帮助并退出")(command)
    command.context_class = ChineseHelpContext
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = "[选项]"
    if isinstance(command, click.Group) and command.subcommand_metavar == "COMMAND [ARGS]...":
        command.subcommand_metavar = "命令 [参数]..."
    for subcommand in getattr(command, "commands", {}).values():
        _help_option_in_chinese(subcommand)


_help_option_in_chinese(main)


if __name__ == "__main__":
    main()
