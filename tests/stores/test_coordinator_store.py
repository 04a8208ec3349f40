"""The coordinator's case store, held to one contract whether it is the fake or PostgreSQL."""

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from services.coordinator.domain.model import Case, CaseFacts, CaseStatus, TimelineEntry, TimelineKind
from services.coordinator.domain.rules import record_acceptance, triage
from services.coordinator.routing import load_routing_table
from services.coordinator.store import PostgresCaseStore, StoredCase
from shared.contracts.vocabulary import Category, ReferralRole, Source
from shared.persistence.errors import Conflict, NotFound, StoreError
from shared.registry import DEFAULT_CONFIG_DIR, load_registry
from tests.fakes.coordinator import FakeCaseStore
from tests.stores.conftest import StoreBench

SERVICE = "coordinator"
FAKE = FakeCaseStore
POSTGRES_STORE = PostgresCaseStore

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


def every_day_works(issued_at: datetime, working_days: int) -> datetime:
    return issued_at + timedelta(days=working_days)


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
        assert store.list_cases(CaseStatus.IN_PROGRESS, 10) == [
            {"case_id": FENCE_QUARREL, "status": "in_progress", "updated_at": MORNING + timedelta(hours=1)}
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


def case_ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["case_id"] for row in rows]


def test_cases_of_one_status_are_listed_oldest_updated_first(stores: StoreBench[Any], three_cases: None) -> None:
    with stores.transaction() as store:
        assigned = store.list_cases(CaseStatus.ASSIGNED, 10)
    assert assigned == [
        {"case_id": WELL_QUARREL, "status": "assigned", "updated_at": MORNING + timedelta(hours=1)},
        {"case_id": CHICKEN_QUARREL, "status": "assigned", "updated_at": MORNING + timedelta(hours=2)},
    ]


def test_all_cases_are_listed_newest_updated_first(stores: StoreBench[Any], three_cases: None) -> None:
    with stores.transaction() as store:
        every = store.list_cases(None, 10)
    assert case_ids(every) == [FENCE_QUARREL, CHICKEN_QUARREL, WELL_QUARREL]
    assert every[0] == {"case_id": FENCE_QUARREL, "status": "in_progress", "updated_at": MORNING + timedelta(hours=3)}


def test_a_list_of_cases_stops_at_its_limit(stores: StoreBench[Any], three_cases: None) -> None:
    with stores.transaction() as store:
        assert case_ids(store.list_cases(None, 2)) == [FENCE_QUARREL, CHICKEN_QUARREL]
        assert case_ids(store.list_cases(CaseStatus.ASSIGNED, 1)) == [WELL_QUARREL]
        assert store.list_cases(CaseStatus.CLOSED, 10) == []


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
