"""Which units and places a query's filters may name: each that can ever hold a case or a referral, nothing else."""

import pytest

from shared.http import BadInput
from shared.known_filters import require_known, unknown_place, unknown_unit
from shared.platform import Platform
from shared.registry import load_registry
from shared.wording import Places, field_error_text, load_places

COUNTY = "430426"
REGISTRY = load_registry()
PLACES = load_places()  # the sample county's divisions: 砖塘镇 (430426101) and its villages, …


@pytest.mark.parametrize(
    "unit",
    [
        "police:430426",  # the county bureau: routing's police@county, and where a township's escalation goes
        "police:430426101",  # 砖塘镇派出所, at the agency's own level
        "court:430426",
        "court:430426101",  # below the court's own level: staff may assign or call in any unit of the county by hand
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
