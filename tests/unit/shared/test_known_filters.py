"""Which units and places a query's filters may name: each that can ever hold a case or a referral, nothing else."""

import pytest

from shared.centres import county_centres, parse_centres
from shared.http import BadInput
from shared.known_filters import require_known, unknown_centre, unknown_place, unknown_unit
from shared.platform import Platform
from shared.registry import DEFAULT_CONFIG_DIR, load_registry
from shared.wording import Places, field_error_text, load_places, no_centre_text

COUNTY = "430426"
REGISTRY = load_registry()
PLACES = load_places()  # the sample county's divisions: 砖塘镇 (430426101) and its villages, …


@pytest.mark.parametrize(
    "unit",
    [
        "police:430426",  # the county bureau: routing's police@county, and where a township's escalation goes
        "police:430426101",  # 砖塘镇派出所, at the agency's own level
        "court:430426",
        "court:430426101",  # below the court's own level: no case goes there now, but one assigned there earlier did
        "justice:430426101203",  # a listed village (新塘村)
        "justice:430426101299",  # a village the file does not list, of a listed township: intake places disputes there
        "centre:430426101",  # the township's centre
    ],
)
def test_a_unit_of_a_registered_agency_at_any_place_of_the_county_exists(unit):
    assert unknown_unit(unit, COUNTY, REGISTRY, PLACES) is None


@pytest.mark.parametrize(
    ("unit", "code"),
    [
        ("fire:430426", "unknown_agency"),
        ("police:999999", "unknown_unit"),  # the typo the filter must not answer with "no cases"
        ("police:430427101", "unknown_unit"),  # a neighbouring county's station
        ("police:430426999", "unknown_unit"),  # a township the county's divisions do not list
        ("justice:430426999001", "unknown_unit"),  # a village of such a township
    ],
)
def test_any_other_unit_is_unknown_with_a_code_staff_read_in_chinese(unit, code):
    unknown = unknown_unit(unit, COUNTY, REGISTRY, PLACES)

    assert unknown is not None and unknown.code == code
    assert field_error_text({"field": "unit", "type": unknown.code}).startswith("没有这个")


def test_a_county_whose_file_lists_no_township_has_every_place_within_it():
    """A deployment without divisions.toml reads places as codes: any division inside the county is one."""
    nothing_listed = Places({})

    assert unknown_unit("police:430426999", COUNTY, REGISTRY, nothing_listed) is None
    assert unknown_place("430426999001", COUNTY, nothing_listed) is None
    assert unknown_place("430427", COUNTY, nothing_listed) is not None


@pytest.mark.parametrize(
    ("place", "known"),
    [
        ("430426", True),
        ("430426101", True),
        ("430426101203", True),
        ("430426101299", True),
        ("430426999", False),
        ("999999", False),
    ],
)
def test_a_place_is_the_county_itself_a_listed_township_or_a_village_of_one(place, known):
    assert (unknown_place(place, COUNTY, PLACES) is None) is known


def test_a_wrong_unit_and_a_wrong_place_are_refused_together_each_named():
    platform = Platform(service="test", registry=REGISTRY, county=COUNTY)

    with pytest.raises(BadInput) as refused:
        require_known(platform, unit="police:999999", place="999999")

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [
        ("unit", "unknown_unit"),
        ("place", "not_in_county"),
    ]
    require_known(platform, unit="police:430426101", place="430426101203")  # both the county's: no refusal
    require_known(platform)  # no filter at all


CENTRES = county_centres(DEFAULT_CONFIG_DIR, COUNTY)  # the sample: the county, 砖塘镇 and its 新塘村, 蒋家桥镇 …


@pytest.mark.parametrize("centre", ["430426", "430426101", "430426101203", "430426105"])
def test_a_centre_the_county_set_up_is_a_centre_filter(centre):
    assert unknown_centre(centre, COUNTY, PLACES, CENTRES) is None


@pytest.mark.parametrize(
    ("division", "code", "held_by"),
    [
        ("430426106", "no_centre", "430426"),  # 灵官镇: a township of the county with no centre of its own
        ("430426101205", "no_centre", "430426101"),  # 石门村: its cases are 砖塘镇's centre's
        ("999999", "not_in_county", None),
        ("430426999", "not_in_county", None),
    ],
)
def test_a_division_without_a_centre_is_no_centre_filter_and_says_who_holds_its_cases(division, code, held_by):
    unknown = unknown_centre(division, COUNTY, PLACES, CENTRES)

    assert unknown is not None and unknown.code == code
    if held_by is not None:
        assert f"its cases are held by the centre at {held_by}" in unknown.message


def centres_at(*divisions: str):
    """The county's centre and those at `divisions`, named as the sample names them."""
    names = {c.division: c.name for c in CENTRES.centres}
    entries = [{"division": code, "name": names[code]} for code in (COUNTY, *divisions)]
    levels = {level: {"escalate_after_working_days": 3} for level in ("county", "township", "village")}
    return parse_centres({"levels": levels, "centres": entries}, COUNTY, REGISTRY)


def test_staff_read_the_place_with_no_centre_the_centre_above_and_those_below_in_chinese():
    assert no_centre_text("430426101205", centres_at("430426101", "430426101203"), PLACES) == (
        "砖塘镇石门村（430426101205）未设综治中心，没有由它掌握的案件；该地的案件由上一级的砖塘镇综治中心（430426101）掌握"
    )
    # A township without a centre of its own, whose village has one.
    village_only = centres_at("430426101203")
    assert no_centre_text("430426101", village_only, PLACES) == (
        "砖塘镇（430426101）未设综治中心，没有由它掌握的案件；该地的案件由上一级的祁东县综治中心（430426）掌握，"
        "其下设有新塘村综治中心（430426101203）"
    )
    unknown = unknown_centre("430426101", COUNTY, PLACES, village_only)
    assert unknown is not None and unknown.message.endswith("centres within it: 430426101203")


def test_a_centre_filter_where_none_is_set_up_is_refused_naming_the_field():
    platform = Platform(service="test", registry=REGISTRY, county=COUNTY)

    with pytest.raises(BadInput) as refused:
        require_known(platform, centre="430426106")

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("centre", "no_centre")]
    assert field_error_text(refused.value.fields[0]) == "该地未设综治中心，请从列表中选择"
    require_known(platform, centre="430426101")


@pytest.mark.parametrize(("unit", "held_by"), [("centre:430426106", "430426"), ("centre:430426101205", "430426101")])
def test_a_centres_unit_where_the_county_set_up_no_centre_is_no_centre_as_the_centre_filter_says(unit, held_by):
    """灵官镇 and 石门村 have no centre of their own: no case is ever held by `centre:<them>`."""
    unknown = unknown_unit(unit, COUNTY, REGISTRY, PLACES, CENTRES)
    assert unknown is not None and unknown.code == "no_centre"
    assert f"held by the centre at {held_by}" in unknown.message
    assert unknown_unit("centre:430426101", COUNTY, REGISTRY, PLACES, CENTRES) is None  # 砖塘镇's centre
    elsewhere = unknown_unit("centre:999999", COUNTY, REGISTRY, PLACES, CENTRES)  # no place of the county
    assert elsewhere is not None and elsewhere.code == "unknown_unit"

    platform = Platform(service="test", registry=REGISTRY, county=COUNTY)
    with pytest.raises(BadInput) as refused:
        require_known(platform, unit=unit)  # the county's own centres.toml, read when the unit is a centre's
    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("unit", "no_centre")]
    require_known(platform, unit="centre:430426")
