"""The agency registry: an agency in any language is declared once, and a malformed entry names its field."""

import tomllib

import pytest

from shared.registry import DEFAULT_CONFIG_DIR, RegistryError, parse_registry

SHIPPED = tomllib.loads((DEFAULT_CONFIG_DIR / "agencies.toml").read_text(encoding="utf-8"))
WOMEN = {
    "name_zh": "妇联",
    "name_en": "Women's federation",
    "service": "women_link",
    "unit_digits": 6,
    "unit_name": "{place}妇联",
}


def with_agency(code: str, entry: dict) -> dict:
    return {"agencies": {**SHIPPED["agencies"], code: entry}}


def test_the_shipped_agencies_are_python_packages_the_platform_runs():
    registry = parse_registry(SHIPPED)
    shipped = ("court_link", "police_link", "justice_link", "petition_link", "stability")

    # First and in this order, before any agency an integrator registers: their ports depend on it.
    assert registry.agency_services()[: len(shipped)] == shipped
    assert {registry.implementation_of(s).kind for s in shipped} == {"python"}
    court = registry.implementation_of("court_link")
    assert (court.kind, court.managed, court.module_of("court_link")) == ("python", True, "services.court_link.service")


def test_an_external_agency_is_started_by_its_command_in_its_directory():
    entry = {**WOMEN, "external": {"command": ["node", "agency.js"], "directory": "examples/womens_federation"}}

    women = parse_registry(with_agency("women", entry)).implementation_of("women_link")

    assert (women.kind, women.command, women.directory, women.managed) == (
        "external",
        ("node", "agency.js"),
        "examples/womens_federation",
        True,
    )
    assert women.database is True


def test_an_external_agency_that_runs_elsewhere_is_only_watched():
    entry = {**WOMEN, "external": {"health_url": "https://fulian.example.cn/health", "database": False}}

    women = parse_registry(with_agency("women", entry)).implementation_of("women_link")

    assert (women.managed, women.health_url, women.database) == (False, "https://fulian.example.cn/health", False)


@pytest.mark.parametrize(
    ("code", "entry", "field"),
    [
        ("women", {**WOMEN, "external": {}}, "agencies.women.external: give a command"),
        ("women", {**WOMEN, "external": {"command": "node agency.js"}}, "agencies.women.external.command"),
        ("women", {**WOMEN, "external": {"command": ["node"], "port": 1}}, "agencies.women.external.port: unknown"),
        ("women", {**WOMEN, "external": {"command": ["node"], "directory": "../elsewhere"}}, "external.directory"),
        ("women", {**WOMEN, "external": {"health_url": "ftp://x/health"}}, "agencies.women.external.health_url"),
        ("women", {**WOMEN, "external": {"command": ["node"], "database": "yes"}}, "external.database"),
        ("women", {**WOMEN, "module": "not a module"}, "agencies.women.module"),
        ("women", {**WOMEN, "module": "x.y", "external": {"command": ["node"]}}, "agencies.women.module"),
        ("women", {**WOMEN, "service": "supervision"}, "agencies.women.service: 'supervision' is one of the platform"),
        ("women", {**WOMEN, "service": "court_link"}, "agencies.women.service: 'court_link' already speaks for court"),
        ("women", {**WOMEN, "service": "Women-Link"}, "agencies.women.service"),
        ("Women", WOMEN, "agencies.Women: the code"),
        # A second agency for a source would file records, and take over cases, as its owner.
        ("women", {**WOMEN, "feeds": "court_filing"}, "agencies.women.feeds: 'court_filing' is fed by agencies.court"),
        # The window's channels are intake's own registrations: an agency's records would count as the centre's.
        ("women", {**WOMEN, "feeds": "walk_in"}, "agencies.women.feeds: 'walk_in' is the centre's own window"),
    ],
)
def test_a_malformed_entry_is_refused_naming_its_field(code, entry, field):
    with pytest.raises(RegistryError, match=field.replace(".", r"\.").replace("(", r"\(")):
        parse_registry(with_agency(code, entry))
