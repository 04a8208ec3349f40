"""The governance centres at county, township and village level (三级综治中心), from config/centres.toml."""

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from shared.registry import CENTRE, AgencyRegistry, load_registry

# A threshold of working days past a deadline; 0 escalates at the first timer run after the deadline.
MAX_ESCALATION_WORKING_DAYS = 60

# `call_in = "*"`: every agency of the registry, those that join later included.
EVERY_AGENCY = "*"


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


class CentresError(ValueError):
    """centres.toml is malformed; the message names the entry and field, e.g. 'centres[2].call_in: …'."""


@dataclass(frozen=True)
class Centre:
    """One centre: its division, its name, and the agencies it may call in (吹哨报到)."""

    division: str
    name: str
    call_in: tuple[str, ...]

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

    def above(self, centre: Centre) -> Centre | None:
        """The next centre up: the nearest that covers this one, None for the county's (the top)."""
        covering = [c for c in self.centres if c.division != centre.division and centre.division.startswith(c.division)]
        return max(covering, key=lambda c: len(c.division), default=None)


def parse_centres(data: dict[str, Any], county: str, registry: AgencyRegistry) -> Centres:
    unknown = set(data) - {"levels", "centres"}
    if unknown:
        raise CentresError(f"{sorted(unknown)[0]}: unknown key; expected 'levels' and 'centres'")
    escalate_after = _levels(data.get("levels"))
    entries = data.get("centres")
    if not isinstance(entries, list) or not entries:
        raise CentresError("centres: at least one [[centres]] entry is required (the county's)")
    centres = [_centre(i, entry, county, registry) for i, entry in enumerate(entries)]
    seen: set[str] = set()
    for i, centre in enumerate(centres):
        if centre.division in seen:
            raise CentresError(f"centres[{i}].division: {centre.division} is listed twice")
        seen.add(centre.division)
    top = next((c for c in centres if c.division == county), None)
    if top is None:
        raise CentresError(f"centres: the county's own centre (division {county!r}) is required")
    rest = sorted((c for c in centres if c is not top), key=lambda c: c.division)
    return Centres(county=top, centres=(top, *rest), escalate_after=escalate_after)


def _levels(value: object) -> dict[Level, int]:
    if not isinstance(value, dict):
        raise CentresError("levels: a table [levels.<county|township|village>] per level is required")
    for key in value:
        if key not in set(Level):
            raise CentresError(f"levels.{key}: unknown level; expected one of {', '.join(Level)}")
    out = {}
    for level in Level:
        where = f"levels.{level}.escalate_after_working_days"
        entry = value.get(level.value)
        if not isinstance(entry, dict) or "escalate_after_working_days" not in entry:
            raise CentresError(f"{where}: required (working days past a deadline before an overdue case goes up)")
        extra = set(entry) - {"escalate_after_working_days"}
        if extra:
            raise CentresError(f"levels.{level}.{sorted(extra)[0]}: unknown field")
        days = entry["escalate_after_working_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_ESCALATION_WORKING_DAYS:
            raise CentresError(f"{where}: a whole number of working days, 0 to {MAX_ESCALATION_WORKING_DAYS}")
        out[level] = days
    return out


def _centre(index: int, entry: object, county: str, registry: AgencyRegistry) -> Centre:
    where = f"centres[{index}]"
    if not isinstance(entry, dict):
        raise CentresError(f"{where}: must be a table")
    extra = set(entry) - {"division", "name", "call_in"}
    if extra:
        raise CentresError(f"{where}.{sorted(extra)[0]}: unknown field")
    division = entry.get("division")
    if not isinstance(division, str) or not division.isascii() or not division.isdigit():
        raise CentresError(f"{where}.division: required, a division code of 6, 9 or 12 digits")
    try:
        Level.of(division)
    except ValueError as bad:
        raise CentresError(f"{where}.division: {bad}") from None
    if not division.startswith(county):
        raise CentresError(f"{where}.division: {division} is not in the county {county}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CentresError(f"{where}.name: required, the centre's Chinese name (e.g. '砖塘镇综治中心')")
    call_in = entry.get("call_in", [])
    if call_in == EVERY_AGENCY:
        # The county centre calls in any department: one that joins is callable with no edit here.
        call_in = [code for code in registry.agencies if code != CENTRE]
    if not isinstance(call_in, list) or not all(isinstance(code, str) for code in call_in):
        raise CentresError(f'{where}.call_in: a list of agency codes, or "*" for every agency')
    for code in call_in:
        if code not in registry.agencies or code == CENTRE:
            known = ", ".join(sorted(set(registry.agencies) - {CENTRE}))
            raise CentresError(f"{where}.call_in: unknown agency {code!r}; one of {known}")
    if len(set(call_in)) != len(call_in):
        raise CentresError(f"{where}.call_in: names the same agency twice")
    return Centre(division=division, name=name.strip(), call_in=tuple(call_in))


def load_centres_file(path: Path, county: str, registry: AgencyRegistry) -> Centres:
    with Path(path).open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as bad:
            raise CentresError(f"{path}: not valid TOML: {bad}") from None
    return parse_centres(data, county, registry)


def load_centres(config_dir: Path, county: str, registry: AgencyRegistry) -> Centres:
    return load_centres_file(Path(config_dir) / "centres.toml", county, registry)


@cache
def county_centres(config_dir: Path, county: str) -> Centres:
    """The county's centres, read once per process (restart a service after editing the file)."""
    return load_centres(config_dir, county, load_registry(config_dir))
