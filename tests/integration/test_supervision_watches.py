"""Supervision's unit clocks on real PostgreSQL: a part that ended is never chased, whatever order the news came in."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from services.supervision import store
from shared.contracts.messages import ReferralSummary
from shared.persistence.unit_of_work import unit_of_work
from tests.integration.databases import migrated_database
from wuyuan.provision_db import migration_dirs

pytestmark = pytest.mark.integration

CASE_ID = "430426-20261122-00007"
POLICE_STATION = "police:430426101"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def supervision_database() -> Iterator[str]:
    with migrated_database("wyi_sup", migration_dirs("supervision")) as url:
        yield url


@pytest.fixture
def transaction(supervision_database):
    def connect() -> psycopg.Connection:
        return psycopg.connect(supervision_database, row_factory=dict_row, connect_timeout=10)

    return lambda: unit_of_work(connect, "supervision", None)


def overdue_referral() -> ReferralSummary:
    """A lead unit two hours past its deadline: the timer would send it an overdue notice."""
    return ReferralSummary(
        referral_id=uuid.uuid4(),
        unit=POLICE_STATION,
        role="lead",
        round=1,
        issued_at=NOW - timedelta(days=14),
        due_at=NOW - timedelta(hours=2),
    )


def due_referral_ids(transaction) -> set:
    with transaction() as uow:
        return {watch.referral_id for watch, _ in store.lock_watches_due(uow, NOW, 1000)}


def designate(transaction, referral: ReferralSummary) -> None:
    with transaction() as uow:
        store.add_watch(uow, CASE_ID, referral, {})


def close(transaction, referral: ReferralSummary, at: datetime = NOW) -> None:
    with transaction() as uow:
        store.close_watch(uow, CASE_ID, referral.referral_id, at)


def test_an_open_watch_past_its_deadline_is_due(transaction):
    referral = overdue_referral()

    designate(transaction, referral)

    assert referral.referral_id in due_referral_ids(transaction)


def test_a_watch_closed_after_it_was_designated_is_not_chased(transaction):
    referral = overdue_referral()
    designate(transaction, referral)

    close(transaction, referral)

    assert referral.referral_id not in due_referral_ids(transaction)


def test_a_close_handled_before_the_designation_makes_the_watch_start_closed(transaction):
    referral = overdue_referral()
    ended_at = NOW - timedelta(hours=3)

    close(transaction, referral, at=ended_at)  # the designation failed once and came back later
    designate(transaction, referral)

    assert referral.referral_id not in due_referral_ids(transaction)
    with transaction() as uow:
        [watch] = [w for w in store.watches_of(uow, CASE_ID) if w["referral_id"] == referral.referral_id]
    assert watch["closed_at"] == ended_at


def test_a_close_of_a_known_watch_leaves_nothing_behind_and_a_second_close_keeps_the_first_time(transaction):
    referral = overdue_referral()
    designate(transaction, referral)

    close(transaction, referral, at=NOW - timedelta(hours=1))
    close(transaction, referral, at=NOW)  # redelivered, or the case's resolution afterwards

    with transaction() as uow:
        closures = uow.all("SELECT * FROM referral_closures WHERE referral_id = %s", (referral.referral_id,))
        closed_at = uow.one("SELECT closed_at FROM watches WHERE referral_id = %s", (referral.referral_id,))
    assert closures == []
    assert closed_at["closed_at"] == NOW - timedelta(hours=1)
