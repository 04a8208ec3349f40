"""The links' own decisions as supervision keeps and counts them: only from each link itself, once each."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from shared.contracts.messages import LinkRecordNoted
from shared.http import BadInput
from shared.refusal import Refused

COURT = "court:430426"
CENTRE = "centre:430426"
COURT_USER = "wuyuan.court_link"  # the broker user RabbitMQ vouches for as the court's
FILING = "(2026)湘0426民诉前1号"
# 2026-12-01 23:30 in China is still 15:30 UTC; 2026-12-02 00:30 in China is 2026-12-01 16:30 UTC.
LATE_ON_THE_FIRST = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
EARLY_ON_THE_SECOND = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)


def noted(n: int, kind: str = "filing_registered", *, unit: str = COURT, link: str = "court", at=LATE_ON_THE_FIRST):
    return LinkRecordNoted.build(
        message_id=UUID(int=n),
        occurred_at=at,
        case_id=None,
        sender=unit,
        recipient=CENTRE,
        link=link,
        record_id=FILING,
        kind=kind,
        unit=unit,
        at=at,
        detail={"diverted": True},
    )


def counts(supervision, http, since: str, until: str) -> dict:
    return http.body(supervision.link_fact_counts(http.get({"from": since, "to": until})))


def test_a_courts_decisions_are_kept_once_and_counted_by_china_dates(supervision, supervision_store, http):
    supervision.sender = COURT_USER
    supervision.on_link_record_noted(noted(1))
    supervision.on_link_record_noted(noted(1))  # redelivered
    supervision.on_link_record_noted(noted(2, "filing_diverted"))
    supervision.on_link_record_noted(noted(3, at=EARLY_ON_THE_SECOND))

    assert len(supervision_store.link_facts) == 3
    assert counts(supervision, http, "2026-12-01", "2026-12-01")["counts"] == {
        "court": {"filing_diverted": 1, "filing_registered": 1}
    }
    assert counts(supervision, http, "2026-12-01", "2026-12-02")["counts"] == {
        "court": {"filing_diverted": 1, "filing_registered": 2}
    }


@pytest.mark.parametrize("broker_user", ["wuyuan.police_link", "wuyuan.coordinator", "other.court_link", None])
def test_a_courts_decision_not_published_by_the_court_is_refused_and_kept_nowhere(
    supervision, supervision_store, uow, broker_user
):
    supervision.sender = broker_user
    with pytest.raises(Refused, match=r"must come from wuyuan\.court_link") as refused:
        supervision.on_link_record_noted(noted(1))
    assert refused.value.code == "wrong_sender"  # the consumer dead-letters it
    assert supervision_store.link_facts == {} and uow.claimed == set()


def test_the_court_cannot_note_a_record_of_a_police_station(supervision, supervision_store):
    supervision.sender = COURT_USER
    with pytest.raises(Refused, match="not a unit of court") as refused:
        supervision.on_link_record_noted(noted(1, unit="police:430426101"))
    assert refused.value.code == "other_agencys_unit"
    assert supervision_store.link_facts == {}


@pytest.mark.parametrize(
    ("unit", "why"),
    [
        ("court:430421", "430421 is not a division of county 430426"),  # another county
        ("court:430426999", "430426999"),  # a township the county does not have
    ],
)
def test_the_court_cannot_note_a_record_of_a_unit_at_a_place_the_county_does_not_have(
    supervision, supervision_store, uow, unit, why
):
    supervision.sender = COURT_USER
    with pytest.raises(Refused, match=why) as refused:
        supervision.on_link_record_noted(noted(1, unit=unit))
    assert refused.value.code == "not_in_county"  # the consumer dead-letters it: the report never counts it
    assert supervision_store.link_facts == {} and uow.claimed == set()


def test_the_police_cannot_pass_for_the_court_by_naming_it(supervision, supervision_store):
    supervision.sender = "wuyuan.police_link"
    with pytest.raises(Refused, match=r"must come from wuyuan\.court_link"):
        supervision.on_link_record_noted(noted(1, "call_recorded", link="court"))
    assert supervision_store.link_facts == {}


def test_a_period_ending_before_it_starts_is_a_400_naming_to(supervision, http):
    with pytest.raises(BadInput) as bad:
        supervision.link_fact_counts(http.get({"from": "2026-12-02", "to": "2026-12-01"}))
    assert [error["field"] for error in bad.value.fields] == ["to"]


def test_a_courts_decision_not_addressed_to_the_countys_centre_is_refused_and_kept_nowhere(
    supervision, supervision_store, uow
):
    supervision.sender = COURT_USER
    with pytest.raises(Refused) as refused:
        supervision.on_link_record_noted(noted(1).model_copy(update={"recipient": "centre:430426101"}))
    assert refused.value.code == "wrong_recipient"
    assert supervision_store.link_facts == {} and uow.claimed == set()


def test_the_petition_bureaus_reviews_and_re_reviews_are_kept_and_counted(supervision, supervision_store, http):
    """复查 and 复核 as the bureau notes them (信访工作条例 第三十五条、第三十六条), read as they arrive: JSON."""
    supervision.sender = "wuyuan.petition_link"
    kinds = ["petition_review_requested", "petition_reviewed", "petition_re_review_requested", "petition_re_reviewed"]
    for n, kind in enumerate(kinds, start=1):
        sent = noted(n, kind, unit="petition:430426", link="petition").model_dump(mode="json")
        supervision.on_link_record_noted(LinkRecordNoted.model_validate({**sent, "detail": {"result": "upheld"}}))

    assert counts(supervision, http, "2026-12-01", "2026-12-01")["counts"] == {"petition": dict.fromkeys(kinds, 1)}
