"""`wuyuan case show|list`, `wuyuan trace` and `wuyuan demo`: reading and exercising a running platform.

Staff read the cases in Chinese (shared.wording): units and places by name, times in Beijing time;
`--json` prints the API's answer with its codes, for scripts.
"""

import json
import re
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NoReturn

import click

from services.console.case_text import co_units_text, lead_text
from services.coordinator.domain.model import CaseStatus
from shared import clock
from shared.centres import CentresError, county_centres
from shared.contracts.identifiers import CASE_ID_PATTERN
from shared.contracts.json_values import json_default
from shared.contracts.vocabulary import Category, Source
from shared.known_filters import NO_CENTRE
from shared.timeline_wording import accounts_named
from shared.wording import (
    CASE_STATUSES,
    CATEGORIES,
    FLAGS,
    LEVELS,
    MODES,
    OUTCOMES,
    PAUSE_REASONS,
    PROVISIONAL_MARK,
    RATINGS,
    REFERRAL_ROLES,
    REFERRAL_STATUSES,
    RESULT_CODES,
    SOURCES,
    TIMELINE_KINDS,
    Countdown,
    centre_name,
    countdown,
    escalation_text,
    label,
    local_time,
    no_centre_text,
    person_text,
)
from wuyuan.cli_errors import (
    CommandError,
    CommandUsageError,
    Refusals,
    ask_platform,
    load_settings,
    platform_failure,
    refusal_error,
    typed_field_text,
)
from wuyuan.cli_usage import Seconds
from wuyuan.client import JsonObject, PlatformClient, PlatformError, working_accounts_here
from wuyuan.commands_ops import printable
from wuyuan.labels import Names, pad, table, timeline_detail
from wuyuan.settings import PlatformSettings

OPEN_REFERRALS = ("issued", "received", "accepted")
# The coordinator's query parameters, and the option of `wuyuan case list` that sets each.
QUERY_OPTIONS = {
    "status": "--status",
    "source": "--source",
    "category": "--category",
    "unit": "--unit",
    "place": "--place",
    "centre": "--centre",
    "registered_from": "--from",
    "registered_to": "--to",
    "overdue": "--overdue/--not-overdue",
    "leaders": "--leaders",
    "q": "--search",
    "limit": "--limit",
    "offset": "--offset",
}
DATE = click.DateTime(["%Y-%m-%d"])
# The coordinator's bounds on its case list (services/coordinator/handlers.py: MAX_LIST, MAX_OFFSET, MAX_SEARCH_CHARS;
# not imported, as that would load nameko for every command): said by the options' help and checked here, so that a
# search too long for a URL is named as --search rather than answered by the web server's 414.
LIST_LIMIT = 500
LIST_OFFSET = 10_000_000
SEARCH_CHARS = 50


def _styled(deadline: Countdown, text: str, overdue: bool = False) -> str:
    """A deadline cell, red when overdue and yellow when near (plain text when not on a terminal)."""
    if overdue or deadline.level == "overdue":
        return click.style(text + "！", fg="red", bold=True)
    if deadline.level == "near":
        return click.style(text + "（临期）", fg="yellow")
    return text


def _case_lines(case: JsonObject, names: Names, now: datetime, people: Mapping[str, str] | None = None) -> list[str]:
    known = people or {}
    rating = label(RATINGS, case.get("rating")) or "尚未评价"
    facts = [
        ("案件编号", case["case_id"]),
        ("状态", f"{label(CASE_STATUSES, case['status'])}（第{case['round']}轮）"),
        ("办理方式", label(MODES, case["mode"])),
        ("来源", label(SOURCES, case["source"])),
        ("类别", label(CATEGORIES, case["category"])),
        ("地点", names.place(case["division_code"])),
        ("标记", "、".join(label(FLAGS, flag) for flag in case.get("flags") or []) or "无"),
        # What window staff or an agency typed: taken before requests refused control characters, or sent as a
        # message, it may hold an escape sequence, shown escaped rather than run by the terminal.
        ("概要", printable(case.get("summary") or "")),
        (
            "登记人",
            person_text(str(case["registered_by"]), known.get(str(case["registered_by"])))
            if case.get("registered_by")
            else "",
        ),
        # As the console's case page says them: a lead that declined is not leading, its place waits for staff.
        ("牵头单位", lead_text(case, names.unit)),
        ("配合单位", co_units_text(case, names.unit)),
        ("群众评价", rating),
    ]
    if case.get("repeat_reports"):
        facts.append(("重复反映", f"{case['repeat_reports']}次"))
    if case.get("level"):
        centre = centre_name(case.get("centre"), names.registry, names.places)
        facts.append(("处置层级", f"{label(LEVELS, case['level'])}（{centre}）"))
    for step in case.get("escalations") or []:
        facts.append(("上报记录", f"{local_time(step['at'])} {escalation_text(step, names.registry, names.places)}"))
    lines = [f"{pad(title, 8)}  {value}" for title, value in facts]
    lines += ["", "派单情况"]
    lines += table(
        ["单位", "角色", "轮次", "状态", "期限", "倒计时"],
        [_referral_row(r, names, now) for r in case["referrals"]],
        "  ",
    )
    units = {str(r["referral_id"]): r["unit"] for r in case["referrals"]}
    lines += ["", "办理经过"]
    lines += table(
        ["序号", "时间", "事项", "详情"],
        [
            [
                str(entry["seq"]),
                local_time(entry["at"]),
                label(TIMELINE_KINDS, entry["kind"]),
                printable(timeline_detail(entry["kind"], entry.get("detail") or {}, names, units, known)),
            ]
            for entry in case["timeline"]
        ],
        "  ",
    )
    lines += [
        "",
        f"{pad('追踪编号', 8)}  {case.get('trace_id') or '无'}（各服务的处理过程：wuyuan trace {case['case_id']}）",
    ]
    return lines


def _referral_row(referral: JsonObject, names: Names, now: datetime) -> list[str]:
    status = label(REFERRAL_STATUSES, referral["status"])
    # The result code says what the unit did; the outcome derived from it says only resolved or not, and would
    # read 依职能办结 as 化解成功 and 导入诉讼 as 未化解. A referral reported before result codes has the outcome alone.
    if referral.get("result"):
        status += f"（{label(RESULT_CODES, referral['result'])}）"
    elif referral.get("outcome"):
        status += f"（{label(OUTCOMES, referral['outcome'])}）"
    left = ""
    if referral["status"] in OPEN_REFERRALS and referral.get("paused"):
        # A paused clock runs no countdown, whatever the old deadline: it moves on when the clock resumes.
        left = _paused_text([referral])
    elif referral["status"] in OPEN_REFERRALS:
        deadline = countdown(referral.get("due_at"), now, referral.get("issued_at"))
        left = _styled(deadline, deadline.text) if deadline.text else ""
    return [
        names.unit(referral["unit"]),
        label(REFERRAL_ROLES, referral["role"]),
        f"第{referral['round']}轮",
        status,
        (local_time(referral.get("due_at")) or "-") + (PROVISIONAL_MARK if referral.get("due_provisional") else ""),
        left,
    ]


def _paused_text(paused: list[JsonObject]) -> str:
    """'计时已暂停（等待当事人），恢复后顺延': the clocks stopped, by why."""
    reasons = dict.fromkeys(label(PAUSE_REASONS, r.get("pause_reason")) or "原因未记录" for r in paused)
    return f"计时已暂停（{'、'.join(reasons)}），恢复后顺延"


def _print_case(case: JsonObject, names: Names, people: Mapping[str, str]) -> None:
    for line in _case_lines(case, names, clock.now(), people):
        click.echo(line)


def _echo_json(answer: JsonObject) -> None:
    click.echo(json.dumps(answer, ensure_ascii=False, indent=2, default=json_default))


@click.group("case")
def case_group() -> None:
    """案件：综合协调组（coordinator）掌握的案件。"""


def require_case_number(case_id: str) -> None:
    """A mistyped case number is said to be one before anything is asked of the platform."""
    if re.fullmatch(CASE_ID_PATTERN, case_id) is None:
        raise CommandUsageError(
            "bad_case_id",
            f"CASE_ID：{case_id!r} 不是案件编号，案件编号形如 430426-20261204-00003（县区划-登记日期-序号）",
        )


@case_group.command("show")
@click.argument("case_id")
@click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出（API 的原始答复，稳定的键和代码）")
def case_show(case_id: str, as_json: bool) -> None:
    """查看一个案件：牵头单位、配合单位，各交办件及其期限，办理经过。

    CASE_ID 为案件编号，形如 430426-20261204-00003。人员显示为 姓名（账号），查不到姓名时只显示账号。
    """
    require_case_number(case_id)
    settings = load_settings()
    people: dict[str, str] = {}

    def read(client: PlatformClient) -> JsonObject:
        case = client.case(case_id)
        if not as_json:  # staff read who acted by name; scripts get the accounts, as the API gives them
            people.update(client.people(accounts_named(case)))
        return case

    case = ask_platform(
        settings,
        "coordinator",
        read,
        Refusals(not_found=f"没有这个案件：{case_id}（请核对案件编号，形如 430426-20261204-00003）"),
    )
    if as_json:
        _echo_json(case)
    else:
        _print_case(case, Names.of(settings), people)


def _date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


@case_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in CaseStatus]), help="处于该状态的案件")
@click.option("--source", type=click.Choice([s.value for s in Source]), help="来自该来源的案件")
@click.option("--category", type=click.Choice([c.value for c in Category]), help="该类别的纠纷")
@click.option("--unit", metavar="UNIT", help="交办给该单位的案件，如 police:430426101")
@click.option(
    "--place", metavar="DIVISION", help="该区划及其下级区划的案件：区划代码（如 430426101）或地名（如 砖塘镇）"
)
@click.option("--centre", metavar="DIVISION", help="由该综治中心（县、乡、村三级）掌握的案件：其区划代码或地名")
@click.option("--from", "registered_from", type=DATE, metavar="YYYY-MM-DD", help="在该日或之后登记的案件")
@click.option("--to", "registered_to", type=DATE, metavar="YYYY-MM-DD", help="在该日或之前登记的案件")
@click.option("--overdue/--not-overdue", default=None, help="只列已超过期限（或未超过期限）的案件")
@click.option("--leaders", is_flag=True, help="只列提请领导督办、仍在办理的案件（县级单位逾期超过时限）")
@click.option("--search", metavar="TEXT", help=f"案件编号或概要中含有该文字的案件（至多{SEARCH_CHARS}字）")
@click.option("--limit", type=click.IntRange(0, LIST_LIMIT), default=50, show_default=True, help="最多显示多少件")
@click.option("--offset", type=click.IntRange(0, LIST_OFFSET), default=0, help="跳过前多少件（翻到下一页）")
@click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出（API 的原始答复，稳定的键和代码）")
def case_list(
    status: str | None,
    source: str | None,
    category: str | None,
    unit: str | None,
    place: str | None,
    centre: str | None,
    registered_from: datetime | None,
    registered_to: datetime | None,
    overdue: bool | None,
    leaders: bool,
    search: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """按条件列出案件（综合协调组的案件列表）。

    各条件可组合使用；不给条件时列出全部案件。每页最多 --limit 件，用 --offset 翻页。
    """
    if search is not None and len(search.strip()) > SEARCH_CHARS:
        raise click.BadParameter(f"不能超过{SEARCH_CHARS}字（现为{len(search.strip())}字）", param_hint="'--search'")
    settings = load_settings()
    names = Names.of(settings)
    query = {
        "status": status,
        "source": source,
        "category": category,
        "unit": unit,
        "place": _place_code(place, names) if place else None,
        "centre": _place_code(centre, names, "--centre") if centre else None,
        "registered_from": _date(registered_from),
        "registered_to": _date(registered_to),
        "overdue": None if overdue is None else str(overdue).lower(),
        "leaders": "true" if leaders else None,
        "q": search,
        "limit": str(limit),
        "offset": str(offset) if offset else None,
    }
    answer = ask_platform(settings, "coordinator", lambda client: client.cases({k: v for k, v in query.items() if v}))
    if "fields" in answer or "error" in answer:
        refusals = Refusals("查询条件有误：", QUERY_OPTIONS, field_text=_with_what_was_sent(query, settings, names))
        raise refusal_error(answer, 400, "coordinator", settings, refusals)
    if as_json:
        _echo_json(answer)
        return
    for line in _list_lines(answer, names, clock.now(), offset):
        click.echo(line)


# The filters the coordinator refuses as naming nothing of the county (shared/known_filters.py): a typo, which the
# refusal repeats so that the operator sees what was sent (a place given by name, as its code).
_NAMES_NOTHING = frozenset({"unknown_agency", "unknown_unit", "not_in_county", NO_CENTRE})


def _with_what_was_sent(
    query: Mapping[str, str | None], settings: PlatformSettings, names: Names
) -> Callable[[Mapping[str, Any]], str]:
    def text(error: Mapping[str, Any]) -> str:
        said = typed_field_text(error)
        sent = query.get(str(error.get("field")))
        if sent and error.get("type") == NO_CENTRE:
            # The place, the centre above that holds its cases and those within it, as this county sets them up.
            try:
                # A unit filter names the centre by its unit (`centre:<division>`), a centre filter by its place.
                division = sent.partition(":")[2] if error.get("field") == "unit" else sent
                return no_centre_text(division, county_centres(settings.config_dir, settings.county), names.places)
            except (CentresError, OSError):
                pass  # the platform's file, unreadable here: the code's own words, with what was sent
        return f"{said}（所填：{sent}）" if sent and error.get("type") in _NAMES_NOTHING else said

    return text


def _place_code(place: str, names: Names, option: str = "--place") -> str:
    """A division code as given, or the code of the place staff named ('砖塘镇', '砖塘镇新塘村')."""
    if place.isascii() and place.isdigit():
        return place
    if place.isdigit():  # full-width or superscript digits ('４３０４２６', '²'): no code the coordinator reads
        raise click.BadParameter(
            f"“{place}”含全角或其他非半角数字；区划代码请用半角数字 0–9，如 430426101", param_hint=f"'{option}'"
        )
    for code in names.places.names:
        if names.place(code) == place:
            return code
    raise click.BadParameter(
        f"没有叫“{place}”的地点（divisions.toml）；可填写区划代码，如 430426101", param_hint=f"'{option}'"
    )


def _list_lines(answer: JsonObject, names: Names, now: datetime, offset: int) -> list[str]:
    cases: list[JsonObject] = answer.get("cases") or []
    total = int(answer.get("total", len(cases)))
    lines = []
    if cases:
        headers = ["案件编号", "登记时间", "状态", "来源", "类别", "地点", "牵头单位", "期限/倒计时"]
        lines += table(headers, [_list_row(row, names, now) for row in cases])
        lines += ["", f"共{total}件，显示第{offset + 1}–{offset + len(cases)}件"]
    elif total > offset:  # --limit 0: counted, none listed
        lines.append(f"共{total}件（未列出）")
    elif total:
        lines.append(f"共{total}件，第{offset + 1}件起没有了")
    else:
        lines.append("没有符合条件的案件")
    counts: Mapping[str, int] = answer.get("counts") or {}
    if counts:
        ordered = [code for code in CASE_STATUSES if code in counts] + sorted(set(counts) - set(CASE_STATUSES))
        lines.append(
            "全部案件（不按上述条件筛选）各状态："
            + "，".join(f"{label(CASE_STATUSES, code)} {counts[code]}" for code in ordered)
        )
    return lines


def _list_row(row: JsonObject, names: Names, now: datetime) -> list[str]:
    return [
        str(row.get("case_id", "")),
        local_time(row.get("registered_at")),
        label(CASE_STATUSES, row.get("status")),
        label(SOURCES, row.get("source")),
        label(CATEGORIES, row.get("category")),
        names.place(row.get("division_code")),
        lead_text(row, names.unit, short=True),
        _deadline_cell(row, names, now),
    ]


def _deadline_cell(row: JsonObject, names: Names, now: datetime) -> str:
    """The deadline the coordinator's row says a list counts down to (its `deadline`), whose it is, with its countdown;
    said paused, as on the case's page, when every open referral of the round has its clock stopped."""
    deadline = row.get("deadline")
    if not isinstance(deadline, dict):  # a coordinator from before rows carried it: the round's earliest
        due, provisional, unit = row.get("next_due_at"), bool(row.get("next_due_provisional")), None
    elif deadline.get("paused"):
        reasons = [{"pause_reason": reason} for reason in deadline.get("pause_reasons") or [None]]
        return _styled(Countdown("", "paused"), _paused_text(reasons), bool(row.get("overdue")))
    else:
        due, provisional, unit = deadline.get("due_at"), bool(deadline.get("provisional")), deadline.get("unit")
    if not due:
        return "-"
    left = countdown(due, now)
    whose = f"（{names.unit(str(unit))}）" if unit and unit != row.get("lead_unit") else ""
    cell = f"{local_time(due)}{PROVISIONAL_MARK if provisional else ''} {left.text}{whose}".strip()
    return _styled(left, cell, bool(row.get("overdue")))


def _trace_lines(settings: PlatformSettings, case_id: str, trace_id: str | None) -> list[str]:
    from wuyuan.trace_tree import case_spans, render_tree

    return render_tree(case_spans(settings.trace_dir, case_id, trace_id))


@click.command("trace")
@click.argument("case_id")
def trace_command(case_id: str) -> None:
    """追踪：一个案件在各服务间的处理过程，显示为树。

    读取本机状态目录中的追踪记录文件（spans）。设置了
    OTEL_EXPORTER_OTLP_ENDPOINT 时，追踪记录发往该收集器，本机没有。
    """
    require_case_number(case_id)
    settings = load_settings()
    trace_id = None
    try:
        trace_id = PlatformClient.from_settings(settings).case(case_id)["trace_id"]
    except PlatformError as error:
        if error.status == 404:  # the coordinator has no such case: spans naming it are only lookups like ours
            raise CommandError(
                "not_found", f"没有找到案件 {case_id} 的追踪记录：综合协调组没有这个案件（请核对案件编号）"
            ) from None
    except OSError:  # without the coordinator, the spans still name the case
        pass
    lines = _trace_lines(settings, case_id, trace_id)
    if not lines:
        raise CommandError(
            "no_spans",
            f"没有找到案件 {case_id} 的追踪记录（{settings.trace_dir}）；设置了 OTEL_EXPORTER_OTLP_ENDPOINT 时，"
            "追踪记录发往该收集器，不写在本机",
        )
    click.echo(f"案件 {case_id} 的追踪 {trace_id or '（追踪编号未知：未能向综合协调组查询）'}")
    for line in lines:
        click.echo(line)


@click.command("demo")
@click.option("--timeout", default=60.0, show_default=True, type=Seconds(), help="每一步最多等待的秒数")
def demo_command(timeout: float) -> None:
    """演示：登记一件需两个机构办理的纠纷，办到结案，并显示经过。

    各单位经其机构的接口签收、报告进展、反馈结果，检查督导组回访、群众评价后结案；最后显示案件及其追踪。

    只在本机用 wuyuan up 启动的平台（或开发模式）上运行，不能在正式部署上运行。
    """
    from wuyuan.demo import run_demo

    settings = load_settings()
    # The demo files a made-up dispute that real units would receive: only on the platform `wuyuan up` runs here
    # (or a development machine), as its working accounts, never against a deployment as a signed-in person.
    if not working_accounts_here(settings):
        raise CommandError(
            "demo_needs_local_platform",
            "演示只在本机用 wuyuan up 启动的本地平台（或开发模式）上运行：它会登记一件虚构的纠纷并由各单位办理，"
            "不能在正式部署上运行",
        )
    try:
        client = PlatformClient.with_working_accounts(settings)
        case = run_demo(client, click.echo, timeout)
    except TimeoutError as error:  # a step not reached in time (an OSError too, so first)
        _demo_failed(str(error))
    except (PlatformError, OSError) as error:
        _demo_failed(platform_failure(error, getattr(error, "service", None) or "intake", settings).message)
    except RuntimeError as error:
        _demo_failed(str(error))
    click.echo("")
    _print_case(case, Names.of(settings), client.people(accounts_named(case)))
    time.sleep(1.5)  # spans are exported in batches every 0.5 s
    click.echo("")
    for line in _trace_lines(settings, case["case_id"], case["trace_id"]):
        click.echo(line)


def _demo_failed(why: str) -> NoReturn:
    click.echo(f"演示未完成：{why}", err=True)
    click.echo("平台是否在运行？`wuyuan status` 查看；服务日志：`wuyuan logs SERVICE`", err=True)
    sys.exit(1)
