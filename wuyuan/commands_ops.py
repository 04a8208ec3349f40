"""`wuyuan dlq ...`: dead-letter commands for operators."""

import json
from dataclasses import asdict

import click

from wuyuan.settings import PlatformSettings


def known_services(settings: PlatformSettings, services: tuple[str, ...]) -> tuple[str, ...]:
    """The services asked for (every one in the registry when none), or a usage error naming the unknown one."""
    for service in services:
        if service not in settings.services:
            raise click.BadParameter(
                f"未知服务 {service!r}；可选：{', '.join(settings.services)}", param_hint="--service"
            )
    return services or settings.services


@click.group("dlq")
def dlq() -> None:
    """Dead letters: messages a service could never process, with the reason."""


@dlq.command("list")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.option("--service", "services", multiple=True, help="only these services (repeatable)")
def dlq_list(as_json: bool, services: tuple[str, ...]) -> None:
    from wuyuan.dead_letters import list_dead_letters
    from wuyuan.labels import local_time, service_label

    settings = PlatformSettings()
    letters = list_dead_letters(settings, known_services(settings, services))
    if as_json:
        click.echo(json.dumps([asdict(letter) for letter in letters], ensure_ascii=False, indent=2))
        return
    if not letters:
        click.echo("没有死信")
        return
    for letter in letters:
        click.echo(
            f"{service_label(settings, letter.service)}（{letter.service}）  {letter.message_type or '?'}"
            f"  {letter.message_id or '-'}  {local_time(letter.dead_at)}"
        )
        click.echo(f"    原因：{letter.reason}")
        if letter.refused:
            click.echo(f"    不予重放：{letter.refused}")


@dlq.command("replay")
@click.option("--service", "services", multiple=True, help="only these services (repeatable)")
@click.option("--message-id", default=None, help="only the dead letter with this message id")
def dlq_replay(services: tuple[str, ...], message_id: str | None) -> None:
    """Send dead letters back to the inbox they came from; fix the cause first.

    Only dead letters their own service signed are replayed; others stay in the dead queue.
    """
    from wuyuan.dead_letters import replay_dead_letters
    from wuyuan.labels import service_label

    settings = PlatformSettings()
    report = replay_dead_letters(settings, known_services(settings, services), message_id)
    click.echo(f"已重放 {len(report.replayed)} 条死信")
    for refused in report.refused:
        label = service_label(settings, refused.service)
        click.echo(f"不予重放 {label}（{refused.service}）{refused.message_id or '-'}：{refused.why}")
