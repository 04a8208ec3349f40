"""`wuyuan case show`, `wuyuan trace` and `wuyuan demo`: reading and exercising a running platform."""

import contextlib
import json
import sys
import time

import click

from wuyuan.client import JsonObject, PlatformClient, PlatformError
from wuyuan.settings import PlatformSettings


def _print_case(case: JsonObject) -> None:
    click.echo(f"case {case['case_id']}  status={case['status']}  mode={case['mode']}  round={case['round']}")
    click.echo(f"  source={case['source']}  category={case['category']}  division={case['division_code']}")
    click.echo(f"  lead={case['lead_unit']}  co-units={', '.join(case['co_units']) or '-'}")
    click.echo("  referrals:")
    for referral in case["referrals"]:
        click.echo(
            f"    {referral['unit']:20} {referral['role']:8} round {referral['round']}  {referral['status']}"
            f"  due {referral['due_at']}"
        )
    click.echo("  timeline:")
    for entry in case["timeline"]:
        detail = ", ".join(f"{k}={v}" for k, v in entry["detail"].items() if v not in (None, [], ""))
        click.echo(f"    {entry['seq']:>3}  {entry['at']}  {entry['kind']:22} {detail}")
    click.echo(f"  trace: {case['trace_id']}  (wuyuan trace {case['case_id']})")


@click.group("case")
def case_group() -> None:
    """Cases as the coordinator tracks them."""


@case_group.command("show")
@click.argument("case_id")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def case_show(case_id: str, as_json: bool) -> None:
    try:
        case = PlatformClient.with_working_accounts(PlatformSettings()).case(case_id)
    except PlatformError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(
            f"coordinator not reachable ({error}); is the platform up? `wuyuan status`"
        ) from None
    if as_json:
        click.echo(json.dumps(case, ensure_ascii=False, indent=2, default=str))
    else:
        _print_case(case)


def _trace_lines(settings: PlatformSettings, case_id: str, trace_id: str | None) -> list[str]:
    from wuyuan.trace_tree import case_spans, render_tree

    return render_tree(case_spans(settings.trace_dir, case_id, trace_id))


@click.command("trace")
@click.argument("case_id")
def trace_command(case_id: str) -> None:
    """The case's spans as a tree across services (from the local span files)."""
    settings = PlatformSettings()
    trace_id = None
    with contextlib.suppress(PlatformError, OSError):  # without the coordinator, the spans still name the case
        trace_id = PlatformClient.with_working_accounts(settings).case(case_id)["trace_id"]
    lines = _trace_lines(settings, case_id, trace_id)
    if not lines:
        raise click.ClickException(
            f"no spans for {case_id} under {settings.trace_dir} (with OTEL_EXPORTER_OTLP_ENDPOINT set,"
            " spans go to your collector instead)"
        )
    click.echo(f"trace {trace_id or '(unknown)'} of case {case_id}")
    for line in lines:
        click.echo(line)


@click.command("demo")
@click.option("--timeout", default=60.0, show_default=True, help="seconds to wait for each step")
def demo_command(timeout: float) -> None:
    """File a dispute needing two agencies, drive it to closed through each agency's API, print what happened."""
    from wuyuan.demo import run_demo

    settings = PlatformSettings()
    try:
        case = run_demo(PlatformClient.with_working_accounts(settings), click.echo, timeout)
    except (PlatformError, TimeoutError, RuntimeError, OSError) as error:
        click.echo(f"demo failed: {error}", err=True)
        click.echo("is the platform running? `wuyuan status`; service logs: `wuyuan logs SERVICE`", err=True)
        sys.exit(1)
    click.echo("")
    _print_case(case)
    time.sleep(1.5)  # spans are exported in batches every 0.5 s
    click.echo("")
    for line in _trace_lines(settings, case["case_id"], case["trace_id"]):
        click.echo(line)
