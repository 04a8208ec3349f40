"""The agency registry: which agencies exist, which service speaks for each, and at what level they have units."""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shared.contracts.identifiers import split_unit, truncate_division
from shared.contracts.vocabulary import Source

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
CENTRE = "centre"


class RegistryError(ValueError):
    """The agency registry file is malformed; the message names the entry and field."""


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

    def centre_unit(self, county: str) -> str:
        return self.get(CENTRE).unit_for(county)


def parse_registry(data: dict[str, Any]) -> AgencyRegistry:
    entries = data.get("agencies")
    if not isinstance(entries, dict) or not entries:
        raise RegistryError("agencies: a table [agencies.<code>] per agency is required")
    agencies = {}
    for code, entry in entries.items():
        where = f"agencies.{code}"
        try:
            unit_digits = int(entry["unit_digits"])
            if unit_digits not in (6, 9, 12):
                raise RegistryError(f"{where}.unit_digits: must be 6, 9 or 12")
            feeds = entry.get("feeds")
            agencies[code] = Agency(
                code=code,
                service=str(entry["service"]),
                unit_digits=unit_digits,
                name_zh=str(entry["name_zh"]),
                name_en=str(entry["name_en"]),
                feeds=Source(feeds) if feeds else None,
                unit_name=_unit_name_pattern(entry.get("unit_name", "{place}{agency}"), where),
            )
        except KeyError as missing:
            raise RegistryError(f"{where}.{missing.args[0]}: required") from None
        except ValueError as bad:
            if isinstance(bad, RegistryError):
                raise
            raise RegistryError(f"{where}: {bad}") from None
    if CENTRE not in agencies:
        raise RegistryError("agencies.centre: the centre itself must be listed")
    return AgencyRegistry(agencies)


def _unit_name_pattern(pattern: object, where: str) -> str:
    if not isinstance(pattern, str) or "{place}" not in pattern:
        raise RegistryError(f"{where}.unit_name: a text with {{place}} in it, e.g. '{{place}}派出所'")
    try:
        pattern.format(place="", agency="")
    except (KeyError, IndexError, ValueError):
        raise RegistryError(f"{where}.unit_name: only {{place}} and {{agency}} may be named in it") from None
    return pattern


@cache
def load_registry(config_dir: Path = DEFAULT_CONFIG_DIR) -> AgencyRegistry:
    path = Path(config_dir) / "agencies.toml"
    with path.open("rb") as handle:
        return parse_registry(tomllib.load(handle))
