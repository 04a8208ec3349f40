"""The agency registry: which agencies exist, which service speaks for each, how it runs, and at what level
they have units."""

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

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


class RegistryError(ValueError):
    """The agency registry file is malformed; the message names the entry and field."""


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
        raise RegistryError("agencies: a table [agencies.<code>] per agency is required")
    agencies = {}
    for code, entry in entries.items():
        where = f"agencies.{code}"
        if not isinstance(entry, dict):
            raise RegistryError(f"{where}: a table is required")
        try:
            unit_digits = int(entry["unit_digits"])
            if unit_digits not in (6, 9, 12):
                raise RegistryError(f"{where}.unit_digits: must be 6, 9 or 12")
            if code != CENTRE and not AGENCY_CODE.match(code):
                raise RegistryError(f"{where}: the code must be 2 to 16 lower-case letters")
            service = str(entry["service"])
            _check_service(code, service, where)
            feeds = entry.get("feeds")
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
        except KeyError as missing:
            raise RegistryError(f"{where}.{missing.args[0]}: required") from None
        except ValueError as bad:
            if isinstance(bad, RegistryError):
                raise
            raise RegistryError(f"{where}: {bad}") from None
    if CENTRE not in agencies:
        raise RegistryError("agencies.centre: the centre itself must be listed")
    _check_unique_services(agencies)
    _check_unique_feeds(agencies)
    return AgencyRegistry(agencies)


def _check_service(code: str, service: str, where: str) -> None:
    if code == CENTRE:
        if service != "coordinator":
            raise RegistryError(f"{where}.service: the centre is served by the coordinator")
        return
    if not SERVICE_NAME.match(service):
        raise RegistryError(f"{where}.service: 2 to 31 lower-case letters, digits or _, starting with a letter")
    if service in PLATFORM_SERVICES:
        raise RegistryError(f"{where}.service: {service!r} is one of the platform's own services")


def _check_unique_services(agencies: dict[str, Agency]) -> None:
    seen: dict[str, str] = {}
    for code, agency in agencies.items():
        if agency.service in seen:
            raise RegistryError(
                f"agencies.{code}.service: {agency.service!r} already speaks for {seen[agency.service]}"
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
                f"agencies.{code}.feeds: {agency.feeds.value!r} is the centre's own window, which intake registers "
                "itself; an agency feeds one of the five sources"
            )
        if agency.feeds in fed:
            raise RegistryError(f"agencies.{code}.feeds: {agency.feeds.value!r} is fed by agencies.{fed[agency.feeds]}")
        fed[agency.feeds] = code


def _implementation(entry: dict[str, Any], where: str) -> Implementation:
    module = entry.get("module")
    external = entry.get("external")
    if module is not None and (not isinstance(module, str) or not MODULE_PATH.match(module)):
        raise RegistryError(f"{where}.module: a dotted Python module path, e.g. services.women_link.service")
    if external is None:
        return Implementation(module=module)
    where = f"{where}.external"
    if module is not None:
        raise RegistryError(f"{where}: an external agency has no Python module; remove {where[:-9]}.module")
    if not isinstance(external, dict):
        raise RegistryError(f"{where}: a table is required")
    unknown = sorted(set(external) - IMPLEMENTATION_KEYS)
    if unknown:
        raise RegistryError(f"{where}.{unknown[0]}: unknown; known are {', '.join(sorted(IMPLEMENTATION_KEYS))}")
    command = external.get("command", [])
    if not isinstance(command, list) or not all(isinstance(part, str) and part for part in command):
        raise RegistryError(f'{where}.command: a list of words, e.g. ["node", "agency.js"]')
    directory = _optional_text(external, "directory", where)
    if directory is not None and ".." in Path(directory).parts:
        raise RegistryError(f"{where}.directory: must stay inside the repository (no '..')")
    health_url = _optional_text(external, "health_url", where)
    if health_url is not None and not re.match(r"^https?://[^\s/]+(/\S*)?$", health_url):
        raise RegistryError(f"{where}.health_url: an http:// or https:// URL")
    if not command and health_url is None:
        raise RegistryError(f"{where}: give a command (the platform starts it) or a health_url (it runs elsewhere)")
    if command and health_url is not None:
        raise RegistryError(f"{where}.health_url: only for an agency run elsewhere; with a command it serves its own")
    database = external.get("database", True)
    if not isinstance(database, bool):
        raise RegistryError(f"{where}.database: true or false")
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
        raise RegistryError(f"{where}.{key}: a non-empty text")
    return value


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
