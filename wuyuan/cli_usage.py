"""A mistyped `wuyuan` command line, said in Chinese: click's own usage errors, with a code under --json."""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

import click

# What a date or time format asks for, as it is written on a form.
_FORMAT_FIELDS = {"%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "HH", "%M": "mm", "%S": "ss", "%z": "+08:00"}
_PATH_KINDS = {"File": "文件", "Directory": "目录", "Path": "路径", "file": "文件", "directory": "目录", "path": "路径"}
_QUOTED = re.compile(r"""'([^']*)'|"([^"]*)\"""")


def _quoted(text: str) -> list[str]:
    """The values of a list click prints with repr: "'a', 'b'" → ['a', 'b']."""
    return [single if single or not double else double for single, double in _QUOTED.findall(text)]


def _format_words(formats: str) -> str:
    """The formats click lists ('%Y-%m-%d') as a form writes them: '日期，应为 YYYY-MM-DD，如 2026-12-04'."""
    written = []
    for pattern in _quoted(formats):
        for field, words in _FORMAT_FIELDS.items():
            pattern = pattern.replace(field, words)
        written.append(pattern)
    if written == ["YYYY-MM-DD"]:
        return "日期，应为 YYYY-MM-DD，如 2026-12-04"
    return "时间，应为 " + " 或 ".join(written)


# click's ranges ('x>=1', '0<=x<=500', '0<x<1' …: IntRange and FloatRange describe themselves so) in words.
_NUMBER = r"(-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?|-?inf)"
_RANGES = (
    (re.compile(rf"{_NUMBER}<=x<={_NUMBER}"), r"\1至\2"),
    (re.compile(rf"{_NUMBER}<x<{_NUMBER}"), r"大于\1且小于\2"),
    (re.compile(rf"{_NUMBER}<=x<{_NUMBER}"), r"不小于\1且小于\2"),
    (re.compile(rf"{_NUMBER}<x<={_NUMBER}"), r"大于\1且不大于\2"),
    (re.compile(rf"\bx>={_NUMBER}"), r"至少\1"),
    (re.compile(rf"\bx<={_NUMBER}"), r"至多\1"),
    (re.compile(rf"\bx>{_NUMBER}"), r"大于\1"),
    (re.compile(rf"\bx<{_NUMBER}"), r"小于\1"),
)


def _range_words(text: str) -> str:
    """click's 'x>=1' or '1<=x<=49', in a command's help and its refusals, as Chinese says it: '至少1', '1至49'."""
    for pattern, words in _RANGES:
        text = pattern.sub(words, text)
    return text


# What an option takes, where click names its type in English (click 8: a type's name in capitals, a range's with
# RANGE) and where ours do: the word staff read in the help instead, as the option's own help goes on to say.
_METAVARS = {
    "INTEGER RANGE": "整数",
    "FLOAT RANGE": "数值",
    "INTEGER": "整数",
    "FLOAT": "数值",
    "BOOLEAN": "是或否",
    "TEXT": "文字",
    "DIRECTORY": "目录",
    "FILENAME": "文件",
    "FILE": "文件",
    "PATH": "路径",
    "SECONDS": "秒数",
    "UNIT": "单位代码",
    "DIVISION": "区划",
    "CODE": "代码",
}
_METAVAR = re.compile(rf"(?<=[ =])({'|'.join(sorted(_METAVARS, key=len, reverse=True))})(?=$|[ .,\]])")


def metavar_words(term: str) -> str:
    """An option's line in the help ('--keep INTEGER RANGE') with what it takes in Chinese ('--keep 整数')."""
    return _METAVAR.sub(lambda m: _METAVARS[m[1]], term)


# click's parameter-type messages (click 8, pinned in constraints.txt), and how staff read them.
_VALUE = r"^(['\"])(.*)\1 "  # the value as click quotes it: m[2]
_PATH = r"^(File|Directory|Path|file|directory|path) (['\"])(.*)\2 "  # the kind m[1], the path m[3]
_ACCESS = {"readable": "读取", "writable": "写入", "executable": "执行"}
_TYPE_MESSAGES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(_VALUE + r"does not match the formats? (.+)\.$"), lambda m: f"“{m[2]}”不是有效的{_format_words(m[3])}"),
    (
        re.compile(_VALUE + r"is not one of (.+)\.$"),
        lambda m: f"“{m[2]}”不在可选范围内；可选：{'、'.join(_quoted(m[3]))}",
    ),
    (re.compile(_VALUE + r"is not (['\"].*)\.$"), lambda m: f"“{m[2]}”不可用；只能是 {'、'.join(_quoted(m[3]))}"),
    (re.compile(_VALUE + r"is not a valid integer( range)?\.$"), lambda m: f"“{m[2]}”不是整数"),
    (re.compile(_VALUE + r"is not a valid float( range)?\.$"), lambda m: f"“{m[2]}”不是数字"),
    (re.compile(_VALUE + r"is not a valid boolean\."), lambda m: f"“{m[2]}”应为 true 或 false"),
    (re.compile(_VALUE + r"is not a valid UUID\.$"), lambda m: f"“{m[2]}”不是有效的 UUID"),
    (re.compile(r"^(.+) is not in the range (.+)\.$"), lambda m: f"{m[1]} 超出允许的范围（{_range_words(m[2])}）"),
    (re.compile(_PATH + r"does not exist\.$"), lambda m: f"{_PATH_KINDS[m[1]]} {m[3]} 不存在"),
    (re.compile(_PATH + r"is a file\.$"), lambda m: f"{m[3]} 是文件，应为目录"),
    (re.compile(_PATH + r"is a directory\.$"), lambda m: f"{m[3]} 是目录，应为文件"),
    (re.compile(_PATH + r"is not (readable|writable|executable)\.$"), lambda m: f"{m[3]} 没有{_ACCESS[m[4]]}权限"),
)

# click's own usage errors that are no parameter's.
_USAGE_MESSAGES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^No such command (['\"])(.*)\1\.$"), lambda m: f"没有命令 {m[2]}"),
    (re.compile(r"^Got unexpected extra arguments? \((.*)\)$"), lambda m: f"多余的参数：{m[1]}"),
    (re.compile(r"^Missing command\.$"), lambda m: "缺少命令"),
    (re.compile(r"^Option (['\"])(.*)\1 requires an argument\.$"), lambda m: f"选项 {m[2]} 后面要给出一个值"),
    (re.compile(r"^Option (['\"])(.*)\1 requires (\d+) arguments\.$"), lambda m: f"选项 {m[2]} 后面要给出 {m[3]} 个值"),
    (re.compile(r"^Option (['\"])(.*)\1 does not take a value\.$"), lambda m: f"选项 {m[2]} 不带值"),
    (re.compile(r"^Argument (['\"])(.*)\1 takes (\d+) values\.$"), lambda m: f"参数 {m[2]} 要给出 {m[3]} 个值"),
)


def _translated(message: str, table: Sequence[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]) -> str:
    """The message in Chinese; one already in Chinese (our own callbacks') as it is."""
    for pattern, chinese in table:
        found = pattern.match(message)
        if found:
            return chinese(found)
    return message


def _hint(error: click.BadParameter) -> str | None:
    """'--from' or 'SERVICE': the parameter as it was typed, without click's quotes."""
    hint: Any = error.param_hint
    if hint is None and error.param is not None:
        hint = error.param.get_error_hint(error.ctx)
    if hint is None:
        return None
    # click quotes each of an option's names and joins them: "'-n' / '--lines'".
    names = hint.split(" / ") if isinstance(hint, str) else list(hint)
    return " / ".join(name.strip("'\"") for name in names)


def usage_text(error: click.UsageError) -> tuple[str, str | None]:
    """(the error in Chinese, the option or argument at fault if one is)."""
    if isinstance(error, click.MissingParameter):
        hint = _hint(error)
        kind = error.param_type or (error.param.param_type_name if error.param is not None else "parameter")
        what = {"argument": "参数", "option": "选项"}.get(kind, "参数")
        text = f"缺少{what} {hint}" if hint else f"缺少{what}"
        if error.param is not None and isinstance(error.param.type, click.Choice):
            text += f"；可选：{'、'.join(str(choice) for choice in error.param.type.choices)}"
        return text, hint
    if isinstance(error, click.NoSuchOption):
        text = f"没有选项 {error.option_name}"
        if error.possibilities:
            text += f"；是否要用 {'、'.join(sorted(error.possibilities))}？"
        return text, error.option_name
    if isinstance(error, click.BadOptionUsage):
        return _translated(error.message, _USAGE_MESSAGES), error.option_name
    if isinstance(error, click.BadParameter):
        hint = _hint(error)
        text = _translated(error.message, _TYPE_MESSAGES)
        return (f"{hint}：{text}" if hint else text), hint
    return _translated(error.message, _USAGE_MESSAGES), None


def show_usage_error(error: click.UsageError, as_json: bool) -> NoReturn:
    """The usage error on standard error (usage line, where help is, then what is wrong), or under --json as
    {"error": "usage_error", "message", "parameter"?} on standard output; exit status 2 either way."""
    text, parameter = usage_text(error)
    if as_json:
        answer = {"error": "usage_error", "message": text, **({"parameter": parameter} if parameter else {})}
        click.echo(json.dumps(answer, ensure_ascii=False))
        sys.exit(error.exit_code)
    context = error.ctx
    if context is not None:
        usage = re.sub(r"^Usage:\s*", "用法：", context.get_usage())
        click.echo(f"{usage}\n（`{context.command_path} --help` 查看帮助）\n", err=True)
    click.echo(f"错误：{text}", err=True)
    sys.exit(error.exit_code)


def _json_asked(args: Sequence[str]) -> bool:
    """--json among the words typed before any `--`."""
    words = list(args)
    return "--json" in (words[: words.index("--")] if "--" in words else words)


# click's own words in a command's help (click 8: Usage, the headings, what an option's help ends with).
_HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
_HELP_EXTRAS = ((re.compile(r"\[default: "), "[默认："), (re.compile(r"\brequired\]"), "必填]"))


class ChineseHelpFormatter(click.HelpFormatter):
    """A command's help with click's headings and notes in Chinese, as the rest of it is."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        """click's definition list, its columns lined up by the width a terminal gives each character: an option's
        Chinese metavar ('--to 目录') is two columns a character, where click would count one."""
        worded = []
        for term, text in rows:
            for pattern, words in _HELP_EXTRAS:
                text = pattern.sub(words, text)
            worded.append((metavar_words(term), _range_words(text).replace("; ", "；")))
        first_col = min(max((_width(term) for term, _ in worded), default=0), col_max) + col_spacing
        for term, text in worded:
            self.write(f"{'':>{self.current_indent}}{term}")
            if not text:
                self.write("\n")
                continue
            if _width(term) <= first_col - col_spacing:
                self.write(" " * (first_col - _width(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = click.wrap_text(text, max(self.width - first_col - 2, 10), preserve_paragraphs=True).splitlines()
            self.write(f"{lines[0]}\n" if lines else "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


def _width(text: str) -> int:
    """The columns a terminal shows the text in: two for a wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


class Seconds(click.FloatRange):
    """A wait in seconds, `least` (1 by default) to an hour: a range alone lets 'nan' through (it compares with
    nothing), and a wait that never ends or has ended before it begins is a typing mistake, not a choice."""

    def __init__(self, least: float = 1) -> None:
        super().__init__(min=least, max=3600)

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "SECONDS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if math.isnan(seconds):
            self.fail(f"“{value}”不是数字", param, ctx)
        return seconds


# How much of a value that is not UTF-8 a refusal quotes: enough to find it, not a screenful.
_QUOTED_UNDECODABLE = 40


def _undecodable(value: object) -> str | None:
    """A value typed in bytes that are not UTF-8 (Python keeps them as lone surrogates), as it can be shown: 'a\\xffb';
    None for any other value. No request, database or file takes such text, so it is refused before a command runs."""
    for text in value if isinstance(value, tuple | list) else (value,):
        if isinstance(text, str) and _has_surrogate(text):
            shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            return shown if len(shown) <= _QUOTED_UNDECODABLE else shown[:_QUOTED_UNDECODABLE] + "…"
    return None


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= character <= "\udfff" for character in text)


class ChineseHelpContext(click.Context):
    formatter_class = ChineseHelpFormatter

    def invoke(self, callback: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Refuse, naming the option or argument, a value whose bytes are not UTF-8 before the command acts on it."""
        if self.command is not None and callback is self.command.callback:
            for parameter in self.command.params:
                shown = _undecodable(kwargs.get(parameter.name or ""))
                if shown is not None:
                    raise click.BadParameter(
                        f"“{shown}”含有不是 UTF-8 编码的字节；请按 UTF-8 输入（终端的语言环境如 zh_CN.UTF-8）",
                        ctx=self,
                        param=parameter,
                    )
        return super().invoke(callback, *args, **kwargs)


class ChineseErrorsGroup(click.Group):
    """The `wuyuan` group: every error a command line can end in is said in Chinese (ours already are; click's
    own are translated here), never with click's English "Error:" or "Aborted!"."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        words = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(words, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as error:  # a bare group: its help, as click shows it
            error.show()
            sys.exit(error.exit_code)
        except click.UsageError as error:
            show_usage_error(error, _json_asked(words))
        except click.ClickException as error:
            if type(error).show is click.ClickException.show:  # click's own wording: "Error: …"
                click.echo(f"错误：{error.format_message()}", err=True)
            else:
                error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("已取消", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)
