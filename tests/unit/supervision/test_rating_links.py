"""A citizen's rating link: names one visit, cannot be guessed from the case number, expires, dies with a new round."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.supervision.domain import (
    FollowUp,
    RatingLink,
    RatingLinkRefusal,
    check_rating_link,
    parse_rating_link,
    rating_link_for,
    verify_rating_link,
)
from shared.refusal import Refused

SECRET = b"k" * 32
OPENED = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
VALID_FOR = timedelta(days=15)
VISIT = FollowUp(case_id="430426-20261204-00007", lead_unit="police:430426101", round=1, opened_at=OPENED)


def test_the_link_of_a_visit_checks_out_within_its_time() -> None:
    link = parse_rating_link(rating_link_for(VISIT, SECRET).token())
    check_rating_link(link, VISIT, SECRET, VALID_FOR, OPENED + timedelta(days=3))


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("430426-20261204-00007.1.AAAA", RatingLinkRefusal.NOT_A_LINK),  # guessed code
        ("430426-20261204-00007.2." + rating_link_for(VISIT, SECRET).code, RatingLinkRefusal.NOT_A_LINK),
    ],
)
def test_a_guessed_or_altered_link_is_refused(token: str, code: str) -> None:
    with pytest.raises(Refused) as refused:
        check_rating_link(parse_rating_link(token), VISIT, SECRET, VALID_FOR, OPENED)
    assert refused.value.code == code


def test_another_secret_makes_another_code() -> None:
    assert rating_link_for(VISIT, SECRET).code != rating_link_for(VISIT, b"x" * 32).code


def test_an_expired_link_is_refused() -> None:
    link = rating_link_for(VISIT, SECRET)
    with pytest.raises(Refused) as refused:
        check_rating_link(link, VISIT, SECRET, VALID_FOR, OPENED + VALID_FOR + timedelta(minutes=1))
    assert refused.value.code == RatingLinkRefusal.EXPIRED


def test_a_reopened_case_voids_the_earlier_rounds_link() -> None:
    link = rating_link_for(VISIT, SECRET)
    second = FollowUp(VISIT.case_id, VISIT.lead_unit, 2, OPENED + timedelta(days=9))
    with pytest.raises(Refused) as refused:
        check_rating_link(link, second, SECRET, VALID_FOR, OPENED + timedelta(days=10))
    assert refused.value.code == RatingLinkRefusal.SUPERSEDED


def test_a_visit_called_off_by_a_petition_voids_its_link_before_the_next_round_has_one() -> None:
    link = rating_link_for(VISIT, SECRET)
    called_off = replace(VISIT, called_off_at=OPENED + timedelta(days=1))
    with pytest.raises(Refused) as refused:
        check_rating_link(link, called_off, SECRET, VALID_FOR, OPENED + timedelta(days=2))
    assert refused.value.code == RatingLinkRefusal.SUPERSEDED


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "x.y.z",
        "430426-20261204-00007.١.abc",
        "a." * 200,
        "430426-20260101-00001.1.é",  # what a phone sends for %C3%A9
        "430426-20260101-00001.1.\udc80",  # a lone surrogate, which no UTF-8 can carry
        "４３０４２６-20261204-00007.1.AAAA",  # full-width digits in the case number
    ],
)
def test_malformed_links_are_refused(token: str) -> None:
    with pytest.raises(Refused) as refused:
        parse_rating_link(token)
    assert refused.value.code == RatingLinkRefusal.NOT_A_LINK


@pytest.mark.parametrize("code", ["é", "AAAA\u00e9", "\udc80", "码" * 43])
def test_a_code_that_is_not_ascii_is_not_ours_and_is_refused_like_any_forgery(code: str) -> None:
    with pytest.raises(Refused) as refused:
        verify_rating_link(RatingLink(VISIT.case_id, 1, code), SECRET)
    assert refused.value.code == RatingLinkRefusal.NOT_A_LINK


def test_a_links_code_is_checked_without_its_visit_so_a_forgery_learns_nothing() -> None:
    genuine = rating_link_for(VISIT, SECRET)
    verify_rating_link(genuine, SECRET)
    for forged in (
        RatingLink("430426-20261204-00008", 1, genuine.code),  # another case, which may or may not exist
        RatingLink(VISIT.case_id, 1, genuine.code[:-1] + "A"),
    ):
        with pytest.raises(Refused) as refused:
            verify_rating_link(forged, SECRET)
        assert refused.value.code == RatingLinkRefusal.NOT_A_LINK
