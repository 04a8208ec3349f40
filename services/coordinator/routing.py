"""The triage table (config/routing.toml): parsed, checked against the registry, and matched to cases."""

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from services.coordinator.domain.model import DayCount, Term
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


class RoutingTableError(ValueError):
    """The routing table is malformed; the message names the entry and field, e.g. 'rules[3].lead: ...'."""


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
    with Path(path).open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as bad:
            raise RoutingTableError(f"{path}: not valid TOML: {bad}") from None
    return parse_routing_table(data, known_agencies)


def parse_routing_table(data: dict[str, Any], known_agencies: set[str]) -> RoutingTable:
    unknown = set(data) - {"rules", "additions"}
    if unknown:
        raise RoutingTableError(f"{sorted(unknown)[0]}: unknown key; expected 'rules' and 'additions'")
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise RoutingTableError("rules: at least one [[rules]] entry is required")
    rules = tuple(_parse_rule(i, entry, known_agencies) for i, entry in enumerate(entries))
    for rule in rules[:-1]:
        if _is_catch_all(rule):
            raise RoutingTableError(
                f"rules[{rule.index}]: a catch-all before the last rule leaves the rules after it unreachable"
            )
    if not _is_catch_all(rules[-1]):
        raise RoutingTableError(
            f"rules[{rules[-1].index}]: the last rule must be the catch-all (category '*', no source, no flags)"
        )
    raw_additions = data.get("additions", [])
    if not isinstance(raw_additions, list):
        raise RoutingTableError("additions: must be a list of [[additions]] entries")
    additions = tuple(_parse_addition(i, entry, known_agencies) for i, entry in enumerate(raw_additions))
    if len(set(additions)) != len(additions):
        raise RoutingTableError("additions: the same flag and co-unit are listed twice")
    return RoutingTable(rules=rules, additions=additions)


def _is_catch_all(rule: Rule) -> bool:
    return rule.category is None and rule.source is None and not rule.flags


def _parse_rule(index: int, entry: object, known: set[str]) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(entry, dict):
        raise RoutingTableError(f"{where}: must be a table")
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise RoutingTableError(f"{where}.{sorted(unknown)[0]}: unknown field")
    if "category" not in entry:
        raise RoutingTableError(f"{where}.category: required (a category, or '*' for any)")
    category = None if entry["category"] == ANY else _enum(Category, entry["category"], f"{where}.category")
    source = _enum(Source, entry["source"], f"{where}.source") if "source" in entry else None
    flags = [_enum(Flag, f, f"{where}.flags") for f in _strings(entry.get("flags", []), f"{where}.flags")]
    if "mode" not in entry:
        raise RoutingTableError(f"{where}.mode: required, one of {', '.join(HandlingMode)}")
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
            f"{where}.deadline_working_days: required for {mode} (or deadline_calendar_days, or a term for each"
            f" role: {missing}_working_days or {missing}_calendar_days is missing)"
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
                raise RoutingTableError(f"{where}.{field}: must be empty for on_the_spot")
        return
    if not lead:
        raise RoutingTableError(f"{where}.lead: {mode} needs at least one lead agency")
    if mode is HandlingMode.JOINT and not co:
        raise RoutingTableError(f"{where}.co: joint needs at least one co-unit")
    if mode is HandlingMode.SINGLE_UNIT and co:
        raise RoutingTableError(f"{where}.co: must be empty for single_unit; use mode 'joint'")
    leads = {agency_of(entry) for entry in lead}
    for agency in co:
        if agency_of(agency) in leads:
            raise RoutingTableError(f"{where}.co: {agency!r} is already in lead")
    for agency in co_reserve:
        if agency_of(agency) in {agency_of(lead[0]), *(agency_of(c) for c in co)}:
            raise RoutingTableError(f"{where}.co_reserve: {agency!r} is designated already")


def _term(entry: dict[str, Any], prefix: str, where: str) -> Term | None:
    """The term `<prefix>_working_days` or `<prefix>_calendar_days` gives, if either; never both."""
    given = [(count, f"{prefix}_{count}_days") for count in DayCount if f"{prefix}_{count}_days" in entry]
    if not given:
        return None
    if len(given) > 1:
        raise RoutingTableError(
            f"{where}.{given[1][1]}: give {given[0][1]} or {given[1][1]}, not both (a term counts one kind of day)"
        )
    [(count, field)] = given
    value = entry[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise RoutingTableError(f"{where}.{field}: must be a whole number of {count} days")
    if not MIN_DEADLINE_WORKING_DAYS <= value <= _MAX_DAYS[count]:
        raise RoutingTableError(f"{where}.{field}: {value} is outside {MIN_DEADLINE_WORKING_DAYS}..{_MAX_DAYS[count]}")
    return Term(value, count)


def _parse_addition(index: int, entry: object, known: set[str]) -> Addition:
    where = f"additions[{index}]"
    if not isinstance(entry, dict):
        raise RoutingTableError(f"{where}: must be a table")
    unknown = set(entry) - _ADDITION_KEYS
    if unknown:
        raise RoutingTableError(f"{where}.{sorted(unknown)[0]}: unknown field")
    for field in ("flag", "co"):
        if field not in entry:
            raise RoutingTableError(f"{where}.{field}: required")
    (co,) = _agencies([entry["co"]], f"{where}.co", known)
    return Addition(flag=_enum(Flag, entry["flag"], f"{where}.flag"), co=co)


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RoutingTableError(f"{where}: must be a list of strings")
    if len(set(value)) != len(value):
        raise RoutingTableError(f"{where}: lists the same entry twice")
    return value


def _agencies(value: object, where: str, known: set[str]) -> tuple[str, ...]:
    entries = _strings(value, where)
    for entry in entries:
        code, _, level = entry.partition("@")
        if level and level not in LEVELS:
            raise RoutingTableError(f"{where}: {entry!r}: the level after '@' is one of {', '.join(LEVELS)}")
        if code not in known:
            raise RoutingTableError(f"{where}: unknown agency {code!r}")
        # The centre triages; a referral addressed to it would come straight back.
        if code == CENTRE:
            raise RoutingTableError(f"{where}: {CENTRE!r} triages cases and cannot be designated")
    if len({agency_of(entry) for entry in entries}) != len(entries):
        raise RoutingTableError(f"{where}: names the same agency twice")
    return tuple(entries)


def _enum(kind: type[E], value: object, where: str) -> E:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise RoutingTableError(f"{where}: unknown value {value!r}; expected one of {allowed}") from None
