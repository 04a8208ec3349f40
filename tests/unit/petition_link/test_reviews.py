"""复查 and 复核 of a reply (第三十五条、第三十六条): asked once each in 30 days, answered in 30, then final."""

from datetime import date

import pytest

from services.petition_link.domain.decisions import (
    FinalBy,
    Finality,
    OpenTerm,
    PetitionRefusal,
    Term,
    decide,
    final_matter,
    final_on,
    finality,
    give_opinion,
    open_term,
    overdue,
    pending_review,
    register,
    reply,
    request_review,
    review_standing,
    reviewable,
)
from services.petition_link.domain.figures import Reviews, count
from services.petition_link.domain.model import Petition, ReviewResult, ReviewStage
from shared.contracts.vocabulary import ResultCode
from shared.refusal import Refused
from tests.unit.petition_link.petitions import petition

REVIEW, RE_REVIEW = ReviewStage.REVIEW, ReviewStage.RE_REVIEW
RECEIVED = date(2026, 11, 2)
REPLIED = date(2026, 12, 10)  # the reply's day: 复查 may be asked until 9 January 2027
CITY = "衡阳市信访局"
PROVINCE = "湖南省信访局"


def replied(number: str = "XF-1") -> Petition:
    accepted = decide(register(petition(number, RECEIVED), RECEIVED), True, "予以受理。", date(2026, 11, 10))
    return reply(accepted, ResultCode.HANDLED, "已责成公司支付工资。", None, REPLIED)


def reviewed(number: str = "XF-1", given_on: date = date(2027, 1, 5)) -> Petition:
    asked = request_review(replied(number), REVIEW, CITY, REPLIED, date(2026, 12, 20))
    return give_opinion(asked, REVIEW, ReviewResult.UPHELD, "维持原处理意见。", given_on)


def re_reviewed(number: str = "XF-1") -> Petition:
    asked = request_review(reviewed(number), RE_REVIEW, PROVINCE, date(2027, 1, 8), date(2027, 1, 20))
    return give_opinion(asked, RE_REVIEW, ReviewResult.UPHELD, "维持复查意见。", date(2027, 2, 10))


def refused_code(step) -> str:
    with pytest.raises(Refused) as refusal:
        step()
    return refusal.value.code


# --- 复查 ------------------------------------------------------------------------------------------------


def test_a_review_is_asked_of_the_reply_and_its_opinion_is_due_thirty_days_after_the_request() -> None:
    asked = request_review(replied(), REVIEW, CITY, date(2026, 12, 12), date(2026, 12, 20))

    assert asked.review is not None
    assert (asked.review.body, asked.review.answer_received_on, asked.review.requested_on) == (
        CITY,
        date(2026, 12, 12),
        date(2026, 12, 20),
    )
    now = review_standing(asked.review, date(2027, 1, 19))
    assert (now.request_due, now.answer_due, now.answered_on_time, now.overdue) == (
        date(2027, 1, 11),
        date(2027, 1, 19),
        None,
        False,
    )
    assert review_standing(asked.review, date(2027, 1, 20)).overdue is True


def test_a_review_asked_on_the_thirtieth_day_after_receiving_the_reply_is_taken_and_on_the_thirty_first_refused():
    received = date(2026, 12, 12)

    assert request_review(replied(), REVIEW, CITY, received, date(2027, 1, 11)).review is not None
    with pytest.raises(Refused) as late:
        request_review(replied(), REVIEW, CITY, received, date(2027, 1, 12))
    assert late.value.code == PetitionRefusal.REQUEST_LATE
    assert "第三十五条" in str(late.value) and "2027-01-11" in str(late.value)


def test_a_review_is_asked_once_and_only_of_a_replied_petition() -> None:
    asked = request_review(replied(), REVIEW, CITY, REPLIED, date(2026, 12, 20))
    accepted = decide(register(petition("XF-2", RECEIVED), RECEIVED), True, "受理", date(2026, 11, 10))
    separated = register(petition("XF-3", litigation_reason="不服一审判决。"), RECEIVED)

    assert refused_code(lambda: request_review(asked, REVIEW, CITY, REPLIED, REPLIED)) == (
        PetitionRefusal.REVIEW_REQUESTED
    )
    assert refused_code(lambda: reviewable(accepted, REVIEW)) == PetitionRefusal.NOT_REPLIED
    assert refused_code(lambda: reviewable(separated, REVIEW)) == PetitionRefusal.SEPARATED


def test_the_review_opinion_answers_a_request_once_on_time_by_its_thirtieth_day_and_late_after() -> None:
    asked = request_review(replied(), REVIEW, CITY, REPLIED, date(2026, 12, 20))  # answer due 19 January
    on_time = give_opinion(asked, REVIEW, ReviewResult.CHANGED, "变更为支付全部工资。", date(2027, 1, 19))
    late = give_opinion(asked, REVIEW, ReviewResult.REVOKED, "撤销原处理意见。", date(2027, 1, 20))

    assert on_time.review is not None and on_time.review.opinion is not None
    assert on_time.review.opinion.result is ReviewResult.CHANGED
    assert review_standing(on_time.review, date(2027, 3, 1)).answered_on_time is True
    assert late.review is not None
    assert (review_standing(late.review, date(2027, 3, 1)).answered_on_time, late.review_of(REVIEW)) == (
        False,
        late.review,
    )
    assert review_standing(late.review, date(2027, 3, 1)).overdue is False
    assert refused_code(lambda: give_opinion(on_time, REVIEW, ReviewResult.UPHELD, "再次", date(2027, 1, 20))) == (
        PetitionRefusal.ALREADY_REVIEWED
    )
    assert refused_code(lambda: pending_review(replied(), REVIEW)) == PetitionRefusal.NO_REVIEW_REQUEST


# --- the term a petition under review waits on ------------------------------------------------------------


def test_a_replied_petition_waits_on_its_review_opinion_and_is_overdue_the_day_after_its_thirty_days():
    asked = request_review(replied(), REVIEW, CITY, REPLIED, date(2026, 12, 20))

    assert open_term(asked) == OpenTerm(Term.REVIEW, date(2027, 1, 19))
    assert (overdue(asked, date(2027, 1, 19)), overdue(asked, date(2027, 1, 20))) == (False, True)


def test_a_re_review_asked_is_the_term_then_and_its_opinion_ends_every_term():
    asked = request_review(reviewed(), RE_REVIEW, PROVINCE, date(2027, 1, 8), date(2027, 1, 20))

    assert open_term(asked) == OpenTerm(Term.RE_REVIEW, date(2027, 2, 19))
    assert overdue(asked, date(2027, 2, 20)) is True
    assert [open_term(p) for p in (replied(), reviewed(), re_reviewed())] == [None, None, None]
    assert overdue(re_reviewed(), date(2027, 12, 31)) is False


def test_a_review_opinion_given_late_ends_the_overdue_and_stays_late() -> None:
    late = reviewed(given_on=date(2027, 2, 1))  # asked on 20 December, due by 19 January

    assert late.review is not None
    assert (overdue(late, date(2027, 2, 2)), review_standing(late.review, date(2027, 2, 2)).answered_on_time) == (
        False,
        False,
    )


# --- 复核, and the matter final -----------------------------------------------------------------------------


def test_a_re_review_is_asked_only_of_a_review_opinion_within_thirty_days_of_receiving_it() -> None:
    asked = request_review(replied(), REVIEW, CITY, REPLIED, date(2026, 12, 20))

    assert refused_code(lambda: reviewable(replied(), RE_REVIEW)) == PetitionRefusal.NOT_REVIEWED
    assert refused_code(lambda: reviewable(asked, RE_REVIEW)) == PetitionRefusal.NOT_REVIEWED
    assert reviewable(reviewed(), RE_REVIEW) == date(2027, 1, 5)
    with pytest.raises(Refused) as late:
        request_review(reviewed(), RE_REVIEW, PROVINCE, date(2027, 1, 5), date(2027, 2, 5))
    assert late.value.code == PetitionRefusal.REQUEST_LATE and "第三十六条" in str(late.value)
    again = request_review(reviewed(), RE_REVIEW, PROVINCE, date(2027, 1, 5), date(2027, 2, 4))
    assert refused_code(lambda: reviewable(again, RE_REVIEW)) == PetitionRefusal.REVIEW_REQUESTED
    assert refused_code(lambda: reviewable(again, REVIEW)) == PetitionRefusal.REVIEW_REQUESTED


def test_a_petition_is_final_on_the_day_of_its_re_review_opinion() -> None:
    done = re_reviewed()

    assert finality(done) == Finality("XF-1", date(2027, 2, 10), FinalBy.RE_REVIEW)
    assert final_on(done, date(2027, 2, 9)) is None
    assert final_on(done, date(2027, 2, 10)) == Finality("XF-1", date(2027, 2, 10), FinalBy.RE_REVIEW)


def test_a_review_opinion_not_re_reviewed_in_its_thirty_days_is_final_the_day_after_and_a_re_review_undoes_it():
    opinion = reviewed(given_on=date(2027, 1, 5))  # 复核 may be asked until 4 February

    assert finality(opinion) == Finality("XF-1", date(2027, 2, 5), FinalBy.NO_RE_REVIEW)
    assert final_on(opinion, date(2027, 2, 4)) is None
    asked_in_time = request_review(opinion, RE_REVIEW, PROVINCE, date(2027, 1, 5), date(2027, 2, 4))
    assert finality(asked_in_time) is None
    assert finality(replied()) is None


def test_a_repeat_received_after_its_matter_was_final_is_marked_and_one_received_before_is_not() -> None:
    first = re_reviewed("XF-1")  # final on 10 February 2027
    after = petition("XF-2", date(2027, 2, 10), repeat_of="XF-1", matter="XF-1")
    before = petition("XF-3", date(2027, 2, 9), repeat_of="XF-1", matter="XF-1")
    unlinked = petition("XF-4", date(2027, 3, 1))

    assert final_matter(after, [first, after]) == Finality("XF-1", date(2027, 2, 10), FinalBy.RE_REVIEW)
    assert final_matter(before, [first, before]) is None
    assert final_matter(unlinked, [first]) is None


# --- the figures -------------------------------------------------------------------------------------------


def test_the_figures_count_reviews_asked_answered_by_result_and_on_time_and_repeats_of_final_matters() -> None:
    first = re_reviewed("XF-1")
    asked_only = request_review(replied("XF-2"), REVIEW, CITY, REPLIED, date(2026, 12, 20))  # due 19 January
    repeat = petition("XF-3", date(2027, 2, 11), repeat_of="XF-1", matter="XF-1")
    received = [first, asked_only, repeat]

    figures = count(received, date(2027, 2, 11), same_matter=[first, repeat])

    assert figures.reviews == Reviews(
        requested=2,
        answered=1,
        by_result={"upheld": 1, "changed": 0, "revoked": 0},
        answered_on_time=1,
        answered_late=0,
        awaiting=1,
        overdue=1,
    )
    assert figures.re_reviews == Reviews(
        requested=1,
        answered=1,
        by_result={"upheld": 1, "changed": 0, "revoked": 0},
        answered_on_time=1,
        answered_late=0,
        awaiting=0,
        overdue=0,
    )
    assert (figures.final, figures.repeats.on_final_matter) == (1, 1)
    assert figures.overdue == 0  # the bureau's own terms: an overdue 复查 counts under reviews.overdue
