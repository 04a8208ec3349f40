"""`wuyuan report`: the leaders' report (日小结/周调度/月总结) from supervision, as a Chinese table, JSON or CSV."""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import click

from services.supervision.reports import BREAKDOWN_FIGURES, BREAKDOWNS, figure_rows, report_csv
from shared.wording import label, local_time
from shared.workdays import CHINA_TZ
from wuyuan.cli_errors import Refusals, ask_platform, load_settings
from wuyuan.client import JsonObject
from wuyuan.labels import Names, table

DATE = click.DateTime(["%Y-%m-%d"])
LEVELS = {"county": "全县", "township": "乡镇", "unit": "单位"}
# Supervision's query parameters, and the option of `wuyuan report` that sets each.
QUERY_OPTIONS = {
    "from": "--from",
    "to": "--to",
    "period": "--period",
    "date": "--date",
    "level": "--level",
    "division": "--division",
    "unit": "--unit",
}


def _value(value: Any, percent: bool) -> str:
    if value is None:
        return "—"  # nothing to divide: no rate, not 0
    return f"{value}%" if percent else str(value)


def _scope_name(scope: Mapping[str, str], names: Names) -> str:
    if scope["level"] == "unit":
        return names.unit(scope["code"])
    return names.place(scope["code"])


def report_lines(report: JsonObject, names: Names) -> list[str]:
    """The report as staff read it: figures with numerator and denominator, breakdowns, the unit ranking."""
    period, scope = report["period"], report["scope"]
    lines = [
        f"报表：{_scope_name(scope, names)}（{LEVELS[scope['level']]}）",
        f"期间：{period['from']} 至 {period['to']}（{period['days']}天，两端均含）",
        f"统计时间：{local_time(report['as_of'])}　口径版本：{report['definitions']}",
    ]
    if report.get("provisional"):
        lines.append("注意：部分年份的法定节假日安排尚未载入，工作日按周一至周五（法定节假日除外）计算（暂定）")
    rows = []
    for row in figure_rows(report):
        is_rate = row["key"].endswith(("_rate", "_share"))
        rows.append(
            [
                row["label"],
                _value(row["value"], is_rate),
                "" if row["numerator"] is None else str(row["numerator"]),
                "" if row["denominator"] is None else str(row["denominator"]),
            ]
        )
    lines += ["", *table(["指标", "数值", "分子", "分母"], rows)]
    for key, (title, vocabulary) in BREAKDOWNS.items():
        breakdown = report[key]
        if not breakdown:
            continue
        lines += ["", title]
        lines += table(
            ["", *BREAKDOWN_FIGURES.values(), "化解率"],
            [
                [
                    label(vocabulary, code),
                    *(str(tally[figure]) for figure in BREAKDOWN_FIGURES),
                    _value(tally["resolution_rate"]["value"], True),
                ]
                for code, tally in breakdown.items()
            ],
            "  ",
        )
    lines += ["", "单位排名"]
    lines += table(
        ["名次", "单位", "办结任务数", "按期办结率", "化解率"],
        [
            [
                "未排名" if row["rank"] is None else str(row["rank"]),
                names.unit(row["unit"]),
                str(row["parts_ended"]),
                _value(row["on_time_rate"]["value"], True),
                _value(row["resolution_rate"]["value"], True),
            ]
            for row in report["ranking"]
        ],
        "  ",
    )
    lines += ["", f"排名规则：{report['ranking_rule']}"]
    # A supervision older than the ranking's own definitions gives none.
    for key, name in (("on_time_rate", "按期办结率"), ("resolution_rate", "化解率")):
        if key in report.get("ranking_definitions", {}):
            lines.append(f"排名中的{name}：{report['ranking_definitions'][key]}")
    spot = report.get("spot_checks")
    if spot:
        share, done = spot["share"], spot["done_rate"]
        findings = spot["findings"]
        lines += [
            "",
            "回访抽查",
            f"  本期结案 {spot['closed']} 件，抽取 {spot['drawn']} 件（抽查比例 {_value(share['value'], True)}），"
            f"已回访 {spot['done']} 件（完成率 {_value(done['value'], True)}）",
            f"  满意 {findings['satisfied']} 件，基本满意 {findings['basically_satisfied']} 件，"
            f"不满意 {findings['dissatisfied']} 件；因抽查不满意重新办理 {spot['reopened']} 件",
        ]
    return lines


def report_query(
    start: datetime | None,
    end: datetime | None,
    period: str | None,
    day: datetime | None,
    level: str,
    division: str | None,
    unit: str | None,
) -> dict[str, str]:
    """The API's query parameters; supervision checks them and names what is wrong."""
    query: dict[str, str] = {"level": level}
    if period is not None:
        query["period"] = period
    # Sent whenever given: with --from and --to supervision refuses it (range_or_period), rather than the report
    # coming back for the range as if --date had not been typed.
    if day is not None:
        query["date"] = day.date().isoformat()
    if start is not None:
        query["from"] = start.date().isoformat()
    if end is not None:
        query["to"] = end.date().isoformat()
    if division is not None:
        query["division"] = division
    if unit is not None:
        query["unit"] = unit
    return query


@click.command("report")
@click.option("--from", "start", type=DATE, metavar="YYYY-MM-DD", help="起始日（北京时间的日期），含当日")
@click.option("--to", "end", type=DATE, metavar="YYYY-MM-DD", help="截止日（北京时间的日期），含当日")
@click.option(
    "--period",
    type=click.Choice(["day", "week", "month"]),
    help="日小结（day）/周调度（week）/月总结（month），代替 --from/--to（两者都不给时：本月，同工作台的总览）",
)
@click.option(
    "--date", "day", type=DATE, metavar="YYYY-MM-DD", help="与 --period 同用：取包含该日的日、周或月（默认今天）"
)
@click.option(
    "--level",
    type=click.Choice(list(LEVELS)),
    default="county",
    show_default=True,
    help="范围：county 全县，township 乡镇，unit 单位",
)
@click.option("--division", metavar="CODE", help="乡镇的9位区划代码（与 --level township 同用）")
@click.option("--unit", metavar="UNIT", help="单位代码，如 police:430426101（与 --level unit 同用）")
@click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出（API 的原始答复，稳定的键和代码）")
@click.option("--csv", "as_csv", is_flag=True, help="CSV 输出：每项指标一行（含全县的回访抽查），其后是单位排名")
def report_command(
    start: datetime | None,
    end: datetime | None,
    period: str | None,
    day: datetime | None,
    level: str,
    division: str | None,
    unit: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """领导报表（日小结/周调度/月总结）：各项数量、比率与单位排名。

    由检查督导组（supervision）统计；比率按公布的统计口径计算，报表注明口径版本。
    """
    if as_json and as_csv:
        raise click.UsageError("--json 与 --csv 只能选一个")
    if period is None and start is None and end is None:
        period = "month"  # as the console's 总览 opens: this month, or the month of --date
    if period is not None and day is None:
        day = datetime.now(CHINA_TZ)  # today as the county's centre counts days
    settings = load_settings()
    query = report_query(start, end, period, day, level, division, unit)
    answer = ask_platform(
        settings,
        "supervision",
        lambda client: client.call("GET", "supervision", "/api/v1/reports?" + urlencode(query)),
        Refusals("查询条件有误：", QUERY_OPTIONS),
    )
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
    elif as_csv:
        names = Names.of(settings)
        click.echo(report_csv(answer, names.unit, names.places.name), nl=False)
    else:
        for line in report_lines(answer, Names.of(settings)):
            click.echo(line)
