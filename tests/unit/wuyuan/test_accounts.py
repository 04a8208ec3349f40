"""`wuyuan.accounts.checked_units`: an account made from Python (the end-to-end tests, scripts) is held to the same
units as `wuyuan account add`: a known agency's, at one of the county's divisions."""

import pytest

from services.identity.domain import AccountError
from wuyuan.accounts import checked_units
from wuyuan.settings import PlatformSettings


@pytest.fixture
def settings(monkeypatch) -> PlatformSettings:
    for name in ("WUYUAN_CONFIG_DIR", "WUYUAN_COUNTY"):
        monkeypatch.delenv(name, raising=False)
    return PlatformSettings()


def test_units_at_the_countys_divisions_are_kept(settings):
    units = ["centre:430426", "police:430426101", "justice:430426102"]

    assert checked_units(settings, units) == frozenset(units)


@pytest.mark.parametrize("unit", ["police:999999", "police:430426999", "court:431121"])
def test_a_unit_at_no_division_of_the_county_is_refused_naming_it(settings, unit):
    with pytest.raises(AccountError, match=f"units: '{unit}' is not at a division of county 430426"):
        checked_units(settings, ["court:430426", unit])


def test_a_unit_of_no_known_agency_is_still_refused_first(settings):
    with pytest.raises(AccountError, match="units: 'fire:999999' is not a unit of a known agency"):
        checked_units(settings, ["fire:999999"])


def test_a_unit_finer_than_its_agencys_own_is_refused_where_accounts_are_made_from_python_too(settings):
    with pytest.raises(AccountError) as refused:
        checked_units(settings, ["police:430426101201"])  # a village: the police have no unit there
    assert "finer than police's units" in str(refused.value)
    assert checked_units(settings, ["police:430426101"]) == frozenset({"police:430426101"})


def test_a_centre_unit_is_one_of_the_countys_centres_at_whatever_level(settings):
    """Township and village centres (config/centres.toml) have staff bound to them; a township without one has none."""
    assert checked_units(settings, ["centre:430426102", "centre:430426101203"]) == frozenset(
        {"centre:430426102", "centre:430426101203"}
    )
    with pytest.raises(AccountError, match="units: 'centre:430426106' is not a centre of county 430426"):
        checked_units(settings, ["centre:430426106"])
