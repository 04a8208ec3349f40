"""The governance centres at county, township and village level (三级综治中心), from config/centres.toml."""

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from shared.config_errors import ConfigFileError, load_config_file, quoted
from shared.registry import CENTRE, AgencyRegistry, load_registry

# A threshold of working days past a deadline; 0 escalates at the first timer run after the deadline.
MAX_ESCALATION_WORKING_DAYS = 60

# `call_in = "*"`: every agency of the registry, those that join later included.
EVERY_AGENCY = "*"

# A centre's public phone as a receipt prints it: digits in groups joined by hyphens (0734-6123456, 12345).
_PHONE = re.compile(r"^[0-9]+(?:-[0-9]+)*$")
MAX_PHONE_LENGTH = 20
MAX_ADDRESS_LENGTH = 100


class Level(StrEnum):
    """A centre's level, by the length of its division code (national statistical format)."""

    COUNTY = "county"  # 县级综治中心, 6 digits
    TOWNSHIP = "township"  # 乡镇综治中心, 9 digits
    VILLAGE = "village"  # 村（社区）综治中心 / 五源共治站, 12 digits

    @property
    def digits(self) -> int:
        return _DIGITS[self]

    @classmethod
    def of(cls, division_code: str) -> "Level":
        """The level of a division code: 6 digits county, 9 township, 12 village."""
        for level, digits in _DIGITS.items():
            if len(division_code) == digits:
                return level
        raise ValueError(f"{division_code!r}: a division code has 6, 9 or 12 digits")


_DIGITS = {Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}


class CentresError(ConfigFileError):
    """centres.toml is malformed: `field` names the entry and key as the file spells it (`centres[2].call_in`),
    the message says in Chinese what is wrong, `code` says it for scripts."""


@dataclass(frozen=True)
class Centre:
    """One centre: its division, its name, the agencies it may call in (吹哨报到), and where citizens reach it
    (the phone and address its receipts print; None when not set)."""

    division: str
    name: str
    call_in: tuple[str, ...]
    phone: str | None = None
    address: str | None = None

    @property
    def level(self) -> Level:
        return Level.of(self.division)

    @property
    def unit(self) -> str:
        """The centre as a unit code, as accounts are bound to it: 'centre:430426101'."""
        return f"{CENTRE}:{self.division}"

    def covers(self, division_code: str) -> bool:
        return division_code.startswith(self.division)


@dataclass(frozen=True)
class Centres:
    """The county's centres, and after how many working days past its deadline an overdue referral at each
    level goes up one level (`escalate_after`)."""

    county: Centre
    centres: tuple[Centre, ...]  # the county first, then the others in division-code order
    escalate_after: dict[Level, int]

    def get(self, division: str) -> Centre | None:
        return next((c for c in self.centres if c.division == division), None)

    def holding(self, division_code: str) -> Centre:
        """The centre nearest a place: the one with the longest division code that covers it (the county's
        at the least). A unit's own division gives the centre its case is held at."""
        covering = [c for c in self.centres if c.covers(division_code)]
        return max(covering, key=lambda c: len(c.division), default=self.county)

    def within(self, division_code: str) -> list[Centre]:
        """The centres set up inside a place, below it (a township's village centres), in division-code order."""
        return [c for c in self.centres if c.division != division_code and c.division.startswith(division_code)]

    def above(self, centre: Centre) -> Centre | None:
        """The next centre up: the nearest that covers this one, None for the county's (the top)."""
        covering = [c for c in self.centres if c.division != centre.division and centre.division.startswith(c.division)]
        return max(covering, key=lambda c: len(c.division), default=None)


def parse_centres(data: dict[str, Any], county: str, registry: AgencyRegistry) -> Centres:
    unknown = set(data) - {"levels", "centres"}
    if unknown:
        raise CentresError(sorted(unknown)[0], "未知的键；本文件只有 [levels] 和 [[centres]] 两部分", "unknown_key")
    escalate_after = _levels(data.get("levels"))
    entries = data.get("centres")
    if not isinstance(entries, list) or not entries:
        raise CentresError(
            "centres", f"至少要有一段 [[centres]]：本县的综治中心（division = {quoted(county)}）", "required"
        )
    centres = [_centre(i, entry, county, registry) for i, entry in enumerate(entries)]
    seen: dict[str, int] = {}
    for i, centre in enumerate(centres):
        if centre.division in seen:
            raise CentresError(
                f"centres[{i}].division",
                f"区划代码 {quoted(centre.division)} 已由 centres[{seen[centre.division]}] 列出，每个综治中心只列一次",
                "duplicate",
            )
        seen[centre.division] = i
    top = next((c for c in centres if c.division == county), None)
    if top is None:
        raise CentresError(
            "centres",
            f"缺少本县自己的综治中心：须有一段 [[centres]] 写 division = {quoted(county)}（本县的区划代码）",
            "county_centre_missing",
        )
    rest = sorted((c for c in centres if c is not top), key=lambda c: c.division)
    return Centres(county=top, centres=(top, *rest), escalate_after=escalate_after)


_LEVEL_WORDS = {Level.COUNTY: "县", Level.TOWNSHIP: "乡镇", Level.VILLAGE: "村"}
_LEVELS_LISTED = "、".join(f"{level.value}（{_LEVEL_WORDS[level]}）" for level in Level)
_DAYS_EXPECTED = f"逾期多少个工作日后升级到上一级，0 至 {MAX_ESCALATION_WORKING_DAYS} 的整数"


def _levels(value: object) -> dict[Level, int]:
    if not isinstance(value, dict):
        raise CentresError(
            "levels", "缺少此项：每一级一张表，[levels.county]、[levels.township]、[levels.village]", "required"
        )
    for key in value:
        if key not in set(Level):
            raise CentresError(f"levels.{key}", f"未知的级别；应为 {_LEVELS_LISTED} 之一", "unknown_key")
    out = {}
    for level in Level:
        where = f"levels.{level}.escalate_after_working_days"
        entry = value.get(level.value)
        if not isinstance(entry, dict) or "escalate_after_working_days" not in entry:
            raise CentresError(where, f"缺少此项：{_DAYS_EXPECTED}", "required")
        extra = set(entry) - {"escalate_after_working_days"}
        if extra:
            raise CentresError(
                f"levels.{level}.{sorted(extra)[0]}",
                "未知的键；每一级只有 escalate_after_working_days 一项",
                "unknown_field",
            )
        days = entry["escalate_after_working_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_ESCALATION_WORKING_DAYS:
            raise CentresError(
                where,
                f"应为 0 至 {MAX_ESCALATION_WORKING_DAYS} 的整数（逾期多少个工作日后升级到上一级，不加引号）；"
                f"现为 {quoted(days)}",
                "invalid_value",
            )
        out[level] = days
    return out


_DIVISION_EXPECTED = "6位（县）、9位（乡镇）或12位（村）数字的区划代码，加引号，如 “430426101”"


def _centre(index: int, entry: object, county: str, registry: AgencyRegistry) -> Centre:
    where = f"centres[{index}]"
    if not isinstance(entry, dict):
        raise CentresError(where, "应为一段 [[centres]]，其下写 division、name 和 call_in", "wrong_type")
    extra = set(entry) - {"division", "name", "call_in", "phone", "address"}
    if extra:
        raise CentresError(
            f"{where}.{sorted(extra)[0]}",
            "未知的键；每个综治中心只有 division、name、call_in、phone 和 address",
            "unknown_field",
        )
    division = entry.get("division")
    if division is None:
        raise CentresError(f"{where}.division", f"缺少此项：{_DIVISION_EXPECTED}", "required")
    if isinstance(division, int) and not isinstance(division, bool):
        raise CentresError(
            f"{where}.division", f'区划代码要加引号（是文字，不是数）：写作 division = "{division}"', "wrong_type"
        )
    if not isinstance(division, str) or not division.isascii() or not division.isdigit():
        raise CentresError(f"{where}.division", f"应为{_DIVISION_EXPECTED}；现为 {quoted(division)}", "invalid_value")
    try:
        Level.of(division)
    except ValueError:
        raise CentresError(
            f"{where}.division",
            f"区划代码 {quoted(division)} 是{len(division)}位；应为{_DIVISION_EXPECTED}",
            "invalid_value",
        ) from None
    if not division.startswith(county):
        raise CentresError(
            f"{where}.division",
            f"区划代码 {quoted(division)} 不在本县（{county}）之内：本县的区划代码都以 {county} 开头",
            "not_in_county",
        )
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CentresError(f"{where}.name", "缺少此项：综治中心的中文名称，如 “砖塘镇综治中心”", "required")
    call_in = entry.get("call_in", [])
    if call_in == EVERY_AGENCY:
        # The county centre calls in any department: one that joins is callable with no edit here.
        call_in = [code for code in registry.agencies if code != CENTRE]
    if not isinstance(call_in, list) or not all(isinstance(code, str) for code in call_in):
        raise CentresError(
            f"{where}.call_in", '应为机构代码的列表，如 ["police", "court"]，或 "*"（全部机构）', "wrong_type"
        )
    for code in call_in:
        if code not in registry.agencies or code == CENTRE:
            known = "、".join(sorted(set(registry.agencies) - {CENTRE}))
            raise CentresError(
                f"{where}.call_in",
                f"没有代码为 {quoted(code)} 的机构；可召集的是 {known}（见 agencies.toml）",
                "unknown_agency",
            )
    if len(set(call_in)) != len(call_in):
        twice = next(code for code in call_in if call_in.count(code) > 1)
        raise CentresError(f"{where}.call_in", f"机构 {quoted(twice)} 列了两次，每个机构只列一次", "duplicate")
    return Centre(
        division=division,
        name=name.strip(),
        call_in=tuple(call_in),
        phone=_phone(where, entry.get("phone")),
        address=_address(where, entry.get("address")),
    )


def _phone(where: str, value: object) -> str | None:
    """The centre's phone for citizens, as its receipts print it; None when the entry sets none."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        raise CentresError(
            f"{where}.phone", f'电话号码要加引号（是文字，不是数）：写作 phone = "{value}"', "wrong_type"
        )
    if (
        not isinstance(value, str)
        or not value.isascii()
        or not _PHONE.fullmatch(value)
        or len(value) > MAX_PHONE_LENGTH
    ):
        raise CentresError(
            f"{where}.phone",
            f"应为电话号码，只含数字和连字符，不超过{MAX_PHONE_LENGTH}位，如 “0734-6123456”；现为 {quoted(value)}",
            "invalid_value",
        )
    return value


def _address(where: str, value: object) -> str | None:
    """The centre's address for citizens, one line as its receipts print it; None when the entry sets none."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CentresError(
            f"{where}.address", "应为综治中心的地址，一行文字，如 “祁东县洪桥街道永昌路1号”", "invalid_value"
        )
    address = value.strip()
    if "\n" in address or "\r" in address or len(address) > MAX_ADDRESS_LENGTH:
        raise CentresError(
            f"{where}.address",
            f"地址应写在一行之内，不超过{MAX_ADDRESS_LENGTH}字；现为 {quoted(address)}",
            "invalid_value",
        )
    return address


def load_centres_file(path: Path, county: str, registry: AgencyRegistry) -> Centres:
    """The centres of the file at `path`; CentresError naming the file and the key otherwise."""
    return load_config_file(path, CentresError, lambda data: parse_centres(data, county, registry))


def load_centres(config_dir: Path, county: str, registry: AgencyRegistry) -> Centres:
    return load_centres_file(Path(config_dir) / "centres.toml", county, registry)


@cache
def county_centres(config_dir: Path, county: str) -> Centres:
    """The county's centres, read once per process (restart a service after editing the file)."""
    return load_centres(config_dir, county, load_registry(config_dir))
