"""What the citizen's progress page is read from, held to one contract whether the store is the fake or PostgreSQL."""

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from services.supervision.domain import KeptFact
from services.supervision.store import PostgresSupervisionStore
from shared.contracts.messages import (
    CaseAssigned,
    CaseAwaitingManualTriage,
    CaseResolved,
    DeadlineChanged,
    ReferralSummary,
)
from shared.contracts.vocabulary import ReferralRole
from tests.fakes.supervision import FakeSupervisionStore
from tests.stores.conftest import StoreBench

SERVICE = "supervision"
FAKE = FakeSupervisionStore
POSTGRES_STORE = PostgresSupervisionStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 4, 10, 30, tzinfo=CST)
CASE_ID = "430426-20261204-00007"
OTHER_CASE = "430426-20261204-00008"
CENTRE = "centre:430426"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
HOUR = timedelta(hours=1)
TRACE = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}


def summary(n: int, unit: str, role: ReferralRole, issued: datetime) -> ReferralSummary:
    return ReferralSummary(
        referral_id=UUID(int=n), unit=unit, role=role, round=1, issued_at=issued, due_at=issued + timedelta(days=10)
    )


def envelope(n: int, at: datetime, case_id: str = CASE_ID) -> dict[str, Any]:
    return {"message_id": UUID(int=n), "occurred_at": at, "case_id": case_id, "sender": CENTRE, "recipient": CENTRE}


def assigned(n: int, at: datetime, case_id: str = CASE_ID) -> CaseAssigned:
    return CaseAssigned.build(
        **envelope(n, at, case_id),
        mode="joint",
        source="walk_in",
        category="neighbour",
        division_code="430426101203",
        flags=[],
        lead_unit=POLICE_STATION,
        co_units=[JUSTICE_OFFICE],
        referrals=[],
    )


def test_a_case_never_heard_of_has_no_facts_and_no_clocks(stores: StoreBench[Any]) -> None:
    with stores.transaction() as store:
        assert store.case_progress(CASE_ID) == ([], [])


def test_the_facts_that_move_the_case_come_oldest_first_with_its_category(stores: StoreBench[Any]) -> None:
    waiting = CaseAwaitingManualTriage.build(
        **envelope(3, NOW + HOUR), reason="无有权处理单位", source="walk_in", category="wages"
    )
    resolved = CaseResolved.build(**envelope(4, NOW + 2 * HOUR), lead_unit=POLICE_STATION, round=1)
    paused = DeadlineChanged.build(  # a clock's change moves no status: not read
        **envelope(5, NOW + 3 * HOUR),
        referral_id=UUID(int=1),
        due_at=NOW + timedelta(days=12),
        revision=1,
        unit=POLICE_STATION,
        paused=False,
    )
    with stores.transaction() as store:
        for fact in (resolved, waiting, assigned(2, NOW), paused, assigned(9, NOW, OTHER_CASE)):
            store.record_fact(fact)
    with stores.transaction() as store:
        facts, _ = store.case_progress(CASE_ID)
    assert facts == [
        KeptFact("CaseAssigned", NOW, "neighbour"),
        KeptFact("CaseAwaitingManualTriage", NOW + HOUR, "wages"),
        KeptFact("CaseResolved", NOW + 2 * HOUR, None),
    ]


def test_only_the_cases_lead_clocks_are_read_in_the_order_they_were_issued(stores: StoreBench[Any]) -> None:
    first = summary(1, POLICE_STATION, ReferralRole.LEAD, NOW)
    co_unit = summary(2, JUSTICE_OFFICE, ReferralRole.CO_UNIT, NOW)
    second = summary(3, JUSTICE_OFFICE, ReferralRole.LEAD, NOW + HOUR)  # the first lead declined
    elsewhere = summary(4, POLICE_STATION, ReferralRole.LEAD, NOW)
    with stores.transaction() as store:
        store.add_watch(CASE_ID, second, TRACE)
        store.add_watch(CASE_ID, co_unit, TRACE)
        store.add_watch(CASE_ID, first, TRACE)
        store.add_watch(OTHER_CASE, elsewhere, TRACE)
        store.close_watch(CASE_ID, first.referral_id, NOW + HOUR)
    with stores.transaction() as store:
        _, leads = store.case_progress(CASE_ID)
    assert [(w.unit, w.closed_at, w.due_at) for w in leads] == [
        (POLICE_STATION, NOW + HOUR, NOW + timedelta(days=10)),
        (JUSTICE_OFFICE, None, NOW + HOUR + timedelta(days=10)),
    ]
