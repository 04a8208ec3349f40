"""The agency registry: an agency in any language is declared once, and a malformed entry names its field."""

import tomllib

import pytest

from shared.registry import DEFAULT_CONFIG_DIR, RegistryError, load_registry, parse_registry
from tests.config_refusals import assert_refusal

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


def without(entry: dict, key: str) -> dict:
    return {k: v for k, v in entry.items() if k != key}


# One case per distinct refusal: the agency added, the key the refusal names, its code, and what it says.
REFUSALS = [
    ("women", "women", "agencies.women", "wrong_type", "[agencies.<机构代码>]"),
    ("women", without(WOMEN, "name_zh"), "agencies.women.name_zh", "required", "中文名称"),
    ("women", without(WOMEN, "unit_digits"), "agencies.women.unit_digits", "required", "12（村）"),
    ("women", {**WOMEN, "unit_digits": 8}, "agencies.women.unit_digits", "invalid_value", "现为 “8”"),
    ("women", {**WOMEN, "unit_digits": "six"}, "agencies.women.unit_digits", "invalid_value", "“six”"),
    ("Women", WOMEN, "agencies.Women", "invalid_value", "2 至 16 个小写英文字母"),
    ("women", {**WOMEN, "feeds": "wechat"}, "agencies.women.feeds", "invalid_value", "没有 “wechat” 这一来源"),
    ("women", {**WOMEN, "external": {}}, "agencies.women.external", "required", "须写 command"),
    ("women", {**WOMEN, "external": []}, "agencies.women.external", "wrong_type", "[agencies.women.external]"),
    ("women", {**WOMEN, "external": {"command": "node agency.js"}}, "agencies.women.external.command",
     "wrong_type", '["node", "agency.js"]'),
    ("women", {**WOMEN, "external": {"command": ["node"], "port": 1}}, "agencies.women.external.port",
     "unknown_field", "command、database、directory"),
    ("women", {**WOMEN, "external": {"command": ["node"], "directory": "../elsewhere"}},
     "agencies.women.external.directory", "invalid_value", "“../elsewhere”"),
    ("women", {**WOMEN, "external": {"command": ["node"], "image": " "}}, "agencies.women.external.image",
     "wrong_type", "非空的文字"),
    ("women", {**WOMEN, "external": {"health_url": "ftp://x/health"}}, "agencies.women.external.health_url",
     "invalid_value", "“ftp://x/health”"),
    ("women", {**WOMEN, "external": {"command": ["node"], "health_url": "https://x/health"}},
     "agencies.women.external.health_url", "conflict", "请删去此项或 command"),
    ("women", {**WOMEN, "external": {"command": ["node"], "database": "yes"}}, "agencies.women.external.database",
     "wrong_type", "“yes”"),
    ("women", {**WOMEN, "module": "not a module"}, "agencies.women.module", "invalid_value", "点分路径"),
    ("women", {**WOMEN, "module": "x.y", "external": {"command": ["node"]}}, "agencies.women.external", "conflict",
     "请删去 agencies.women.module"),
    ("women", {**WOMEN, "unit_name": "妇联"}, "agencies.women.unit_name", "invalid_value", "{place}"),
    ("women", {**WOMEN, "unit_name": "{place}{county}妇联"}, "agencies.women.unit_name", "invalid_value",
     "只能用 {place} 和 {agency}"),
    ("women", {**WOMEN, "service": "supervision"}, "agencies.women.service", "not_allowed",
     "“supervision” 是平台自身服务的名称"),
    ("women", {**WOMEN, "service": "court_link"}, "agencies.women.service", "duplicate",
     "服务名 “court_link” 已由 agencies.court 使用"),
    ("women", {**WOMEN, "service": "Women-Link"}, "agencies.women.service", "invalid_value", "“Women-Link”"),
    # A second agency for a source would file records, and take over cases, as its owner.
    ("women", {**WOMEN, "feeds": "court_filing"}, "agencies.women.feeds", "duplicate",
     "来源 “court_filing” 已由 agencies.court 报入"),
    # The window's channels are intake's own registrations: an agency's records would count as the centre's.
    ("women", {**WOMEN, "feeds": "walk_in"}, "agencies.women.feeds", "not_allowed", "综治中心窗口自己的登记渠道"),
    ("centre", {**SHIPPED["agencies"]["centre"], "service": "centre_link"}, "agencies.centre.service",
     "invalid_value", '应为 "coordinator"'),
]  # fmt: skip


@pytest.mark.parametrize(
    ("code", "entry", "field", "why", "says"), REFUSALS, ids=[f"{r[2]}-{r[3]}-{i}" for i, r in enumerate(REFUSALS)]
)
def test_a_malformed_entry_is_refused_naming_its_key_in_chinese(code, entry, field, why, says):
    with pytest.raises(RegistryError) as refused:
        parse_registry(with_agency(code, entry))

    assert_refusal(refused.value, field, why, says)


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({}, "agencies", "required"),
        ({"agencies": {k: v for k, v in SHIPPED["agencies"].items() if k != "centre"}}, "agencies.centre", "required"),
    ],
)
def test_a_registry_without_its_tables_is_refused_naming_what_is_missing(data, field, code):
    with pytest.raises(RegistryError) as refused:
        parse_registry(data)

    assert_refusal(refused.value, field, code)


def test_a_registry_that_is_not_toml_is_refused_naming_the_file(tmp_path):
    (tmp_path / "agencies.toml").write_text("[agencies.women\n", encoding="utf-8")

    with pytest.raises(RegistryError) as refused:
        load_registry(tmp_path)

    assert_refusal(refused.value, "", "invalid_toml", "不是有效的 TOML：第1行")
    assert refused.value.in_file().startswith(f"配置文件 {tmp_path / 'agencies.toml'} 有误：")


def test_a_unit_below_its_agencys_level_is_one_no_officer_is_bound_to_and_no_case_is_assigned_to():
    registry = parse_registry(SHIPPED)

    # Courts stand at the county, police stations at townships: a finer unit has no one to accept a referral.
    assert registry.below_its_level("court:430426101") is registry.agencies["court"]
    assert registry.below_its_level("police:430426101203") is registry.agencies["police"]
    # The agency's own level and above (the county bureau over its stations) are units; a centre's levels are
    # centres.toml's, and an unknown agency is another rule's to refuse.
    assert [
        registry.below_its_level(unit)
        for unit in ("court:430426", "police:430426101", "police:430426", "centre:430426101203", "fire:430426101")
    ] == [None] * 5
