"""A petition's steps: separated when litigation-related, decided once, extended once in time, replied to once."""

from datetime import date, timedelta

import pytest

from services.petition_link.domain.decisions import (
    OpenTerm,
    PetitionRefusal,
    Term,
    decide,
    extend,
    open_term,
    overdue,
    register,
    reply,
    require_mediable,
    standing,
)
from services.petition_link.domain.model import PetitionStatus
from shared.contracts.vocabulary import ResultCode
from shared.refusal import Refused
from tests.unit.petition_link.petitions import petition

RECEIVED = date(2026, 11, 2)
ACCEPTED = date(2026, 11, 10)  # handling due 9 January 2027


def accepted(number: str = "XF-1"):
    return decide(register(petition(number, RECEIVED), RECEIVED), True, "予以受理。", ACCEPTED)


def refused_code(step) -> str:
    with pytest.raises(Refused) as refusal:
        step()
    return refusal.value.code


# --- separation ----------------------------------------------------------------------------------


def test_a_litigation_related_petition_is_separated_at_once_and_answered_as_referred_to_litigation() -> None:
    separated = register(petition("XF-1", litigation_reason="已向法院起诉，正在审理。"), RECEIVED)

    assert separated.status is PetitionStatus.SEPARATED
    assert separated.reply is not None
    assert (separated.reply.result, separated.reply.summary) == (
        ResultCode.REFERRED_TO_LITIGATION,
        "已向法院起诉，正在审理。",
    )
    assert separated.accepted_on is None


def test_a_separated_petition_is_neither_accepted_nor_sent_to_mediation_nor_replied_to_again() -> None:
    separated = register(petition("XF-1", litigation_reason="不服一审判决。"), RECEIVED)

    assert refused_code(lambda: decide(separated, True, "受理", ACCEPTED)) == PetitionRefusal.SEPARATED
    assert refused_code(lambda: require_mediable(separated)) == PetitionRefusal.SEPARATED
    assert (
        refused_code(lambda: reply(separated, ResultCode.HANDLED, "答复", None, ACCEPTED)) == PetitionRefusal.SEPARATED
    )


def test_an_ordinary_petition_waits_for_the_decision() -> None:
    assert register(petition("XF-1"), RECEIVED).status is PetitionStatus.REGISTERED


# --- acceptance ----------------------------------------------------------------------------------


def test_acceptance_is_decided_once() -> None:
    once = accepted()

    assert once.status is PetitionStatus.ACCEPTED
    assert once.accepted_on == ACCEPTED
    assert refused_code(lambda: decide(once, False, "不予受理", ACCEPTED)) == PetitionRefusal.ALREADY_DECIDED


def test_a_petition_not_accepted_is_finished_with_its_reason_and_has_no_handling_term() -> None:
    refused = decide(register(petition("XF-1"), RECEIVED), False, "不属于本机关职权范围。", ACCEPTED)

    assert refused.status is PetitionStatus.NOT_ACCEPTED
    assert refused.accepted_on is None
    assert standing(refused, date(2027, 6, 1)).handling_due is None
    assert refused_code(lambda: extend(refused, 10, "复杂", ACCEPTED)) == PetitionRefusal.NOT_ACCEPTED


def test_a_decision_on_the_fifteenth_day_is_on_time_and_on_the_sixteenth_late() -> None:
    registered = register(petition("XF-1"), RECEIVED)

    assert standing(decide(registered, True, "受理", date(2026, 11, 17)), date(2026, 11, 17)).decided_on_time is True
    assert standing(decide(registered, True, "受理", date(2026, 11, 18)), date(2026, 11, 18)).decided_on_time is False


def test_an_undecided_petition_is_overdue_the_day_after_its_fifteen_days() -> None:
    registered = register(petition("XF-1"), RECEIVED)

    assert overdue(registered, date(2026, 11, 17)) is False
    later = standing(registered, date(2026, 11, 18))
    assert (overdue(registered, date(2026, 11, 18)), later.acceptance_overdue, later.acceptance_due) == (
        True,
        True,
        date(2026, 11, 17),
    )


# --- the handling term and its one extension ------------------------------------------------------


def test_an_accepted_petition_is_due_sixty_days_after_acceptance_and_overdue_the_day_after() -> None:
    petition_ = accepted()

    assert standing(petition_, date(2027, 1, 9)).handling_due == date(2027, 1, 9)
    assert overdue(petition_, date(2027, 1, 9)) is False
    assert (standing(petition_, date(2027, 1, 10)).handling_overdue, overdue(petition_, date(2027, 1, 10))) == (
        True,
        True,
    )


def test_an_extension_moves_the_due_date_by_its_days_and_says_why() -> None:
    extended = extend(accepted(), 30, "涉及多个部门，需联合调查。", date(2027, 1, 5))

    assert extended.extension is not None
    assert (extended.extension.days, extended.extension.reason) == (30, "涉及多个部门，需联合调查。")
    assert standing(extended, date(2027, 2, 8)).handling_due == date(2027, 2, 8)
    assert overdue(extended, date(2027, 2, 8)) is False
    assert overdue(extended, date(2027, 2, 9)) is True


def test_the_term_is_extended_once_only() -> None:
    extended = extend(accepted(), 10, "需补充材料。", date(2027, 1, 5))

    assert refused_code(lambda: extend(extended, 5, "再延长", date(2027, 1, 6))) == PetitionRefusal.ALREADY_EXTENDED


def test_an_extension_is_granted_on_the_last_day_of_the_term_but_not_after_it() -> None:
    assert extend(accepted(), 30, "复杂", date(2027, 1, 9)).extension is not None
    assert refused_code(lambda: extend(accepted(), 30, "复杂", date(2027, 1, 10))) == PetitionRefusal.TERM_ENDED


def test_an_extension_of_more_than_thirty_days_is_no_extension() -> None:
    with pytest.raises(ValueError, match="1 to 30 days"):
        extend(accepted(), 31, "复杂", date(2027, 1, 5))


# --- the reply ---------------------------------------------------------------------------------------


def test_a_reply_by_the_due_date_is_on_time_and_finishes_the_petition() -> None:
    replied = reply(accepted(), ResultCode.HANDLED, "已责成公司支付工资。", None, date(2027, 1, 9))

    now = standing(replied, date(2027, 3, 1))
    assert replied.status is PetitionStatus.REPLIED
    assert (now.replied_on_time, overdue(replied, date(2027, 3, 1))) == (True, False)


def test_a_reply_after_the_due_date_is_late_and_no_longer_overdue() -> None:
    replied = reply(accepted(), ResultCode.HANDLED, "已答复。", None, date(2027, 1, 10))

    now = standing(replied, date(2027, 3, 1))
    assert (now.replied_on_time, overdue(replied, date(2027, 3, 1))) == (False, False)


def test_a_reply_within_the_extension_is_on_time() -> None:
    extended = extend(accepted(), 20, "复杂", date(2027, 1, 2))

    replied = reply(extended, ResultCode.MEDIATION_FAILED, "调解不成，告知其他途径。", None, date(2027, 1, 29))

    assert standing(replied, date(2027, 1, 29)).replied_on_time is True


def test_a_petition_is_replied_to_once_and_only_once_accepted() -> None:
    replied = reply(accepted(), ResultCode.HANDLED, "已答复。", None, date(2027, 1, 9))
    registered = register(petition("XF-2"), RECEIVED)

    assert refused_code(lambda: reply(replied, ResultCode.HANDLED, "再答复", None, date(2027, 1, 9))) == (
        PetitionRefusal.ALREADY_REPLIED
    )
    assert refused_code(lambda: extend(replied, 5, "复杂", date(2027, 1, 9))) == PetitionRefusal.ALREADY_REPLIED
    assert refused_code(lambda: reply(registered, ResultCode.HANDLED, "答复", None, RECEIVED)) == (
        PetitionRefusal.NOT_ACCEPTED
    )


def test_every_date_of_a_petition_received_at_the_end_of_the_year_rolls_into_the_next() -> None:
    registered = register(petition("XF-1", date(2026, 12, 28)), date(2026, 12, 28))
    accepted_ = decide(registered, True, "受理", date(2027, 1, 8))
    extended = extend(accepted_, 30, "复杂", date(2027, 3, 1))

    now = standing(extended, date(2027, 3, 1))
    assert now.acceptance_due == date(2027, 1, 12)
    assert now.decided_on_time is True
    assert now.handling_due == date(2027, 3, 9) + timedelta(days=30)


# --- the term a petition waits on -------------------------------------------------------------------------


def test_a_registered_petition_waits_on_its_acceptance_and_an_accepted_one_on_its_handling_with_the_extension():
    registered = register(petition("XF-1", RECEIVED), RECEIVED)
    extended = extend(accepted(), 20, "情况复杂", ACCEPTED + timedelta(days=5))

    assert open_term(registered) == OpenTerm(Term.ACCEPTANCE, date(2026, 11, 17))
    assert open_term(accepted()) == OpenTerm(Term.HANDLING, date(2027, 1, 9))
    assert open_term(extended) == OpenTerm(Term.HANDLING, date(2027, 1, 29))


def test_a_finished_petition_waits_on_no_term():
    not_accepted = decide(register(petition("XF-1", RECEIVED), RECEIVED), False, "不属于本机关职权。", ACCEPTED)
    separated = register(petition("XF-2", litigation_reason="不服一审判决。"), RECEIVED)
    replied = reply(accepted(), ResultCode.HANDLED, "已答复。", None, ACCEPTED)

    assert [open_term(p) for p in (not_accepted, separated, replied)] == [None, None, None]


@pytest.mark.parametrize(("days_from_due", "is_overdue"), [(-1, False), (0, False), (1, True), (30, True)])
def test_a_petition_is_overdue_exactly_when_today_is_after_the_day_its_open_term_is_due(days_from_due, is_overdue):
    for waiting in (register(petition("XF-1", RECEIVED), RECEIVED), accepted()):
        term = open_term(waiting)
        assert term is not None
        assert overdue(waiting, term.due_on + timedelta(days=days_from_due)) is is_overdue
