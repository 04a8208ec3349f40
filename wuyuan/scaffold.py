"""A new Python agency's files (`wuyuan agency new`): package, README, tests, registry entry; pure, writes nothing."""

import json
import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from string import Template

from shared.config_errors import toml_error_text
from shared.contracts.vocabulary import WINDOW_SOURCES, Source
from shared.registry import AGENCY_CODE, AgencyRegistry, RegistryError, parse_registry
from shared.wording import Places, unit_name

TEMPLATES = Path(__file__).resolve().parent / "templates" / "agency"
# The agency base's migrations, which an agency's own come after.
AGENCY_MIGRATIONS = Path(__file__).resolve().parents[1] / "shared" / "agency" / "migrations"
REGISTRY_FILE = "config/agencies.toml"
UNIT_LEVELS = {6: "县级", 9: "乡镇级", 12: "村级"}
LEVELS_EN = {6: "county", 9: "township", 12: "village"}
# The generated tests and examples place their case in a village of the default county (config/divisions.toml),
# and name a unit of the same agency at the same level that does not cover it.
SAMPLE_PLACE = "430426101203"
SAMPLE_PLACES = Places({"430426": "祁东县", "430426101": "砖塘镇", "430426101203": "新塘村"})
NEIGHBOURING_DIVISION = {6: "430424", 9: "430426102", 12: "430426101205"}
# Names end up in TOML and Python string literals and in lines ruff holds to 120 columns.
MAX_NAME_ZH = 16
MAX_NAME_EN = 60
MAX_UNIT_NAME = 24
UNSAFE_IN_NAMES = re.compile(r'["\\\x00-\x1f\x7f]')


class ScaffoldRefused(ValueError):
    """An agency that cannot be scaffolded; the message, in Chinese, names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}：{message}")
        self.field = field
        self.reason = message


@dataclass(frozen=True)
class AgencySpec:
    """What `wuyuan agency new` is told about the agency."""

    code: str
    name_zh: str
    name_en: str
    unit_digits: int = 6
    unit_name: str | None = None  # None: "{place}" followed by the Chinese name
    feeds: str | None = None

    @property
    def service(self) -> str:
        return f"{self.code}_link"

    @property
    def class_name(self) -> str:
        return f"{self.code.capitalize()}Link"

    @property
    def unit_pattern(self) -> str:
        return self.unit_name if self.unit_name is not None else "{place}" + self.name_zh

    def unit_for(self, division: str) -> str:
        return f"{self.code}:{division[: self.unit_digits]}"


@dataclass(frozen=True)
class Scaffold:
    """The files to write, by path relative to the repository root, and the registry with the new entry."""

    spec: AgencySpec
    files: dict[str, str]
    registry_entry: str
    registry_text: str  # the whole of config/agencies.toml, the entry appended; parsed and checked

    @property
    def directories(self) -> list[str]:
        return directories_of(self.spec)


def directories_of(spec: AgencySpec) -> list[str]:
    """The directories the agency's files go into; none of them may exist yet."""
    return [f"services/{spec.service}", f"tests/unit/{spec.service}", f"tests/service/{spec.service}"]


def check_spec(spec: AgencySpec) -> None:
    """Refuse, naming the field, anything the registry, the templates or the tools would choke on."""
    if not AGENCY_CODE.fullmatch(spec.code):
        raise ScaffoldRefused("code", f"机构代码须为 2 至 16 位小写字母（如 women），收到 {spec.code!r}")
    _check_name("name_zh", spec.name_zh, MAX_NAME_ZH, "中文名称")
    _check_name("name_en", spec.name_en, MAX_NAME_EN, "英文名称")
    if spec.unit_digits not in UNIT_LEVELS:
        raise ScaffoldRefused("unit_digits", f"单位层级须为 6（县）、9（乡镇）或 12（村）位，收到 {spec.unit_digits}")
    pattern = spec.unit_pattern
    _check_name("unit_name", pattern, MAX_UNIT_NAME, "单位名称格式")
    if "{place}" not in pattern:
        raise ScaffoldRefused("unit_name", f"单位名称格式须含 {{place}}（地名），如 {{place}}妇联，收到 {pattern!r}")
    try:
        pattern.format(place="", agency="")
    except (KeyError, IndexError, ValueError):
        raise ScaffoldRefused("unit_name", "单位名称格式中只能出现 {place} 与 {agency}") from None
    fed_by_agencies = [source.value for source in Source if source not in WINDOW_SOURCES]
    if spec.feeds is not None and spec.feeds in {source.value for source in WINDOW_SOURCES}:
        raise ScaffoldRefused(
            "feeds",
            f"{spec.feeds} 是综治中心窗口自己的登记渠道，不是机构报入记录的来源；机构的来源须为以下之一："
            f"{'、'.join(fed_by_agencies)}（新机构通常不填 --feeds，见 docs/integrating-an-agency.md 第 7 节）",
        )
    if spec.feeds is not None and spec.feeds not in fed_by_agencies:
        raise ScaffoldRefused("feeds", f"来源须为以下之一：{'、'.join(fed_by_agencies)}；收到 {spec.feeds!r}")


def _check_name(field: str, value: str, longest: int, what: str) -> None:
    if not value.strip() or value != value.strip():
        raise ScaffoldRefused(field, f"{what}不能为空，首尾不能有空格")
    if len(value) > longest:
        raise ScaffoldRefused(field, f"{what}最多 {longest} 个字符，收到 {len(value)} 个")
    if UNSAFE_IN_NAMES.search(value):
        raise ScaffoldRefused(field, f"{what}不能含双引号、反斜杠或控制字符")


def render(spec: AgencySpec, registry_text: str, existing: Collection[str] = ()) -> Scaffold:
    """The agency's files and the registry with its entry, or ScaffoldRefused naming the field.

    `registry_text` is config/agencies.toml as it is now; `existing` the paths among `directories_of(spec)`
    that already exist (nothing is overwritten).
    """
    check_spec(spec)
    registry = _parse(registry_text, "现有的登记表有误，请先改正")
    _check_free(spec, registry, existing)
    entry = registry_entry(spec)
    text = registry_text + ("" if registry_text.endswith("\n") or not registry_text else "\n") + "\n" + entry
    added = _parse(text, "加入新机构后登记表无法通过校验")
    if spec.code not in added.agencies or added.agencies[spec.code].service != spec.service:
        raise ScaffoldRefused(REGISTRY_FILE, f"追加的条目未被读作 agencies.{spec.code}，请检查文件末尾")
    return Scaffold(spec=spec, files=agency_files(spec, added), registry_entry=entry, registry_text=text)


def _parse(text: str, problem: str) -> AgencyRegistry:
    try:
        return parse_registry(tomllib.loads(text))
    except tomllib.TOMLDecodeError as invalid:
        raise ScaffoldRefused(REGISTRY_FILE, f"{problem}：{toml_error_text(invalid)}") from None
    except RegistryError as invalid:
        raise ScaffoldRefused(REGISTRY_FILE, f"{problem}：{invalid}") from None


def _check_free(spec: AgencySpec, registry: AgencyRegistry, existing: Collection[str]) -> None:
    if spec.code in registry.agencies:
        raise ScaffoldRefused("code", f"机构代码 {spec.code} 已在 {REGISTRY_FILE} 中登记")
    for code, agency in registry.agencies.items():
        if agency.service == spec.service:
            raise ScaffoldRefused("code", f"服务 {spec.service} 已由 agencies.{code} 使用")
        if spec.feeds is not None and agency.feeds is not None and agency.feeds.value == spec.feeds:
            raise ScaffoldRefused(
                "feeds",
                f"来源 {spec.feeds} 已由 {agency.name_zh}（agencies.{code}）提供：一个来源只能由一个机构报入，"
                "否则另一机构可以冒其名报案；新机构通常不填 --feeds（见 docs/integrating-an-agency.md 第 7 节）",
            )
    for directory in directories_of(spec):
        if directory in existing:
            raise ScaffoldRefused("code", f"目录 {directory} 已存在，不会覆盖")


def registry_entry(spec: AgencySpec) -> str:
    values = {
        "code": spec.code,
        "service": spec.service,
        "name_zh_toml": _literal(spec.name_zh),
        "name_en_toml": _literal(spec.name_en),
        "unit_digits": str(spec.unit_digits),
        "unit_name_toml": _literal(spec.unit_pattern),
    }
    entry = _fill("registry_entry.toml", values)
    return entry + (f'feeds = "{spec.feeds}"\n' if spec.feeds else "")


def agency_files(spec: AgencySpec, registry: AgencyRegistry) -> dict[str, str]:
    """The files, rendered for an agency `registry` already holds."""
    values = _values(spec, registry)
    package, unit_tests, service_tests = directories_of(spec)
    return {
        f"{package}/__init__.py": _fill("__init__.py", values),
        f"{package}/service.py": _fill("service.py", values),
        f"{package}/README.md": _fill("README.md", values),
        f"{unit_tests}/test_{spec.code}_agency.py": _fill("test_unit.py", values),
        f"{service_tests}/test_{spec.code}_referrals.py": _fill("test_service.py", values),
    }


def _fill(template: str, values: dict[str, str]) -> str:
    return Template((TEMPLATES / f"{template}.tmpl").read_text(encoding="utf-8")).substitute(values)


def _literal(value: str) -> str:
    """A double-quoted string, the same in TOML and Python (names hold no quote, backslash or control character)."""
    return json.dumps(value, ensure_ascii=False)


def latest_agency_migration() -> str:
    """The agency base's last migration, which an agency's own first migration depends on."""
    return max(path.stem for path in AGENCY_MIGRATIONS.glob("a[0-9]*.sql"))


def _values(spec: AgencySpec, registry: AgencyRegistry) -> dict[str, str]:
    unit = spec.unit_for(SAMPLE_PLACE)
    values = {
        "latest_agency_migration": latest_agency_migration(),
        "code": spec.code,
        "service": spec.service,
        "class_name": spec.class_name,
        "name_zh": spec.name_zh,
        "name_en": spec.name_en,
        "name_zh_python": _literal(spec.name_zh),
        "name_en_python": _literal(spec.name_en),
        "unit_digits": str(spec.unit_digits),
        "unit_name": spec.unit_pattern,
        "level_zh": f"{LEVELS_EN[spec.unit_digits]}, {UNIT_LEVELS[spec.unit_digits]}",
        "unit": unit,
        "unit_reading_python": _literal(unit_name(unit, registry, SAMPLE_PLACES)),
        "neighbouring_unit": f"{spec.code}:{NEIGHBOURING_DIVISION[spec.unit_digits]}",
        "feeds": spec.feeds or "",
        "record_id": f"{spec.code.upper()}-2026-0001",
        "messages_import": _messages_import(spec),
        "http_import": "" if spec.feeds else "from shared.http import BadInput\n",
    }
    # What differs with a source of its own: the README's paragraph on records and the tests of feeding one.
    feeding = "feeds" if spec.feeds else "no_feeds"
    values["feeds_paragraph"] = _fill(f"readme_{feeding}.md", values).rstrip("\n")
    values["feeding_tests"] = _fill(f"test_service_{feeding}.py", values).rstrip("\n")
    return values


def _messages_import(spec: AgencySpec) -> str:
    names = ["ReferralAccepted", "ReferralDeclined", "ReferralIssued", "ResultReported"]
    if spec.feeds:
        names.insert(3, "RegisterDispute")
    line = f"from shared.contracts.messages import {', '.join(names)}"
    if len(line) <= 120:
        return line
    return "from shared.contracts.messages import (\n" + "".join(f"    {name},\n" for name in names) + ")"
