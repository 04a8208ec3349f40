"""The coordinator's case store, held to one contract whether it is the fake or PostgreSQL."""

import shutil
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from pydantic import TypeAdapter

from services.coordinator.domain.figures import Figures, UnitFigures
from services.coordinator.domain.model import (
    Agreement,
    Case,
    CaseFacts,
    CaseStatus,
    DayCount,
    Escalation,
    EscalationCause,
    Term,
    TimelineEntry,
    TimelineKind,
)
from services.coordinator.domain.rules import (
    assign_by_hand,
    record_acceptance,
    record_decline,
    record_pause,
    record_rating,
    record_result,
    record_resume,
    triage,
)
from services.coordinator.reconcile_store import PostgresReconcileStore
from services.coordinator.routing import load_routing_table
from services.coordinator.store import CaseQuery, ListedCase, PostgresCaseStore, StoredCase
from shared.contracts.messages import PauseReason, ReferralDeadlineChanged
from shared.contracts.vocabulary import Category, Rating, ReferralRole, ResultCode, Source
from shared.persistence.errors import Conflict, NotFound, StoreError
from shared.persistence.jsonb import jsonb
from shared.registry import DEFAULT_CONFIG_DIR, load_registry
from tests.calendar_years import TEST_2027, year_file
from tests.fakes.coordinator import FakeCaseStore
from tests.integration.databases import migrated_database
from tests.messages import referral_issued
from tests.stores.conftest import StoreBench, empty_tables, postgres_bench
from wuyuan.provision_db import SERVICES_ROOT, apply_migrations, migration_dirs

SERVICE = "coordinator"
FAKE = FakeCaseStore
POSTGRES_STORE = PostgresCaseStore

COORDINATOR_MIGRATIONS = SERVICES_ROOT / "coordinator" / "migrations"
CASE_JSON = TypeAdapter(Case)

REGISTRY = load_registry()
SHIPPED = load_routing_table(DEFAULT_CONFIG_DIR / "routing.toml", set(REGISTRY.agencies))

CST = timezone(timedelta(hours=8))
MORNING = datetime(2026, 11, 22, 9, 0, tzinfo=CST)
VILLAGE = "430426101203"  # a village of township 430426101
JUSTICE_OFFICE = "justice:430426101"  # the township's justice office, lead for a neighbours' quarrel

FENCE_QUARREL = "430426-20261122-00001"
WELL_QUARREL = "430426-20261122-00002"
CHICKEN_QUARREL = "430426-20261122-00003"

REGISTERED = {
    "source": "walk_in",
    "category": "neighbour",
    "division_code": VILLAGE,
    "summary": "两户村民因院墙边界发生争执",
    "flags": [],
    "parties": [{"name": "张三", "role": "applicant"}, {"name": "李四", "role": "respondent"}],
}
TRACE = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
FENCE_AGREEMENT = Agreement(date(2026, 12, 1), "张家后退院墙三十厘米，李家承担砌墙费用", "祁东人调〔2026〕97号")


def every_day_works(issued_at: datetime, term: Term) -> datetime:
    return issued_at + timedelta(days=term.days)


def neighbours_case(case_id: str = FENCE_QUARREL, at: datetime = MORNING) -> tuple[Case, tuple[TimelineEntry, ...]]:
    """A neighbours' quarrel triaged on the shipped routing table: assigned to the justice office."""
    facts = CaseFacts(case_id=case_id, source=Source.WALK_IN, category=Category.NEIGHBOUR, division_code=VILLAGE)
    assignment = triage(facts, SHIPPED, REGISTRY, at, every_day_works)
    return assignment.case, assignment.timeline


def registered_case(stores: StoreBench[Any], case_id: str, at: datetime) -> Case:
    case, _ = neighbours_case(case_id, at)
    with stores.transaction() as store:
        store.add(case, REGISTERED, TRACE, at)
    return case


def accepted(case: Case, at: datetime) -> Case:
    [referral] = case.referrals
    return record_acceptance(case, referral.referral_id, JUSTICE_OFFICE, "值班员老李", at).case


def entry(seq: int, kind: TimelineKind = TimelineKind.PROGRESS_REPORTED, **detail: object) -> TimelineEntry:
    return TimelineEntry(seq=seq, at=MORNING + timedelta(hours=seq), kind=kind, detail=detail)


# --- add, lock, read ---------------------------------------------------------------------------


def test_a_case_added_is_locked_and_read_back_with_what_it_was_registered_with(stores: StoreBench[Any]) -> None:
    case, _ = neighbours_case()

    with stores.transaction() as store:
        store.add(case, REGISTERED, TRACE, MORNING)

    with stores.transaction() as store:
        locked = store.lock(FENCE_QUARREL)
        read, timeline = store.read(FENCE_QUARREL)
    assert locked == StoredCase(case, REGISTERED, TRACE)
    assert read == locked
    assert locked.case.status is CaseStatus.ASSIGNED
    assert timeline == []


def test_a_case_id_is_added_only_once(stores: StoreBench[Any]) -> None:
    registered_case(stores, FENCE_QUARREL, MORNING)
    again, _ = neighbours_case()

    with pytest.raises(Conflict), stores.transaction() as store:
        store.add(again, {**REGISTERED, "summary": "重复登记"}, {}, MORNING + timedelta(hours=1))

    with stores.transaction() as store:
        assert store.lock(FENCE_QUARREL).registered["summary"] == REGISTERED["summary"]


def test_a_case_added_in_a_transaction_that_fails_is_not_kept(stores: StoreBench[Any]) -> None:
    case, _ = neighbours_case()

    with pytest.raises(RuntimeError), stores.transaction() as store:
        store.add(case, REGISTERED, TRACE, MORNING)
        raise RuntimeError("the handler failed after adding the case")

    with pytest.raises(NotFound), stores.transaction() as store:
        store.lock(FENCE_QUARREL)


@pytest.mark.parametrize("look", ["lock", "read"])
def test_an_unknown_case_is_not_found(stores: StoreBench[Any], look: str) -> None:
    with pytest.raises(NotFound), stores.transaction() as store:
        getattr(store, look)("430426-20261122-99999")


# --- save --------------------------------------------------------------------------------------


def test_saving_a_case_changes_its_status_and_state(stores: StoreBench[Any]) -> None:
    case = registered_case(stores, FENCE_QUARREL, MORNING)
    in_progress = accepted(case, MORNING + timedelta(hours=1))

    with stores.transaction() as store:
        store.save(in_progress, MORNING + timedelta(hours=1))

    with stores.transaction() as store:
        stored = store.lock(FENCE_QUARREL)
        assert store.list_cases(CaseQuery(now=MORNING, status=CaseStatus.IN_PROGRESS), 10) == [
            ListedCase(in_progress, REGISTERED["summary"], MORNING, MORNING + timedelta(hours=1))
        ]
    assert stored == StoredCase(in_progress, REGISTERED, TRACE)
    assert stored.case.referrals[0].accepted_at == MORNING + timedelta(hours=1)


def test_saving_a_case_that_was_never_added_does_not_add_it(stores: StoreBench[Any]) -> None:
    case, _ = neighbours_case()

    with stores.transaction() as store:
        store.save(case, MORNING)

    with pytest.raises(NotFound), stores.transaction() as store:
        store.lock(FENCE_QUARREL)


# --- the timeline ------------------------------------------------------------------------------


def test_the_timeline_triage_wrote_is_read_back_line_by_line(stores: StoreBench[Any]) -> None:
    case, timeline = neighbours_case()

    with stores.transaction() as store:
        store.add(case, REGISTERED, TRACE, MORNING)
        store.append_timeline(FENCE_QUARREL, timeline)

    with stores.transaction() as store:
        _, lines = store.read(FENCE_QUARREL)
    assert [(line["seq"], line["kind"]) for line in lines] == [(1, "case_triaged"), (2, "referral_issued")]
    assert lines[0] == {
        "seq": 1,
        "at": MORNING,
        "kind": "case_triaged",
        "detail": {
            "rule": timeline[0].detail["rule"],
            "mode": "single_unit",
            "lead_unit": JUSTICE_OFFICE,
            "co_units": [],
        },
    }


def test_timeline_detail_comes_back_as_json_with_ids_and_vocabulary_as_strings(stores: StoreBench[Any]) -> None:
    registered_case(stores, FENCE_QUARREL, MORNING)
    referral_id = UUID("00000000-0000-4000-8000-000000000042")
    acceptance = entry(
        1, TimelineKind.REFERRAL_ACCEPTED, referral_id=referral_id, unit=JUSTICE_OFFICE, role=ReferralRole.LEAD
    )

    with stores.transaction() as store:
        store.append_timeline(FENCE_QUARREL, [acceptance])

    with stores.transaction() as store:
        _, [accepted_line] = store.read(FENCE_QUARREL)
    assert accepted_line == {
        "seq": 1,
        "at": MORNING + timedelta(hours=1),
        "kind": "referral_accepted",
        "detail": {"referral_id": "00000000-0000-4000-8000-000000000042", "unit": JUSTICE_OFFICE, "role": "lead"},
    }


def test_timeline_lines_are_read_in_seq_order_whatever_order_they_were_appended_in(stores: StoreBench[Any]) -> None:
    registered_case(stores, FENCE_QUARREL, MORNING)

    with stores.transaction() as store:
        store.append_timeline(FENCE_QUARREL, [entry(3, note="第三次走访")])
    with stores.transaction() as store:
        store.append_timeline(FENCE_QUARREL, [entry(1, note="第一次走访"), entry(2, note="第二次走访")])

    with stores.transaction() as store:
        _, lines = store.read(FENCE_QUARREL)
    assert [(line["seq"], line["detail"]["note"]) for line in lines] == [
        (1, "第一次走访"),
        (2, "第二次走访"),
        (3, "第三次走访"),
    ]


def test_a_timeline_line_is_never_written_twice(stores: StoreBench[Any]) -> None:
    registered_case(stores, FENCE_QUARREL, MORNING)
    with stores.transaction() as store:
        store.append_timeline(FENCE_QUARREL, [entry(1, note="调解员上门")])

    with pytest.raises(Conflict), stores.transaction() as store:
        store.append_timeline(FENCE_QUARREL, [entry(2, note="约定再谈"), entry(1, note="另一个版本")])

    with stores.transaction() as store:
        _, lines = store.read(FENCE_QUARREL)
    assert [(line["seq"], line["detail"]) for line in lines] == [(1, {"note": "调解员上门"})]


def test_a_timeline_belongs_to_a_case_that_was_added(stores: StoreBench[Any]) -> None:
    with pytest.raises(StoreError), stores.transaction() as store:
        store.append_timeline(FENCE_QUARREL, [entry(1, note="无案可依")])

    with stores.transaction() as store:
        store.add(neighbours_case()[0], REGISTERED, TRACE, MORNING)
        assert store.read(FENCE_QUARREL)[1] == []


# --- lists and counts --------------------------------------------------------------------------


@pytest.fixture
def three_cases(stores: StoreBench[Any]) -> None:
    """Three quarrels registered an hour apart; the first accepted at noon, so updated last."""
    fence = registered_case(stores, FENCE_QUARREL, MORNING)
    registered_case(stores, WELL_QUARREL, MORNING + timedelta(hours=1))
    registered_case(stores, CHICKEN_QUARREL, MORNING + timedelta(hours=2))
    with stores.transaction() as store:
        store.save(accepted(fence, MORNING + timedelta(hours=3)), MORNING + timedelta(hours=3))


def case_ids(listed: list[ListedCase]) -> list[str]:
    return [c.case.case_id for c in listed]


def of_status(status: CaseStatus) -> CaseQuery:
    return CaseQuery(now=MORNING, status=status)


EVERY_CASE = CaseQuery(now=MORNING)


def test_cases_of_one_status_are_listed_oldest_updated_first(stores: StoreBench[Any], three_cases: None) -> None:
    with stores.transaction() as store:
        assigned = store.list_cases(of_status(CaseStatus.ASSIGNED), 10)
    assert [(c.case.case_id, c.case.status, c.updated_at) for c in assigned] == [
        (WELL_QUARREL, CaseStatus.ASSIGNED, MORNING + timedelta(hours=1)),
        (CHICKEN_QUARREL, CaseStatus.ASSIGNED, MORNING + timedelta(hours=2)),
    ]


def test_all_cases_are_listed_newest_updated_first(stores: StoreBench[Any], three_cases: None) -> None:
    with stores.transaction() as store:
        every = store.list_cases(EVERY_CASE, 10)
    assert case_ids(every) == [FENCE_QUARREL, CHICKEN_QUARREL, WELL_QUARREL]
    # Registered at nine, accepted at noon: the list tells the two apart.
    assert (every[0].case.status, every[0].registered_at, every[0].updated_at) == (
        CaseStatus.IN_PROGRESS,
        MORNING,
        MORNING + timedelta(hours=3),
    )
    assert every[0].summary == "两户村民因院墙边界发生争执"


def test_a_list_of_cases_stops_at_its_limit(stores: StoreBench[Any], three_cases: None) -> None:
    with stores.transaction() as store:
        assert case_ids(store.list_cases(EVERY_CASE, 2)) == [FENCE_QUARREL, CHICKEN_QUARREL]
        assert case_ids(store.list_cases(of_status(CaseStatus.ASSIGNED), 1)) == [WELL_QUARREL]
        assert store.list_cases(of_status(CaseStatus.CLOSED), 10) == []


def test_a_list_of_cases_is_paged_by_its_offset_and_counted_whatever_the_page(
    stores: StoreBench[Any], three_cases: None
) -> None:
    with stores.transaction() as store:
        assert case_ids(store.list_cases(EVERY_CASE, 2, offset=1)) == [CHICKEN_QUARREL, WELL_QUARREL]
        assert case_ids(store.list_cases(of_status(CaseStatus.ASSIGNED), 1, offset=1)) == [CHICKEN_QUARREL]
        assert store.list_cases(EVERY_CASE, 10, offset=3) == []
        assert store.count_cases(EVERY_CASE) == 3
        assert store.count_cases(of_status(CaseStatus.ASSIGNED)) == 2
        assert store.count_cases(of_status(CaseStatus.CLOSED)) == 0


def test_cases_updated_at_the_same_moment_keep_one_order_from_page_to_page(stores: StoreBench[Any]) -> None:
    for case_id in (CHICKEN_QUARREL, FENCE_QUARREL, WELL_QUARREL):
        registered_case(stores, case_id, MORNING)

    with stores.transaction() as store:
        pages = [case_ids(store.list_cases(EVERY_CASE, 1, offset=n)) for n in range(3)]
        oldest_first = case_ids(store.list_cases(of_status(CaseStatus.ASSIGNED), 3))
    assert pages == [[CHICKEN_QUARREL], [WELL_QUARREL], [FENCE_QUARREL]]
    assert oldest_first == [FENCE_QUARREL, WELL_QUARREL, CHICKEN_QUARREL]


def test_cases_are_counted_by_status(stores: StoreBench[Any], three_cases: None) -> None:
    with stores.transaction() as store:
        assert store.count_by_status() == {"assigned": 2, "in_progress": 1}


def test_no_cases_count_as_no_statuses(stores: StoreBench[Any]) -> None:
    with stores.transaction() as store:
        assert store.count_by_status() == {}


def test_forgetting_the_phones_keeps_every_party_with_its_name_and_role(stores: StoreBench[Any]) -> None:
    registered_case(stores, FENCE_QUARREL, MORNING)

    with stores.transaction() as store:
        store.forget_phones(FENCE_QUARREL)
    with stores.transaction() as store:
        parties = store.lock(FENCE_QUARREL).registered["parties"]
    assert parties == [{**party, "phone": None} for party in REGISTERED["parties"]]


# --- filters -----------------------------------------------------------------------------------

HOUR = timedelta(hours=1)
NEXT_MORNING = MORNING + timedelta(days=1)
MEDIATOR = "司法所老周"
LOAN_CLAIM = "430426-20261123-00001"
WINDOW_ANSWER = "430426-20261123-00002"
TOWNSHIP_102_VILLAGE = "430426102005"
COUNTY = "430426"
WELL_SUMMARY = "Well water shared by the WANG and ZHAO families"
LOAN_SUMMARY = "借款三万元逾期未还"


def triaged(case_id: str, source: Source, category: Category, division_code: str, at: datetime) -> Case:
    facts = CaseFacts(case_id=case_id, source=source, category=category, division_code=division_code)
    return triage(facts, SHIPPED, REGISTRY, at, every_day_works).case


def register(stores: StoreBench[Any], case: Case, summary: str, at: datetime) -> Case:
    with stores.transaction() as store:
        store.add(case, {**REGISTERED, "summary": summary, "division_code": case.facts.division_code}, TRACE, at)
    return case


def save(stores: StoreBench[Any], case: Case, at: datetime) -> Case:
    with stores.transaction() as store:
        store.save(case, at)
    return case


@dataclass(frozen=True)
class County:
    fence: Case  # walk-in neighbours' quarrel in a village of township 101: justice:430426101
    well: Case  # police call from township 102: police:430426102 leads, justice:430426102 helps
    loan: Case  # a court filing at county level, the next day: court:430426 leads, justice:430426 helps


@pytest.fixture
def county(stores: StoreBench[Any]) -> County:
    fence = registered_case(stores, FENCE_QUARREL, MORNING)
    well = triaged(WELL_QUARREL, Source.POLICE_CALL, Category.NEIGHBOUR, TOWNSHIP_102_VILLAGE, MORNING + HOUR)
    loan = triaged(LOAN_CLAIM, Source.COURT_FILING, Category.DEBT, COUNTY, NEXT_MORNING)
    register(stores, well, WELL_SUMMARY, MORNING + HOUR)
    register(stores, loan, LOAN_SUMMARY, NEXT_MORNING)
    return County(fence, well, loan)


def found(stores: StoreBench[Any], **criteria: Any) -> list[str]:
    """The ids the list gives for these criteria, newest first, after checking the count agrees."""
    query = CaseQuery(**{"now": MORNING, **criteria})
    with stores.transaction() as store:
        ids = case_ids(store.list_cases(query, 10))
        assert store.count_cases(query) == len(ids)
    return ids


def test_the_units_of_the_county_cases_are_as_the_routing_table_says(county: County) -> None:
    # The filter tests below rely on these designations.
    assert [r.unit for r in county.fence.referrals] == [JUSTICE_OFFICE]
    assert [r.unit for r in county.well.referrals] == ["police:430426102", "justice:430426102"]
    assert [r.unit for r in county.loan.referrals] == ["court:430426", "justice:430426"]


def test_cases_are_found_by_status_source_and_category(stores: StoreBench[Any], county: County) -> None:
    assert found(stores, source=Source.POLICE_CALL) == [WELL_QUARREL]
    assert found(stores, category=Category.NEIGHBOUR) == [WELL_QUARREL, FENCE_QUARREL]
    assert found(stores, status=CaseStatus.ASSIGNED, source=Source.COURT_FILING) == [LOAN_CLAIM]
    assert found(stores, source=Source.WALK_IN, category=Category.DEBT) == []


def test_a_unit_finds_the_cases_referred_to_it_or_to_its_agency_below_it(
    stores: StoreBench[Any], county: County
) -> None:
    assert found(stores, unit=JUSTICE_OFFICE) == [FENCE_QUARREL]
    assert found(stores, unit="justice:430426") == [LOAN_CLAIM, WELL_QUARREL, FENCE_QUARREL]
    assert found(stores, unit="police:430426") == [WELL_QUARREL]
    assert found(stores, unit="police:430426101") == []
    # The court's unit is the county's: a township below it holds none of its referrals.
    assert found(stores, unit="court:430426101") == []


def test_a_unit_that_declined_still_finds_the_case_and_so_does_the_one_after_it(
    stores: StoreBench[Any], county: County
) -> None:
    [referral] = county.fence.referrals
    handed_on = record_decline(
        county.fence,
        referral.referral_id,
        JUSTICE_OFFICE,
        MEDIATOR,
        "不属于本单位职责",
        NEXT_MORNING,
        every_day_works,
    ).case
    save(stores, handed_on, NEXT_MORNING)

    assert found(stores, unit=JUSTICE_OFFICE) == [FENCE_QUARREL]
    assert found(stores, unit="police:430426101") == [FENCE_QUARREL]


def test_an_underscore_in_a_unit_is_taken_as_itself(stores: StoreBench[Any]) -> None:
    case, _ = neighbours_case()
    [referral] = case.referrals
    odd = replace(case, referrals=(replace(referral, unit="landxbureau:430426101"),))
    register(stores, odd, "宅基地界址", MORNING)

    assert found(stores, unit="land_bureau:430426101") == []
    assert found(stores, unit="landxbureau:430426") == [FENCE_QUARREL]


def test_a_place_finds_the_cases_of_its_division_and_below(stores: StoreBench[Any], county: County) -> None:
    assert found(stores, place="430426101") == [FENCE_QUARREL]
    assert found(stores, place=VILLAGE) == [FENCE_QUARREL]
    assert found(stores, place="430426102") == [WELL_QUARREL]
    assert found(stores, place=COUNTY) == [LOAN_CLAIM, WELL_QUARREL, FENCE_QUARREL]
    assert found(stores, place="430426103") == []


def test_registration_bounds_take_their_first_moment_in_and_their_last_out(
    stores: StoreBench[Any], county: County
) -> None:
    second = timedelta(seconds=1)
    assert found(stores, registered_since=MORNING) == [LOAN_CLAIM, WELL_QUARREL, FENCE_QUARREL]
    assert found(stores, registered_since=MORNING + second) == [LOAN_CLAIM, WELL_QUARREL]
    assert found(stores, registered_before=NEXT_MORNING) == [WELL_QUARREL, FENCE_QUARREL]
    assert found(stores, registered_before=NEXT_MORNING + second) == [LOAN_CLAIM, WELL_QUARREL, FENCE_QUARREL]
    assert found(stores, registered_since=MORNING + HOUR, registered_before=NEXT_MORNING) == [WELL_QUARREL]
    # The first and last days a date can name: the list's widest bounds.
    first_day, last_day = datetime(1, 1, 1, tzinfo=CST), datetime(9999, 12, 31, tzinfo=CST)
    assert found(stores, registered_since=first_day, registered_before=last_day) == [
        LOAN_CLAIM,
        WELL_QUARREL,
        FENCE_QUARREL,
    ]


def test_a_case_is_overdue_once_an_open_referral_is_past_its_deadline(stores: StoreBench[Any], county: County) -> None:
    well_due = MORNING + HOUR + timedelta(days=10)  # police call: ten days
    assert {r.due_at for r in county.well.referrals} == {well_due}

    assert found(stores, overdue=True, now=well_due) == []  # due at this moment is not yet late
    assert found(stores, overdue=True, now=well_due + timedelta(minutes=1)) == [WELL_QUARREL]
    assert found(stores, overdue=False, now=well_due + timedelta(minutes=1)) == [LOAN_CLAIM, FENCE_QUARREL]


def test_a_case_whose_units_reported_late_is_no_longer_overdue(stores: StoreBench[Any], county: County) -> None:
    late = MORNING + timedelta(days=12)
    well = county.well
    for referral in well.referrals:
        well = record_result(
            well, referral.referral_id, referral.unit, "刘警官", ResultCode.HANDLED, "已处理", late
        ).case
    save(stores, well, late)

    assert well.status is CaseStatus.RESOLVED
    assert found(stores, overdue=True, now=late) == []
    assert found(stores, overdue=False, now=late) == [WELL_QUARREL, LOAN_CLAIM, FENCE_QUARREL]


def every_hour_counts(due_at: datetime, paused_at: datetime, resumed_at: datetime, counting: DayCount) -> datetime:
    """extend_for on a calendar without rest days: the deadline moves by the whole pause."""
    return due_at + (resumed_at - paused_at)


def paused_well(county: County, lead_at: datetime, co_at: datetime | None = None) -> Case:
    """The well quarrel with its police station's clock paused at `lead_at`, and its justice office's at `co_at`."""
    case = county.well
    for referral, at in zip(case.referrals, (lead_at, co_at), strict=True):
        if at is not None:
            case = record_pause(
                case, referral.referral_id, referral.unit, "刘警官", PauseReason.APPRAISAL, "伤情鉴定", 1, at, at
            ).case
    return case


WELL_DUE = MORNING + HOUR + timedelta(days=10)  # police call: ten days
WEEKS_LATER = WELL_DUE + timedelta(days=14)


def test_a_case_whose_clocks_were_paused_before_its_deadline_is_not_overdue_while_they_stand_still(
    stores: StoreBench[Any], county: County
) -> None:
    day_before = WELL_DUE - timedelta(days=1)
    well = save(stores, paused_well(county, day_before, day_before), day_before)

    assert found(stores, overdue=True, now=WEEKS_LATER, place="430426102") == []
    assert found(stores, overdue=False, now=WEEKS_LATER, place="430426102") == [WELL_QUARREL]
    with stores.transaction() as store:
        units = {u.unit: u.overdue for u in store.figures(WEEKS_LATER).units}
    assert (units["police:430426102"], units["justice:430426102"]) == (0, 0)
    assert [r.paused for r in well.referrals] == [True, True]


def test_a_referral_paused_after_its_deadline_stays_overdue(stores: StoreBench[Any], county: County) -> None:
    save(stores, paused_well(county, WELL_DUE + HOUR, WELL_DUE - HOUR), WELL_DUE + HOUR)

    assert found(stores, overdue=True, now=WEEKS_LATER, place="430426102") == [WELL_QUARREL]
    with stores.transaction() as store:
        units = {u.unit: u.overdue for u in store.figures(WEEKS_LATER).units}
    assert (units["police:430426102"], units["justice:430426102"]) == (1, 0)


def test_a_resumed_referrals_moved_deadline_is_the_one_the_list_and_the_figures_judge_by(
    stores: StoreBench[Any], county: County
) -> None:
    two_days_in = MORNING + timedelta(days=2)
    paused = save(stores, paused_well(county, two_days_in, two_days_in), two_days_in)
    lead = paused.referrals[0]
    resumed_at = MORNING + timedelta(days=5)
    resumed = record_resume(paused, lead.referral_id, lead.unit, "刘警官", 1, resumed_at, resumed_at, every_hour_counts)
    save(stores, resumed.case, resumed_at)
    moved = WELL_DUE + timedelta(days=3)
    assert resumed.case.referrals[0].due_at == moved

    assert found(stores, overdue=True, now=WELL_DUE + HOUR, place="430426102") == []
    assert found(stores, overdue=True, now=moved + HOUR, place="430426102") == [WELL_QUARREL]
    with stores.transaction() as store:
        assert store.lock(WELL_QUARREL).case.referrals[0].due_at == moved
        units = {u.unit: u.overdue for u in store.figures(moved + HOUR).units}
    assert (units["police:430426102"], units["justice:430426102"]) == (1, 0)


def test_a_result_reported_while_paused_counts_on_time_if_the_clock_stopped_in_time(
    stores: StoreBench[Any], county: County
) -> None:
    paused = paused_well(county, WELL_DUE - HOUR)
    lead = paused.referrals[0]
    reported = record_result(paused, lead.referral_id, lead.unit, "刘警官", ResultCode.HANDLED, "已处理", WEEKS_LATER)
    save(stores, reported.case, WEEKS_LATER)

    with stores.transaction() as store:
        police = next(u for u in store.figures(WEEKS_LATER).units if u.unit == "police:430426102")
    assert (police.finished, police.on_time) == (1, 1)


def test_a_search_matches_a_case_id_prefix_or_any_part_of_the_summary(stores: StoreBench[Any], county: County) -> None:
    assert found(stores, text="院墙") == [FENCE_QUARREL]
    assert found(stores, text="well WATER") == [WELL_QUARREL]
    assert found(stores, text="zhao") == [WELL_QUARREL]
    assert found(stores, text="430426-20261122") == [WELL_QUARREL, FENCE_QUARREL]
    assert found(stores, text=LOAN_CLAIM) == [LOAN_CLAIM]
    assert found(stores, text="20261122") == []  # inside a case id, not at its start
    assert found(stores, text="%") == []
    assert found(stores, text="_") == []


def test_filters_combine(stores: StoreBench[Any], county: County) -> None:
    assert found(stores, unit="justice:430426", place="430426102", text="wang") == [WELL_QUARREL]
    assert found(stores, unit="justice:430426", category=Category.DEBT, status=CaseStatus.ASSIGNED) == [LOAN_CLAIM]
    assert found(stores, unit=JUSTICE_OFFICE, source=Source.POLICE_CALL) == []


def test_a_filtered_list_is_paged_and_counted_as_a_whole(stores: StoreBench[Any], county: County) -> None:
    query = CaseQuery(now=MORNING, unit="justice:430426")
    with stores.transaction() as store:
        assert case_ids(store.list_cases(query, 2, offset=1)) == [WELL_QUARREL, FENCE_QUARREL]
        assert store.count_cases(query) == 3


# --- the overview ------------------------------------------------------------------------------


def test_the_overview_counts_cases_referrals_and_ratings(stores: StoreBench[Any], county: County) -> None:
    # The justice office reports exactly at its deadline (on time) and the citizen is satisfied.
    [fence_referral] = county.fence.referrals
    fence_due = fence_referral.due_at
    fence = record_result(
        county.fence,
        fence_referral.referral_id,
        JUSTICE_OFFICE,
        MEDIATOR,
        ResultCode.MEDIATED,
        "已调解",
        fence_due,
        FENCE_AGREEMENT,
    ).case
    fence = record_rating(fence, Rating.SATISFIED, None, fence_due + HOUR, every_day_works).case
    save(stores, fence, fence_due + HOUR)
    # The police station reports a day late; the township's justice office is still at work, now overdue.
    police, _ = county.well.referrals
    well_reported = police.due_at + timedelta(days=1)
    well = record_result(
        county.well, police.referral_id, police.unit, "刘警官", ResultCode.HANDLED, "已处理", well_reported
    ).case
    save(stores, well, well_reported)
    # The court declines the loan claim and no other lead is left; the county's justice bureau works on.
    court, _ = county.loan.referrals
    loan = record_decline(
        county.loan, court.referral_id, court.unit, "法官", "不属于本院受理范围", NEXT_MORNING + HOUR, every_day_works
    ).case
    save(stores, loan, NEXT_MORNING + HOUR)
    # A question answered at the window, whose asker was dissatisfied: back to the centre's staff.
    answered = triaged(WINDOW_ANSWER, Source.WALK_IN, Category.CONSULTATION, VILLAGE, NEXT_MORNING)
    register(stores, answered, "咨询宅基地确权", NEXT_MORNING)
    save(
        stores,
        record_rating(answered, Rating.DISSATISFIED, "没说清楚", NEXT_MORNING + HOUR, every_day_works).case,
        NEXT_MORNING + HOUR,
    )
    now = MORNING + timedelta(days=13)

    with stores.transaction() as store:
        figures = store.figures(now)

    assert figures == Figures(
        cases={
            (Source.WALK_IN, CaseStatus.CLOSED): 1,
            (Source.POLICE_CALL, CaseStatus.IN_PROGRESS): 1,
            (Source.COURT_FILING, CaseStatus.AWAITING_MANUAL_TRIAGE): 1,
            (Source.WALK_IN, CaseStatus.AWAITING_MANUAL_TRIAGE): 1,
        },
        ratings={Rating.SATISFIED: 1, Rating.DISSATISFIED: 1},
        # The court only declined, so it has nothing to show.
        units=(
            UnitFigures("justice:430426", open=1),
            UnitFigures(JUSTICE_OFFICE, finished=1, on_time=1, results={ResultCode.MEDIATED: 1}),
            UnitFigures("justice:430426102", open=1, overdue=1),
            UnitFigures("police:430426102", finished=1, results={ResultCode.HANDLED: 1}),
        ),
        case_results={ResultCode.MEDIATED: 1},
    )
    assert (figures.on_time_rate, figures.satisfaction_rate) == (0.5, 0.5)


def test_a_case_rated_again_counts_by_its_latest_rating(stores: StoreBench[Any]) -> None:
    answered = triaged(WINDOW_ANSWER, Source.WALK_IN, Category.CONSULTATION, VILLAGE, MORNING)
    register(stores, answered, "咨询宅基地确权", MORNING)
    dissatisfied = record_rating(answered, Rating.DISSATISFIED, None, MORNING + HOUR, every_day_works).case
    save(stores, dissatisfied, MORNING + HOUR)
    staff_assigned = assign_by_hand(dissatisfied, JUSTICE_OFFICE, "chen.zhuren", MORNING + 2 * HOUR, every_day_works)
    [redo] = staff_assigned.case.referrals
    resolved = record_result(
        staff_assigned.case,
        redo.referral_id,
        JUSTICE_OFFICE,
        MEDIATOR,
        ResultCode.HANDLED,
        "已答复",
        MORNING + 3 * HOUR,
    ).case
    save(
        stores,
        record_rating(resolved, Rating.BASICALLY_SATISFIED, None, MORNING + 4 * HOUR, every_day_works).case,
        MORNING + 4 * HOUR,
    )

    with stores.transaction() as store:
        figures = store.figures(MORNING + 5 * HOUR)

    assert figures.ratings == {Rating.BASICALLY_SATISFIED: 1}
    assert figures.satisfaction_rate == 1.0
    assert figures.units == (UnitFigures(JUSTICE_OFFICE, finished=1, on_time=1, results={ResultCode.HANDLED: 1}),)
    assert figures.case_results == {ResultCode.HANDLED: 1}


def test_a_reopened_case_counts_under_a_result_again_only_once_its_new_round_is_settled(
    stores: StoreBench[Any], county: County
) -> None:
    # 警调对接: the police station handled it, the township's justice office mediated: a mediated case.
    well = county.well
    for referral, result, agreement in zip(
        well.referrals, (ResultCode.HANDLED, ResultCode.MEDIATED), (None, FENCE_AGREEMENT), strict=True
    ):
        well = record_result(
            well, referral.referral_id, referral.unit, "值班员", result, "办结", NEXT_MORNING, agreement
        ).case
    save(stores, well, NEXT_MORNING)
    with stores.transaction() as store:
        assert store.figures(NEXT_MORNING).case_results == {ResultCode.MEDIATED: 1}

    reopened = record_rating(well, Rating.DISSATISFIED, "赔偿未到位", NEXT_MORNING + HOUR, every_day_works).case
    save(stores, reopened, NEXT_MORNING + HOUR)
    with stores.transaction() as store:
        figures = store.figures(NEXT_MORNING + HOUR)
    assert figures.case_results == {}
    # The units' round-one results still count: what they did is not undone by the new round.
    assert figures.results == {ResultCode.HANDLED: 1, ResultCode.MEDIATED: 1}
    assert (figures.mediation_attempted, figures.mediation_succeeded) == (1, 1)

    [redo] = [r for r in reopened.referrals if r.round == 2]
    settled = record_result(
        reopened, redo.referral_id, redo.unit, "值班员", ResultCode.WITHDRAWN, "申请人撤回", NEXT_MORNING + 2 * HOUR
    ).case
    save(stores, settled, NEXT_MORNING + 2 * HOUR)
    with stores.transaction() as store:
        assert store.figures(NEXT_MORNING + 2 * HOUR).case_results == {ResultCode.WITHDRAWN: 1}
        listed = store.list_cases(CaseQuery(now=NEXT_MORNING, status=CaseStatus.RESOLVED), 10)
    assert [c.case.result for c in listed] == [ResultCode.WITHDRAWN]


def test_a_units_result_and_its_agreement_are_read_back_as_they_were_stored(
    stores: StoreBench[Any], county: County
) -> None:
    [referral] = county.fence.referrals
    mediated = record_result(
        county.fence,
        referral.referral_id,
        JUSTICE_OFFICE,
        MEDIATOR,
        ResultCode.MEDIATED,
        "签订协议",
        NEXT_MORNING,
        FENCE_AGREEMENT,
    ).case
    save(stores, mediated, NEXT_MORNING)

    with stores.transaction() as store:
        stored = store.lock(FENCE_QUARREL).case
    assert stored == mediated
    assert (stored.result, stored.referrals[0].agreement) == (ResultCode.MEDIATED, FENCE_AGREEMENT)


def test_no_cases_make_empty_figures(stores: StoreBench[Any]) -> None:
    with stores.transaction() as store:
        figures = store.figures(MORNING)
    assert figures == Figures()
    assert (figures.on_time_rate, figures.satisfaction_rate) == (None, None)


# --- cases stored before the list columns, and before result codes ------------------------------


def stored_before_result_codes(case: Case) -> dict[str, Any]:
    """The JSON document the store wrote before result codes: outcomes only, no codes or agreements."""
    document = CASE_JSON.dump_python(case, mode="json")
    document.pop("result")
    for referral in document["referrals"]:
        del referral["result"], referral["agreement"]
    for gap in document["gaps"]:
        del gap["code"], gap["unit"], gap["result"]
    return document


def insert_before_the_list_columns(url: str, case: Case) -> None:
    """A case as the store wrote it before migration 0002: a row without the list's columns."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO cases (case_id, status, state, registered, trace, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                case.case_id,
                case.status.value,
                jsonb(stored_before_result_codes(case)),
                jsonb(REGISTERED),
                jsonb({}),
                MORNING,
                MORNING,
            ),
        )


def insert_before_result_codes(url: str, case: Case) -> None:
    """A case as the store wrote it between migrations 0002 and 0003: columns and referral rows, no results."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO cases (case_id, status, state, registered, trace, created_at, updated_at,"
            " source, category, division_code, summary, rating)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                case.case_id,
                case.status.value,
                jsonb(stored_before_result_codes(case)),
                jsonb(REGISTERED),
                jsonb({}),
                MORNING,
                MORNING,
                case.facts.source.value,
                case.facts.category.value,
                case.facts.division_code,
                REGISTERED["summary"],
                case.rating.value if case.rating else None,
            ),
        )
        conn.execute(SYNC_REFERRALS_BEFORE_RESULT_CODES, (case.case_id,))


# What the store wrote into case_referrals before 0003 (the statement of migration 0002's backfill).
SYNC_REFERRALS_BEFORE_RESULT_CODES = """
INSERT INTO case_referrals (case_id, referral_id, unit, round, status, due_at, closed_at)
SELECT c.case_id, (r ->> 'referral_id')::uuid, r ->> 'unit', (r ->> 'round')::integer, r ->> 'status',
       (r ->> 'due_at')::timestamptz, (r ->> 'closed_at')::timestamptz
FROM cases c, jsonb_array_elements(c.state -> 'referrals') AS r
WHERE c.case_id = %s
"""


def database_up_to(tmp_path: Path, *names: str) -> tuple[Path, list[Path]]:
    """A migrations directory holding only the coordinator's first migrations, and the directories to apply."""
    migrations = tmp_path / "coordinator"
    migrations.mkdir()
    for name in names:
        shutil.copy(COORDINATOR_MIGRATIONS / name, migrations)
    return migrations, [*migration_dirs(SERVICE)[:-1], migrations]


@pytest.mark.integration
def test_cases_stored_before_the_list_columns_are_found_and_counted_from_their_documents(tmp_path: Path) -> None:
    """Migration 0002 fills the new columns and referral rows of the cases already there (and 0003
    the result columns the store now reads)."""
    migrations, directories = database_up_to(tmp_path, "0001_coordinator.sql")
    fence = accepted(neighbours_case()[0], MORNING + HOUR)
    with migrated_database("wys_backfill", directories) as url:
        insert_before_the_list_columns(url, fence)
        shutil.copy(COORDINATOR_MIGRATIONS / "0002_case_list_columns.sql", migrations)
        shutil.copy(COORDINATOR_MIGRATIONS / "0003_result_codes.sql", migrations)
        shutil.copy(COORDINATOR_MIGRATIONS / "0004_paused_clocks.sql", migrations)
        assert apply_migrations(url, directories) == [
            "0002_case_list_columns",
            "0003_result_codes",
            "0004_paused_clocks",
        ]

        with postgres_bench(url, PostgresCaseStore).transaction() as store:
            query = CaseQuery(now=MORNING, unit=JUSTICE_OFFICE, place=VILLAGE, source=Source.WALK_IN, text="院墙")
            assert store.list_cases(query, 10) == [ListedCase(fence, REGISTERED["summary"], MORNING, MORNING)]
            assert store.figures(MORNING).units == (UnitFigures(JUSTICE_OFFICE, open=1),)


@pytest.mark.integration
def test_results_stored_before_result_codes_are_counted_as_the_codes_they_stood_for(tmp_path: Path) -> None:
    """Migration 0003 reads each stored referral's outcome as its code, and a settled case's lead's
    as the case's result, the same way the model reads the documents."""
    migrations, directories = database_up_to(tmp_path, "0001_coordinator.sql", "0002_case_list_columns.sql")
    # Closed: the justice office's old `resolved`. Waiting for staff: the lead's old `unresolved`.
    # Still assigned: nothing reported yet.
    fence, _ = neighbours_case(FENCE_QUARREL)
    [referral] = fence.referrals
    fence = record_result(fence, referral.referral_id, JUSTICE_OFFICE, MEDIATOR, ResultCode.HANDLED, "已调处", MORNING)
    fence_closed = record_rating(fence.case, Rating.SATISFIED, None, MORNING + HOUR, every_day_works).case
    well, _ = neighbours_case(WELL_QUARREL)
    [referral] = well.referrals
    well_failed = record_result(
        well, referral.referral_id, JUSTICE_OFFICE, MEDIATOR, ResultCode.MEDIATION_FAILED, "调解不成", MORNING
    ).case
    chicken, _ = neighbours_case(CHICKEN_QUARREL)
    with migrated_database("wys_results", directories) as url:
        for case in (fence_closed, well_failed, chicken):
            insert_before_result_codes(url, case)
        shutil.copy(COORDINATOR_MIGRATIONS / "0003_result_codes.sql", migrations)
        shutil.copy(COORDINATOR_MIGRATIONS / "0004_paused_clocks.sql", migrations)
        assert apply_migrations(url, directories) == ["0003_result_codes", "0004_paused_clocks"]

        bench = postgres_bench(url, PostgresCaseStore)
        with bench.transaction() as store:
            figures = store.figures(MORNING + HOUR)
            old_fence = store.lock(FENCE_QUARREL).case
        assert figures.results == {ResultCode.HANDLED: 1, ResultCode.MEDIATION_FAILED: 1}
        assert figures.case_results == {ResultCode.HANDLED: 1}
        assert (figures.mediation_attempted, figures.mediation_succeeded) == (1, 0)
        # The document reads as the columns were filled, and storing it again keeps them so.
        assert (old_fence.result, old_fence.referrals[0].result) == (ResultCode.HANDLED, ResultCode.HANDLED)
        with bench.transaction() as store:
            store.save(old_fence, MORNING + 2 * HOUR)
        with bench.transaction() as store:
            assert store.figures(MORNING + 2 * HOUR) == figures


# --- the official calendar's loaded years (shared.calendar_store) ------------------------------


def test_a_loaded_year_is_kept_and_the_same_year_again_changes_nothing(stores: StoreBench[Any]) -> None:
    with stores.transaction() as store:
        assert store.calendar.put(year_file(), "yunwei.wang", MORNING) is True
    with stores.transaction() as store:
        assert store.calendar.put(year_file(), "yunwei.li", MORNING + timedelta(hours=1)) is False
        [kept] = store.calendar.years()
    assert (kept.calendar, kept.loaded_by, kept.loaded_at) == (year_file(), "yunwei.wang", MORNING)
    corrected = year_file(holidays=TEST_2027["holidays"][:1])
    with stores.transaction() as store:
        assert store.calendar.put(corrected, "yunwei.li", MORNING + timedelta(hours=2)) is True
        [kept] = store.calendar.years()
    assert (kept.calendar, kept.loaded_by) == (corrected, "yunwei.li")


def test_the_cases_with_an_open_referral_due_from_a_moment_are_found(stores: StoreBench[Any]) -> None:
    early = registered_case(stores, FENCE_QUARREL, MORNING)
    registered_case(stores, WELL_QUARREL, MORNING + timedelta(days=5))
    [referral] = early.referrals

    with stores.transaction() as store:
        assert store.open_cases_due_from(referral.due_at) == [FENCE_QUARREL, WELL_QUARREL]
        assert store.open_cases_due_from(referral.due_at + timedelta(seconds=1)) == [WELL_QUARREL]


def test_a_centre_finds_the_cases_it_holds_and_a_case_from_before_levels_is_the_county_s(
    stores: StoreBench[Any], county: County
) -> None:
    # 三级: the fence quarrel is held by its township's centre; the others were stored before levels.
    save(stores, replace(county.fence, centre="430426101"), NEXT_MORNING)

    assert found(stores, centre="430426101") == [FENCE_QUARREL]
    assert found(stores, centre=COUNTY) == [LOAN_CLAIM, WELL_QUARREL]
    assert found(stores, centre="430426102") == []


def test_the_cases_flagged_for_the_leaders_are_those_still_handled_with_an_overdue_unit_at_the_top(
    stores: StoreBench[Any], county: County
) -> None:
    """提请领导督办: an escalation with no centre above to go to; once the case is resolved it no longer waits."""
    [loan_lead, _] = county.loan.referrals
    flag = Escalation(
        at=NEXT_MORNING,
        cause=EscalationCause.OVERDUE,
        from_centre=COUNTY,
        to_centre=None,
        unit=loan_lead.unit,
        referral_id=loan_lead.referral_id,
        overdue_working_days=6,
    )
    gone_up = replace(flag, from_centre="430426101", to_centre=COUNTY, unit=JUSTICE_OFFICE)
    save(stores, replace(county.loan, escalations=(flag,)), NEXT_MORNING)
    save(stores, replace(county.fence, escalations=(gone_up,)), NEXT_MORNING)  # went up a level: no flag

    assert found(stores, awaits_the_leaders=True) == [LOAN_CLAIM]
    assert found(stores, awaits_the_leaders=False) == [FENCE_QUARREL, WELL_QUARREL]  # the latest change first

    save(stores, replace(county.loan, escalations=(flag,), status=CaseStatus.RESOLVED), NEXT_MORNING)
    assert found(stores, awaits_the_leaders=True) == []


@pytest.mark.integration
def test_reconciliation_reads_back_whole_every_case_an_agency_holds_open(service_database: str) -> None:
    """`wuyuan reconcile` rebuilds what an agency lost from these cases: each must read back as it was saved."""
    empty_tables(service_database)
    cases = postgres_bench(service_database, PostgresCaseStore)
    fence = registered_case(cases, FENCE_QUARREL, MORNING)
    well = accepted(registered_case(cases, WELL_QUARREL, MORNING + HOUR), NEXT_MORNING)
    with cases.transaction() as store:
        store.save(well, NEXT_MORNING)

    with postgres_bench(service_database, PostgresReconcileStore).transaction() as reconcile:
        held = reconcile.cases_of_agency(JUSTICE_OFFICE.split(":")[0], since=None)
        elsewhere = reconcile.cases_of_agency("court", since=None)
    assert [(s.case, s.registered, s.trace) for s in held] == [(fence, REGISTERED, TRACE), (well, REGISTERED, TRACE)]
    assert elsewhere == []


def queue_document(stores: StoreBench[Any], store: Any, message: Any, sent: bool) -> None:
    """What the unit of work does with a document: its outbox row, and what the outbox's trigger keeps of it."""
    if stores.kind == "memory":
        store.outbox_queued(message)
        if not sent:
            store.sent.waiting.add(message.message_id)
        return
    store.sql.write(
        "INSERT INTO outbox (message_id, message_type, case_id, exchange, routing_key, body, headers, published_at)"
        " VALUES (%s, %s, %s, 'wuyuan.documents', 'justice_link.x', %s, '{}', CASE WHEN %s THEN now() END)",
        (message.message_id, message.type, message.case_id, jsonb(message.model_dump(mode="json")), sent),
    )


def test_documents_sent_to_a_referral_are_kept_without_parties_and_cleared_only_once_sent(stores):
    """`wuyuan reconcile` sends a referral's documents again from what was kept as they were queued; a sent row
    makes way for the document queued again under its id, while one still waiting to go is left to go once."""
    issued = referral_issued(UUID("5b0c1c7e-0000-4000-8000-0000000000aa"), JUSTICE_OFFICE, case_id=WELL_QUARREL)
    moved = ReferralDeadlineChanged.build(
        message_id=UUID("7d9f3c1e-0000-4000-8000-0000000000a2"),
        occurred_at=issued.occurred_at + timedelta(days=3),
        case_id=WELL_QUARREL,
        sender=issued.sender,
        recipient=JUSTICE_OFFICE,
        referral_id=issued.referral_id,
        due_at=issued.due_at + timedelta(days=2),
        revision=2,
    )
    with stores.transaction() as store:
        queue_document(stores, store, issued, sent=True)
        queue_document(stores, store, moved, sent=False)

    with stores.transaction() as store:
        kept = store.sent.documents([issued.referral_id])
        waiting = store.sent.clear_sent([issued.message_id, moved.message_id])
        assert store.sent.documents([UUID(int=1)]) == []
        # Queued again under its id, as reconciling does: the outbox takes it, and what was kept stays as it was.
        queue_document(stores, store, issued.model_copy(update={"round": 2}), sent=True)
        assert store.sent.documents([issued.referral_id]) == kept
    assert [(d.message_id, d.message_type) for d in kept] == [
        (issued.message_id, "ReferralIssued"),
        (moved.message_id, "ReferralDeadlineChanged"),
    ]
    assert "parties" not in kept[0].body and "summary" not in kept[0].body
    assert kept[0].body["role"] == issued.role.value and kept[1].body["revision"] == moved.revision
    assert waiting == {moved.message_id}
