"""`wuyuan calendar`: load a year of the official holiday calendar (节假日安排) from its notice, and show a year."""

import json
import re
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from shared.calendar_file import (
    EXAMPLE_KEY,
    FIRST_YEAR,
    HOLIDAY_NAMES,
    LAST_YEAR,
    CalendarYear,
    error_place,
    example_field,
    without_example_mark,
)
from shared.config_errors import toml_error_text
from shared.wording import PROVISIONAL_MARK, field_error_text, local_time, person_text
from wuyuan.cli_errors import (
    CommandError,
    Refusals,
    ask_platform,
    config_error_text,
    load_settings,
)
from wuyuan.client import JsonObject, PlatformClient
from wuyuan.labels import Names
from wuyuan.os_words import read_limited

# The working account with the operator role (wuyuan/accounts.py); a person signed in acts as themselves.
OPERATOR = "demo.operator"
WEEKDAYS = "一二三四五六日"
# A year file holds a few dozen dates: read no more than this of FILE, which may be a device or a pipe that never ends.
YEAR_FILE_LIMIT = 64 * 1024


@click.group("calendar")
def calendar_group() -> None:
    """节假日安排：计算办理期限所依据的法定节假日与调休。"""


@calendar_group.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="更正 chinesecalendar 已内置的年份的安排")
@click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出（API 的原始答复）")
def calendar_load(file: Path, replace: bool, as_json: bool) -> None:
    """检查一年的节假日安排文件，以运维（operator）身份载入综合协调组。

    FILE 的写法见 config/calendar/README.md。载入后重算受影响的期限，并逐件列出。
    """
    calendar = read_year_file(file)
    body: JsonObject = {**calendar.model_dump(mode="json"), "replace": replace}
    settings = load_settings()
    answer = ask_platform(
        settings,
        "coordinator",
        lambda client: client.call("PUT", "coordinator", f"/api/v1/calendar/{calendar.year}", body, as_user=OPERATOR),
        Refusals("协调组未载入：", name_of=_field_named, field_text=calendar_error_text),
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
@click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出（API 的原始答复）")
def calendar_show(year: int, as_json: bool) -> None:
    """查看某年的节假日安排：各节假日与调休上班日。

    同时说明该年的安排来自 chinesecalendar 内置，还是由运维载入（何人、何时），或尚未载入。
    """
    settings = load_settings()
    people: dict[str, str] = {}

    def read(client: PlatformClient) -> JsonObject:
        answer = client.call("GET", "coordinator", f"/api/v1/calendar/{year}")
        loaded_by = answer.get("loaded_by") if isinstance(answer, dict) else None
        if not as_json and isinstance(loaded_by, str):  # staff read who loaded it by name, as in `case show`
            people.update(client.people([loaded_by]))
        return answer

    answer = ask_platform(settings, "coordinator", read, Refusals(not_found=f"协调组没有{year}年的节假日安排"))
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    for line in year_lines(answer, people):
        click.echo(line)


def year_lines(answer: JsonObject, people: Mapping[str, str] | None = None) -> list[str]:
    """A year as `wuyuan calendar show` prints it, in Chinese; who loaded it as 姓名（账号） where the name is known."""
    year, origin = answer["year"], answer.get("origin")
    if origin == "unknown":
        return [f"{year}年节假日安排尚未载入：延伸至该年的期限暂按周一至周五（法定节假日除外）计算，标注“暂定”。"]
    if origin == "loaded":
        account = str(answer.get("loaded_by") or "")
        loader = person_text(account, (people or {}).get(account))
        source = f"已载入：{answer.get('source')}（{loader}于{local_time(answer.get('loaded_at'))}载入）"
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
    words = {"year": "年份", "source": "通知来源", "name": "名称", "(file)": "文件", EXAMPLE_KEY: "示例标记"}
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


# --- the year file ------------------------------------------------------------------------------------------


def read_year_file(path: Path, *, allow_example: bool = False) -> CalendarYear:
    """The year file, validated as the coordinator will; or CommandError naming each entry wrong, in Chinese.

    The shipped example (`example = true`) is refused: its dates are made up. `allow_example` is for tests."""
    try:
        raw = tomllib.loads(read_limited(path, YEAR_FILE_LIMIT).decode("utf-8"))
    except FileNotFoundError:
        raise _bad_file(path, [(FILE, f"该文件不存在。{WRITE_IT}")]) from None
    except (OSError, UnicodeDecodeError) as unreadable:
        raise _bad_file(path, [(FILE, f"读不到该文件：{config_error_text(unreadable)}")]) from None
    except tomllib.TOMLDecodeError as bad:
        raise _bad_file(path, [(FILE, toml_error_text(bad))]) from None
    example = example_field(raw)
    if example is not None and not allow_example:
        raise _bad_file(path, [(example, EXAMPLE_REFUSED[example])])
    try:
        return CalendarYear.model_validate(without_example_mark(raw))
    except ValidationError as invalid:
        problems = [(error_place(item), calendar_error_text(_as_field_error(item))) for item in invalid.errors()]
        raise _bad_file(path, problems) from None


FILE = "(file)"  # the place of an error about the whole file
EXAMPLE_FILE = "config/calendar/example-2027.toml"
WRITE_IT = (
    f"每年的节假日安排文件由运维人员按国务院办公厅通知原文自行编写：复制 {EXAMPLE_FILE}，"
    "填入通知的 year、source 与每个日期，删去 example = true 一行（见 config/calendar/README.md）"
)
EXAMPLE_REFUSED = {
    EXAMPLE_KEY: (
        "这是示例文件（example = true），其中日期是编造的，不是国务院办公厅通知的安排，不能载入。"
        "请按通知原文另写该年的文件：复制本文件，替换 source 与每个日期，并删去 example = true 一行"
    ),
    "source": "仍是示例文件的文字（含“示例”）：请填写通知原文的标题与文号，并核对每个日期都已按通知替换",
}


def _field_named(field: str) -> str:
    if field == FILE:
        return "文件"
    return f"{field_in_chinese(field)}（{field}）"


def _bad_file(path: Path, problems: list[tuple[str, str]]) -> CommandError:
    lines = [f"  {_field_named(field)}：{message}" for field, message in problems]
    count = f"，共{len(problems)}处" if len(problems) > 1 else ""
    return CommandError(
        "invalid_calendar_file",
        f"节假日安排文件有误，未载入（{path}）{count}：\n" + "\n".join(lines),
        {"fields": [{"field": field, "message": message} for field, message in problems]},
    )


def _as_field_error(item: ErrorDetails) -> dict[str, Any]:
    """A pydantic error in the shape of an API's field error ({field, message, type} and its bounds)."""
    context = item.get("ctx") or {}
    message = str(context.get("message") or item["msg"])
    return {**context, "field": error_place(item), "message": message, "type": item["type"]}


# The year file's own checks (shared.calendar_file, also the coordinator's 400s), by their English sentence.
_CALENDAR_SENTENCES = (
    (re.compile(r"^(\S+) is already listed as a day off \((.+)\)$"), "{0}已列为放假日（{1}）"),
    (re.compile(r"^(\S+) is a weekday: only a Saturday or Sunday"), "{0}是工作日：调休上班只能是星期六或星期日"),
    (re.compile(r"^(\S+) is also a holiday day \((.+)\)$"), "{0}同时列为放假日（{1}）"),
    # The year said in full: 2月6日 "not in 2028" reads as a riddle when the file says 2027-02-06.
    (re.compile(r"^((\d{4})-\d\d-\d\d) is not in (\d+)$"), "{1}年{0}不在{2}年内"),
    (
        re.compile(r"^(\S+) days must be in order: (\S+) is listed after (\S+)$"),
        "{0}的日期应按先后顺序列出：{1}列在了{2}之后",
    ),
    (
        re.compile(r"^(\S+) days must be consecutive: nothing is listed between (\S+) and (\S+)$"),
        "{0}的放假日应是连续的日子（通知中每个假期都连续放假，周末也列入）：{1}与{2}之间缺了日子",
    ),
    (re.compile(r"^(.+) is listed twice$"), "{0}重复列出"),
    (re.compile(r"^the file is for (\d+), the path names (\d+)$"), "文件是{0}年的，载入的却是{1}年"),
    (re.compile(r"^chinesecalendar already knows (\d+)"), "chinesecalendar 已内置{0}年的安排；确需更正时加 --replace"),
)


HOLIDAY_SHAPE = 'name = "春节" 与 days = [2027-02-06, 2027-02-07] 两行'


def calendar_error_text(error: Mapping[str, Any]) -> str:
    """One error of a year file in Chinese, from pydantic's type or the file's own check."""
    kind, message = str(error.get("type", "")), str(error.get("message", ""))
    for pattern, chinese in _CALENDAR_SENTENCES:
        found = pattern.match(message)
        if found:
            return chinese.format(*(_readable(part) for part in found.groups()))
    if kind == "literal_error":
        return f"节日名称应为 {'、'.join(HOLIDAY_NAMES)} 之一"
    if kind.startswith("date_"):
        return "应为日期，写作 2027-01-01（不加引号）"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "应为整数年份，如 2027"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"年份应在{FIRST_YEAR}至{LAST_YEAR}之间"
    if kind == "missing":
        return "缺少此项"
    if kind == "extra_forbidden":
        return "文件中不应有此项（名称是否拼错？）"
    if kind == "string_too_short":
        return f"至少{error.get('min_length')}个字"
    if kind == "string_too_long":
        return f"至多{error.get('max_length')}个字"
    if kind == "too_short":
        return f"至少{error.get('min_length')}项"
    if kind == "too_long":
        return f"至多{error.get('max_length')}项"
    if kind == "list_type" and str(error.get("field")) == "holidays":
        return f"应为若干个节假日表，每个写作一段：[[holidays]] 一行，其下 {HOLIDAY_SHAPE}"
    if kind == "list_type":
        return "应为日期列表，如 [2027-02-06, 2027-02-07]（日期不加引号）"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"应为一个节假日表：[[holidays]] 一行，其下 {HOLIDAY_SHAPE}"
    if kind == "string_type":
        return "应为加引号的文字"
    return field_error_text(error)


def _readable(part: str) -> str:
    """A date as '1月29日（星期五）', a place in the file as staff say it; anything else as it is."""
    try:
        return _day(part)
    except ValueError:
        pass
    return field_in_chinese(part) if re.fullmatch(r"[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*", part) else part
