"""The `wuyuan` command: bring the platform up and down, and look at its services."""

from __future__ import annotations

import json
import subprocess
import sys

import click

from wuyuan import supervise
from wuyuan.cli_errors import load_settings
from wuyuan.settings import REPO_ROOT, PlatformSettings

ENSURE_INFRA = REPO_ROOT / "scripts" / "ensure-infra.sh"


def _known_service(context: click.Context, parameter: click.Parameter, value: str) -> str:
    """Services come from the agency registry, so the choice is checked once settings are read."""
    try:
        return load_settings().require_service(value)
    except ValueError as unknown:
        raise click.BadParameter(str(unknown)) from None


service_argument = click.argument("service", metavar="SERVICE", callback=_known_service)


@click.group()
def main() -> None:
    """五源共治 wuyuan: run the dispute-resolution platform's services locally."""


@main.command()
@click.option("-d", "--detach", is_flag=True, help="Run in the background; return once every service is ready.")
@click.option("--timeout", default=90.0, show_default=True, help="Seconds to wait for the services to be ready.")
@click.option("--skip-infra", is_flag=True, help="Do not check (or install) RabbitMQ and PostgreSQL first.")
def up(detach: bool, timeout: float, skip_infra: bool) -> None:
    """Provision databases and broker, then start every service."""
    settings = load_settings()
    if not skip_infra:
        _ensure_infra()
    _provision(settings)
    try:
        if not detach:
            sys.exit(supervise.start(settings, detach=False, timeout=timeout, echo=click.echo))
        supervise.start(settings, detach=True)
        supervise.wait_until_ready(settings, timeout)
    except supervise.NotReady as exc:
        tail = "\n".join(f"  {line}" for line in exc.log_lines) or "  (empty)"
        raise click.ClickException(
            f"{exc}\nlast lines of {supervise.log_path(settings, exc.service)}:\n{tail}\n"
            f"the other services keep running: `wuyuan logs {exc.service}` shows more, `wuyuan down` stops all"
        ) from exc
    except supervise.SupervisorError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_status(supervise.status(settings))
    click.echo(supervise.console_banner(settings))


@main.command()
def provision() -> None:
    """Create the services' databases (with migrations), the broker vhost, users and queues; start nothing.

    Idempotent, and what a deployment runs once before its services (a compose one-shot, a
    Kubernetes Job). It uses the RabbitMQ and PostgreSQL that WUYUAN_* points at, as they are.
    """
    settings = load_settings()
    _provision(settings)
    servers = sorted({settings.pg_admin_url_of(s).rsplit("@", 1)[-1] for s in settings.services})
    click.echo(
        f"provisioned {len(settings.services)} services: vhost {settings.vhost} ({settings.queue_type} queues),"
        f" databases {settings.db_prefix}* on {', '.join(servers)}"
    )


@main.command()
def down() -> None:
    """Stop every service and the supervisor."""
    settings = load_settings()
    try:
        stopped = supervise.stop(settings)
    except supervise.SupervisorError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("stopped" if stopped else "not running")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {name, pid, state, url, kind}.")
def status(as_json: bool) -> None:
    """Show each service's state, pid and address."""
    statuses = supervise.status(load_settings())
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in statuses], indent=2))
    else:
        _print_status(statuses)


@main.command("start")
@service_argument
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to wait for its health check.")
def start_command(service: str, timeout: float) -> None:
    """Start one service again (after `wuyuan stop SERVICE`)."""
    settings = load_settings()
    _require_managed(settings, service)
    try:
        supervise.start_service(settings, service, timeout=timeout)
    except supervise.NotReady as exc:
        tail = "\n".join(f"  {line}" for line in exc.log_lines)
        raise click.ClickException(f"{exc}\n{tail}") from exc
    except supervise.SupervisorError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{service} ready at {settings.http_base_url(service)}")


@main.command("stop")
@service_argument
def stop_command(service: str) -> None:
    """Stop one service; messages addressed to it wait in its queues."""
    settings = load_settings()
    _require_managed(settings, service)
    try:
        supervise.stop_service(settings, service)
    except supervise.SupervisorError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{service} stopped")


@main.command()
@service_argument
@click.option("-n", "--lines", default=50, show_default=True, help="How many lines from the end.")
def logs(service: str, lines: int) -> None:
    """Print the end of a service's log."""
    settings = load_settings()
    _require_managed(settings, service)
    path = supervise.log_path(settings, service)
    if not path.exists():
        raise click.ClickException(f"no log yet at {path}; has `wuyuan up` run?")
    for line in supervise.log_tail(settings, service, lines):
        click.echo(line)


def _require_managed(settings: PlatformSettings, service: str) -> None:
    from wuyuan.agencies import is_managed

    if not is_managed(settings, service):
        raise click.ClickException(
            f"{service} runs elsewhere (config/agencies.toml gives it no command): the platform provisions it and"
            " watches its health (`wuyuan status`), but does not start, stop or keep its log"
        )


def _ensure_infra() -> None:
    if not ENSURE_INFRA.exists():
        return  # an installed copy without the repository's scripts: infrastructure is the operator's
    result = subprocess.run(["bash", str(ENSURE_INFRA)], check=False)
    if result.returncode != 0:
        raise click.ClickException(
            "RabbitMQ or PostgreSQL is not ready (see above); fix that and run `wuyuan up` again"
        )


def _provision(settings: PlatformSettings) -> None:
    # Imported here so that `status`, `logs` and the like start without the provisioning stack.
    import psycopg
    import requests

    from wuyuan.provision import provision_all
    from wuyuan.provision_amqp import BrokerSetupError

    try:
        provision_all(settings)
    except psycopg.OperationalError as exc:
        raise click.ClickException(
            f"cannot use PostgreSQL at WUYUAN_PG_ADMIN_URL: {exc}\n"
            "check it is running (scripts/ensure-infra.sh) and the URL's user may create databases"
        ) from exc
    except requests.ConnectionError as exc:
        raise click.ClickException(
            f"cannot reach the RabbitMQ management API at WUYUAN_RABBIT_MANAGEMENT_URL: {exc}\n"
            "enable it with `rabbitmq-plugins enable rabbitmq_management` (scripts/ensure-infra.sh does)"
        ) from exc
    except BrokerSetupError as exc:
        raise click.ClickException(f"cannot set up the broker: {exc}") from exc


def _print_status(statuses: list[supervise.ServiceStatus]) -> None:
    width = max(len("SERVICE"), *(len(s.name) for s in statuses))
    click.echo(f"{'SERVICE':<{width}}  {'KIND':<8}  {'STATE':<11}  {'PID':>7}  URL")
    for s in statuses:
        click.echo(f"{s.name:<{width}}  {s.kind:<8}  {s.state:<11}  {s.pid or '-':>7}  {s.url}")


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


if __name__ == "__main__":
    main()
