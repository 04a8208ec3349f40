"""`wuyuan calendar`: load a year of the official holiday calendar (节假日安排) from its notice, and show a year."""

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import click

from shared.calendar_file import CalendarFileError, read_calendar_file
from shared.wording import PROVISIONAL_MARK, local_time
from wuyuan.client import JsonObject, PlatformClient, PlatformError, ServiceUnreachable
from wuyuan.labels import Names
from wuyuan.settings import PlatformSettings

# The working account with the operator role (wuyuan/accounts.py); a person signed in acts as themselves.
OPERATOR = "demo.operator"
WEEKDAYS = "一二三四五六日"


@click.group("calendar")
def calendar_group() -> None:
    """The official holiday calendar (节假日安排) deadlines are counted by."""


@calendar_group.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="correct a year chinesecalendar already knows")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output (the API's answer)")
def calendar_load(file: Path, replace: bool, as_json: bool) -> None:
    """Check a year file (config/calendar/README.md) and load it at the coordinator as an operator."""
    try:
        calendar = read_calendar_file(file)
    except CalendarFileError as invalid:
        lines = [f"  {field_in_chinese(field)}（{field}）：{message}" for field, message in invalid.fields]
        raise click.ClickException("节假日安排文件有误，未载入：\n" + "\n".join(lines)) from None
    body: JsonObject = {**calendar.model_dump(mode="json"), "replace": replace}
    settings = PlatformSettings()
    answer = _ask(
        settings,
        lambda client: client.call("PUT", "coordinator", f"/api/v1/calendar/{calendar.year}", body, as_user=OPERATOR),
    )
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    names = Names.of(settings)
    weekends = answer.get("working_weekends") or []
    head = "已载入" if answer.get("changed") else "与已载入的安排相同，未作改动："
    click.echo(
        f"{head}{answer['year']}年节假日安排：节假日{answer['holiday_days']}天，调休上班{len(weekends)}天"
        + (f"（{'、'.join(_day(d) for d in weekends)}）" if weekends else "")
    )
    recomputed = answer.get("recomputed") or []
    click.echo(f"重算期限{len(recomputed)}件" + ("：" if recomputed else ""))
    for line in recomputed:
        mark = PROVISIONAL_MARK if line.get("due_provisional") else ""
        click.echo(
            f"  {line['case_id']}  {names.unit(line['unit'])}  "
            f"{local_time(line['previous_due_at'])} → {local_time(line['due_at'])}{mark}"
        )


@calendar_group.command("show")
@click.argument("year", type=click.IntRange(2004, 2100))
@click.option("--json", "as_json", is_flag=True, help="machine-readable output (the API's answer)")
def calendar_show(year: int, as_json: bool) -> None:
    """A year's holidays by name and its 调休 working weekends, and whether it is from the library or loaded."""
    settings = PlatformSettings()
    answer = _ask(settings, lambda client: client.call("GET", "coordinator", f"/api/v1/calendar/{year}"))
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    for line in year_lines(answer):
        click.echo(line)


def year_lines(answer: JsonObject) -> list[str]:
    """A year as `wuyuan calendar show` prints it, in Chinese."""
    year, origin = answer["year"], answer.get("origin")
    if origin == "unknown":
        return [f"{year}年节假日安排尚未载入：延伸至该年的期限按周一至周五暂计，标注“暂定”。"]
    if origin == "loaded":
        source = (
            f"已载入：{answer.get('source')}（{answer.get('loaded_by')}于{local_time(answer.get('loaded_at'))}载入）"
        )
    else:
        source = "来源：chinesecalendar 内置"
    lines = [f"{year}年节假日安排（{source}）"]
    for holiday in answer.get("holidays") or []:
        days = holiday["days"]
        lines.append(f"  {holiday['name']}：{_span(days)}（{len(days)}天）")
    weekends = answer.get("working_weekends") or []
    lines.append("调休上班：" + ("、".join(_day(d) for d in weekends) if weekends else "无"))
    return lines


def field_in_chinese(field: str) -> str:
    """'holidays[1].days[3]' → '第2个节假日的第4天': the place in the file as staff would say it."""
    words = {"year": "年份", "source": "通知来源", "name": "名称", "(file)": "文件"}
    parts = []
    for name, index in re.findall(r"([a-z_()]+)(?:\[(\d+)\])?", field):
        if name == "holidays":
            parts.append(f"第{int(index) + 1}个节假日" if index else "节假日")
        elif name == "days":
            parts.append(f"第{int(index) + 1}天" if index else "日期")
        elif name == "working_weekends":
            parts.append(f"第{int(index) + 1}个调休上班日" if index else "调休上班日")
        else:
            parts.append(words.get(name, name))
    return "的".join(parts)


def _day(text: str) -> str:
    day = date.fromisoformat(text)
    return f"{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"


def _span(days: list[str]) -> str:
    """'1月1日至1月3日' for consecutive days; each day, '、'-separated, when they are not."""
    dates = sorted(date.fromisoformat(d) for d in days)
    first, last = dates[0], dates[-1]
    if first == last:
        return f"{first.month}月{first.day}日"
    if (last - first).days + 1 == len(dates):
        return f"{first.month}月{first.day}日至{last.month}月{last.day}日"
    return "、".join(f"{d.month}月{d.day}日" for d in dates)


def _ask(settings: PlatformSettings, question: Any) -> JsonObject:
    try:
        answer: JsonObject = question(PlatformClient.from_settings(settings))
    except PlatformError as error:
        raise click.ClickException(str(error)) from None
    except ServiceUnreachable as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(
            f"连不上综合协调组（coordinator）：{error}；平台是否已经启动？用 `wuyuan status` 查看"
        ) from None
    return answer
