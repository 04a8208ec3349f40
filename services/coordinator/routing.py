"""The triage table (config/routing.toml): parsed, checked against the registry, and matched to cases."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from services.coordinator.domain.model import DayCount, Term
from shared.config_errors import ConfigFileError, load_config_file, quoted
from shared.contracts.vocabulary import Category, Flag, HandlingMode, Source
from shared.registry import CENTRE

MIN_DEADLINE_WORKING_DAYS = 1
MAX_DEADLINE_WORKING_DAYS = 60
# About as long as the longest working-day term; 信访's 60 days and 诉前调解's 30 fit.
MAX_DEADLINE_CALENDAR_DAYS = 90
_MAX_DAYS = {DayCount.WORKING: MAX_DEADLINE_WORKING_DAYS, DayCount.CALENDAR: MAX_DEADLINE_CALENDAR_DAYS}

# A term is given per role (`lead_…`, `co_…`) or for the whole rule (`deadline_…`), in working or calendar days.
_TERM_PREFIXES = ("deadline", "lead", "co")
_TERM_KEYS = {f"{prefix}_{count}_days" for prefix in _TERM_PREFIXES for count in DayCount}
_RULE_KEYS = {"category", "source", "flags", "mode", "lead", "co", "co_reserve"} | _TERM_KEYS
_ADDITION_KEYS = {"flag", "co"}
ANY = "*"
# An entry may name the level its unit is designated at, "police@county": the county bureau rather
# than the township's station, for cases the county must take itself (大事不出县, a high-risk dispute).
LEVELS = {"county": 6, "township": 9, "village": 12}


def agency_of(entry: str) -> str:
    """'police' of 'police@county' (or of 'police')."""
    return entry.partition("@")[0]


def level_digits(entry: str) -> int | None:
    """The division length an entry's unit is designated at, or None for the agency's own level."""
    level = entry.partition("@")[2]
    return LEVELS[level] if level else None


E = TypeVar("E", Category, Source, Flag, HandlingMode)


class RoutingTableError(ConfigFileError):
    """The routing table is malformed: `field` names the entry and key as the file spells it (`rules[3].lead`), the
    message says in Chinese what is wrong, `code` says it for scripts."""


# The modes and the kinds of day as the centre calls them.
MODE_WORDS = {HandlingMode.ON_THE_SPOT: "现场办", HandlingMode.SINGLE_UNIT: "马上办", HandlingMode.JOINT: "共同办"}
_DAY_WORDS = {DayCount.WORKING: "工作日", DayCount.CALENDAR: "自然日"}
CATCH_ALL = 'category = "*"，不写 source 和 flags'


def _mode(mode: HandlingMode) -> str:
    return f"{MODE_WORDS[mode]}（{mode.value}）"


@dataclass(frozen=True)
class Rule:
    """One row of the table. `category` and `source` are None where the rule matches any."""

    index: int
    category: Category | None
    source: Source | None
    flags: frozenset[Flag]
    mode: HandlingMode
    lead: tuple[str, ...]
    co: tuple[str, ...]
    co_reserve: tuple[str, ...]
    deadline_working_days: int | None
    lead_term: Term | None = None  # the lead's time; None only for on_the_spot
    co_term: Term | None = None  # every co-unit's, those the additions bring in too

    def matches(self, category: Category, source: Source, flags: Iterable[Flag]) -> bool:
        return (
            (self.category is None or self.category == category)
            and (self.source is None or self.source == source)
            and self.flags <= set(flags)
        )


@dataclass(frozen=True)
class Addition:
    """A flag that brings in one more co-unit."""

    flag: Flag
    co: str


@dataclass(frozen=True)
class Route:
    """What triage designates for one case: the matching rule after the flag additions."""

    rule_index: int
    mode: HandlingMode
    lead: tuple[str, ...]
    co: tuple[str, ...]
    co_reserve: tuple[str, ...]
    deadline_working_days: int | None
    lead_term: Term | None = None
    co_term: Term | None = None


@dataclass(frozen=True)
class RoutingTable:
    rules: tuple[Rule, ...]
    additions: tuple[Addition, ...]

    def match(self, category: Category, source: Source, flags: Iterable[Flag]) -> Rule:
        flags = set(flags)
        for rule in self.rules:
            if rule.matches(category, source, flags):
                return rule
        raise AssertionError("a validated table ends with a catch-all rule")

    def route(self, category: Category, source: Source, flags: Iterable[Flag]) -> Route:
        flags = set(flags)
        rule = self.match(category, source, flags)
        mode, co = rule.mode, list(rule.co)
        # An on-the-spot case is already settled: nobody is brought in.
        if mode is not HandlingMode.ON_THE_SPOT:
            for addition in self.additions:
                if addition.flag in flags and addition.co not in {agency_of(e) for e in (rule.lead[0], *co)}:
                    co.append(addition.co)
                    mode = HandlingMode.JOINT
        return Route(
            rule_index=rule.index,
            mode=mode,
            lead=rule.lead,
            co=tuple(co),
            co_reserve=rule.co_reserve,
            deadline_working_days=rule.deadline_working_days,
            lead_term=rule.lead_term,
            co_term=rule.co_term,
        )


def load_routing_table(path: Path | str, known_agencies: set[str]) -> RoutingTable:
    """The table of the file at `path`; RoutingTableError naming the file and the key otherwise."""
    return load_config_file(path, RoutingTableError, lambda data: parse_routing_table(data, known_agencies))


def parse_routing_table(data: dict[str, Any], known_agencies: set[str]) -> RoutingTable:
    unknown = set(data) - {"rules", "additions"}
    if unknown:
        raise RoutingTableError(
            sorted(unknown)[0], "未知的键；本文件只有 [[rules]] 和 [[additions]] 两部分", "unknown_key"
        )
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise RoutingTableError(
            "rules", f"至少要有一段 [[rules]]（分流规则），最后一段是兜底规则（{CATCH_ALL}）", "required"
        )
    rules = tuple(_parse_rule(i, entry, known_agencies) for i, entry in enumerate(entries))
    for rule in rules[:-1]:
        if _is_catch_all(rule):
            raise RoutingTableError(
                f"rules[{rule.index}]",
                f"兜底规则（{CATCH_ALL}）只能是最后一段：放在这里，它之后的规则永远匹配不到案件",
                "catch_all_not_last",
            )
    if not _is_catch_all(rules[-1]):
        raise RoutingTableError(
            f"rules[{rules[-1].index}]",
            f"最后一段须是兜底规则（{CATCH_ALL}），别的规则都不匹配的案件按它分流",
            "catch_all_missing",
        )
    raw_additions = data.get("additions", [])
    if not isinstance(raw_additions, list):
        raise RoutingTableError("additions", "应为若干段 [[additions]]，每段写 flag 和 co", "wrong_type")
    additions = tuple(_parse_addition(i, entry, known_agencies) for i, entry in enumerate(raw_additions))
    for i, addition in enumerate(additions):
        if addition in additions[:i]:
            raise RoutingTableError(
                f"additions[{i}]",
                f"flag = {quoted(addition.flag.value)} 与 co = {quoted(addition.co)} 已由 "
                f"additions[{additions.index(addition)}] 列出，每种搭配只列一次",
                "duplicate",
            )
    return RoutingTable(rules=rules, additions=additions)


def _is_catch_all(rule: Rule) -> bool:
    return rule.category is None and rule.source is None and not rule.flags


def _parse_rule(index: int, entry: object, known: set[str]) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(entry, dict):
        raise RoutingTableError(where, "应为一段 [[rules]]，其下写 category、mode、lead 等", "wrong_type")
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        keys = "、".join(sorted(_RULE_KEYS))
        raise RoutingTableError(f"{where}.{sorted(unknown)[0]}", f"未知的键；规则可写的是 {keys}", "unknown_field")
    if "category" not in entry:
        raise RoutingTableError(f"{where}.category", '缺少此项：纠纷类别，或 "*"（任何类别）', "required")
    category = None if entry["category"] == ANY else _enum(Category, entry["category"], f"{where}.category")
    source = _enum(Source, entry["source"], f"{where}.source") if "source" in entry else None
    flags = [_enum(Flag, f, f"{where}.flags") for f in _strings(entry.get("flags", []), f"{where}.flags")]
    if "mode" not in entry:
        modes = "、".join(_mode(mode) for mode in HandlingMode)
        raise RoutingTableError(f"{where}.mode", f"缺少此项：办理方式，应为 {modes} 之一", "required")
    mode = _enum(HandlingMode, entry["mode"], f"{where}.mode")
    lead = _agencies(entry.get("lead", []), f"{where}.lead", known)
    co = _agencies(entry.get("co", []), f"{where}.co", known)
    co_reserve = _agencies(entry.get("co_reserve", []), f"{where}.co_reserve", known)
    _check_roles(where, mode, lead, co, co_reserve)
    default = _term(entry, "deadline", where)
    lead_term = _term(entry, "lead", where) or default
    co_term = _term(entry, "co", where) or default
    if mode is not HandlingMode.ON_THE_SPOT and (lead_term is None or co_term is None):
        missing = "lead" if lead_term is None else "co"
        raise RoutingTableError(
            f"{where}.deadline_working_days",
            f"{_mode(mode)}须有办理时限：写 deadline_working_days（工作日）或 deadline_calendar_days（自然日），"
            f"或为每个角色各写一项（现缺 {missing}_working_days 或 {missing}_calendar_days）",
            "required",
        )
    return Rule(
        index=index,
        category=category,
        source=source,
        flags=frozenset(flags),
        mode=mode,
        lead=lead,
        co=co,
        co_reserve=co_reserve,
        deadline_working_days=default.days if default and default.counting is DayCount.WORKING else None,
        lead_term=lead_term,
        co_term=co_term,
    )


def _check_roles(
    where: str, mode: HandlingMode, lead: tuple[str, ...], co: tuple[str, ...], co_reserve: tuple[str, ...]
) -> None:
    if mode is HandlingMode.ON_THE_SPOT:
        for field, value in (("lead", lead), ("co", co), ("co_reserve", co_reserve)):
            if value:
                raise RoutingTableError(
                    f"{where}.{field}",
                    f"{_mode(mode)}当场办结，不交办任何单位：此项应为空或不写；现为 {quoted('、'.join(value))}",
                    "not_allowed",
                )
        return
    if not lead:
        raise RoutingTableError(f"{where}.lead", f"{_mode(mode)}至少要有一个牵头单位的机构代码", "required")
    if mode is HandlingMode.JOINT and not co:
        raise RoutingTableError(f"{where}.co", f"{_mode(mode)}至少要有一个配合单位的机构代码", "required")
    if mode is HandlingMode.SINGLE_UNIT and co:
        raise RoutingTableError(
            f"{where}.co",
            f'{_mode(mode)}只交办一个单位，此项应为空；要有配合单位，请把 mode 改为 "joint"（共同办）',
            "not_allowed",
        )
    leads = {agency_of(entry) for entry in lead}
    for agency in co:
        if agency_of(agency) in leads:
            raise RoutingTableError(
                f"{where}.co", f"{quoted(agency)} 已是本规则的牵头单位（lead），不能再作配合单位", "duplicate"
            )
    for agency in co_reserve:
        if agency_of(agency) in {agency_of(lead[0]), *(agency_of(c) for c in co)}:
            raise RoutingTableError(
                f"{where}.co_reserve",
                f"{quoted(agency)} 已是本规则的牵头或配合单位，不能再作备用配合单位",
                "duplicate",
            )


def _term(entry: dict[str, Any], prefix: str, where: str) -> Term | None:
    """The term `<prefix>_working_days` or `<prefix>_calendar_days` gives, if either; never both."""
    given = [(count, f"{prefix}_{count}_days") for count in DayCount if f"{prefix}_{count}_days" in entry]
    if not given:
        return None
    if len(given) > 1:
        raise RoutingTableError(
            f"{where}.{given[1][1]}",
            f"{given[0][1]} 与 {given[1][1]} 只写其一：一个时限只按一种日子计",
            "conflict",
        )
    [(count, field)] = given
    value = entry[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise RoutingTableError(
            f"{where}.{field}", f"应为整数（{_DAY_WORDS[count]}数，不加引号）；现为 {quoted(value)}", "wrong_type"
        )
    if not MIN_DEADLINE_WORKING_DAYS <= value <= _MAX_DAYS[count]:
        raise RoutingTableError(
            f"{where}.{field}",
            f"{value}个{_DAY_WORDS[count]}超出范围：应为 {MIN_DEADLINE_WORKING_DAYS} 至 {_MAX_DAYS[count]}",
            "out_of_range",
        )
    return Term(value, count)


def _parse_addition(index: int, entry: object, known: set[str]) -> Addition:
    where = f"additions[{index}]"
    if not isinstance(entry, dict):
        raise RoutingTableError(where, "应为一段 [[additions]]，其下写 flag 和 co", "wrong_type")
    unknown = set(entry) - _ADDITION_KEYS
    if unknown:
        raise RoutingTableError(f"{where}.{sorted(unknown)[0]}", "未知的键；每段只有 flag 和 co", "unknown_field")
    for field, what in (("flag", "案件带有的标记"), ("co", "因该标记加入的配合单位的机构代码")):
        if field not in entry:
            raise RoutingTableError(f"{where}.{field}", f"缺少此项：{what}", "required")
    if not isinstance(entry["co"], str):
        raise RoutingTableError(
            f"{where}.co", f'应为一个加引号的机构代码，如 co = "justice"；现为 {quoted(entry["co"])}', "wrong_type"
        )
    (co,) = _agencies([entry["co"]], f"{where}.co", known)
    return Addition(flag=_enum(Flag, entry["flag"], f"{where}.flag"), co=co)


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RoutingTableError(where, '应为加引号的文字的列表，如 ["police", "court"]', "wrong_type")
    if len(set(value)) != len(value):
        twice = next(item for item in value if value.count(item) > 1)
        raise RoutingTableError(where, f"{quoted(twice)} 列了两次，每项只列一次", "duplicate")
    return value


def _agencies(value: object, where: str, known: set[str]) -> tuple[str, ...]:
    entries = _strings(value, where)
    for entry in entries:
        code, _, level = entry.partition("@")
        if level and level not in LEVELS:
            raise RoutingTableError(
                where,
                f"{quoted(entry)} 中“@”之后的级别应为 county（县）、township（乡镇）、village（村）之一",
                "invalid_value",
            )
        if code not in known:
            agencies = "、".join(sorted(known - {CENTRE}))
            raise RoutingTableError(
                where, f"没有代码为 {quoted(code)} 的机构；可交办的是 {agencies}（见 agencies.toml）", "unknown_agency"
            )
        # The centre triages; a referral addressed to it would come straight back.
        if code == CENTRE:
            raise RoutingTableError(
                where, f"{quoted(CENTRE)} 是综治中心自己，负责分流，不能被交办；请写承办机构的代码", "not_allowed"
            )
    agencies_named = [agency_of(entry) for entry in entries]
    if len(set(agencies_named)) != len(entries):
        twice = next(code for code in agencies_named if agencies_named.count(code) > 1)
        raise RoutingTableError(where, f"机构 {quoted(twice)} 列了两次，每个机构只列一次", "duplicate")
    return tuple(entries)


def _enum(kind: type[E], value: object, where: str) -> E:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except ValueError:
        allowed = "、".join(member.value for member in kind)
        raise RoutingTableError(
            where, f"没有 {quoted(value)} 这一{_KIND_WORDS[kind]}；应为 {allowed} 之一", "invalid_value"
        ) from None


_KIND_WORDS: dict[type, str] = {Category: "纠纷类别", Source: "来源", Flag: "标记", HandlingMode: "办理方式"}
