"""config/centres.toml: the three levels of centres, checked when loaded, errors naming the field."""

import tomllib
from typing import Any

import pytest

from shared.centres import CentresError, Level, load_centres, load_centres_file, parse_centres
from shared.registry import DEFAULT_CONFIG_DIR, load_registry
from tests.config_refusals import assert_refusal

REGISTRY = load_registry()
COUNTY = "430426"


def config(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "levels": {
            "village": {"escalate_after_working_days": 2},
            "township": {"escalate_after_working_days": 3},
            "county": {"escalate_after_working_days": 5},
        },
        "centres": [
            {"division": "430426", "name": "祁东县综治中心", "call_in": ["police", "court"]},
            {"division": "430426101", "name": "砖塘镇综治中心", "call_in": ["police", "justice"]},
            {"division": "430426101203", "name": "新塘村五源共治站"},
        ],
    }
    data.update(changes)
    return data


def test_the_shipped_file_has_the_county_and_its_townships_and_a_village_station():
    centres = load_centres(DEFAULT_CONFIG_DIR, COUNTY, REGISTRY)

    assert centres.county.name == "祁东县综治中心"
    assert {c.level for c in centres.centres} == set(Level)
    places = tomllib.loads((DEFAULT_CONFIG_DIR / "divisions.toml").read_text())["divisions"]
    assert all(c.division in places for c in centres.centres)


def test_each_centre_goes_up_to_the_nearest_centre_above_it():
    centres = parse_centres(config(), COUNTY, REGISTRY)
    village = centres.get("430426101203")
    assert village is not None

    township = centres.above(village)
    assert township is not None and township.division == "430426101"
    county = centres.above(township)
    assert county is not None and county.division == COUNTY
    assert centres.above(county) is None


def test_a_place_without_a_centre_of_its_own_is_held_by_the_nearest_above():
    centres = parse_centres(config(), COUNTY, REGISTRY)

    assert centres.holding("430426101205").division == "430426101"  # 石门村 has no station
    assert centres.holding("430426107").division == COUNTY  # 风石堰镇 has no centre listed


def test_a_centres_phone_and_address_are_read_for_its_receipts_and_optional():
    data = config(
        centres=centres(
            {"division": "430426101", "name": "砖塘镇综治中心", "phone": "0734-6123456", "address": " 砖塘镇人民路8号 "}
        )
    )

    township = parse_centres(data, COUNTY, REGISTRY).get("430426101")
    county = parse_centres(data, COUNTY, REGISTRY).county

    assert township is not None
    assert (township.phone, township.address) == ("0734-6123456", "砖塘镇人民路8号")
    assert (county.phone, county.address) == (None, None)


def test_the_shipped_county_centre_has_a_phone_for_its_receipts():
    county = load_centres(DEFAULT_CONFIG_DIR, COUNTY, REGISTRY).county

    assert county.phone is not None and county.address is not None


def levels(**days: Any) -> dict[str, Any]:
    """[levels] with each level's escalate_after_working_days, or a table of its own for one given as a dict."""
    shipped = {"village": 2, "township": 3, "county": 5} | days
    given = {level: d for level, d in shipped.items() if d != ()}
    return {level: d if isinstance(d, dict) else {"escalate_after_working_days": d} for level, d in given.items()}


def centres(*entries: Any) -> list[Any]:
    """The county's centre first, then `entries`."""
    return [{"division": "430426", "name": "祁东县综治中心"}, *entries]


# One case per distinct refusal: the file's data, the key it names, its code, and what it says.
REFUSALS = [
    (config(level="county"), "level", "unknown_key", "只有 [levels] 和 [[centres]]"),
    (config(levels=None), "levels", "required", "[levels.township]"),
    (config(levels=levels(city=1)), "levels.city", "unknown_key", "village（村）"),
    (config(levels=levels(township=())), "levels.township.escalate_after_working_days", "required", "0 至 60"),
    (
        config(levels=levels(county={"escalate_after_working_days": 5, "days": 5})),
        "levels.county.days",
        "unknown_field",
        "escalate_after_working_days",
    ),
    (config(levels=levels(county=-1)), "levels.county.escalate_after_working_days", "invalid_value", "现为 “-1”"),
    (config(levels=levels(village=61)), "levels.village.escalate_after_working_days", "invalid_value", "“61”"),
    (config(levels=levels(township="3")), "levels.township.escalate_after_working_days", "invalid_value", "不加引号"),
    (config(levels=levels(county=True)), "levels.county.escalate_after_working_days", "invalid_value", "“true”"),
    (config(centres=[]), "centres", "required", "division = “430426”"),
    (config(centres=centres("430426101")), "centres[1]", "wrong_type", "[[centres]]"),
    (config(centres=centres({"division": "430426101", "name": "a", "fax": "1"})), "centres[1].fax",
     "unknown_field", "division、name、call_in、phone 和 address"),
    (config(centres=centres({"division": "430426101", "name": "a", "phone": 7346123456})), "centres[1].phone",
     "wrong_type", 'phone = "7346123456"'),
    (config(centres=centres({"division": "430426101", "name": "a", "phone": "0734 6123456"})), "centres[1].phone",
     "invalid_value", "只含数字和连字符"),
    (config(centres=centres({"division": "430426101", "name": "a", "phone": "0734-"})), "centres[1].phone",
     "invalid_value", "现为 “0734-”"),
    (config(centres=centres({"division": "430426101", "name": "a", "phone": "０７３４"})), "centres[1].phone",
     "invalid_value", "“０７３４”"),
    (config(centres=centres({"division": "430426101", "name": "a", "phone": "0" * 21})), "centres[1].phone",
     "invalid_value", "不超过20位"),
    (config(centres=centres({"division": "430426101", "name": "a", "address": " "})), "centres[1].address",
     "invalid_value", "一行文字"),
    (config(centres=centres({"division": "430426101", "name": "a", "address": ["砖塘镇"]})), "centres[1].address",
     "invalid_value", "综治中心的地址"),
    (config(centres=centres({"division": "430426101", "name": "a", "address": "砖塘镇\n人民路"})),
     "centres[1].address", "invalid_value", "一行之内"),
    (config(centres=centres({"name": "砖塘镇综治中心"})), "centres[1].division", "required", "12位（村）"),
    (config(centres=centres({"division": 430426101, "name": "x"})), "centres[1].division", "wrong_type",
     'division = "430426101"'),
    (config(centres=centres({"division": "43042610A", "name": "x"})), "centres[1].division", "invalid_value",
     "“43042610A”"),
    (config(centres=[{"division": "4304261", "name": "x"}]), "centres[0].division", "invalid_value", "“4304261” 是7位"),
    (config(centres=[{"division": "430427", "name": "祁阳"}]), "centres[0].division", "not_in_county",
     "“430427” 不在本县（430426）之内"),
    (config(centres=[{"division": "430426", "name": " "}]), "centres[0].name", "required", "中文名称"),
    (config(centres=[{"division": "430426", "name": "祁东县综治中心", "call_in": "police"}]), "centres[0].call_in",
     "wrong_type", '"*"（全部机构）'),
    (config(centres=[{"division": "430426", "name": "祁东县综治中心", "call_in": ["fire"]}]), "centres[0].call_in",
     "unknown_agency", "没有代码为 “fire” 的机构"),
    (config(centres=[{"division": "430426", "name": "祁东县综治中心", "call_in": ["centre"]}]), "centres[0].call_in",
     "unknown_agency", "“centre”"),
    (config(centres=[{"division": "430426", "name": "祁东县综治中心", "call_in": ["court", "court"]}]),
     "centres[0].call_in", "duplicate", "机构 “court” 列了两次"),
    (config(centres=[{"division": "430426", "name": "a"}, {"division": "430426", "name": "b"}]),
     "centres[1].division", "duplicate", "已由 centres[0] 列出"),
    (config(centres=[{"division": "430426101", "name": "砖塘镇综治中心"}]), "centres", "county_centre_missing",
     "division = “430426”"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "field", "code", "says"), REFUSALS, ids=[f"{r[1]}-{r[2]}" for r in REFUSALS])
def test_a_malformed_file_is_refused_naming_the_key_in_chinese(data, field, code, says):
    with pytest.raises(CentresError) as refused:
        parse_centres(data, COUNTY, REGISTRY)

    assert_refusal(refused.value, field, code, says)


def test_a_refusal_read_from_the_file_names_the_file(tmp_path):
    path = tmp_path / "centres.toml"
    path.write_text(
        (DEFAULT_CONFIG_DIR / "centres.toml").read_text(encoding="utf-8").replace('"police"', '"fire"', 1), "utf-8"
    )

    with pytest.raises(CentresError) as refused:
        load_centres_file(path, COUNTY, REGISTRY)

    assert refused.value.file == str(path)
    assert refused.value.in_file().startswith(f"配置文件 {path} 有误：centres[")
    assert "没有代码为 “fire” 的机构" in refused.value.in_file()


@pytest.mark.parametrize(
    ("content", "code", "says"),
    [
        (b"[levels\n", "invalid_toml", "不是有效的 TOML：第1行"),
        ('[[centres]]\nname = "砖塘镇"\n'.encode("gbk"), "not_utf8", "请用 UTF-8 编码保存"),
    ],
)
def test_a_file_that_cannot_be_read_as_toml_is_refused_naming_the_file(tmp_path, content, code, says):
    path = tmp_path / "centres.toml"
    path.write_bytes(content)

    with pytest.raises(CentresError) as refused:
        load_centres_file(path, COUNTY, REGISTRY)

    assert_refusal(refused.value, "", code, says)
    assert refused.value.in_file().startswith(f"配置文件 {path} 有误：不是")
