"""`wuyuan conformance AGENCY`: run the conformance kit against one agency and print its report."""

import json
import sys

import click

from wuyuan.cli_errors import CommandError, CommandUsageError, load_settings
from wuyuan.conformance import CHECK_CODES, UnknownAgency, UnknownCheck, run_conformance
from wuyuan.conformance.runner import run_on_private_broker

BAD_INPUT = 2


@click.command("conformance")
@click.argument("agency")
@click.option(
    "--check",
    "checks",
    multiple=True,
    metavar="CODE",
    help=f"Run only this check (and those it needs); repeatable. Checks: {', '.join(CHECK_CODES)}.",
)
@click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(min=1), help="Seconds per wait.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--private-broker",
    is_flag=True,
    help="Run on a RabbitMQ node of the kit's own, which `reconnects` kills and restarts (needs rabbitmq-server).",
)
def conformance_command(
    agency: str, checks: tuple[str, ...], timeout: float, as_json: bool, private_broker: bool
) -> None:
    """一致性检查：在独立的虚拟主机中扮演中心，检验机构 AGENCY（代码或服务名）是否符合消息契约。

    Starts the agency as `wuyuan up` would, against a private vhost, database and token issuer of the
    kit's own, runs each check, removes everything it made, and exits 1 when a check fails.
    """
    try:
        settings = load_settings()
    except CommandError as invalid:  # exit status 1 says a check failed
        raise CommandUsageError(invalid.code, invalid.message) from None
    try:
        run = run_on_private_broker if private_broker else run_conformance
        report = run(settings, agency, only=checks, timeout=timeout)
    except UnknownAgency as exc:
        click.echo(f"未知机构 {exc.name!r}。已知机构：{'、'.join(exc.known)}", err=True)
        sys.exit(BAD_INPUT)
    except UnknownCheck as exc:
        click.echo(f"未知检查项 {'、'.join(exc.names)}。检查项：{'、'.join(exc.known)}", err=True)
        sys.exit(BAD_INPUT)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if as_json else report.render())
    sys.exit(0 if report.passed else 1)
