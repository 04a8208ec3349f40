"""复查 and 复核 recorded on a replied petition (信访工作条例 第三十五条、第三十六条) by the bureau's officers."""

from datetime import datetime

import pytest

from shared.auth.principal import Forbidden, NotOwn
from shared.http import BadInput
from shared.refusal import Refused
from tests.service.petition_link.conftest import BEIJING
from tests.service.petition_link.test_petition_register import (
    NEIGHBOURING_BUREAU,
    NUMBER,
    OTHER_AGENCY,
    WAGES_VISIT,
    register,
)

CITY = "衡阳市信访局"
PROVINCE = "湖南省信访局"
ASKED = {"body": CITY, "answer_received_on": "2026-12-12", "requested_on": "2026-12-20"}
UPHELD = {"result": "upheld", "summary": "维持原处理意见。", "given_on": "2027-01-05"}
RE_ASKED = {"body": PROVINCE, "answer_received_on": "2027-01-08", "requested_on": "2027-01-20"}
RE_UPHELD = {"result": "upheld", "summary": "维持复查意见。", "given_on": "2027-02-10"}


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=BEIJING)


@pytest.fixture
def replied(bureau, http, clock) -> None:
    """Registered 2 November 2026, accepted 10 November, replied to on 10 December."""
    register(bureau, http)
    clock.at = at("2026-11-10")
    bureau.decide_acceptance(http.post({"accepted": True, "reason": "予以受理。"}), NUMBER)
    clock.at = at("2026-12-10")
    bureau.reply(http.post({"result": "handled", "summary": "已责成公司支付工资。"}), NUMBER)


def shown(bureau, http) -> dict:
    return http.body(bureau.show_petition(http.get(), NUMBER))


def refused_fields(call) -> list[tuple[str, str]]:
    with pytest.raises(BadInput) as refused:
        call()
    return [(f["field"], f["type"]) for f in refused.value.fields]


def refused_code(call) -> str:
    with pytest.raises(Refused) as refused:
        call()
    return refused.value.code


def test_a_review_asked_of_the_reply_is_recorded_with_its_thirty_day_term_and_noted(bureau, http, replied, clock, uow):
    clock.at = at("2026-12-21")

    petition = http.body(bureau.request_review(http.post(ASKED), NUMBER))

    assert petition["status"] == "replied"
    assert petition["review"] == {
        "body": CITY,
        "answer_received_on": "2026-12-12",
        "requested_on": "2026-12-20",
        "request_due_on": "2027-01-11",
        "due_on": "2027-01-19",
        "on_time": None,
        "overdue": False,
        "opinion": None,
    }
    assert (petition["re_review"], petition["final"], petition["overdue"]) == (None, None, False)
    assert (petition["term"], petition["due_on"]) == ("review", "2027-01-19")
    assert uow.link_facts()[-1] == ("petition_review_requested", NUMBER)
    clock.at = at("2027-01-20", 0)
    assert shown(bureau, http)["review"]["overdue"] is True


def test_a_review_unanswered_past_its_thirty_days_makes_the_petition_overdue_on_its_page_and_in_the_list(
    bureau, http, replied, clock
):
    clock.at = at("2026-12-21")
    bureau.request_review(http.post(ASKED), NUMBER)

    clock.at = at("2027-01-20", 0)
    petition = shown(bureau, http)
    listed = http.body(bureau.list_petitions(http.get({"overdue": "true"})))
    assert (petition["status"], petition["term"], petition["due_on"], petition["overdue"]) == (
        "replied",
        "review",
        "2027-01-19",
        True,
    )
    assert (petition["acceptance"]["overdue"], petition["handling"]["overdue"]) == (False, False)  # the bureau's own
    assert [(row["number"], row["term"], row["overdue"]) for row in listed["petitions"]] == [(NUMBER, "review", True)]

    bureau.review_opinion(http.post({**UPHELD, "given_on": "2027-01-20"}), NUMBER)
    answered = shown(bureau, http)
    assert (answered["term"], answered["overdue"], answered["review"]["on_time"]) == (None, False, False)
    assert http.body(bureau.list_petitions(http.get({"overdue": "true"})))["total"] == 0


def test_a_re_review_unanswered_past_its_thirty_days_makes_the_petition_overdue(bureau, http, replied, clock):
    clock.at = at("2026-12-21")
    bureau.request_review(http.post(ASKED), NUMBER)
    clock.at = at("2027-01-05")
    bureau.review_opinion(http.post(UPHELD), NUMBER)
    clock.at = at("2027-01-21")
    bureau.request_re_review(http.post(RE_ASKED), NUMBER)

    clock.at = at("2027-02-20")
    petition = shown(bureau, http)
    assert (petition["term"], petition["due_on"], petition["overdue"]) == ("re_review", "2027-02-19", True)
    assert http.body(bureau.list_petitions(http.get({"status": "replied", "overdue": "true"})))["total"] == 1


def test_the_day_the_reply_was_received_is_the_replys_own_day_unless_given(bureau, http, replied, clock):
    clock.at = at("2026-12-21")

    review = http.body(bureau.request_review(http.post({"body": CITY, "requested_on": "2026-12-20"}), NUMBER))["review"]

    assert (review["answer_received_on"], review["request_due_on"]) == ("2026-12-10", "2027-01-09")


def test_a_review_asked_after_its_thirty_days_is_refused_naming_the_article_and_nothing_is_kept(
    bureau, http, replied, clock, petition_store, uow
):
    clock.at = at("2027-01-15")
    late = {**ASKED, "requested_on": "2027-01-12"}  # received 12 December: the last day was 11 January

    with pytest.raises(Refused) as refused:
        bureau.request_review(http.post(late), NUMBER)

    assert refused.value.code == "request_late" and "第三十五条" in str(refused.value)
    assert petition_store.petitions[NUMBER].review is None
    assert ("petition_review_requested", NUMBER) not in uow.link_facts()


def test_a_review_is_asked_only_of_a_replied_petition(bureau, http, clock):
    register(bureau, http)
    clock.at = at("2026-12-21")

    assert refused_code(lambda: bureau.request_review(http.post(ASKED), NUMBER)) == "not_replied"


def test_a_review_asked_twice_is_refused(bureau, http, replied, clock):
    clock.at = at("2026-12-21")
    bureau.request_review(http.post(ASKED), NUMBER)

    assert refused_code(lambda: bureau.request_review(http.post(ASKED), NUMBER)) == "review_requested"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answer_received_on": "2026-12-12", "requested_on": "2026-12-20"}, ("body", "missing")),
        ({"body": CITY}, ("requested_on", "missing")),
        ({**ASKED, "requested_on": "2026-12-22"}, ("requested_on", "date_future")),
        ({**ASKED, "requested_on": "20 December"}, ("requested_on", "date_from_datetime_parsing")),
        ({**ASKED, "answer_received_on": "2026-12-09"}, ("answer_received_on", "date_before_start")),
        ({**ASKED, "requested_on": "2026-12-11"}, ("requested_on", "date_before_start")),
        ({**ASKED, "body": "x" * 51}, ("body", "string_too_long")),
        ({**ASKED, "officer": "xu.jing"}, ("officer", "extra_forbidden")),
    ],
)
def test_every_field_of_a_review_request_is_checked_and_named(
    bureau, http, replied, clock, petition_store, body, field
):
    clock.at = at("2026-12-21")

    assert refused_fields(lambda: bureau.request_review(http.post(body), NUMBER)) == [field]
    assert petition_store.petitions[NUMBER].review is None


def test_the_review_opinion_is_recorded_once_on_time_and_noted_with_its_result(bureau, http, replied, clock, uow):
    clock.at = at("2026-12-21")
    bureau.request_review(http.post(ASKED), NUMBER)
    clock.at = at("2027-01-06")

    review = http.body(bureau.review_opinion(http.post(UPHELD), NUMBER))["review"]

    assert review["opinion"] == {"result": "upheld", "summary": "维持原处理意见。", "given_on": "2027-01-05"}
    assert (review["on_time"], review["overdue"]) == (True, False)
    assert uow.link_facts()[-1] == ("petition_reviewed", NUMBER)
    assert uow.sent[-1].detail == {"result": "upheld", "on_time": True}
    assert refused_code(lambda: bureau.review_opinion(http.post(UPHELD), NUMBER)) == "already_reviewed"


def test_an_opinion_before_any_request_is_refused_and_one_dated_before_the_request_is_a_400(
    bureau, http, replied, clock
):
    clock.at = at("2026-12-21")
    assert refused_code(lambda: bureau.review_opinion(http.post({**UPHELD, "given_on": "2026-12-21"}), NUMBER)) == (
        "no_review_request"
    )
    bureau.request_review(http.post(ASKED), NUMBER)

    early = {**UPHELD, "given_on": "2026-12-19"}
    assert refused_fields(lambda: bureau.review_opinion(http.post(early), NUMBER)) == [
        ("given_on", "date_before_start")
    ]
    kept = {**UPHELD, "result": "kept", "given_on": "2026-12-21"}
    assert refused_fields(lambda: bureau.review_opinion(http.post(kept), NUMBER)) == [("result", "enum")]


def test_a_re_review_follows_the_review_opinion_and_its_opinion_makes_the_petition_final(
    bureau, http, replied, clock, uow
):
    clock.at = at("2026-12-21")
    bureau.request_review(http.post(ASKED), NUMBER)
    clock.at = at("2027-01-21")
    assert refused_code(lambda: bureau.request_re_review(http.post(RE_ASKED), NUMBER)) == "not_reviewed"
    bureau.review_opinion(http.post(UPHELD), NUMBER)

    asked = http.body(bureau.request_re_review(http.post(RE_ASKED), NUMBER))
    assert (asked["re_review"]["due_on"], asked["final"]) == ("2027-02-19", None)
    clock.at = at("2027-02-11")
    done = http.body(bureau.re_review_opinion(http.post(RE_UPHELD), NUMBER))

    assert done["re_review"]["opinion"]["result"] == "upheld"
    assert done["final"] == {"number": NUMBER, "since": "2027-02-10", "by": "re_review"}
    assert [kind for kind, _ in uow.link_facts()][-4:] == [
        "petition_review_requested",
        "petition_reviewed",
        "petition_re_review_requested",
        "petition_re_reviewed",
    ]
    assert refused_code(lambda: bureau.re_review_opinion(http.post(RE_UPHELD), NUMBER)) == "already_reviewed"


def test_a_re_review_asked_after_thirty_days_from_the_review_opinion_is_refused_naming_its_article(
    bureau, http, replied, clock
):
    clock.at = at("2026-12-21")
    bureau.request_review(http.post(ASKED), NUMBER)
    clock.at = at("2027-02-10")
    bureau.review_opinion(http.post(UPHELD), NUMBER)  # given 5 January, so asked by 4 February

    with pytest.raises(Refused) as refused:
        bureau.request_re_review(http.post({"body": PROVINCE, "requested_on": "2027-02-05"}), NUMBER)

    assert refused.value.code == "request_late" and "第三十六条" in str(refused.value)
    assert shown(bureau, http)["final"] == {"number": NUMBER, "since": "2027-02-05", "by": "no_re_review"}


def test_a_repeat_registered_after_its_matter_was_final_is_kept_and_shown_and_counted_as_such(
    bureau, http, replied, clock
):
    clock.at = at("2026-12-21")
    bureau.request_review(http.post(ASKED), NUMBER)
    clock.at = at("2027-01-06")
    bureau.review_opinion(http.post(UPHELD), NUMBER)
    clock.at = at("2027-01-21")
    bureau.request_re_review(http.post(RE_ASKED), NUMBER)
    clock.at = at("2027-02-11")
    bureau.re_review_opinion(http.post(RE_UPHELD), NUMBER)
    again = {**WAGES_VISIT, "number": "XF430426-2027-0102", "received_on": "2027-02-11", "repeat_of": NUMBER}

    response = bureau.register_petition(http.post(again))

    assert response.status_code == 201
    repeat = http.body(response)
    assert (repeat["status"], repeat["matter"]) == ("registered", NUMBER)
    assert repeat["final_matter"] == {"number": NUMBER, "since": "2027-02-10", "by": "re_review"}
    assert shown(bureau, http)["final_matter"] is None  # the first petition repeats nothing
    figures = http.body(bureau.petition_figures(http.get({"from": "2026-11-01", "to": "2027-02-28"})))
    assert figures["repeats"]["on_final_matter"] == 1
    assert figures["final"] == 1
    assert figures["reviews"] == {
        "requested": 1,
        "answered": 1,
        "by_result": {"upheld": 1, "changed": 0, "revoked": 0},
        "answered_on_time": 1,
        "answered_late": 0,
        "awaiting": 0,
        "overdue": 0,
    }
    assert (figures["re_reviews"]["requested"], figures["re_reviews"]["answered_on_time"]) == (1, 1)


@pytest.mark.parametrize("caller", [OTHER_AGENCY, NEIGHBOURING_BUREAU], ids=lambda p: p.subject)
def test_only_the_bureaus_own_officers_record_a_petitions_reviews(bureau, http, replied, clock, caller, petition_store):
    clock.at = at("2027-02-11")
    bureau.caller = caller

    not_theirs = Forbidden if caller is OTHER_AGENCY else NotOwn
    for call in (
        lambda: bureau.request_review(http.post(ASKED), NUMBER),
        lambda: bureau.review_opinion(http.post(UPHELD), NUMBER),
        lambda: bureau.request_re_review(http.post(RE_ASKED), NUMBER),
        lambda: bureau.re_review_opinion(http.post(RE_UPHELD), NUMBER),
    ):
        with pytest.raises(not_theirs):
            call()
    assert petition_store.petitions[NUMBER].review is None
