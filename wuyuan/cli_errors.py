"""How a `wuyuan` command fails: in Chinese, naming the setting, option, file or service, with a code for --json."""

from __future__ import annotations

import errno
import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit

import click
import requests
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from shared.config_errors import toml_error_text
from shared.registry import RegistryError
from shared.wording import field_error_text, field_label
from wuyuan.client import PlatformClient, PlatformError, ServiceUnreachable
from wuyuan.settings import PLATFORM_SERVICE_NAMES, PlatformSettings

Answer = TypeVar("Answer")


class CommandError(click.ClickException):
    """A failure as staff read it. Under the command's --json it is printed as {"error": code, "message": …}
    on standard output instead, so that a script reads the code; the exit status is non-zero either way.

    `detail` is what lay behind it in another's words (a service's raw answer, a library's error): in the JSON,
    and after the message with `wuyuan --verbose`, never in the line staff read by default."""

    def __init__(
        self, code: str, message: str, details: Mapping[str, Any] | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.details = dict(details or {})
        self.detail = detail
        # Decided where it is raised: click shows it after the command's context has closed.
        self.as_json = _json_wanted()
        self.verbose = verbose_wanted()

    def show(self, file: IO[Any] | None = None) -> None:
        if not self.as_json:
            text = f"错误：{self.message}"
            if self.verbose and self.detail:
                text += f"\n  详情：{self.detail}"
            click.echo(text, file=file, err=file is None)
            return
        extra = {"detail": self.detail} if self.detail else {}
        answer = {"error": self.code, "message": self.message, **self.details, **extra}
        click.echo(json.dumps(answer, ensure_ascii=False))


class CommandUsageError(CommandError):
    """A failure of what was typed (an option the service refused): click's exit status for a usage error."""

    exit_code = 2


def _json_wanted() -> bool:
    context = click.get_current_context(silent=True)
    while context is not None:
        if context.params.get("as_json"):
            return True
        context = context.parent
    return False


def verbose_wanted() -> bool:
    """`wuyuan --verbose …`: errors end with what lay behind them."""
    context = click.get_current_context(silent=True)
    return bool(context is not None and context.find_root().params.get("verbose"))


# --- settings --------------------------------------------------------------------------------------------


def load_settings() -> PlatformSettings:
    """The WUYUAN_* settings, or CommandError `invalid_setting` naming each one that is wrong, never the value
    given (it may be a password or a token)."""
    try:
        return PlatformSettings()
    except ValueError as invalid:  # pydantic's ValidationError, or pydantic-settings' unreadable JSON
        lines = "\n".join(f"  {line}" for line in setting_errors(invalid))
        raise CommandError("invalid_setting", f"WUYUAN_* 设置有误：\n{lines}") from None


# What a setting's text must look like, where a pattern alone would not say it to an operator.
_SETTING_SHAPES = {
    "county": "所服务县的6位区划代码，如 430426",
    "vhost": "字母、数字、“_”“.”“-”，至多64个字符",
    "db_prefix": "小写字母开头，只用小写字母、数字和“_”，如 wuyuan_",
    "pg_admin_url": "postgresql:// 地址",
    "auth_jwks_url": "http(s):// 或 file:// 地址",
    "public_url": "http(s):// 地址，如 https://zzzx.example.gov.cn",
    "cli_username": "账号名，不含空格",
}


def setting_errors(invalid: ValueError) -> list[str]:
    """One line per refused setting, in Chinese."""
    if isinstance(invalid, ValidationError):
        return [_setting_error(item) for item in invalid.errors(include_input=False, include_url=False)]
    unreadable = re.search(r'field "([a-z_]+)"', str(invalid))  # pydantic-settings could not parse it as JSON
    if unreadable:
        return [f'{_variable((unreadable.group(1),))}：不是有效的 JSON（对象写作 {{"键": "值"}}）']
    return [str(invalid)]


def _variable(location: tuple[int | str, ...]) -> str:
    """('pg_admin_urls', 'court_link') → 'WUYUAN_PG_ADMIN_URLS.court_link'."""
    first, *rest = location
    return ".".join([f"WUYUAN_{str(first).upper()}", *(str(part) for part in rest)])


def _setting_error(item: ErrorDetails) -> str:
    context = item.get("ctx") or {}
    message = item["msg"].removeprefix("Value error, ")
    if not item["loc"]:  # a check across settings: the agency registry it reads, or its own sentence
        cause = context.get("error")
        if isinstance(cause, tomllib.TOMLDecodeError | RegistryError):
            return f"配置文件 {_registry_path()} 有误：{config_error_text(cause)}"
        for pattern, chinese in _SETTING_SENTENCES:
            found = pattern.match(message)
            if found:
                return chinese(found)
        return message
    field = str(item["loc"][0])
    kind = item["type"]
    if kind == "string_pattern_mismatch":
        reason = f"格式不对，应为{_SETTING_SHAPES[field]}" if field in _SETTING_SHAPES else "格式不对"
    elif kind == "value_error":
        reason = message
    else:
        constraint = _CONSTRAINTS.get(kind)
        reason = constraint(context) if constraint is not None else message
    return f"{_variable(item['loc'])}：{reason}"


# pydantic's error types as an operator reads them, with the bound the setting broke.
_CONSTRAINTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda ctx: "必须设置",
    "int_parsing": lambda ctx: "应为整数",
    "int_type": lambda ctx: "应为整数",
    "int_from_float": lambda ctx: "应为整数",
    "float_parsing": lambda ctx: "应为数字",
    "bool_parsing": lambda ctx: "应为 true 或 false",
    "greater_than": lambda ctx: f"须大于 {_bound(ctx.get('gt'))}",
    "greater_than_equal": lambda ctx: f"不能小于 {_bound(ctx.get('ge'))}",
    "less_than": lambda ctx: f"须小于 {_bound(ctx.get('lt'))}",
    "less_than_equal": lambda ctx: f"不能大于 {_bound(ctx.get('le'))}",
    "string_too_short": lambda ctx: f"至少 {ctx.get('min_length')} 个字符",
    "string_too_long": lambda ctx: f"至多 {ctx.get('max_length')} 个字符",
    "literal_error": lambda ctx: f"应为 {str(ctx.get('expected')).replace(' or ', '、')} 之一",
    "dict_type": lambda ctx: '应为 JSON 对象，如 {"coordinator": "…"}',
    "json_invalid": lambda ctx: "不是有效的 JSON",
    "string_type": lambda ctx: "应为文字",
    "string_unicode": lambda ctx: "含有不是 UTF-8 编码的字节；请按 UTF-8 设置",
}


# PlatformSettings' own checks across settings (wuyuan/settings.py, shared/secret_values.py), by their sentence.
_SECRET_PROBLEMS = {"is empty": "是空的", "is a placeholder": "是示例中的占位值"}
_SETTING_SENTENCES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"^([a-z_]+): unknown (?:service|user) '(.+)'; (?:services|users) are (.+)$"),
        lambda m: f"{_variable((m[1],))}：没有 {m[2]}；可用的有 {m[3]}",
    ),
    (
        re.compile(r"^([a-z_]+)\.(\S+): not a postgresql:// URL$"),
        lambda m: f"{_variable((m[1], m[2]))}：不是 postgresql:// 地址",
    ),
    (
        re.compile(r"^([a-z_]+)\.(\S+): use letters, digits, '-' and '_' only$"),
        lambda m: f"{_variable((m[1], m[2]))}：只可用字母、数字、“-”和“_”",
    ),
    (
        re.compile(r"^(WUYUAN_\S+): the secret (is empty|is a placeholder|is shorter than (\d+) characters)"),
        lambda m: (
            f"{m[1]}：密码{_SECRET_PROBLEMS.get(m[2], f'短于{m[3]}个字符')}；请设置随机值"
            "（openssl rand -hex 24），开发机上可设 WUYUAN_DEV_MODE=true"
        ),
    ),
    (
        re.compile(r"^config_dir: no agency registry at (\S+)"),
        lambda m: f"WUYUAN_CONFIG_DIR：读不到机构登记表 {m[1]}",
    ),
)


def _bound(value: object) -> str:
    """49, not 49.0: a bound as it would be written."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _registry_path() -> Path:
    """The agency registry the settings read: WUYUAN_CONFIG_DIR's, else the default."""
    default = PlatformSettings.model_fields["config_dir"].default
    return Path(os.environ.get("WUYUAN_CONFIG_DIR") or default) / "agencies.toml"


def config_error_text(error: Exception) -> str:
    """Why a configuration file cannot be used: its TOML, or the check that refused an entry."""
    if isinstance(error, tomllib.TOMLDecodeError):
        return toml_error_text(error)
    if isinstance(error, FileNotFoundError):
        return "文件不存在"
    if isinstance(error, PermissionError):
        return "没有读取权限"
    if isinstance(error, UnicodeDecodeError):
        return "不是 UTF-8 编码的文本"
    if isinstance(error, IsADirectoryError):
        return "这是一个目录，不是文件"
    if isinstance(error, OSError) and error.errno == errno.EFBIG and error.strerror:  # os_words.read_limited
        return error.strerror
    if isinstance(error, OSError):
        from wuyuan.os_words import os_error_words

        return f"无法读取（{os_error_words(error)}）"
    return str(error)  # the parsers' own refusals (shared.config_errors), in Chinese and naming the key


# --- the database server ------------------------------------------------------------------------------------

# PostgreSQL's refusal of a connection when it has max_connections already (SQLSTATE 53300): "sorry, too many clients
# already", or, with only the slots kept for superusers left, "remaining connection slots are reserved for …".
_SERVER_FULL = re.compile(r"too many clients already|remaining connection slots are reserved", re.IGNORECASE)
TOO_MANY_CONNECTIONS = "53300"


def database_server(database_url: str) -> str:
    """'127.0.0.1:5432': the server a postgresql:// URL names, without its credentials."""
    parts = urlsplit(database_url)
    try:
        return f"{parts.hostname or '127.0.0.1'}:{parts.port or 5432}"
    except ValueError:  # a port that is not a number
        return parts.hostname or "?"


def database_full(error: BaseException, database_url: str) -> CommandError | None:
    """CommandError `database_full` when `error` (or what it wraps) is the server refusing a connection for want of a
    free one, naming the server; None for any other error. Said so, an operator does not go looking for a platform
    that is not running: the platform runs, and its services hold the connections."""
    cause: BaseException | None = error
    while cause is not None:
        if getattr(cause, "sqlstate", None) == TOO_MANY_CONNECTIONS or _SERVER_FULL.search(str(cause)):
            break
        cause = cause.__cause__ or cause.__context__
    else:
        return None
    server = database_server(database_url)
    return CommandError(
        "database_full",
        f"数据库服务器 {server} 的连接已满（已达 max_connections），本命令连不上：平台未必有问题，是连接被占满了。"
        "请稍后重试；或查看谁占着连接（SELECT usename, datname, count(*) FROM pg_stat_activity GROUP BY 1, 2）"
        "并停掉不用的程序；长期不够时由数据库管理员调大 max_connections（postgresql.conf，重启数据库后生效），"
        "或减小各服务的连接池（WUYUAN_DB_POOL_SIZE）",
        detail=" ".join(str(error).split()),
    )


# --- the services' answers ---------------------------------------------------------------------------------


def service_words(service: str, settings: PlatformSettings | None = None) -> str:
    """'综合协调组（coordinator）', or an agency's name with its service."""
    words = settings.service_name_zh(service) if settings is not None else PLATFORM_SERVICE_NAMES.get(service)
    return f"{words}（{service}）" if words else service


# The console's words for a value picked from a list, as a command line asks it to be typed.
_TYPED_NOT_CHOSEN = {
    "请选择单位": "应为单位代码（机构:区划代码），如 police:430426101",
    "请选择发生地点": "应为6、9或12位的区划代码，如 430426101",
    "请从列表中选择综治中心": "应为综治中心所在地的6、9或12位区划代码（如 430426101）或其地名",
    "请从列表中选择乡镇": "应为本县乡镇的9位区划代码，如 430426101",
    "不是本县的乡镇或村（社区），请从列表中选择": "不是本县的乡镇或村（社区）（见区划配置 divisions.toml）",
}


def typed_field_text(error: Mapping[str, Any]) -> str:
    """field_error_text, with the console's "choose …" said as what to type."""
    text = field_error_text(error)
    return _TYPED_NOT_CHOSEN.get(text, text)


@dataclass(frozen=True)
class Refusals:
    """How one command words a service's refusals: a 400's title and each field by the option that set it
    (`options` maps the API's parameters to the command's options, else `name_of` names a field), and a 404."""

    title: str = "请求有误："
    options: Mapping[str, str] = field(default_factory=dict)
    name_of: Callable[[str], str] | None = None
    field_text: Callable[[Mapping[str, Any]], str] = typed_field_text
    not_found: str | None = None
    # A 409's rule (its code) as staff should read it.
    conflicts: Mapping[str, str] = field(default_factory=dict)

    def field_name(self, path: str) -> str:
        if self.name_of is not None:
            return self.name_of(path)
        return self.options.get(path.split(".")[0]) or field_label(path)


def ask_platform(
    settings: PlatformSettings,
    service: str,
    question: Callable[[PlatformClient], Answer],
    refusals: Refusals = Refusals(),
) -> Answer:
    """What `question` gets from the platform, signed in as the settings say; or CommandError in Chinese."""
    try:
        return question(PlatformClient.from_settings(settings))
    except (PlatformError, OSError) as error:
        raise platform_failure(error, service, settings, refusals) from None


def platform_failure(
    error: PlatformError | OSError,
    service: str,
    settings: PlatformSettings | None = None,
    refusals: Refusals = Refusals(),
) -> CommandError:
    """A failed call as staff read it: unreachable, not signed in, or the service's refusal."""
    if isinstance(error, ServiceUnreachable):
        return CommandError(f"{error.service}_unreachable", str(error), detail=error.detail)
    if isinstance(error, requests.exceptions.InvalidJSONError):
        words = service_words(service, settings)
        return CommandError("service_error", f"{words}的回答无法读取（不是 JSON）", detail=str(error))
    if isinstance(error, OSError):
        words = service_words(service, settings)
        return CommandError(
            f"{service}_unreachable",
            f"连不上{words}；平台是否已经启动？用 `wuyuan status` 查看",
            detail=str(error),
        )
    if error.code != "service_refused":  # sign-in, role or address: the client said it in Chinese already
        return CommandError(error.code, str(error), detail=error.detail)
    failure = refusal_error(error.answer or {}, error.status, error.service or service, settings, refusals)
    failure.detail = error.detail
    return failure


def refusal_error(
    answer: Mapping[str, Any],
    status: int | None,
    service: str,
    settings: PlatformSettings | None = None,
    refusals: Refusals = Refusals(),
) -> CommandError:
    """A service's refusal ({"error", "message", "fields"?}) in Chinese, with the API's code for scripts."""
    words = service_words(service, settings)
    code = str(answer.get("error") or "service_refused")
    fields = answer.get("fields") or []
    if fields or code == "invalid_input":
        lines = refusal_lines(answer, refusals)
        said = str(answer.get("message") or "") or None  # the service's own words: --verbose and --json
        return CommandUsageError("invalid_input", "\n".join(lines), {"fields": fields}, detail=said)
    if status == 404 or code == "not_found":
        return CommandError("not_found", refusals.not_found or f"{words}没有找到所要的内容")
    if code == "in_progress":  # the same Idempotency-Key's first request has not finished yet
        return CommandError("in_progress", f"{words}仍在办理同一请求，请稍后再试（结果不会重复）")
    if status == 409 or code == "conflict":
        # The service's message opens with its rule ('already_extended: …') and goes on in English: staff read
        # the rule in Chinese where the command has words for it, else the rule itself; the English is the detail.
        message = str(answer.get("message") or "")
        opening = message.partition(": ")[0]
        # A rule is a code ('already_extended'); a conflict without one opens with the database's English sentence.
        rule = str(answer.get("code") or (opening if re.fullmatch(r"[a-z][a-z0-9_]{0,63}", opening) else "conflict"))
        said = refusals.conflicts.get(rule) or ("与现有记录冲突" if rule == "conflict" else f"与现有记录冲突（{rule}）")
        return CommandError("conflict", f"{words}未予办理：{said}", {"refusal": rule}, detail=message or None)
    if status == 403 or code == "forbidden":
        return CommandError("forbidden", f"{words}拒绝：所用账号没有此操作所需的角色或单位")
    if status == 401:
        return CommandError("sign_in_refused", f"{words}不接受所用的登录：登录已过期或无效，请重新登录")
    if status == 503 or code == "unavailable":
        return CommandError(
            f"{service}_unavailable", f"{words}暂时不可用（其数据库或消息队列未就绪），请稍后再试；`wuyuan status` 查看"
        )
    if status is not None and status >= 500:
        return CommandError("service_error", f"{words}内部出错（{status}）：请查看它的日志（wuyuan logs {service}）")
    # A refusal with no sentence here: its status and code; the service's own words are the detail (--verbose).
    said = f"，{code}" if code != "service_refused" else ""
    return CommandError(
        "service_refused", f"{words}拒绝了请求（{status}{said}）", detail=str(answer.get("message") or "") or None
    )


# What field_error_text says of an error it has no sentence for.
_NO_SENTENCE = field_error_text({})


def refusal_lines(answer: Mapping[str, Any], refusals: Refusals = Refusals()) -> list[str]:
    """A 400's field errors, each named by the option that set it ('--from：请填写日期，如2026-12-04')."""
    lines = [refusals.title]
    for error in answer.get("fields") or []:
        text = refusals.field_text(error)
        if text == _NO_SENTENCE:  # the service's own words then say what is wrong
            text += f"（{error.get('message', '')}）"
        lines.append(f"  {refusals.field_name(str(error.get('field', '')))}：{text}")
    if len(lines) == 1:  # no field named: the service's words are the detail (--verbose), not this line
        lines.append("  服务未指明哪一项有误；加 --verbose 可看服务的原话")
    return lines


def services_named(settings: PlatformSettings, names: tuple[str, ...], hint: str) -> tuple[str, ...]:
    """The services typed, each by its name or its agency's code, or a usage error naming the known ones."""
    found = []
    for name in names:
        service = settings.service_called(name)
        if service is None:
            known = ", ".join(settings.services)
            raise click.BadParameter(f"未知服务 {name!r}；可选：{known}（或其机构代码，如 court）", param_hint=hint)
        found.append(service)
    return tuple(found)
