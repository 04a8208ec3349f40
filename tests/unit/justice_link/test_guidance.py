"""Where a dispute goes when mediation did not settle it: arbitration, a ruling or review by category, then court."""

import pytest

from services.justice_link.domain.guidance import COUNTY_GUIDANCE, guidance_for
from shared.contracts.vocabulary import Category, ResultCode


def routes(result: ResultCode, category: Category) -> list[str]:
    guidance = guidance_for(result, category)
    assert guidance is not None
    return [r.code for r in guidance.routes]


def test_unpaid_wages_go_to_labour_arbitration_before_court() -> None:
    assert routes(ResultCode.MEDIATION_FAILED, Category.WAGES) == ["labour_arbitration", "litigation"]


def test_land_goes_to_land_contract_arbitration_or_a_ruling_on_ownership() -> None:
    assert routes(ResultCode.NOT_SUITABLE_FOR_MEDIATION, Category.LAND) == [
        "land_contract_arbitration",
        "land_ownership_ruling",
        "administrative_review",
        "litigation",
    ]


@pytest.mark.parametrize("category", [Category.NEIGHBOUR, Category.DEBT, Category.TRAFFIC, Category.MEDICAL])
def test_other_disputes_are_guided_to_court(category: Category) -> None:
    assert routes(ResultCode.MEDIATION_FAILED, category) == ["litigation"]


def test_guidance_carries_the_countys_words_and_the_route_already_taken() -> None:
    guidance = guidance_for(ResultCode.REFERRED_TO_ARBITRATION, Category.WAGES)
    assert guidance is not None
    shown = guidance.as_json()
    assert (shown["text"], shown["taken"]) == (COUNTY_GUIDANCE, "referred_to_arbitration")
    assert "劳动争议调解仲裁法" in guidance.routes[0].basis


@pytest.mark.parametrize(
    "result", [None, ResultCode.MEDIATED, ResultCode.JUDICIALLY_CONFIRMED, ResultCode.WITHDRAWN, ResultCode.HANDLED]
)
def test_a_settled_or_open_referral_needs_no_guidance(result: ResultCode | None) -> None:
    assert guidance_for(result, Category.WAGES) is None


def test_each_basis_quotes_its_article_in_the_laws_own_words() -> None:
    # Officers read these to the parties: a quotation is the article's text (with its own leading words left out).
    land = guidance_for(ResultCode.MEDIATION_FAILED, Category.LAND)
    assert land is not None
    bases = {r.code: r.basis for r in land.routes}
    assert bases["land_contract_arbitration"] == (
        "农村土地承包经营纠纷调解仲裁法 第四条：当事人和解、调解不成或者不愿和解、调解的，"
        "可以向农村土地承包仲裁委员会申请仲裁，也可以直接向人民法院起诉"
    )
    assert bases["litigation"] == (
        "人民调解法 第二十六条：调解不成的，应当终止调解，并依据有关法律、法规的规定，"
        "告知当事人可以依法通过仲裁、行政、司法等途径维护自己的权利"
    )
