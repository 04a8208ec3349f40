"""What a leader's figures count: open and overdue referrals, results on time and by code, mediation, ratings."""

from datetime import datetime, timedelta, timezone
from uuid import UUID

from services.coordinator.domain.figures import Figures, UnitFigures, rate, tally
from services.coordinator.domain.model import Case, CaseFacts, CaseStatus, Plan, Referral, ReferralStatus
from shared.contracts.vocabulary import Category, HandlingMode, Rating, ReferralRole, ResultCode, Source

CST = timezone(timedelta(hours=8))
DUE = datetime(2026, 12, 4, 17, 30, tzinfo=CST)  # a Friday's close of business
POLICE = "police:430426101"
JUSTICE = "justice:430426101"
COURT = "court:430426"
MINUTE = timedelta(minutes=1)


def referral(
    n: int,
    unit: str,
    status: ReferralStatus = ReferralStatus.ISSUED,
    closed_at: datetime | None = None,
    round: int = 1,
    result: ResultCode | None = None,
) -> Referral:
    return Referral(
        referral_id=UUID(int=n),
        unit=unit,
        role=ReferralRole.LEAD if n == 1 else ReferralRole.CO_UNIT,
        round=round,
        issued_at=DUE - timedelta(days=14),
        due_at=DUE + timedelta(days=round - 1),
        status=status,
        closed_at=closed_at,
        result=result,
    )


def case(
    *referrals: Referral,
    source: Source = Source.GRID,
    status: CaseStatus = CaseStatus.IN_PROGRESS,
    rating: Rating | None = None,
    round: int = 1,
) -> Case:
    plan = Plan(0, HandlingMode.JOINT, (POLICE,), (JUSTICE,), (), 10)
    facts = CaseFacts("430426-20261120-00008", source, Category.LAND, "430426101203")
    return Case(facts, plan, status, round=round, referrals=referrals, rating=rating)


def test_a_referral_reported_at_its_deadline_is_on_time_and_a_minute_later_is_not() -> None:
    assert referral(1, POLICE, ReferralStatus.REPORTED, closed_at=DUE).on_time
    assert not referral(1, POLICE, ReferralStatus.REPORTED, closed_at=DUE + MINUTE).on_time
    assert referral(1, POLICE, ReferralStatus.REPORTED, closed_at=DUE + MINUTE).finished


def test_a_declined_referral_is_neither_finished_nor_open_nor_overdue() -> None:
    declined = referral(1, COURT, ReferralStatus.DECLINED, closed_at=DUE - MINUTE)

    assert (declined.finished, declined.on_time, declined.is_open, declined.overdue(DUE + MINUTE)) == (
        False,
        False,
        False,
        False,
    )


def test_the_next_deadline_is_the_earliest_open_one_of_the_current_round() -> None:
    first_round_late_report = referral(1, POLICE, ReferralStatus.REPORTED, closed_at=DUE + MINUTE)
    second_round = referral(3, POLICE, round=2)
    helping = referral(2, JUSTICE, ReferralStatus.ACCEPTED, round=2)
    reopened = case(first_round_late_report, helping, second_round, round=2)

    assert reopened.next_due_at() == DUE + timedelta(days=1)
    assert not reopened.overdue(DUE + timedelta(days=1))
    assert reopened.overdue(DUE + timedelta(days=1, minutes=1))
    assert case(first_round_late_report, status=CaseStatus.RESOLVED).next_due_at() is None


def test_the_tally_counts_each_units_referrals_and_each_cases_latest_rating() -> None:
    cases = [
        case(
            referral(1, POLICE, ReferralStatus.REPORTED, closed_at=DUE, result=ResultCode.HANDLED),
            referral(2, JUSTICE, ReferralStatus.REPORTED, closed_at=DUE + MINUTE, result=ResultCode.HANDLED),
            status=CaseStatus.CLOSED,
            rating=Rating.BASICALLY_SATISFIED,
        ),
        case(referral(1, COURT, ReferralStatus.DECLINED, closed_at=DUE), referral(2, POLICE)),
        case(referral(1, JUSTICE, ReferralStatus.ACCEPTED), source=Source.PETITION, rating=Rating.DISSATISFIED),
    ]

    figures = tally(cases, DUE + MINUTE)

    assert figures == Figures(
        cases={
            (Source.GRID, CaseStatus.CLOSED): 1,
            (Source.GRID, CaseStatus.IN_PROGRESS): 1,
            (Source.PETITION, CaseStatus.IN_PROGRESS): 1,
        },
        ratings={Rating.BASICALLY_SATISFIED: 1, Rating.DISSATISFIED: 1},
        units=(
            UnitFigures(JUSTICE, open=1, overdue=1, finished=1, on_time=0, results={ResultCode.HANDLED: 1}),
            UnitFigures(POLICE, open=1, overdue=1, finished=1, on_time=1, results={ResultCode.HANDLED: 1}),
        ),
        case_results={ResultCode.HANDLED: 1},
    )
    assert (figures.on_time_rate, figures.satisfaction_rate) == (0.5, 0.5)


def test_rates_are_shares_to_four_places_and_none_of_nothing() -> None:
    assert rate(2, 3) == 0.6667
    assert rate(0, 7) == 0.0
    assert rate(0, 0) is None


def reported(n: int, unit: str, result: ResultCode, round: int = 1) -> Referral:
    return referral(n, unit, ReferralStatus.REPORTED, closed_at=DUE, round=round, result=result)


def test_every_finished_referral_counts_under_its_units_result_and_every_settled_round_under_its_own() -> None:
    cases = [
        # 警调对接: the police station handled it, the justice office's agreement made it a mediated case.
        case(
            reported(1, POLICE, ResultCode.HANDLED),
            reported(2, JUSTICE, ResultCode.MEDIATED),
            status=CaseStatus.CLOSED,
            rating=Rating.SATISFIED,
        ),
        # The court took the dispute to litigation while the justice office's mediation failed.
        case(
            reported(1, COURT, ResultCode.REFERRED_TO_LITIGATION),
            reported(2, JUSTICE, ResultCode.MEDIATION_FAILED),
            status=CaseStatus.RESOLVED,
        ),
        # Reopened: round one's results count for the units, the case has no result until round two settles.
        case(
            reported(1, POLICE, ResultCode.HANDLED),
            reported(2, JUSTICE, ResultCode.NOT_SUITABLE_FOR_MEDIATION),
            referral(3, POLICE, round=2),
            round=2,
        ),
        # Declined, and still open: neither has a result to count.
        case(referral(1, COURT, ReferralStatus.DECLINED, closed_at=DUE), referral(2, POLICE)),
    ]

    figures = tally(cases, DUE)

    assert {u.unit: u.results for u in figures.units} == {
        COURT: {ResultCode.REFERRED_TO_LITIGATION: 1},
        JUSTICE: {
            ResultCode.MEDIATED: 1,
            ResultCode.MEDIATION_FAILED: 1,
            ResultCode.NOT_SUITABLE_FOR_MEDIATION: 1,
        },
        POLICE: {ResultCode.HANDLED: 2},
    }
    assert figures.results == {
        ResultCode.HANDLED: 2,
        ResultCode.MEDIATED: 1,
        ResultCode.REFERRED_TO_LITIGATION: 1,
        ResultCode.MEDIATION_FAILED: 1,
        ResultCode.NOT_SUITABLE_FOR_MEDIATION: 1,
    }
    assert figures.case_results == {ResultCode.MEDIATED: 1, ResultCode.REFERRED_TO_LITIGATION: 1}


def test_a_mediation_succeeds_with_a_signed_agreement_and_is_attempted_when_it_came_to_an_end() -> None:
    results = (
        ResultCode.MEDIATED,
        ResultCode.MEDIATED,
        ResultCode.JUDICIALLY_CONFIRMED,
        ResultCode.MEDIATION_FAILED,
        ResultCode.NOT_SUITABLE_FOR_MEDIATION,
        # None of these says whether a mediation was tried: left out of both counts.
        ResultCode.HANDLED,
        ResultCode.WITHDRAWN,
        ResultCode.REFERRED_TO_ARBITRATION,
    )
    cases = [case(reported(1, JUSTICE, result)) for result in results]

    figures = tally(cases, DUE)

    assert (figures.mediation_attempted, figures.mediation_succeeded) == (5, 3)
    assert figures.mediation_success_rate == 0.6
    assert Figures().mediation_success_rate is None
