"""An agency's store keeps each of the centre's refusals once and lists them by unit, fake or PostgreSQL."""

from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.agency.store import PostgresAgencyStore
from shared.contracts.messages import MessageRejected
from tests.fakes.agency import FakeAgencyStore

SERVICE = "police_link"
FAKE = FakeAgencyStore
POSTGRES_STORE = PostgresAgencyStore

BEIJING = ZoneInfo("Asia/Shanghai")
REFUSED_AT = datetime(2026, 12, 4, 9, 30, tzinfo=BEIJING)
STATION = "police:430426101"
NEIGHBOURING_STATION = "police:430426102"


def notice(number: int, unit: str = STATION, reason: str = "referral_closed") -> MessageRejected:
    return MessageRejected.build(
        message_id=UUID(int=number),
        occurred_at=REFUSED_AT,
        case_id="430426-20261122-00001",
        sender="centre:430426",
        recipient=unit,
        rejected_message_id=UUID(int=1000 + number),
        rejected_type="ResultReported",
        reason=reason,
        detail="rejected: referral_closed: the referral is closed",
        referral_id=UUID("33333333-3333-4333-8333-333333333333"),
        refused_by="coordinator",
    )


def test_a_refusal_is_kept_once_and_read_back_as_it_came(stores):
    with stores.transaction() as store:
        assert store.add_rejection(notice(1), REFUSED_AT) is True
    with stores.transaction() as store:
        assert store.add_rejection(notice(1), REFUSED_AT + timedelta(minutes=1)) is False
        (row,) = store.list_rejections(frozenset({STATION}), 10)

    assert row["notice_id"] == UUID(int=1)
    assert row["rejected_message_id"] == UUID(int=1001)
    assert (row["unit"], row["reason"], row["rejected_type"], row["refused_by"]) == (
        STATION,
        "referral_closed",
        "ResultReported",
        "coordinator",
    )
    assert row["received_at"] == REFUSED_AT


def test_refusals_are_listed_for_the_units_asked_the_latest_first(stores):
    with stores.transaction() as store:
        store.add_rejection(notice(1), REFUSED_AT)
        store.add_rejection(notice(2, reason="schema"), REFUSED_AT + timedelta(hours=1))
        store.add_rejection(notice(3, NEIGHBOURING_STATION), REFUSED_AT + timedelta(hours=2))

    with stores.transaction() as store:
        own = store.list_rejections(frozenset({STATION}), 10)
        county = store.list_rejections(frozenset({"police:430426"}), 10)
        first = store.list_rejections(frozenset({"police:430426"}), 1)

    assert [r["notice_id"] for r in own] == [UUID(int=2), UUID(int=1)]
    assert [r["notice_id"] for r in county] == [UUID(int=3), UUID(int=2), UUID(int=1)]
    assert [r["notice_id"] for r in first] == [UUID(int=3)]
