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
from tests.config_refusals import assert_refusal

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
    key: int | str = int(last) if isinstance(node, list) else last
    if value is None:
        del node[key]
    else:
        node[key] = value
    return data


def test_the_valid_example_parses() -> None:
    table = parse_routing_table(VALID, AGENCIES)

    assert table.route(Category.TRAFFIC, Source.GRID, []).co_reserve == ("justice",)


# One case per distinct refusal: the field replaced, the key the refusal names, its code, and what it says.
REFUSALS = [
    ("rules.0.lead", ["fire"], "rules[0].lead", "unknown_agency", "没有代码为 “fire” 的机构；可交办的是 court、"),
    ("rules.0.co", ["labour"], "rules[0].co", "unknown_agency", "“labour”"),
    ("rules.0.co_reserve", ["nosuchagency"], "rules[0].co_reserve", "unknown_agency", "“nosuchagency”"),
    ("rules.2.lead", ["centre"], "rules[2].lead", "not_allowed", "“centre” 是综治中心自己"),
    ("rules.0.lead", ["police@province"], "rules[0].lead", "invalid_value", "“police@province” 中“@”之后的级别"),
    ("rules.0.lead", ["police@county", "police"], "rules[0].lead", "duplicate", "机构 “police” 列了两次"),
    ("rules.0.lead", ["police", "police"], "rules[0].lead", "duplicate", "“police” 列了两次"),
    ("rules.0.category", "noise", "rules[0].category", "invalid_value", "没有 “noise” 这一纠纷类别；应为 neighbour、"),
    ("rules.0.category", None, "rules[0].category", "required", "纠纷类别"),
    ("rules.0.source", "wechat", "rules[0].source", "invalid_value", "“wechat”"),
    ("rules.0.flags", ["drunk"], "rules[0].flags", "invalid_value", "“drunk”"),
    ("rules.0.flags", "group", "rules[0].flags", "wrong_type", "文字的列表"),
    ("rules.0.mode", "urgent", "rules[0].mode", "invalid_value", "应为 on_the_spot、single_unit、joint 之一"),
    ("rules.0.mode", None, "rules[0].mode", "required", "现场办（on_the_spot）、马上办（single_unit）"),
    ("rules.0.co_reserves", ["justice"], "rules[0].co_reserves", "unknown_field", "co_reserve"),
    ("rules.0.co", [], "rules[0].co", "required", "共同办（joint）至少要有一个配合单位"),
    ("rules.0.co", ["police"], "rules[0].co", "duplicate", "“police” 已是本规则的牵头单位"),
    ("rules.0.co_reserve", ["court"], "rules[0].co_reserve", "duplicate", "“court” 已是本规则的牵头或配合单位"),
    ("rules.1.lead", ["justice"], "rules[1].lead", "not_allowed", "现场办（on_the_spot）当场办结"),
    ("rules.2.lead", [], "rules[2].lead", "required", "马上办（single_unit）至少要有一个牵头单位"),
    ("rules.2.co", ["court"], "rules[2].co", "not_allowed", 'mode 改为 "joint"'),
    ("rules.0", "traffic", "rules[0]", "wrong_type", "[[rules]]"),
    ("rules.0.deadline_working_days", 0, "rules[0].deadline_working_days", "out_of_range", "0个工作日超出范围"),
    ("rules.0.deadline_working_days", 61, "rules[0].deadline_working_days", "out_of_range", "应为 1 至 60"),
    ("rules.0.deadline_working_days", "ten", "rules[0].deadline_working_days", "wrong_type", "现为 “ten”"),
    ("rules.0.deadline_working_days", True, "rules[0].deadline_working_days", "wrong_type", "“true”"),
    ("rules.0.deadline_working_days", None, "rules[0].deadline_working_days", "required", "共同办（joint）须有"),
    ("rules.1.deadline_working_days", 90, "rules[1].deadline_working_days", "out_of_range", "90个工作日超出范围"),
    ("additions", {"flag": "group"}, "additions", "wrong_type", "[[additions]]"),
    ("additions.0", "group", "additions[0]", "wrong_type", "flag 和 co"),
    ("additions.0.flag", "famous", "additions[0].flag", "invalid_value", "“famous”"),
    ("additions.0.flag", None, "additions[0].flag", "required", "标记"),
    ("additions.0.co", "fire", "additions[0].co", "unknown_agency", "“fire”"),
    ("additions.0.co", ["plc"], "additions[0].co", "wrong_type", 'co = "justice"'),
    ("additions.0.co", None, "additions[0].co", "required", "配合单位"),
    ("additions.0.also", "plc", "additions[0].also", "unknown_field", "只有 flag 和 co"),
    ("wrong", 1, "wrong", "unknown_key", "只有 [[rules]] 和 [[additions]]"),
]


@pytest.mark.parametrize(
    ("path", "value", "field", "code", "says"), REFUSALS, ids=[f"{r[2]}-{r[3]}-{i}" for i, r in enumerate(REFUSALS)]
)
def test_a_bad_table_is_refused_naming_the_rule_and_key_in_chinese(
    path: str, value: object, field: str, code: str, says: str
) -> None:
    with pytest.raises(RoutingTableError) as refused:
        parse_routing_table(table_with(path, value), AGENCIES)

    assert_refusal(refused.value, field, code, says)


def test_a_table_without_a_final_catch_all_is_refused() -> None:
    data = copy.deepcopy(VALID)
    data["rules"][2]["category"] = "land"

    with pytest.raises(RoutingTableError) as refused:
        parse_routing_table(data, AGENCIES)

    assert_refusal(refused.value, "rules[2]", "catch_all_missing", '最后一段须是兜底规则（category = "*"')


def test_a_catch_all_before_the_end_is_refused_because_it_hides_the_rest() -> None:
    data = copy.deepcopy(VALID)
    early_catch_all = {"category": "*", "mode": "single_unit", "lead": ["court"], "deadline_working_days": 5}
    data["rules"].insert(0, early_catch_all)

    with pytest.raises(RoutingTableError) as refused:
        parse_routing_table(data, AGENCIES)

    assert_refusal(refused.value, "rules[0]", "catch_all_not_last", "它之后的规则永远匹配不到")


def test_a_table_without_rules_is_refused() -> None:
    with pytest.raises(RoutingTableError) as refused:
        parse_routing_table({"rules": []}, AGENCIES)

    assert_refusal(refused.value, "rules", "required", "至少要有一段 [[rules]]")


def test_the_same_addition_twice_is_refused() -> None:
    data = copy.deepcopy(VALID)
    data["additions"].append({"flag": "petition_involved", "co": "petition"})

    with pytest.raises(RoutingTableError) as refused:
        parse_routing_table(data, AGENCIES)

    assert_refusal(refused.value, "additions[1]", "duplicate", "已由 additions[0] 列出")


def test_an_agency_missing_from_the_registry_is_refused() -> None:
    with pytest.raises(RoutingTableError) as refused:
        parse_routing_table(VALID, AGENCIES - {"court"})

    assert_refusal(refused.value, "rules[0].co", "unknown_agency", "没有代码为 “court” 的机构")


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


@pytest.mark.parametrize(
    ("content", "code", "says"),
    [
        (b"[[rules]\ncategory = ", "invalid_toml", "不是有效的 TOML：第1行"),
        ('[[rules]]\ncategory = "邻里"\n'.encode("gbk"), "not_utf8", "请用 UTF-8 编码保存"),
    ],
)
def test_a_file_that_is_not_toml_is_refused_naming_the_file(tmp_path, content: bytes, code: str, says: str) -> None:
    path = tmp_path / "routing.toml"
    path.write_bytes(content)

    with pytest.raises(RoutingTableError) as refused:
        load_routing_table(path, AGENCIES)

    assert_refusal(refused.value, "", code, says)
    assert refused.value.in_file().startswith(f"配置文件 {path} 有误：不是")


def test_a_refusal_read_from_the_file_names_the_file(tmp_path) -> None:
    path = tmp_path / "routing.toml"
    shipped_text = (DEFAULT_CONFIG_DIR / "routing.toml").read_text(encoding="utf-8")
    path.write_text(shipped_text.replace('lead = ["plc"]', 'lead = ["plcc"]', 1), encoding="utf-8")

    with pytest.raises(RoutingTableError) as refused:
        load_routing_table(path, AGENCIES)

    assert refused.value.file == str(path)
    assert refused.value.in_file().startswith(f"配置文件 {path} 有误：rules[2].lead：没有代码为 “plcc” 的机构")


def test_a_high_risk_walk_in_is_taken_at_the_county_level(shipped: RoutingTable) -> None:
    route = shipped.route(Category.NEIGHBOUR, Source.WALK_IN, {Flag.HIGH_RISK})

    assert route.lead == ("police@county", "justice@county", "court")
    assert "plc" in route.co


def test_a_violent_high_risk_case_does_not_bring_in_the_police_twice(shipped: RoutingTable) -> None:
    route = shipped.route(Category.LAND, Source.WALK_IN, {Flag.HIGH_RISK, Flag.VIOLENCE_RISK})

    assert [entry for entry in (*route.lead[:1], *route.co) if entry.startswith("police")] == ["police@county"]
