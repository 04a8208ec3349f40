"""A dispute report is refused, with the offending field named, unless it describes a real dispute."""

import pytest
from pydantic import ValidationError

from shared.contracts.disputes import MAX_PARTIES, DisputeReport, Party, minimise_parties
from shared.contracts.vocabulary import Category, Flag, PartyKind, PartyRole, Source

ZHANG_SAN_ID = "430426199005201239"
LI_SI_ID = "430426198511114563"


def report(**overrides) -> dict:
    """A walk-in neighbour dispute between 张三 and 李四, as the window form submits it."""
    fields = {
        "source": "walk_in",
        "category": "neighbour",
        "division_code": "430426101",
        "summary": "李四家装修占用公共楼道，张三多次协商未果。",
        "parties": [
            {"role": "applicant", "name": "张三", "id_number": ZHANG_SAN_ID, "phone": "13800138000"},
            {"role": "respondent", "name": "李四", "id_number": LI_SI_ID, "phone": "13900139000"},
        ],
    }
    fields.update(overrides)
    return fields


def errors_of(fields: dict) -> list[dict]:
    with pytest.raises(ValidationError) as refused:
        DisputeReport.model_validate(fields)
    return refused.value.errors()


def only_error(fields: dict) -> dict:
    errors = errors_of(fields)
    assert len(errors) == 1, errors
    return errors[0]


def test_a_complete_report_is_accepted_and_keeps_both_sides():
    accepted = DisputeReport.model_validate(report())

    assert [p.name for p in accepted.applicants()] == ["张三"]
    assert [p.name for p in accepted.respondents()] == ["李四"]
    assert accepted.category is Category.NEIGHBOUR
    assert accepted.source is Source.WALK_IN


def test_a_report_without_a_respondent_is_refused_at_parties():
    two_applicants = [{"role": "applicant", "name": "张三"}, {"role": "applicant", "name": "王五"}]

    error = only_error(report(parties=two_applicants))

    assert error["loc"] == ("parties",)
    assert "respondent" in error["msg"]


def test_a_report_without_an_applicant_is_refused_at_parties():
    two_respondents = [{"role": "respondent", "name": "李四"}, {"role": "third_party", "name": "王五"}]

    error = only_error(report(parties=two_respondents))

    assert error["loc"] == ("parties",)
    assert "applicant" in error["msg"]


@pytest.mark.parametrize("field,value", [("id_number", LI_SI_ID), ("phone", "13900139000")])
def test_an_organisation_with_personal_numbers_is_refused_at_that_field(field, value):
    company = {"role": "respondent", "kind": "organisation", "name": "湘南物业公司", field: value}
    parties = [{"role": "applicant", "name": "张三"}, company]

    error = only_error(report(parties=parties))

    assert error["loc"] == ("parties", 1, field)
    assert "organisation" in error["msg"]


def test_an_organisation_with_a_name_only_is_accepted():
    company = {"role": "respondent", "kind": "organisation", "name": "湘南物业公司"}

    accepted = DisputeReport.model_validate(report(parties=[{"role": "applicant", "name": "张三"}, company]))

    assert accepted.respondents()[0].kind is PartyKind.ORGANISATION


def test_an_id_or_mobile_number_typed_into_a_name_is_masked_as_it_is_read():
    parties = [
        {"role": "applicant", "name": f"张三（电话13800138000，身份证{ZHANG_SAN_ID}）"},
        {"role": "respondent", "kind": "organisation", "name": "湘南物业公司 0734-6821234"},
    ]

    names = [party.name for party in DisputeReport.model_validate(report(parties=parties)).parties]

    assert "13800138000" not in names[0] and ZHANG_SAN_ID not in names[0]
    assert names[0].startswith("张三（电话138") and "身份证" in names[0]
    assert names[1] == "湘南物业公司 0734-6821234"  # a landline is no personal number: kept as typed
    assert Party.model_validate({"role": "applicant", "name": names[0]}).name == names[0]  # masking once is enough


def test_a_bad_id_number_is_reported_at_that_partys_id_number():
    parties = report()["parties"]
    parties[0] = {**parties[0], "id_number": "430426199005201238"}

    error = only_error(report(parties=parties))

    assert error["loc"] == ("parties", 0, "id_number")
    assert "check digit" in error["msg"]


def test_a_bad_phone_is_reported_at_that_partys_phone():
    parties = report()["parties"]
    parties[1] = {**parties[1], "phone": "12800138000"}

    assert only_error(report(parties=parties))["loc"] == ("parties", 1, "phone")


def test_a_flag_given_twice_is_refused_at_flags():
    error = only_error(report(flags=["group", "violence_risk", "group"]))

    assert error["loc"] == ("flags",)


def test_distinct_flags_are_kept_in_order():
    accepted = DisputeReport.model_validate(report(flags=["violence_risk", "group"]))

    assert accepted.flags == [Flag.VIOLENCE_RISK, Flag.GROUP]


def test_a_summary_of_2000_characters_is_accepted_and_2001_refused():
    assert len(DisputeReport.model_validate(report(summary="纠" * 2000)).summary) == 2000

    error = only_error(report(summary="纠" * 2001))

    assert error["loc"] == ("summary",)
    assert error["type"] == "string_too_long"


def test_a_blank_summary_is_refused():
    assert only_error(report(summary="   "))["loc"] == ("summary",)


def test_fifty_parties_are_accepted_and_fifty_one_refused():
    workers = [{"role": "applicant", "name": f"工人{n}"} for n in range(MAX_PARTIES - 1)]
    employer = {"role": "respondent", "kind": "organisation", "name": "建工劳务公司"}

    accepted = DisputeReport.model_validate(report(category="wages", parties=[*workers, employer]))
    assert len(accepted.parties) == MAX_PARTIES

    error = only_error(report(parties=[*workers, {"role": "applicant", "name": "工人49"}, employer]))
    assert error["loc"] == ("parties",)
    assert error["type"] == "too_long"


def test_an_unknown_category_is_refused_at_category():
    error = only_error(report(category="witchcraft"))

    assert error["loc"] == ("category",)
    assert error["type"] == "enum"


def test_an_unknown_source_is_refused_at_source():
    assert only_error(report(source="fax"))["loc"] == ("source",)


def test_a_field_the_contract_does_not_know_is_refused_by_name():
    error = only_error(report(priority="urgent"))

    assert error["loc"] == ("priority",)
    assert error["type"] == "extra_forbidden"


def test_a_party_field_the_contract_does_not_know_is_refused_by_name():
    parties = report()["parties"]
    parties[0] = {**parties[0], "nickname": "三哥"}

    assert only_error(report(parties=parties))["loc"] == ("parties", 0, "nickname")


def test_a_division_outside_any_county_is_refused_at_division_code():
    assert only_error(report(division_code="000000"))["loc"] == ("division_code",)


ZHANG_SAN = Party(role=PartyRole.APPLICANT, name="张三", id_number=ZHANG_SAN_ID, phone="13800138000")
LI_SI = Party(role=PartyRole.RESPONDENT, name="李四", id_number=LI_SI_ID, phone="13900139000")


@pytest.mark.parametrize("with_contact", [True, False])
def test_notices_to_units_never_carry_id_numbers(with_contact):
    notices = minimise_parties([ZHANG_SAN, LI_SI], with_contact=with_contact)

    wire = [notice.model_dump(mode="json") for notice in notices]
    assert all("id_number" not in fields for fields in wire)
    assert ZHANG_SAN_ID not in str(wire) and LI_SI_ID not in str(wire)


def test_notices_carry_phones_only_when_the_unit_must_call_the_parties():
    without = minimise_parties([ZHANG_SAN, LI_SI], with_contact=False)
    with_phones = minimise_parties([ZHANG_SAN, LI_SI], with_contact=True)

    assert [n.phone for n in without] == [None, None]
    assert [n.phone for n in with_phones] == ["13800138000", "13900139000"]
    assert [(n.name, n.role) for n in without] == [
        ("张三", PartyRole.APPLICANT),
        ("李四", PartyRole.RESPONDENT),
    ]
