"""Who mediates a referral: specialty first, then the most specific place, then the lightest load."""

from pathlib import Path

import pytest

from services.justice_link.directory import load_directory
from services.justice_link.domain.assignment import Mediator, Organisation, OrganisationKind, propose
from shared.contracts.vocabulary import Category

XINTANG = "430426101203"  # 砖塘镇新塘村
SHIMEN = "430426101205"  # 砖塘镇石门村: no village committee in the sample
DIRECTORY = load_directory(Path(__file__).parents[3] / "config")


def proposed(category: Category, place: str, load: dict[str, int] | None = None) -> tuple[str, str] | None:
    proposal = propose(category, place, DIRECTORY.organisations, DIRECTORY.mediators, load or {})
    return (proposal.organisation.code, proposal.mediator.code) if proposal else None


def test_a_neighbours_dispute_in_a_village_goes_to_the_village_committee_and_its_neighbour_mediator() -> None:
    assert proposed(Category.NEIGHBOUR, XINTANG) == ("zt-xintang", "zt-xintang-01")


def test_a_family_dispute_in_the_same_village_goes_to_the_committee_member_who_handles_families() -> None:
    assert proposed(Category.FAMILY, XINTANG) == ("zt-xintang", "zt-xintang-02")


def test_a_village_without_its_own_committee_is_served_by_the_township_committee() -> None:
    assert proposed(Category.NEIGHBOUR, SHIMEN) == ("zt-town", "zt-town-01")


def test_a_debt_the_village_committee_does_not_take_goes_up_to_the_township() -> None:
    assert proposed(Category.DEBT, XINTANG) == ("zt-town", "zt-town-01")


@pytest.mark.parametrize(
    ("category", "organisation"),
    [
        (Category.MEDICAL, "cty-medical"),
        (Category.TRAFFIC, "cty-traffic"),
        (Category.PROPERTY_MANAGEMENT, "cty-property"),
    ],
)
def test_professional_disputes_go_to_the_county_industry_committee(category: Category, organisation: str) -> None:
    assert proposed(category, XINTANG) == (organisation, f"{organisation}-01")


def test_an_inactive_mediator_is_never_proposed() -> None:
    assert proposed(Category.PROPERTY_MANAGEMENT, XINTANG, {"cty-property-01": 40}) == (
        "cty-property",
        "cty-property-01",
    )


def test_the_mediator_with_fewer_open_assignments_is_proposed() -> None:
    assert proposed(Category.MEDICAL, XINTANG, {"cty-medical-01": 3, "cty-medical-02": 1}) == (
        "cty-medical",
        "cty-medical-02",
    )


def test_among_equally_specific_organisations_the_less_loaded_one_is_proposed() -> None:
    # 砖塘镇's committee and 唐建华's studio both cover the township and take family disputes;
    # at equal load the committee comes first.
    assert proposed(Category.FAMILY, SHIMEN) == ("zt-town", "zt-town-02")
    assert proposed(Category.FAMILY, SHIMEN, {"zt-town-01": 1}) == ("zt-studio-tang", "zt-studio-tang-01")


def test_no_organisation_for_a_place_outside_every_cover_gives_no_proposal() -> None:
    assert proposed(Category.NEIGHBOUR, "430426110") is None
    assert proposed(Category.NEIGHBOUR, "431000") is None


def test_an_organisation_without_an_active_mediator_is_passed_over() -> None:
    org = Organisation(
        "o",
        "某村调委会",
        OrganisationKind.VILLAGE_COMMITTEE,
        "justice:430426101",
        ("430426101203",),
        frozenset({Category.NEIGHBOUR}),
    )
    town = Organisation(
        "t",
        "某镇调委会",
        OrganisationKind.TOWNSHIP_COMMITTEE,
        "justice:430426101",
        ("430426101",),
        frozenset({Category.NEIGHBOUR}),
    )
    people = [
        Mediator("a", "甲", "o", frozenset({Category.NEIGHBOUR}), active=False),
        Mediator("b", "乙", "t", frozenset({Category.FAMILY})),
    ]
    proposal = propose(Category.NEIGHBOUR, XINTANG, [org, town], people, {})
    assert proposal is not None
    # The township's only mediator does not list neighbours, but is the one it has.
    assert (proposal.organisation.code, proposal.mediator.code, proposal.specificity) == ("t", "b", 9)
