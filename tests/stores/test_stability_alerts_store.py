"""The committee's alerts, held to one contract whether the store is the fake or PostgreSQL."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from services.stability.store import PostgresStabilityStore
from shared.contracts.messages import StabilityAlertRaised
from shared.contracts.vocabulary import AlertKind
from tests.fakes.agency import FakeStabilityStore

SERVICE = "stability"
FAKE = FakeStabilityStore
POSTGRES_STORE = PostgresStabilityStore

RAISED = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
CASES = ["430426-20261101-00001", "430426-20261130-00003"]


def alert(n: int, unit: str = "plc:430426", hours: int = 0) -> StabilityAlertRaised:
    return StabilityAlertRaised.build(
        message_id=UUID(int=1000 + n),
        occurred_at=RAISED + timedelta(hours=hours),
        case_id=CASES[-1],
        sender="centre:430426",
        recipient=unit,
        alert_id=UUID(int=n),
        kind=AlertKind.SHARED_RESPONDENT,
        person_ref="0123456789abcdef0123456789abcdef",
        masked_name="李*",
        count=4,
        threshold=3,
        window_days=30,
        window_start=RAISED - timedelta(days=30),
        case_ids=CASES,
        division_code="430426101",
    )


def test_alerts_are_kept_once_and_listed_for_their_units_latest_first(stores):
    with stores.transaction() as store:
        store.record_alert(alert(1))
        store.record_alert(alert(2, hours=1))
        store.record_alert(alert(3, unit="plc:430481", hours=2))
        store.record_alert(alert(1))
    with stores.transaction() as store:
        listed = store.list_alerts(frozenset({"plc:430426"}), 10)
    assert [r["alert_id"] for r in listed] == [UUID(int=2), UUID(int=1)]
    first = listed[1]
    assert (first["kind"], first["count"], first["case_ids"], first["unit"], first["raised_at"]) == (
        "shared_respondent",
        4,
        CASES,
        "plc:430426",
        RAISED,
    )
    assert (first["masked_name"], first["window_days"], first["division_code"]) == ("李*", 30, "430426101")
