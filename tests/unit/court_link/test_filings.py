"""A filing's life: filed, or diverted → mediated (司法确认 applied for, decided) or returned to the court (转立案)."""

from datetime import date

import pytest

from services.court_link.domain.filings import (
    Confirmation,
    ConfirmationStatus,
    Filing,
    FilingFacts,
    FilingRefusal,
    FilingStatus,
    decide_confirmation,
    extend_decision_term,
    mediation_overdue,
    pending_confirmation,
    record_agreement,
    recount_decision_term,
    recount_mediation_term,
    register,
    register_fed,
    request_confirmation,
    return_to_litigation,
)
from services.court_link.domain.screening import CaseType, FilingDecision, NotDiverted, Screening, ScreeningFacts
from shared.contracts.disputes import Agreement, PartyNotice
from shared.contracts.vocabulary import Category
from shared.refusal import Refused

NUMBER = "(2026)湘0426民初123号"
COURT = "court:430426"
DIVERTED = Screening(FilingDecision.DIVERTED, ())
FILED = Screening(FilingDecision.FILED, (NotDiverted.FACTS_UNCLEAR,))
DIVERTED_ON = date(2026, 6, 1)
SIGNED_ON = date(2026, 6, 20)  # a Saturday: the parties signed at the township's mediation room
AGREEMENT = Agreement(number="祁司调〔2026〕第88号", signed_on=SIGNED_ON, terms="被告于2026年7月31日前归还借款五万元。")
CHANGED = Agreement(signed_on=date(2026, 7, 10), terms="被告分两期归还借款五万元，免除利息。")


def facts_found(screening: Screening) -> FilingFacts:
    """A loan as 立案审查 found it: here, the facts unclear."""
    return FilingFacts(
        case_type=CaseType.CIVIL,
        filed_on=DIVERTED_ON,
        category=Category.DEBT,
        division_code="430426101",
        summary="原告诉请被告归还借款五万元。",
        parties=(PartyNotice(role="applicant", kind="person", name="陈立新"),),
        claim_amount_yuan=None,
        screening_facts=ScreeningFacts(legal_relation_clear=True, facts_clear=False, parties_consent=True),
        administrative_matter=None,
        screening=screening,
    )


def refused(code: FilingRefusal):
    return pytest.raises(Refused, match=rf"^{code.value}: ")


def in_mediation():
    return register(NUMBER, COURT, DIVERTED, DIVERTED_ON)


def applied(on: date = date(2026, 6, 22)):
    """An application the court accepted on the day the parties made it."""
    return request_confirmation(in_mediation(), None, AGREEMENT, SIGNED_ON, on, on)


# --- registering -------------------------------------------------------------------------------


def test_a_filed_filing_has_no_mediation_and_no_terms():
    filing = register(NUMBER, COURT, FILED, DIVERTED_ON)

    assert (filing.decision, filing.status) == (FilingDecision.FILED, FilingStatus.FILED)
    assert (filing.diverted_on, filing.mediation_due_on) == (None, None)


def test_a_diverted_filing_is_in_mediation_for_thirty_days_from_the_day_it_was_diverted():
    filing = in_mediation()

    assert (filing.decision, filing.status) == (FilingDecision.DIVERTED, FilingStatus.IN_MEDIATION)
    assert (filing.diverted_on, filing.mediation_due_on) == (DIVERTED_ON, date(2026, 7, 1))


def test_a_filing_fed_before_it_was_registered_is_diverted_on_the_day_it_was_fed_whatever_the_screening_finds():
    found = facts_found(FILED)

    filing, kept = register_fed(NUMBER, COURT, found, DIVERTED_ON)

    assert (filing.decision, filing.status) == (FilingDecision.DIVERTED, FilingStatus.IN_MEDIATION)
    assert (filing.diverted_on, filing.mediation_due_on) == (DIVERTED_ON, date(2026, 7, 1))
    assert kept.screening == DIVERTED  # no reason it was not diverted: it was
    assert kept.screening_facts == found.screening_facts  # what 立案审查 found, as found
    assert record_agreement(filing, AGREEMENT).status is FilingStatus.MEDIATED


def test_a_filing_still_in_mediation_is_overdue_only_after_its_thirtieth_day():
    filing = in_mediation()

    assert mediation_overdue(filing, date(2026, 7, 1)) is False
    assert mediation_overdue(filing, date(2026, 7, 2)) is True
    assert mediation_overdue(record_agreement(filing, AGREEMENT), date(2026, 7, 2)) is False
    assert mediation_overdue(register(NUMBER, COURT, FILED, DIVERTED_ON), date(2027, 1, 1)) is False


# --- 调解成功 ---------------------------------------------------------------------------------------


def test_an_agreement_marks_the_filing_mediated_on_the_day_it_was_signed():
    filing = record_agreement(in_mediation(), AGREEMENT)

    assert (filing.status, filing.agreement, filing.mediated_on) == (FilingStatus.MEDIATED, AGREEMENT, SIGNED_ON)


def test_an_agreement_for_a_filing_that_was_filed_mediated_or_returned_is_refused():
    with refused(FilingRefusal.NOT_DIVERTED):
        record_agreement(register(NUMBER, COURT, FILED, DIVERTED_ON), AGREEMENT)
    with refused(FilingRefusal.ALREADY_MEDIATED):
        record_agreement(record_agreement(in_mediation(), AGREEMENT), CHANGED)
    with refused(FilingRefusal.ALREADY_RETURNED):
        record_agreement(return_to_litigation(in_mediation(), None, "被告拒不到场", date(2026, 7, 2), None), AGREEMENT)


# --- 司法确认 --------------------------------------------------------------------------------------


def test_an_application_is_due_thirty_days_after_the_agreement_took_effect_and_decided_fifteen_after_acceptance():
    filing, confirmation = applied(on=date(2026, 6, 22))

    assert (filing.status, filing.agreement) == (FilingStatus.MEDIATED, AGREEMENT)
    assert confirmation.application_due_on == date(2026, 7, 20)  # 20 June + 30 days
    assert confirmation.decision_due_on == date(2026, 7, 7)  # 22 June + 15 days
    assert (confirmation.seq, confirmation.status, confirmation.extended) == (1, ConfirmationStatus.PENDING, False)


def test_an_application_on_its_thirtieth_day_is_accepted_and_one_a_day_later_refused_naming_the_law():
    _, on_time = applied(on=date(2026, 7, 20))
    assert on_time.applied_on == date(2026, 7, 20)

    with refused(FilingRefusal.APPLICATION_LATE) as late:
        applied(on=date(2026, 7, 21))
    assert "due by 2026-07-20" in str(late.value)
    assert "民事诉讼法 第二百零五条" in str(late.value)
    assert "taking effect on 2026-06-20" in str(late.value)


def test_an_agreement_signed_in_december_may_be_applied_for_into_the_new_year():
    december = Agreement(signed_on=date(2026, 12, 10), terms="物业公司退还多收的物业费一千二百元。")
    filing = register(NUMBER, COURT, DIVERTED, date(2026, 12, 1))

    _, confirmation = request_confirmation(
        filing, None, december, date(2026, 12, 10), date(2027, 1, 11), date(2027, 1, 11)
    )

    assert confirmation.application_due_on == date(2027, 1, 11)  # 9 January 2027 is a Saturday
    assert confirmation.decision_due_on == date(2027, 1, 26)


def test_a_second_application_waits_for_the_first_decision_and_none_follows_a_confirmation():
    filing, first = applied()

    with refused(FilingRefusal.CONFIRMATION_PENDING):
        request_confirmation(filing, first, AGREEMENT, SIGNED_ON, date(2026, 6, 23), date(2026, 6, 23))
    confirmed = decide_confirmation(first, True, None, date(2026, 6, 30))
    with refused(FilingRefusal.ALREADY_CONFIRMED):
        request_confirmation(filing, confirmed, AGREEMENT, SIGNED_ON, date(2026, 7, 1), date(2026, 7, 1))


def test_after_a_refusal_the_parties_may_apply_again_with_a_changed_agreement():
    """民事诉讼法 第二百零六条: 裁定驳回申请的，当事人可以通过调解方式变更原调解协议或者达成新的调解协议."""
    filing, first = applied()
    refusal = decide_confirmation(first, False, "协议约定的利息超过法定上限", date(2026, 6, 30))

    filing, second = request_confirmation(
        filing, refusal, CHANGED, CHANGED.signed_on, date(2026, 7, 13), date(2026, 7, 13)
    )

    assert (second.seq, second.agreement, second.status) == (2, CHANGED, ConfirmationStatus.PENDING)
    assert (filing.agreement, filing.mediated_on) == (CHANGED, CHANGED.signed_on)


def test_the_decision_term_may_be_extended_once_by_ten_days():
    _, confirmation = applied(on=date(2026, 6, 22))

    extended = extend_decision_term(confirmation, "需要调取借条原件核对")

    assert (extended.extended, extended.extension_reason) == (True, "需要调取借条原件核对")
    assert extended.decision_due_on == date(2026, 7, 17)  # 22 June + 25 days
    with refused(FilingRefusal.ALREADY_EXTENDED):
        extend_decision_term(extended, "再次延长")


def test_a_decided_application_can_be_neither_extended_nor_decided_again():
    _, confirmation = applied()
    decided = decide_confirmation(confirmation, True, None, date(2026, 6, 30))

    assert (decided.status, decided.decided_on) == (ConfirmationStatus.CONFIRMED, date(2026, 6, 30))
    with refused(FilingRefusal.NO_PENDING_CONFIRMATION):
        extend_decision_term(decided, "延长")
    with refused(FilingRefusal.NO_PENDING_CONFIRMATION):
        decide_confirmation(decided, False, "改判", date(2026, 7, 1))
    with refused(FilingRefusal.NO_PENDING_CONFIRMATION):
        pending_confirmation(NUMBER, decided)
    with refused(FilingRefusal.NO_PENDING_CONFIRMATION):
        pending_confirmation(NUMBER, None)


def test_an_undecided_application_is_overdue_after_its_last_day_and_a_late_ruling_still_counts():
    _, confirmation = applied(on=date(2026, 6, 22))

    assert confirmation.overdue(date(2026, 7, 7)) is False
    assert confirmation.overdue(date(2026, 7, 8)) is True
    late = decide_confirmation(confirmation, True, None, date(2026, 7, 9))
    assert (late.status, late.overdue(date(2026, 7, 9))) == (ConfirmationStatus.CONFIRMED, False)


# --- 调解不成，转立案 ---------------------------------------------------------------------------------


def test_a_failed_mediation_is_filed_by_the_court_with_the_reason_and_the_new_number():
    filing = return_to_litigation(in_mediation(), None, "被告拒绝调解", date(2026, 6, 15), "(2026)湘0426民初456号")

    assert (filing.status, filing.returned_on) == (FilingStatus.RETURNED, date(2026, 6, 15))
    assert (filing.return_reason, filing.litigation_number) == ("被告拒绝调解", "(2026)湘0426民初456号")


def test_a_filing_whose_agreement_the_court_refused_to_confirm_may_be_returned():
    filing, first = applied()
    refusal = decide_confirmation(first, False, "协议内容违反法律强制性规定", date(2026, 6, 30))

    assert return_to_litigation(filing, refusal, "协议未获确认，原告坚持起诉", date(2026, 7, 1), None).status is (
        FilingStatus.RETURNED
    )


def test_a_filing_with_an_agreement_standing_or_awaiting_its_ruling_is_not_returned():
    mediated = record_agreement(in_mediation(), AGREEMENT)
    with refused(FilingRefusal.ALREADY_MEDIATED):
        return_to_litigation(mediated, None, "被告未按期履行", date(2026, 8, 1), None)

    filing, pending = applied()
    with refused(FilingRefusal.CONFIRMATION_PENDING):
        return_to_litigation(filing, pending, "原告反悔", date(2026, 6, 25), None)
    with refused(FilingRefusal.ALREADY_CONFIRMED):
        confirmed = decide_confirmation(pending, True, None, date(2026, 6, 30))
        return_to_litigation(filing, confirmed, "原告反悔", date(2026, 7, 1), None)


def test_a_filed_or_already_returned_filing_is_not_returned():
    with refused(FilingRefusal.NOT_DIVERTED):
        return_to_litigation(register(NUMBER, COURT, FILED, DIVERTED_ON), None, "调解不成", DIVERTED_ON, None)
    returned = return_to_litigation(in_mediation(), None, "调解不成", date(2026, 6, 15), None)
    with refused(FilingRefusal.ALREADY_RETURNED):
        return_to_litigation(returned, None, "调解不成", date(2026, 6, 16), None)


def test_a_recount_leaves_a_decided_application_and_a_filing_no_longer_in_mediation_as_they_are():
    decided = Confirmation(
        filing_number="(2026)湘0426民初9号",
        seq=1,
        agreement=Agreement(signed_on=date(2026, 12, 20), terms="被告于1月31日前归还借款一万元。"),
        effective_on=date(2026, 12, 20),
        applied_on=date(2026, 12, 21),
        application_due_on=date(2027, 1, 19),
        accepted_on=date(2026, 12, 21),
        decision_due_on=date(2027, 1, 5),  # not what a count gives (5 January is a Tuesday): must stay
        status=ConfirmationStatus.CONFIRMED,
        decided_on=date(2026, 12, 30),
    )
    returned = Filing(
        "(2026)湘0426民初10号",
        "court:430426",
        FilingDecision.DIVERTED,
        FilingStatus.RETURNED,
        diverted_on=date(2026, 12, 1),
        mediation_due_on=date(2027, 1, 4),
    )

    assert recount_decision_term(decided) is decided
    assert recount_mediation_term(returned) is returned
