"""Resident IDs, mobile numbers, division and unit codes are accepted or refused as staff expect."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from shared.contracts.dates import STORED_ROW, ClockMissing, message_context, request_context
from shared.contracts.identifiers import (
    CaseId,
    DivisionCode,
    Mobile,
    ResidentId,
    UnitCode,
    mask_mobile,
    mask_resident_id,
    resident_id_check_char,
)

resident_id = TypeAdapter(ResidentId)
mobile = TypeAdapter(Mobile)
division = TypeAdapter(DivisionCode)
unit = TypeAdapter(UnitCode)
case_id = TypeAdapter(CaseId)

ZHANG_SAN_ID = "430426199005201239"  # born 1990-05-20 in county 430426
STANDARD_EXAMPLE_ID = "11010519491231002X"  # the GB 11643-1999 worked example


first_17_digits = st.builds(
    lambda region, born, serial: f"{region:06d}{born:%Y%m%d}{serial:03d}",
    region=st.integers(110000, 659999),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),  # no today: a model built in code
    serial=st.integers(0, 999),
)


@given(first_17=first_17_digits)
def test_every_id_with_its_computed_check_character_is_accepted(first_17):
    number = first_17 + resident_id_check_char(first_17)

    assert resident_id.validate_python(number) == number


@given(first_17=first_17_digits, wrong=st.sampled_from("0123456789X"))
def test_a_wrong_check_character_is_refused(first_17, wrong):
    assume(wrong != resident_id_check_char(first_17))

    with pytest.raises(ValidationError, match="check digit"):
        resident_id.validate_python(first_17 + wrong)


def test_known_ids_are_accepted():
    assert resident_id.validate_python(ZHANG_SAN_ID) == ZHANG_SAN_ID
    assert resident_id.validate_python(STANDARD_EXAMPLE_ID) == STANDARD_EXAMPLE_ID


def test_zhang_sans_id_with_its_last_character_changed_is_refused():
    with pytest.raises(ValidationError, match="check digit"):
        resident_id.validate_python("430426199005201238")


def test_lower_case_x_is_stored_upper_case():
    assert resident_id.validate_python("11010519491231002x") == STANDARD_EXAMPLE_ID


def test_surrounding_spaces_are_dropped():
    assert resident_id.validate_python(f"  {ZHANG_SAN_ID} ") == ZHANG_SAN_ID


@pytest.mark.parametrize(
    "born",
    ["19990229", "19900230", "19901301", "19900000", "00000101"],
    ids=["29 Feb in a common year", "30 Feb", "month 13", "day 0", "year 0"],
)
def test_impossible_birth_dates_are_refused(born):
    first_17 = f"430426{born}001"
    number = first_17 + resident_id_check_char(first_17)

    with pytest.raises(ValidationError, match="birth date"):
        resident_id.validate_python(number)


def an_id_born_on(born: str) -> str:
    first_17 = f"430426{born}123"
    return first_17 + resident_id_check_char(first_17)


# 2026-12-08 01:00 in Beijing, still 12-07 in UTC: the county's today is the 8th.
JUDGED_AT = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "context", [request_context(JUDGED_AT), message_context(JUDGED_AT)], ids=["a request", "a message"]
)
def test_a_birth_date_after_the_county_s_today_is_refused_naming_today_not_the_number(context):
    number = an_id_born_on("20301001")  # a real day, and a right check character

    with pytest.raises(ValidationError) as refused:
        resident_id.validate_python(number, context=context)

    [error] = refused.value.errors()
    assert error["type"] == "id_birth_date_future"
    assert "after today (2026-12-08)" in error["msg"]
    assert "2030" not in error["msg"]  # a refusal repeats no part of an ID number


@pytest.mark.parametrize(
    "context", [request_context(JUDGED_AT), message_context(JUDGED_AT)], ids=["a request", "a message"]
)
def test_a_person_born_on_the_county_s_today_is_born(context):
    assert resident_id.validate_python(an_id_born_on("20261208"), context=context) == an_id_born_on("20261208")


def test_a_birth_date_after_today_is_refused_in_a_request_that_carries_no_clock_as_the_endpoint_s_mistake():
    with pytest.raises(ClockMissing):
        resident_id.validate_python(an_id_born_on("20301001"), context=request_context(None))


@pytest.mark.parametrize("context", [None, request_context(JUDGED_AT), message_context(JUDGED_AT)])
def test_a_birth_date_before_1900_is_refused(context):
    with pytest.raises(ValidationError) as refused:
        resident_id.validate_python(an_id_born_on("18991231"), context=context)

    assert [error["type"] for error in refused.value.errors()] == ["id_birth_date_too_early"]


def test_a_stored_row_reads_as_it_was_taken():
    assert resident_id.validate_python(an_id_born_on("18991231"), context=STORED_ROW) == an_id_born_on("18991231")


def test_29_february_in_a_leap_year_is_a_real_birthday():
    assert resident_id.validate_python("430426200002290016") == "430426200002290016"


@pytest.mark.parametrize(
    "bad", ["43042619900520123", "4304261990052012399", "43042619900520123Y", "X30426199005201239"]
)
def test_ids_of_the_wrong_shape_are_refused(bad):
    with pytest.raises(ValidationError, match="18 characters"):
        resident_id.validate_python(bad)


def test_mobile_with_country_prefix_is_stored_without_it():
    assert mobile.validate_python("+86 13800138000") == "13800138000"
    assert mobile.validate_python("+8613800138000") == "13800138000"


@pytest.mark.parametrize(
    "bad",
    ["138001380000", "1380013800", "12800138000", "23800138000", "1380013800a"],
    ids=["12 digits", "10 digits", "starts 12", "starts 2", "a letter"],
)
def test_numbers_that_are_not_mainland_mobiles_are_refused(bad):
    with pytest.raises(ValidationError, match="11-digit"):
        mobile.validate_python(bad)


@pytest.mark.parametrize("code", ["430426", "430426101", "430426101201"], ids=["county", "township", "village"])
def test_county_township_and_village_codes_are_accepted(code):
    assert division.validate_python(code) == code


@pytest.mark.parametrize("bad", ["4304261", "43042", "4304261012", "43042a"])
def test_division_codes_of_other_lengths_are_refused(bad):
    with pytest.raises(ValidationError, match="6, 9 or 12 digits"):
        division.validate_python(bad)


@pytest.mark.parametrize("bad", ["000000", "430000"], ids=["all zero", "a province"])
def test_division_codes_above_a_county_are_refused(bad):
    with pytest.raises(ValidationError, match="county or below"):
        division.validate_python(bad)


@pytest.mark.parametrize("code", ["court:430426", "police:430426101", "justice:430426101201", "court_link:430426"])
def test_unit_codes_name_an_agency_and_a_division(code):
    assert unit.validate_python(code) == code


@pytest.mark.parametrize(
    "bad",
    ["court", "court:4304261", "Court:430426", "court-430426", ":430426", "c:430426"],
    ids=["no division", "7-digit division", "capitals", "no colon", "no agency", "one-letter agency"],
)
def test_malformed_unit_codes_are_refused(bad):
    with pytest.raises(ValidationError, match="agency"):
        unit.validate_python(bad)


def test_a_unit_in_no_county_is_refused():
    with pytest.raises(ValidationError, match="county or below"):
        unit.validate_python("court:000000")


def test_case_numbers_have_county_day_and_sequence():
    assert case_id.validate_python("430426-20261121-00042") == "430426-20261121-00042"
    with pytest.raises(ValidationError):
        case_id.validate_python("430426-20261121-42")


def test_masks_keep_only_what_staff_screens_show():
    assert mask_resident_id(ZHANG_SAN_ID) == "430426***********9"
    assert mask_mobile("13800138000") == "138****8000"


# --- ASCII digits only --------------------------------------------------------------------

# The same numbers in digits that `\d` and str.isdigit() accept but no agency system means:
# Arabic-Indic, full-width, Devanagari. Each would pass a `\d` shape and then be another string.
OTHER_DIGITS = {"arabic-indic": "٠١٢٣٤٥٦٧٨٩", "full-width": "０１２３４５６７８９", "devanagari": "०१२३४५६७८९"}


def in_other_digits(value: str, script: str) -> str:
    return value.translate(str.maketrans("0123456789", OTHER_DIGITS[script]))


@pytest.mark.parametrize("script", sorted(OTHER_DIGITS))
@pytest.mark.parametrize(
    ("adapter", "value"),
    [
        (resident_id, ZHANG_SAN_ID),
        (mobile, "13800138000"),
        (division, "430426101"),
        (unit, "court:430426"),
        (case_id, "430426-20261121-00042"),
    ],
    ids=["resident-id", "mobile", "division", "unit", "case-id"],
)
def test_identifiers_in_non_ascii_digits_are_refused(adapter, value, script):
    assert adapter.validate_python(value) == value

    with pytest.raises(ValidationError):
        adapter.validate_python(in_other_digits(value, script))


@given(position=st.integers(0, 17), digit=st.characters(categories=["Nd"]).filter(lambda c: c not in "0123456789"))
def test_one_non_ascii_digit_anywhere_in_an_id_is_refused(position, digit):
    changed = ZHANG_SAN_ID[:position] + digit + ZHANG_SAN_ID[position + 1 :]

    with pytest.raises(ValidationError):
        resident_id.validate_python(changed)


@pytest.mark.parametrize("number", ["430426-20261121-100000", "430426-20261121-999999999"])
def test_case_numbers_widen_past_five_digits(number):
    assert case_id.validate_python(number) == number


@pytest.mark.parametrize(
    "number",
    ["430426-20261121-012345", "430426-20261121-1000000000", "430426-20261121-0004", "430426-20261121-00042\n"],
)
def test_case_numbers_keep_one_spelling(number):
    with pytest.raises(ValidationError):
        case_id.validate_python(number)
