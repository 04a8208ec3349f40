"""The agency registry: which agencies exist, which service speaks for each, how it runs, and at what level
they have units."""

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from shared.config_errors import ConfigFileError, load_config_file, quoted
from shared.contracts.identifiers import split_unit, truncate_division
from shared.contracts.vocabulary import WINDOW_SOURCES, Source

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
CENTRE = "centre"
# The platform's own services: no agency may take one of their names.
PLATFORM_SERVICES = ("intake", "coordinator", "supervision", "identity", "console")
# A code ends up in unit codes ("women:430426"), a service name in queue, user, database and file names.
AGENCY_CODE = re.compile(r"^[a-z]{2,16}$")
SERVICE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
MODULE_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
IMPLEMENTATION_KEYS = {"command", "directory", "image", "health_url", "database"}


class RegistryError(ConfigFileError):
    """The agency registry file is malformed: `field` names the entry and key as the file spells it
    (`agencies.women.service`), the message says in Chinese what is wrong, `code` says it for scripts."""


# What each required key of an agency holds, said where it is missing.
_REQUIRED = {
    "name_zh": "机构的中文名称，如 “妇联”",
    "name_en": "机构的英文名称，如 “Women's federation”",
    "service": "机构服务的名称，小写字母开头，如 “women_link”",
    "unit_digits": "该机构的单位设在哪一级：6（县）、9（乡镇）或 12（村）",
}
_FED_SOURCES = "、".join(source.value for source in Source if source not in WINDOW_SOURCES)


@dataclass(frozen=True)
class Implementation:
    """How an agency's service runs: a Python package the platform runs, or an external service in any
    language that the platform provisions (broker user, queues, database) and watches."""

    kind: Literal["python", "external"] = "python"
    module: str | None = None  # python: the module that defines SERVICE; None is services.<service>.service
    command: tuple[str, ...] = ()  # external: how `wuyuan up` starts it; () when it runs elsewhere
    directory: str | None = None  # external: its working directory, relative to the repository root
    image: str | None = None  # external: the container image compose and Kubernetes run
    health_url: str | None = None  # external, run elsewhere: where it answers GET /health
    database: bool = True  # the platform makes it a database of its own, owned by its role

    @property
    def managed(self) -> bool:
        """True when `wuyuan up` starts and stops it."""
        return self.kind == "python" or bool(self.command)

    def module_of(self, service: str) -> str:
        return self.module or f"services.{service}.service"


PYTHON = Implementation()


@dataclass(frozen=True)
class Agency:
    code: str
    service: str
    unit_digits: int
    name_zh: str
    name_en: str
    feeds: Source | None
    # How one of its units is called, with {place} for the division's name: "{place}派出所".
    unit_name: str = "{place}{agency}"
    implementation: Implementation = field(default=PYTHON)

    def unit_for(self, division_code: str) -> str:
        """The unit of this agency that is competent for a place (谁主管谁负责, by level)."""
        return f"{self.code}:{truncate_division(division_code, self.unit_digits)}"


@dataclass(frozen=True)
class AgencyRegistry:
    agencies: dict[str, Agency]

    def get(self, code: str) -> Agency:
        try:
            return self.agencies[code]
        except KeyError:
            raise KeyError(f"unknown agency {code!r}; known: {', '.join(sorted(self.agencies))}") from None

    def service_for_unit(self, unit: str) -> str:
        agency_code, _ = split_unit(unit)
        return self.get(agency_code).service

    def by_service(self, service: str) -> Agency:
        for agency in self.agencies.values():
            if agency.service == service:
                return agency
        raise KeyError(f"no agency is served by {service!r}")

    def below_its_level(self, unit: str) -> Agency | None:
        """The agency of a unit finer than the agency's units stand (a court unit at a township, where courts are
        county-level: `unit_digits`), or None for a unit at its agency's level or above (a county bureau over its
        stations), for an agency the registry does not know, and for a centre, whose units config/centres.toml sets
        at any level. No officer account can be bound to such a unit, so a referral to it could never be accepted:
        the one rule for the units an account is bound to (wuyuan accounts) and those a case is assigned or called
        in to by hand (the coordinator, and the console's choices)."""
        code, division = split_unit(unit)
        agency = self.agencies.get(code)
        if agency is None or code == CENTRE or len(division) <= agency.unit_digits:
            return None
        return agency

    def centre_unit(self, county: str) -> str:
        return self.get(CENTRE).unit_for(county)

    def agency_services(self) -> tuple[str, ...]:
        """The services that speak for agencies, in the registry's order; the centre's (the coordinator) is
        one of the platform's own."""
        return tuple(agency.service for code, agency in self.agencies.items() if code != CENTRE)

    def implementation_of(self, service: str) -> Implementation:
        return self.by_service(service).implementation


def parse_registry(data: dict[str, Any]) -> AgencyRegistry:
    entries = data.get("agencies")
    if not isinstance(entries, dict) or not entries:
        raise RegistryError("agencies", "缺少此项：每个机构一张表 [agencies.<机构代码>]", "required")
    agencies = {}
    for code, entry in entries.items():
        where = f"agencies.{code}"
        if not isinstance(entry, dict):
            raise RegistryError(
                where, "应为一张表 [agencies.<机构代码>]，其下写 name_zh、name_en、service、unit_digits", "wrong_type"
            )
        missing = next((key for key in _REQUIRED if key not in entry), None)
        if missing is not None:
            raise RegistryError(f"{where}.{missing}", f"缺少此项：{_REQUIRED[missing]}", "required")
        unit_digits = _whole_number(entry["unit_digits"])
        if unit_digits not in (6, 9, 12):
            raise RegistryError(
                f"{where}.unit_digits",
                f"应为 {_REQUIRED['unit_digits']}；现为 {quoted(entry['unit_digits'])}",
                "invalid_value",
            )
        if code != CENTRE and not AGENCY_CODE.match(code):
            raise RegistryError(
                where, f"机构代码 {quoted(code)} 不合要求：应为 2 至 16 个小写英文字母，如 women", "invalid_value"
            )
        service = str(entry["service"])
        _check_service(code, service, where)
        feeds = entry.get("feeds")
        if feeds and feeds not in set(Source):
            raise RegistryError(
                f"{where}.feeds", f"没有 {quoted(feeds)} 这一来源；应为 {_FED_SOURCES} 之一", "invalid_value"
            )
        agencies[code] = Agency(
            code=code,
            service=service,
            unit_digits=unit_digits,
            name_zh=str(entry["name_zh"]),
            name_en=str(entry["name_en"]),
            feeds=Source(feeds) if feeds else None,
            unit_name=_unit_name_pattern(entry.get("unit_name", "{place}{agency}"), where),
            implementation=_implementation(entry, where),
        )
    if CENTRE not in agencies:
        raise RegistryError(
            "agencies.centre", '缺少综治中心自己的条目：[agencies.centre]，其 service = "coordinator"', "required"
        )
    _check_unique_services(agencies)
    _check_unique_feeds(agencies)
    return AgencyRegistry(agencies)


def _whole_number(value: object) -> int | None:
    """A number as int() reads it ("6" too, as the registry always took it), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _check_service(code: str, service: str, where: str) -> None:
    if code == CENTRE:
        if service != "coordinator":
            raise RegistryError(
                f"{where}.service",
                f'综治中心由综合协调组服务：应为 "coordinator"；现为 {quoted(service)}',
                "invalid_value",
            )
        return
    if not SERVICE_NAME.match(service):
        raise RegistryError(
            f"{where}.service",
            f"服务名 {quoted(service)} 不合要求：应为 2 至 31 个小写英文字母、数字或“_”，以字母开头，如 women_link",
            "invalid_value",
        )
    if service in PLATFORM_SERVICES:
        raise RegistryError(
            f"{where}.service",
            f"{quoted(service)} 是平台自身服务的名称，机构不能用；请另取一个，如 {quoted(f'{code}_link')}",
            "not_allowed",
        )


def _check_unique_services(agencies: dict[str, Agency]) -> None:
    seen: dict[str, str] = {}
    for code, agency in agencies.items():
        if agency.service in seen:
            raise RegistryError(
                f"agencies.{code}.service",
                f"服务名 {quoted(agency.service)} 已由 agencies.{seen[agency.service]} 使用，每个机构的服务名各不相同",
                "duplicate",
            )
        seen[agency.service] = code


def _check_unique_feeds(agencies: dict[str, Agency]) -> None:
    """Intake takes an agency's records as its source by the registry alone: a second agency naming the same source
    could file records, and take over cases, as the first; one naming the window's channels could file its records as
    the centre's own registrations."""
    fed: dict[Source, str] = {}
    for code, agency in agencies.items():
        if agency.feeds is None:
            continue
        if agency.feeds in WINDOW_SOURCES:
            raise RegistryError(
                f"agencies.{code}.feeds",
                f"{quoted(agency.feeds.value)} 是综治中心窗口自己的登记渠道，由信息收集组（intake）登记；"
                f"机构报入的应是五源之一：{_FED_SOURCES}",
                "not_allowed",
            )
        if agency.feeds in fed:
            raise RegistryError(
                f"agencies.{code}.feeds",
                f"来源 {quoted(agency.feeds.value)} 已由 agencies.{fed[agency.feeds]} 报入：一个来源只能由一个机构报入",
                "duplicate",
            )
        fed[agency.feeds] = code


def _implementation(entry: dict[str, Any], where: str) -> Implementation:
    module = entry.get("module")
    external = entry.get("external")
    if module is not None and (not isinstance(module, str) or not MODULE_PATH.match(module)):
        raise RegistryError(
            f"{where}.module", "应为 Python 模块的点分路径，如 “services.women_link.service”", "invalid_value"
        )
    if external is None:
        return Implementation(module=module)
    where = f"{where}.external"
    if module is not None:
        raise RegistryError(
            where, f"外部机构不是 Python 包，没有模块：请删去 {where.removesuffix('.external')}.module", "conflict"
        )
    if not isinstance(external, dict):
        raise RegistryError(where, f"应为一张表 [{where}]，其下写 command 或 health_url", "wrong_type")
    unknown = sorted(set(external) - IMPLEMENTATION_KEYS)
    if unknown:
        known = "、".join(sorted(IMPLEMENTATION_KEYS))
        raise RegistryError(f"{where}.{unknown[0]}", f"未知的键；可写的是 {known}", "unknown_field")
    command = external.get("command", [])
    if not isinstance(command, list) or not all(isinstance(part, str) and part for part in command):
        raise RegistryError(
            f"{where}.command", '应为启动命令的各个词组成的列表，如 ["node", "agency.js"]', "wrong_type"
        )
    directory = _optional_text(external, "directory", where)
    if directory is not None and ".." in Path(directory).parts:
        raise RegistryError(
            f"{where}.directory", f"须是仓库之内的目录（不能含“..”）；现为 {quoted(directory)}", "invalid_value"
        )
    health_url = _optional_text(external, "health_url", where)
    if health_url is not None and not re.match(r"^https?://[^\s/]+(/\S*)?$", health_url):
        raise RegistryError(
            f"{where}.health_url",
            f"应为 http:// 或 https:// 地址，如 “https://fulian.example.cn/health”；现为 {quoted(health_url)}",
            "invalid_value",
        )
    if not command and health_url is None:
        raise RegistryError(
            where, "须写 command（由平台启动它）或 health_url（它在别处运行，平台只查看它是否健康）", "required"
        )
    if command and health_url is not None:
        raise RegistryError(
            f"{where}.health_url",
            "只用于在别处运行的机构；写了 command 的机构由平台启动，健康检查由它自己提供：请删去此项或 command",
            "conflict",
        )
    database = external.get("database", True)
    if not isinstance(database, bool):
        raise RegistryError(
            f"{where}.database", f"应为 true 或 false（不加引号）；现为 {quoted(database)}", "wrong_type"
        )
    return Implementation(
        kind="external",
        command=tuple(command),
        directory=directory,
        image=_optional_text(external, "image", where),
        health_url=health_url,
        database=database,
    )


def _optional_text(table: dict[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise RegistryError(f"{where}.{key}", "应为加引号的、非空的文字", "wrong_type")
    return value


def _unit_name_pattern(pattern: object, where: str) -> str:
    if not isinstance(pattern, str) or "{place}" not in pattern:
        raise RegistryError(f"{where}.unit_name", "应为含 {place}（地名）的文字，如 “{place}派出所”", "invalid_value")
    try:
        pattern.format(place="", agency="")
    except (KeyError, IndexError, ValueError):
        raise RegistryError(
            f"{where}.unit_name",
            f"其中只能用 {{place}} 和 {{agency}} 两个占位；现为 {quoted(pattern)}",
            "invalid_value",
        ) from None
    return pattern


@cache
def load_registry(config_dir: Path = DEFAULT_CONFIG_DIR) -> AgencyRegistry:
    """The registry in config_dir; RegistryError naming the file and the key otherwise (OSError if it is unreadable)."""
    path = Path(config_dir) / "agencies.toml"
    return load_config_file(path, RegistryError, parse_registry)
