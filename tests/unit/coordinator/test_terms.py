"""Each unit's own term from the routing table (per role, working or calendar days), and deadlines moved by a pause."""

import copy
import tomllib
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from services.coordinator.deadlines import deadline_for, extend_for, working_time_between
from services.coordinator.domain.decisions import IdFactory
from services.coordinator.domain.model import CaseFacts, DayCount, Term
from services.coordinator.domain.rules import assign_by_hand, record_decline, record_rating, record_result, triage
from services.coordinator.routing import RoutingTableError, load_routing_table, parse_routing_table
from shared.contracts.vocabulary import Category, Rating, ReferralRole, ResultCode, Source
from shared.registry import DEFAULT_CONFIG_DIR, load_registry
from tests.config_refusals import assert_refusal

REGISTRY = load_registry()
AGENCIES = set(REGISTRY.agencies)
SHIPPED = load_routing_table(DEFAULT_CONFIG_DIR / "routing.toml", AGENCIES)
CST = timezone(timedelta(hours=8))
MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=CST)
VILLAGE = "430426101203"

POLICE = "police:430426101"
JUSTICE = "justice:430426101"
COURT = "court:430426"
PETITION = "petition:430426"
PLC = "plc:430426"

# 交通事故: the police station leads on 15 working days; the court, which confirms or adjudicates,
# answers on 20 calendar days; the reserve justice office takes the co-unit's term if the court declines.
TRAFFIC = """
[[rules]]
category = "traffic"
mode = "joint"
lead = ["police", "petition"]
co = ["court"]
co_reserve = ["justice"]
lead_working_days = 15
co_calendar_days = 20

[[rules]]
category = "*"
mode = "single_unit"
lead = ["justice"]
deadline_working_days = 15
"""
TABLE = parse_routing_table(tomllib.loads(TRAFFIC), AGENCIES)


def facts(category: Category, source: Source = Source.WALK_IN) -> CaseFacts:
    return CaseFacts(case_id="430426-20250303-00001", source=source, category=category, division_code=VILLAGE)


def ids() -> IdFactory:
    """Referral ids 1, 2, 3 … in the order they are issued."""
    issued = iter(range(1, 100))
    return lambda: UUID(int=next(issued))


# --- the table ---------------------------------------------------------------------------


def test_a_role_without_a_term_of_its_own_takes_the_rules() -> None:
    rule = SHIPPED.route(Category.NEIGHBOUR, Source.POLICE_CALL, [])

    assert (rule.lead_term, rule.co_term) == (Term(10), Term(10))


def test_pre_litigation_mediation_has_the_30_calendar_days_of_its_term_for_court_and_mediators() -> None:
    route = SHIPPED.route(Category.DEBT, Source.COURT_FILING, [])

    assert route.lead_term == Term(30, DayCount.CALENDAR)
    assert route.co_term == Term(30, DayCount.CALENDAR)


def test_a_wage_arrears_mediation_has_15_calendar_days_and_the_petition_bureau_10_working_days() -> None:
    route = SHIPPED.route(Category.WAGES, Source.HOTLINE, [])

    assert (route.lead_term, route.co_term) == (Term(15, DayCount.CALENDAR), Term(10, DayCount.WORKING))


@pytest.mark.parametrize("category", [Category.WAGES, Category.NEIGHBOUR, Category.LAND], ids=str)
def test_a_petitions_mediation_ends_before_the_bureaus_sixty_days_to_reply_in_every_known_year(
    category: Category,
) -> None:
    """信访工作条例 第三十四条: the bureau replies within 60 days of accepting. The mediators' part and its own, sent
    the day it accepted, end by the 59th day whatever the day, holidays and 调休 included (the official calendars of
    2018 to 2026), so the reply can still be written on time."""
    route = SHIPPED.route(category, Source.PETITION, [])
    start = datetime(2018, 1, 1, 16, 0, tzinfo=CST)
    latest = 0  # the latest day a term ended on, counted from its start
    while start.year < 2026 or start.month < 10:  # the last start whose term the library's calendar still covers
        for term in {route.lead_term, route.co_term}:
            latest = max(latest, (deadline_for(start, term).astimezone(CST).date() - start.date()).days)
        start += timedelta(days=1)
    assert latest <= 59


VALID: dict[str, Any] = tomllib.loads(TRAFFIC)


def rule_with(**fields: object) -> dict[str, Any]:
    """VALID with the first rule's term fields replaced by `fields` (None removes one)."""
    data = copy.deepcopy(VALID)
    rule = data["rules"][0]
    for key in ("lead_working_days", "co_calendar_days"):
        rule.pop(key)
    for key, value in fields.items():
        if value is not None:
            rule[key] = value
    return data


@pytest.mark.parametrize(
    ("fields", "field", "code", "says"),
    [
        ({"lead_working_days": 15, "lead_calendar_days": 21}, "rules[0].lead_calendar_days", "conflict",
         "lead_working_days 与 lead_calendar_days 只写其一"),
        ({"deadline_working_days": 10, "deadline_calendar_days": 14}, "rules[0].deadline_calendar_days", "conflict",
         "deadline_working_days 与 deadline_calendar_days 只写其一"),
        ({"lead_working_days": 15}, "rules[0].deadline_working_days", "required", "缺 co_working_days 或"),
        ({"co_working_days": 15}, "rules[0].deadline_working_days", "required", "缺 lead_working_days 或"),
        ({"lead_calendar_days": 91, "co_working_days": 5}, "rules[0].lead_calendar_days", "out_of_range",
         "91个自然日超出范围：应为 1 至 90"),
        ({"lead_working_days": 61, "co_working_days": 5}, "rules[0].lead_working_days", "out_of_range",
         "61个工作日超出范围：应为 1 至 60"),
        ({"deadline_calendar_days": 0}, "rules[0].deadline_calendar_days", "out_of_range", "0个自然日超出范围"),
        ({"co_calendar_days": "thirty", "lead_working_days": 5}, "rules[0].co_calendar_days", "wrong_type",
         "应为整数（自然日数，不加引号）；现为 “thirty”"),
        ({"co_calendar_days": 30.5, "lead_working_days": 5}, "rules[0].co_calendar_days", "wrong_type", "“30.5”"),
        ({"lead_weeks": 2}, "rules[0].lead_weeks", "unknown_field", "lead_working_days"),
    ],
)  # fmt: skip
def test_a_bad_term_is_refused_naming_the_rule_and_key_in_chinese(
    fields: dict[str, object], field: str, code: str, says: str
) -> None:
    with pytest.raises(RoutingTableError) as refused:
        parse_routing_table(rule_with(**fields), AGENCIES)

    assert_refusal(refused.value, field, code, says)


def test_a_rule_of_calendar_days_alone_gives_both_roles_calendar_days() -> None:
    table = parse_routing_table(rule_with(deadline_calendar_days=30), AGENCIES)

    route = table.route(Category.TRAFFIC, Source.GRID, [])
    assert (route.lead_term, route.co_term, route.deadline_working_days) == (
        Term(30, DayCount.CALENDAR),
        Term(30, DayCount.CALENDAR),
        None,
    )


# --- each unit's deadline ------------------------------------------------------------------


def test_each_unit_is_due_by_its_roles_term() -> None:
    case = triage(facts(Category.TRAFFIC), TABLE, REGISTRY, MONDAY, deadline_for, ids()).case

    due = {r.unit: (r.term, r.due_at) for r in case.referrals}
    # 15 working days from Monday 3 March 2025; 20 calendar days to Sunday 23 March, a rest day, so Monday.
    assert due == {
        POLICE: (Term(15), datetime(2025, 3, 24, 17, 30, tzinfo=CST)),
        COURT: (Term(20, DayCount.CALENDAR), datetime(2025, 3, 24, 17, 30, tzinfo=CST)),
    }


def test_a_court_filing_is_due_30_calendar_days_after_it_was_referred() -> None:
    case = triage(facts(Category.DEBT, Source.COURT_FILING), SHIPPED, REGISTRY, MONDAY, deadline_for, ids()).case

    assert {r.due_at for r in case.referrals} == {datetime(2025, 4, 2, 17, 30, tzinfo=CST)}


def test_a_reserve_co_unit_that_takes_over_gets_the_co_units_term_from_its_own_designation() -> None:
    new_id = ids()
    case = triage(facts(Category.TRAFFIC), TABLE, REGISTRY, MONDAY, deadline_for, new_id).case
    court = next(r for r in case.referrals if r.unit == COURT)
    wednesday = MONDAY + timedelta(days=2)

    after = record_decline(case, court.referral_id, COURT, "法官", "不属于本院", wednesday, deadline_for, new_id).case

    justice = next(r for r in after.referrals if r.unit == JUSTICE)
    assert (justice.role, justice.term) == (ReferralRole.CO_UNIT, Term(20, DayCount.CALENDAR))
    assert justice.due_at == datetime(2025, 3, 25, 17, 30, tzinfo=CST)  # 20 days from Wednesday 5 March


def test_a_fall_back_lead_gets_the_leads_term() -> None:
    new_id = ids()
    case = triage(facts(Category.TRAFFIC), TABLE, REGISTRY, MONDAY, deadline_for, new_id).case
    police = next(r for r in case.referrals if r.unit == POLICE)

    after = record_decline(case, police.referral_id, POLICE, "民警", "不属于本所", MONDAY, deadline_for, new_id).case

    petition = next(r for r in after.referrals if r.unit == PETITION)
    assert (petition.role, petition.term) == (ReferralRole.LEAD, Term(15))


def test_a_unit_staff_add_to_a_case_the_table_gave_no_term_has_ten_working_days() -> None:
    window = triage(facts(Category.CONSULTATION), SHIPPED, REGISTRY, MONDAY, deadline_for, ids()).case
    reopened = record_rating(window, Rating.DISSATISFIED, "没讲清楚", MONDAY, deadline_for, ids()).case
    assigned = assign_by_hand(reopened, JUSTICE, "陈主任", MONDAY, deadline_for, ids()).case

    [referral] = assigned.referrals
    assert (referral.term, referral.due_at) == (Term(10), datetime(2025, 3, 17, 17, 30, tzinfo=CST))


def test_a_unit_that_reports_on_time_by_its_own_term_is_on_time_though_another_is_later() -> None:
    case = triage(facts(Category.WAGES), SHIPPED, REGISTRY, MONDAY, deadline_for, ids()).case
    petition = next(r for r in case.referrals if r.unit == PETITION)
    assert petition.due_at == datetime(2025, 3, 17, 17, 30, tzinfo=CST)  # 10 working days
    lead = next(r for r in case.referrals if r.role is ReferralRole.LEAD)
    assert lead.due_at == datetime(2025, 3, 18, 17, 30, tzinfo=CST)  # 15 calendar days

    late = record_result(case, petition.referral_id, PETITION, "信访干部", ResultCode.HANDLED, "已答复", lead.due_at)

    assert late.case.referral(petition.referral_id).on_time is False  # type: ignore[union-attr]


# --- the calendar -------------------------------------------------------------------------


def test_a_calendar_term_ending_in_the_national_day_holiday_ends_on_the_first_working_day_after() -> None:
    issued = datetime(2025, 9, 3, 10, 0, tzinfo=CST)  # + 30 days: Friday 3 October, a holiday

    assert deadline_for(issued, Term(30, DayCount.CALENDAR)) == datetime(2025, 10, 9, 17, 30, tzinfo=CST)


def test_a_working_day_term_counts_the_adjusted_working_saturday() -> None:
    issued = datetime(2025, 10, 10, 9, 0, tzinfo=CST)  # Friday; Saturday 11 October is a 调休 working day

    assert deadline_for(issued, Term(1)) == datetime(2025, 10, 11, 17, 30, tzinfo=CST)


def test_a_pause_over_a_weekend_and_the_national_day_holiday_gives_back_only_its_working_days() -> None:
    # Paused Friday 26 September 17:30, resumed Thursday 9 October 17:30: the office hours in it are those of
    # Sunday 28 September (调休), Monday, Tuesday and Thursday: four working days of nine hours.
    paused = datetime(2025, 9, 26, 17, 30, tzinfo=CST)
    resumed = datetime(2025, 10, 9, 17, 30, tzinfo=CST)
    due = datetime(2025, 10, 10, 17, 30, tzinfo=CST)

    assert working_time_between(paused, resumed) == timedelta(hours=4 * 9)
    # Four working days after Friday 10 October: Saturday 11 (调休), Monday 13, Tuesday 14, Wednesday 15.
    assert extend_for(due, paused, resumed, DayCount.WORKING) == datetime(2025, 10, 15, 17, 30, tzinfo=CST)


def test_a_pause_of_part_of_a_day_moves_the_deadline_by_as_many_hours() -> None:
    paused = datetime(2025, 9, 26, 15, 0, tzinfo=CST)  # Friday 15:00
    resumed = datetime(2025, 10, 9, 10, 0, tzinfo=CST)  # Thursday 10:00
    due = datetime(2025, 10, 10, 17, 30, tzinfo=CST)

    # Office hours: 2.5 of Friday, 9 each of Sunday (调休), Monday and Tuesday, 1.5 of Thursday: 31 hours, given
    # back from Friday 10 October's close: Saturday 11 (调休), Monday 13, Tuesday 14, then 4 hours of Wednesday.
    assert extend_for(due, paused, resumed, DayCount.WORKING) == datetime(2025, 10, 15, 12, 30, tzinfo=CST)


def test_a_pause_in_one_day_s_office_hours_gives_them_back_in_office_hours_not_in_the_night() -> None:
    # Due Friday 20 November 17:30; the unit waited for a party on Monday 16 November from 9:30 to 17:30.
    due = datetime(2026, 11, 20, 17, 30, tzinfo=CST)
    paused, resumed = datetime(2026, 11, 16, 9, 30, tzinfo=CST), datetime(2026, 11, 16, 17, 30, tzinfo=CST)

    assert extend_for(due, paused, resumed, DayCount.WORKING) == datetime(2026, 11, 23, 16, 30, tzinfo=CST)
    # A pause from a working day's close to the next day's close gives back that one office day.
    evening, next_evening = datetime(2026, 11, 16, 17, 30, tzinfo=CST), datetime(2026, 11, 17, 17, 30, tzinfo=CST)
    assert extend_for(due, evening, next_evening, DayCount.WORKING) == datetime(2026, 11, 23, 17, 30, tzinfo=CST)
    # A pause overnight gives back nothing: no office hour was lost.
    night = (datetime(2026, 11, 16, 20, 0, tzinfo=CST), datetime(2026, 11, 17, 8, 0, tzinfo=CST))
    assert extend_for(due, *night, DayCount.WORKING) == due


def test_a_pause_over_a_weekend_alone_moves_a_working_day_deadline_not_at_all() -> None:
    due = datetime(2025, 3, 14, 17, 30, tzinfo=CST)
    saturday, sunday_evening = datetime(2025, 3, 8, 10, 0, tzinfo=CST), datetime(2025, 3, 9, 18, 0, tzinfo=CST)

    assert extend_for(due, saturday, sunday_evening, DayCount.WORKING) == due


def test_a_calendar_deadline_moves_by_the_whole_pause_and_off_a_holiday() -> None:
    due = datetime(2025, 9, 30, 17, 30, tzinfo=CST)
    paused, resumed = datetime(2025, 9, 22, 9, 0, tzinfo=CST), datetime(2025, 9, 25, 9, 0, tzinfo=CST)

    # Three days later is Friday 3 October, in the holiday: the first working day after is Thursday 9 October.
    assert extend_for(due, paused, resumed, DayCount.CALENDAR) == datetime(2025, 10, 9, 17, 30, tzinfo=CST)


def test_a_calendar_deadline_moved_onto_a_sunday_ends_on_monday() -> None:
    due = datetime(2025, 9, 19, 17, 30, tzinfo=CST)  # Friday
    paused, resumed = datetime(2025, 9, 15, 9, 0, tzinfo=CST), datetime(2025, 9, 17, 9, 0, tzinfo=CST)

    assert extend_for(due, paused, resumed, DayCount.CALENDAR) == datetime(2025, 9, 22, 17, 30, tzinfo=CST)


def test_a_calendar_deadline_moved_within_working_days_keeps_its_hour() -> None:
    due = datetime(2025, 9, 15, 17, 30, tzinfo=CST)  # Monday
    paused, resumed = datetime(2025, 9, 8, 9, 0, tzinfo=CST), datetime(2025, 9, 8, 13, 15, tzinfo=CST)

    assert extend_for(due, paused, resumed, DayCount.CALENDAR) == datetime(2025, 9, 15, 21, 45, tzinfo=CST)
