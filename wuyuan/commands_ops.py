"""`wuyuan dlq ...`: dead-letter commands for operators."""

import json
from dataclasses import asdict

import click

from wuyuan.settings import PlatformSettings


@click.group("dlq")
def dlq() -> None:
    """Dead letters: messages a service could never process, with the reason."""


@dlq.command("list")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.option("--service", "services", multiple=True, help="only these services (repeatable)")
def dlq_list(as_json: bool, services: tuple[str, ...]) -> None:
    from wuyuan.dead_letters import list_dead_letters
    from wuyuan.settings import SERVICES

    letters = list_dead_letters(PlatformSettings(), services or SERVICES)
    if as_json:
        click.echo(json.dumps([asdict(letter) for letter in letters], ensure_ascii=False, indent=2))
        return
    if not letters:
        click.echo("no dead letters")
        return
    for letter in letters:
        click.echo(
            f"{letter.service:14} {letter.message_type or '?':22} {letter.message_id or '-'}  {letter.dead_at or ''}"
        )
        click.echo(f"{'':14} reason: {letter.reason}")
        if letter.refused:
            click.echo(f"{'':14} replay refused: {letter.refused}")


@dlq.command("replay")
@click.option("--service", "services", multiple=True, help="only these services (repeatable)")
@click.option("--message-id", default=None, help="only the dead letter with this message id")
def dlq_replay(services: tuple[str, ...], message_id: str | None) -> None:
    """Send dead letters back to the inbox they came from; fix the cause first.

    Only dead letters their own service signed are replayed; others stay in the dead queue.
    """
    from wuyuan.dead_letters import replay_dead_letters
    from wuyuan.settings import SERVICES

    report = replay_dead_letters(PlatformSettings(), services or SERVICES, message_id)
    click.echo(f"replayed {len(report.replayed)} dead letter(s)")
    for refused in report.refused:
        click.echo(f"refused {refused.service} {refused.message_id or '-'}: {refused.why}")
