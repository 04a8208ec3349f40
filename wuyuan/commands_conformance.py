"""`wuyuan conformance AGENCY`: run the conformance kit against one agency and print its report."""

import json
import sys

import click

from wuyuan.cli_errors import CommandError, CommandUsageError, load_settings
from wuyuan.cli_usage import Seconds
from wuyuan.conformance import CHECK_CODES, NotReached, UnknownAgency, UnknownCheck, find_agency, run_conformance
from wuyuan.conformance.runner import run_on_private_broker
from wuyuan.private_infra import InfraError
from wuyuan.settings import PlatformSettings


@click.command("conformance")
@click.argument("agency")
@click.option(
    "--check",
    "checks",
    multiple=True,
    metavar="CODE",
    help=f"只做这一项检查（及其所需的前置检查），可重复。检查项：{', '.join(CHECK_CODES)}",
)
@click.option("--timeout", default=20.0, show_default=True, type=Seconds(), help="每次等待的秒数")
@click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出（检查报告，稳定的键和代码）")
@click.option(
    "--private-broker",
    is_flag=True,
    help="在检查工具自己启动的 RabbitMQ 节点上运行，reconnects 检查会将它杀掉再重启（需要 rabbitmq-server）",
)
def conformance_command(
    agency: str, checks: tuple[str, ...], timeout: float, as_json: bool, private_broker: bool
) -> None:
    """一致性检查：检验机构 AGENCY 是否符合消息契约。

    AGENCY 为机构代码或服务名。检查工具扮演中心：像 wuyuan
    up 那样启动该机构的服务，但连接工具自己的独立虚拟主机、数据库和令牌签发方（token
    issuer）；逐项检查，结束后删除所建的一切。有检查项未通过时退出状态为 1。
    """
    try:
        settings = load_settings()
    except CommandError as invalid:  # exit status 1 says a check failed
        raise CommandUsageError(invalid.code, invalid.message) from None
    try:
        run = run_on_private_broker if private_broker else run_conformance
        report = run(settings, agency, only=checks, timeout=timeout)
    except UnknownAgency as exc:
        # Under --json as {"error", "message"} on stdout, as every command answers a mistyped argument.
        raise CommandUsageError("unknown_agency", f"未知机构 {exc.name!r}。已知机构：{'、'.join(exc.known)}") from None
    except UnknownCheck as exc:
        known = "、".join(exc.known)
        raise CommandUsageError("unknown_check", f"未知检查项 {'、'.join(exc.names)}。检查项：{known}") from None
    except NotReached as exc:
        raise not_reached_error(settings, agency, exc) from None
    except (InfraError, OSError) as exc:
        if not private_broker:
            raise
        raise CommandError(
            "private_broker_failed",
            "检查工具未能启动自己的 RabbitMQ 节点（--private-broker）：本机须装有 rabbitmq-server，"
            "且能使用临时目录和空闲端口；不加 --private-broker 则在共用的 RabbitMQ 上检查",
            detail=str(exc),
        ) from None
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if as_json else report.render())
    sys.exit(0 if report.passed else 1)


def not_reached_error(settings: PlatformSettings, agency: str, exc: NotReached) -> CommandError:
    """No check was made: the broker or database the kit runs on was not there. Said as such, not as the agency
    failing a check; under --json the report's keys come with it (no result), so that a script reading them still
    reads that the agency was not found conforming."""
    found = find_agency(settings, agency)
    where = {
        "WUYUAN_RABBIT_MANAGEMENT_URL": "RabbitMQ 的管理接口",
        "WUYUAN_AMQP_ADMIN_URI": "RabbitMQ",
        "WUYUAN_PG_ADMIN_URL": "PostgreSQL 数据库服务器",
    }.get(exc.setting, exc.setting) + f" {exc.address}（{exc.setting}）"
    message = (
        f"连不上 {where}，未对机构 {found.name_zh}（{found.code}）做任何检查：这不是该机构的问题。"
        "请确认它在运行、地址和端口无误（本机可运行 scripts/ensure-infra.sh），然后重新检查"
    )
    report = {"agency": found.code, "service": found.service, "passed": False, "results": []}
    details = {"address": exc.address, "setting": exc.setting, **report}
    return CommandError(f"{exc.what}_unreachable", message, details, detail=str(exc))
