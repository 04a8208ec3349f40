"""config/centres.toml: the three levels of centres, checked when loaded, errors naming the field."""

import tomllib
from typing import Any

import pytest

from shared.centres import CentresError, Level, load_centres, parse_centres
from shared.registry import DEFAULT_CONFIG_DIR, load_registry

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


def refusal(data: dict[str, Any]) -> str:
    with pytest.raises(CentresError) as refused:
        parse_centres(data, COUNTY, REGISTRY)
    return str(refused.value)


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


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            config(levels={lv: {"escalate_after_working_days": 2} for lv in ("village", "county")}),
            "levels.township.escalate_after_working_days",
        ),
        (
            config(levels={lv: {"escalate_after_working_days": -1} for lv in ("village", "township", "county")}),
            "levels.county.escalate_after_working_days",
        ),
        (config(centres=[{"division": "430426101", "name": "砖塘镇综治中心"}]), "centres: the county's own centre"),
        (config(centres=[{"division": "430426", "name": "祁东县综治中心", "call_in": ["fire"]}]), "centres[0].call_in"),
        (config(centres=[{"division": "4304261", "name": "x"}]), "centres[0].division"),
        (config(centres=[{"division": "430427", "name": "祁阳"}]), "centres[0].division"),
        (config(centres=[{"division": "430426", "name": " "}]), "centres[0].name"),
        (config(centres=[{"division": "430426", "name": "a"}, {"division": "430426", "name": "b"}]), "centres[1]"),
        (config(centres=[{"division": "430426", "name": "a", "phone": "1"}]), "centres[0].phone"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_field(data, field):
    assert refusal(data).startswith(field)
