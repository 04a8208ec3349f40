"""The triage table: the shipped config routes cases as the county does; bad tables are refused."""

import copy
from typing import Any

import pytest

from services.coordinator.routing import (
    RoutingTable,
    RoutingTableError,
    load_routing_table,
    parse_routing_table,
)
from shared.contracts.vocabulary import Category, Flag, HandlingMode, Source
from shared.registry import DEFAULT_CONFIG_DIR, load_registry

AGENCIES = set(load_registry().agencies)

JOINT = HandlingMode.JOINT
SINGLE = HandlingMode.SINGLE_UNIT
SPOT = HandlingMode.ON_THE_SPOT


@pytest.fixture(scope="module")
def shipped() -> RoutingTable:
    return load_routing_table(DEFAULT_CONFIG_DIR / "routing.toml", AGENCIES)


def test_shipped_table_loads_against_the_real_registry(shipped: RoutingTable) -> None:
    catch_all = shipped.rules[-1]
    assert (catch_all.category, catch_all.source, catch_all.flags) == (None, None, frozenset())
    assert {a.co for a in shipped.additions} == {"petition", "plc", "police"}


@pytest.mark.parametrize(
    ("source", "category", "flags", "mode", "lead", "co"),
    [
        # 诉调对接: whatever the category, the court keeps a filing it diverted
        (Source.COURT_FILING, Category.DEBT, [], JOINT, ("court",), ("justice",)),
        # 警调对接
        (Source.POLICE_CALL, Category.NEIGHBOUR, [], JOINT, ("police",), ("justice",)),
        # 访调对接
        (Source.PETITION, Category.LAND, [], JOINT, ("petition",), ("justice",)),
        (Source.STABILITY_LEAD, Category.LAND, [], SINGLE, ("plc",), ()),
        (Source.WALK_IN, Category.NEIGHBOUR, [Flag.VIOLENCE_RISK], JOINT, ("police",), ("justice",)),
        (Source.HOTLINE, Category.NEIGHBOUR, [], SINGLE, ("justice", "police", "court"), ()),
        (Source.GRID, Category.FAMILY, [], SINGLE, ("justice", "police", "court"), ()),
        (Source.WALK_IN, Category.CONSUMER, [], SINGLE, ("justice", "police", "court"), ()),
        (Source.HOTLINE, Category.DEBT, [], SINGLE, ("court", "justice"), ()),
        (Source.WALK_IN, Category.CONTRACT, [], SINGLE, ("court", "justice"), ()),
        (Source.GRID, Category.TRAFFIC, [], JOINT, ("police",), ("court",)),
        (Source.HOTLINE, Category.WAGES, [], JOINT, ("justice", "court"), ("petition",)),
        (Source.WALK_IN, Category.CONSULTATION, [], SPOT, (), ()),
        (Source.WALK_IN, Category.LAND, [Flag.RESOLVED_AT_WINDOW], SPOT, (), ()),
        (Source.POLICE_CALL, Category.TRAFFIC, [Flag.RESOLVED_AT_WINDOW], SPOT, (), ()),
    ],
)
def test_shipped_table_routes_each_kind_of_case(
    shipped: RoutingTable,
    source: Source,
    category: Category,
    flags: list[Flag],
    mode: HandlingMode,
    lead: tuple[str, ...],
    co: tuple[str, ...],
) -> None:
    route = shipped.route(category, source, flags)

    assert (route.mode, route.lead, route.co) == (mode, lead, co)


def test_an_uncovered_case_falls_to_the_catch_all(shipped: RoutingTable) -> None:
    route = shipped.route(Category.OTHER, Source.WALK_IN, [])

    assert route.rule_index == len(shipped.rules) - 1
    assert (route.mode, route.lead[0]) == (SINGLE, "justice")


def test_every_category_from_every_source_gets_a_route(shipped: RoutingTable) -> None:
    for category in Category:
        for source in Source:
            route = shipped.route(category, source, [])
            assert route.mode is SPOT or route.lead, (category, source)


def test_petition_involved_brings_in_the_petition_bureau_and_makes_it_joint(shipped: RoutingTable) -> None:
    route = shipped.route(Category.NEIGHBOUR, Source.WALK_IN, [Flag.PETITION_INVOLVED])

    assert (route.mode, route.lead[0], route.co) == (JOINT, "justice", ("petition",))


def test_high_risk_and_group_bring_in_the_committee_once(shipped: RoutingTable) -> None:
    route = shipped.route(Category.DEBT, Source.WALK_IN, [Flag.HIGH_RISK, Flag.GROUP])

    assert (route.mode, route.co) == (JOINT, ("plc",))


def test_an_addition_never_duplicates_the_lead(shipped: RoutingTable) -> None:
    route = shipped.route(Category.LAND, Source.STABILITY_LEAD, [Flag.HIGH_RISK])

    assert (route.mode, route.lead, route.co) == (SINGLE, ("plc",), ())


def test_an_addition_never_duplicates_a_co_unit(shipped: RoutingTable) -> None:
    route = shipped.route(Category.WAGES, Source.HOTLINE, [Flag.PETITION_INVOLVED, Flag.GROUP])

    assert route.co == ("petition", "plc")


def test_additions_never_apply_to_a_case_settled_at_the_window(shipped: RoutingTable) -> None:
    route = shipped.route(Category.CONSULTATION, Source.WALK_IN, [Flag.HIGH_RISK, Flag.PETITION_INVOLVED])

    assert (route.mode, route.lead, route.co) == (SPOT, (), ())


# --- validation -------------------------------------------------------------------------

VALID: dict[str, Any] = {
    "rules": [
        {
            "category": "traffic",
            "mode": "joint",
            "lead": ["police"],
            "co": ["court"],
            "co_reserve": ["justice"],
            "deadline_working_days": 15,
        },
        {"category": "consultation", "mode": "on_the_spot", "lead": []},
        {"category": "*", "mode": "single_unit", "lead": ["justice"], "deadline_working_days": 15},
    ],
    "additions": [{"flag": "petition_involved", "co": "petition"}],
}


def table_with(path: str, value: object) -> dict[str, Any]:
    """VALID with one field replaced (or removed, for value None): path like 'rules.0.lead'."""
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return data


def test_the_valid_example_parses() -> None:
    table = parse_routing_table(VALID, AGENCIES)

    assert table.route(Category.TRAFFIC, Source.GRID, []).co_reserve == ("justice",)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("rules.0.lead", ["fire"], "rules[0].lead: unknown agency 'fire'"),
        ("rules.0.co", ["labour"], "rules[0].co: unknown agency 'labour'"),
        ("rules.0.co_reserve", ["nosuchagency"], "rules[0].co_reserve: unknown agency 'nosuchagency'"),
        ("rules.2.lead", ["centre"], "rules[2].lead: 'centre' triages cases"),
        ("rules.0.category", "noise", "rules[0].category: unknown value 'noise'"),
        ("rules.0.category", None, "rules[0].category: required"),
        ("rules.0.source", "wechat", "rules[0].source: unknown value 'wechat'"),
        ("rules.0.flags", ["drunk"], "rules[0].flags: unknown value 'drunk'"),
        ("rules.0.flags", "group", "rules[0].flags: must be a list of strings"),
        ("rules.0.mode", "urgent", "rules[0].mode: unknown value 'urgent'"),
        ("rules.0.mode", None, "rules[0].mode: required"),
        ("rules.0.co_reserves", ["justice"], "rules[0].co_reserves: unknown field"),
        ("rules.0.co", [], "rules[0].co: joint needs at least one co-unit"),
        ("rules.0.co", ["police"], "rules[0].co: 'police' is already in lead"),
        ("rules.0.co_reserve", ["court"], "rules[0].co_reserve: 'court' is designated already"),
        ("rules.0.lead", ["police", "police"], "rules[0].lead: lists the same entry twice"),
        ("rules.1.lead", ["justice"], "rules[1].lead: must be empty for on_the_spot"),
        ("rules.2.lead", [], "rules[2].lead: single_unit needs at least one lead agency"),
        ("rules.2.co", ["court"], "rules[2].co: must be empty for single_unit"),
        ("rules.0.deadline_working_days", 0, "rules[0].deadline_working_days: 0 is outside 1..60"),
        ("rules.0.deadline_working_days", 61, "rules[0].deadline_working_days: 61 is outside 1..60"),
        ("rules.0.deadline_working_days", "ten", "rules[0].deadline_working_days: must be a whole number"),
        ("rules.0.deadline_working_days", True, "rules[0].deadline_working_days: must be a whole number"),
        ("rules.0.deadline_working_days", None, "rules[0].deadline_working_days: required for joint"),
        ("rules.1.deadline_working_days", 90, "rules[1].deadline_working_days: 90 is outside 1..60"),
        ("additions.0.flag", "famous", "additions[0].flag: unknown value 'famous'"),
        ("additions.0.co", "fire", "additions[0].co: unknown agency 'fire'"),
        ("additions.0.co", None, "additions[0].co: required"),
    ],
)
def test_a_bad_table_is_refused_naming_the_rule_and_field(path: str, value: object, message: str) -> None:
    with pytest.raises(RoutingTableError) as refused:
        parse_routing_table(table_with(path, value), AGENCIES)

    assert str(refused.value).startswith(message)


def test_a_table_without_a_final_catch_all_is_refused() -> None:
    data = copy.deepcopy(VALID)
    data["rules"][2]["category"] = "land"

    with pytest.raises(RoutingTableError, match=r"^rules\[2\]: the last rule must be the catch-all"):
        parse_routing_table(data, AGENCIES)


def test_a_catch_all_before_the_end_is_refused_because_it_hides_the_rest() -> None:
    data = copy.deepcopy(VALID)
    early_catch_all = {"category": "*", "mode": "single_unit", "lead": ["court"], "deadline_working_days": 5}
    data["rules"].insert(0, early_catch_all)

    with pytest.raises(RoutingTableError, match=r"^rules\[0\]: a catch-all before the last rule"):
        parse_routing_table(data, AGENCIES)


def test_a_table_without_rules_is_refused() -> None:
    with pytest.raises(RoutingTableError, match=r"^rules: at least one"):
        parse_routing_table({"rules": []}, AGENCIES)


def test_the_same_addition_twice_is_refused() -> None:
    data = copy.deepcopy(VALID)
    data["additions"].append({"flag": "petition_involved", "co": "petition"})

    with pytest.raises(RoutingTableError, match=r"^additions: the same flag and co-unit are listed twice"):
        parse_routing_table(data, AGENCIES)


def test_an_agency_missing_from_the_registry_is_refused() -> None:
    with pytest.raises(RoutingTableError, match=r"^rules\[0\]\.co: unknown agency 'court'"):
        parse_routing_table(VALID, AGENCIES - {"court"})


def test_the_first_matching_rule_wins() -> None:
    data = copy.deepcopy(VALID)
    data["rules"].insert(
        0, {"category": "traffic", "source": "police_call", "mode": "single_unit", "lead": ["police"],
            "deadline_working_days": 3},
    )  # fmt: skip
    table = parse_routing_table(data, AGENCIES)

    assert table.route(Category.TRAFFIC, Source.POLICE_CALL, []).deadline_working_days == 3
    assert table.route(Category.TRAFFIC, Source.GRID, []).deadline_working_days == 15


def test_a_rule_needs_every_listed_flag() -> None:
    data = copy.deepcopy(VALID)
    data["rules"].insert(
        0, {"category": "*", "flags": ["group", "high_risk"], "mode": "single_unit", "lead": ["plc"],
            "deadline_working_days": 2},
    )  # fmt: skip
    table = parse_routing_table(data, AGENCIES)

    assert table.route(Category.LAND, Source.GRID, [Flag.GROUP]).lead == ("justice",)
    assert table.route(Category.LAND, Source.GRID, [Flag.GROUP, Flag.HIGH_RISK]).lead == ("plc",)


def test_a_file_that_is_not_toml_is_refused_with_its_path(tmp_path) -> None:
    path = tmp_path / "routing.toml"
    path.write_text("[[rules]\ncategory = ", encoding="utf-8")

    with pytest.raises(RoutingTableError, match=r"routing\.toml: not valid TOML"):
        load_routing_table(path, AGENCIES)


def test_a_high_risk_walk_in_is_taken_at_the_county_level(shipped: RoutingTable) -> None:
    route = shipped.route(Category.NEIGHBOUR, Source.WALK_IN, {Flag.HIGH_RISK})

    assert route.lead == ("police@county", "justice@county", "court")
    assert "plc" in route.co


def test_a_violent_high_risk_case_does_not_bring_in_the_police_twice(shipped: RoutingTable) -> None:
    route = shipped.route(Category.LAND, Source.WALK_IN, {Flag.HIGH_RISK, Flag.VIOLENCE_RISK})

    assert [entry for entry in (*route.lead[:1], *route.co) if entry.startswith("police")] == ["police@county"]


@pytest.mark.parametrize(
    ("lead", "complaint"),
    [
        (["police@province"], "rules[0].lead: 'police@province': the level after '@' is one of county, township"),
        (["police@county", "police"], "rules[0].lead: names the same agency twice"),
    ],
)
def test_a_level_the_table_cannot_mean_is_refused_naming_the_rule(lead: list[str], complaint: str) -> None:
    table = {"rules": [{"category": "*", "mode": "single_unit", "lead": lead, "deadline_working_days": 5}]}

    with pytest.raises(RoutingTableError) as refused:
        parse_routing_table(table, {"police", "justice"})

    assert str(refused.value).startswith(complaint)
