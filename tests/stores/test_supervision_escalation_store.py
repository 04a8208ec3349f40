"""Supervision's escalation reads (逾期提级), held to one contract whether the store is the fake or PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from services.supervision.store import PostgresSupervisionStore
from shared.centres import Level
from shared.contracts.messages import ReferralSummary
from shared.contracts.vocabulary import ReferralRole
from shared.persistence import prepared
from shared.persistence.transaction import transaction
from tests.fakes.supervision import FakeSupervisionStore
from tests.stores.conftest import StoreBench

SERVICE = "supervision"
FAKE = FakeSupervisionStore
POSTGRES_STORE = PostgresSupervisionStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=CST)
CASE_ID = "430426-20261110-00004"
TRACE = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}


def referral(n: int, due: timedelta, unit: str = "police:430426101") -> ReferralSummary:
    return ReferralSummary(
        referral_id=UUID(int=n),
        unit=unit,
        role=ReferralRole.LEAD,
        round=1,
        issued_at=NOW - timedelta(days=20),
        due_at=NOW + due,
    )


def designate(stores: StoreBench[Any], summary: ReferralSummary, letter: bool = True) -> None:
    with stores.transaction() as store:
        store.add_watch(CASE_ID, summary, TRACE)
        if letter:
            [(watch, _)] = [(w, t) for w, t in store.lock_watches_due(NOW, 10) if w.referral_id == summary.referral_id]
            store.save_letters(replace(watch, overdue_sent_at=summary.due_at + timedelta(seconds=5)))


def to_escalate(stores: StoreBench[Any]) -> list[UUID]:
    with stores.transaction() as store:
        return [watch.referral_id for watch, _ in store.lock_watches_to_escalate(NOW, 10)]


def test_overdue_watches_whose_letter_went_out_are_offered_the_longest_overdue_first(stores: StoreBench[Any]) -> None:
    designate(stores, referral(1, -timedelta(days=2)))
    designate(stores, referral(2, -timedelta(days=5)))
    designate(stores, referral(3, -timedelta(days=3)), letter=False)  # no 督办函 yet
    designate(stores, referral(4, timedelta(days=1)), letter=False)  # not due

    assert to_escalate(stores) == [UUID(int=2), UUID(int=1)]
    with stores.transaction() as store:
        [(watch, trace)] = [(w, t) for w, t in store.lock_watches_to_escalate(NOW, 1)]
    assert (watch.unit, watch.due_at, trace) == ("police:430426101", NOW - timedelta(days=5), TRACE)


def test_a_watch_sent_up_is_offered_no_more(stores: StoreBench[Any]) -> None:
    designate(stores, referral(1, -timedelta(days=2)))

    with stores.transaction() as store:
        store.mark_escalation_sent(UUID(int=1), NOW)

    assert to_escalate(stores) == []


def test_a_closed_watch_is_not_escalated(stores: StoreBench[Any]) -> None:
    designate(stores, referral(1, -timedelta(days=2)))

    with stores.transaction() as store:
        store.close_watch(CASE_ID, UUID(int=1), NOW)

    assert to_escalate(stores) == []


def test_each_level_is_offered_only_the_deadlines_before_its_own_moment(stores: StoreBench[Any]) -> None:
    designate(stores, referral(1, -timedelta(days=6), unit="court:430426"))  # county: before its moment
    designate(stores, referral(2, -timedelta(days=5), unit="court:430426"))  # county: short of it
    designate(stores, referral(3, -timedelta(days=4)))  # township: past its moment
    designate(stores, referral(4, -timedelta(days=1), unit="police:430426101203"))  # village: short of it
    due_before = {
        Level.COUNTY: NOW - timedelta(days=5, hours=12),
        Level.TOWNSHIP: NOW - timedelta(days=3),
        Level.VILLAGE: NOW - timedelta(days=2),
    }

    with stores.transaction() as store:
        offered = [watch.referral_id for watch, _ in store.lock_watches_to_escalate(NOW, 10, due_before)]

    assert offered == [UUID(int=1), UUID(int=3)]


def test_the_timers_search_is_prepared_once_not_sent_as_text_every_tick(service_database: str, monkeypatch) -> None:
    # The timer runs it several times a second: one PostgreSQL will not prepare is planned afresh on every tick.
    monkeypatch.setattr(prepared, "REFUSED", prepared._Refusals())
    with psycopg.connect(service_database, row_factory=dict_row, autocommit=True) as conn:

        @contextmanager
        def same() -> Iterator[psycopg.Connection[Any]]:
            yield conn

        for _ in range(2):  # a statement is prepared between two transactions of its connection
            with transaction(same) as tx:
                PostgresSupervisionStore(tx).lock_watches_to_escalate(NOW, 10)
        kept = [row["statement"] for row in conn.execute("SELECT statement FROM pg_prepared_statements")]

    assert not prepared.REFUSED.texts
    assert any("escalation_sent_at IS NULL" in statement for statement in kept)
