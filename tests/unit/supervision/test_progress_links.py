"""The receipt's progress link: names one case, cannot be guessed or made from a rating link, lapses in a year."""

from datetime import UTC, date, datetime, timedelta

import pytest

from services.supervision.domain import (
    PROGRESS_LINK_DAYS,
    FollowUp,
    ProgressLinkRefusal,
    check_progress_link,
    parse_progress_link,
    progress_link_for,
    rating_link_for,
)
from shared.refusal import Refused

SECRET = b"k" * 32
CASE_ID = "430426-20261204-00007"
PRINTED = date(2026, 12, 4)


def refusal(token: str, today: date = PRINTED) -> str:
    with pytest.raises(Refused) as refused:
        check_progress_link(parse_progress_link(token), SECRET, today)
    return str(refused.value.code)


def test_the_printed_link_opens_its_case_until_its_last_day() -> None:
    link = parse_progress_link(progress_link_for(CASE_ID, PRINTED, SECRET).token())
    assert (link.case_id, link.expires_on) == (CASE_ID, PRINTED + timedelta(days=PROGRESS_LINK_DAYS))
    check_progress_link(link, SECRET, link.expires_on)  # still open on its last day


def test_a_link_past_its_last_day_is_refused_as_expired() -> None:
    link = progress_link_for(CASE_ID, PRINTED, SECRET)
    assert refusal(link.token(), link.expires_on + timedelta(days=1)) == ProgressLinkRefusal.EXPIRED


def test_a_forged_code_or_another_case_behind_a_real_code_is_not_a_link() -> None:
    real = progress_link_for(CASE_ID, PRINTED, SECRET)
    assert refusal(f"{CASE_ID}.20271204.AAAA") == ProgressLinkRefusal.NOT_A_LINK
    assert refusal(f"430426-20261204-00008.20271204.{real.code}") == ProgressLinkRefusal.NOT_A_LINK


def test_a_later_day_written_over_a_real_code_is_not_a_link() -> None:
    real = progress_link_for(CASE_ID, PRINTED, SECRET)
    assert refusal(f"{CASE_ID}.20991231.{real.code}") == ProgressLinkRefusal.NOT_A_LINK


def test_a_forged_link_past_its_day_says_nothing_of_its_day() -> None:
    """Forgery is refused before the day is looked at: an old forged link is no more telling than a new one."""
    assert refusal(f"{CASE_ID}.20200101.AAAA") == ProgressLinkRefusal.NOT_A_LINK


def test_another_secret_makes_another_code() -> None:
    assert progress_link_for(CASE_ID, PRINTED, SECRET).code != progress_link_for(CASE_ID, PRINTED, b"x" * 32).code


def test_a_rating_links_code_opens_no_progress() -> None:
    """Same secret, other purpose: a code the supervisor handed out for rating is refused here, whatever the middle."""
    visit = FollowUp(
        case_id=CASE_ID, lead_unit="police:430426101", round=1, opened_at=datetime(2026, 12, 4, tzinfo=UTC)
    )
    rating = rating_link_for(visit, SECRET)
    assert refusal(f"{CASE_ID}.20271204.{rating.code}") == ProgressLinkRefusal.NOT_A_LINK
    with pytest.raises(Refused):  # the rating token as it stands is not even shaped as a progress link
        parse_progress_link(rating.token())


@pytest.mark.parametrize(
    "token",
    [
        "",
        "...",
        f"{CASE_ID}",
        f"{CASE_ID}.20271204",
        f"{CASE_ID}.20271204.",
        f"{CASE_ID}.2027-12-04.abc",
        f"{CASE_ID}.20271304.abc",  # no 13th month
        f"{CASE_ID}.20270230.abc",  # no 30 February
        f"{CASE_ID}.２０２７１２０４.abc",  # full-width digits
        f"{CASE_ID}.20271204.码码码",  # non-ASCII code
        "案件.20271204.abc",
        f"{CASE_ID}.20271204." + "A" * 300,  # overlong
        "430426-20261204-7.20271204.abc",  # not a case number
    ],
)
def test_malformed_input_is_not_a_link(token: str) -> None:
    with pytest.raises(Refused) as refused:
        parse_progress_link(token)
    assert refused.value.code == ProgressLinkRefusal.NOT_A_LINK


def test_a_link_is_only_made_for_a_case_number() -> None:
    with pytest.raises(ValueError, match="not a case number"):
        progress_link_for("430426.x", PRINTED, SECRET)
