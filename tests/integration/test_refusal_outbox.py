"""The refusal notice against real PostgreSQL: one outbox row per refused message, however often it is refused."""

import json
from types import SimpleNamespace

import psycopg
import pytest
from kombu.message import Message
from psycopg.rows import dict_row

from shared.contracts.messages import DOCUMENTS_EXCHANGE
from shared.platform import Platform
from shared.registry import load_registry
from shared.runtime.refusals import RefusalOutbox

pytestmark = pytest.mark.integration

REPORT_ID = "44444444-4444-4444-8444-444444444444"
BODY = json.dumps(
    {
        "message_id": REPORT_ID,
        "type": "ResultReported",
        "schema_version": 2,
        "case_id": "430426-20261122-00001",
        "sender": "court:430426",
        "recipient": "centre:430426",
        "referral_id": "33333333-3333-4333-8333-333333333333",
    }
).encode()


class Pool:
    def __init__(self, connect) -> None:
        self.connection = connect


class Relay:
    def __init__(self) -> None:
        self.announced: list[str] = []

    def announce(self, queued) -> None:
        self.announced.extend(q.message_id for q in queued)


@pytest.fixture
def outbox(connections) -> RefusalOutbox:
    """The coordinator's refusal recorder on the test's database, its relay a stand-in that keeps what it is told."""
    refusals = RefusalOutbox()
    refusals.pool = Pool(connections)  # type: ignore[assignment]
    refusals.relay = Relay()  # type: ignore[assignment]
    refusals.container = SimpleNamespace(dependencies=[])  # type: ignore[assignment]
    refusals._platform = Platform(
        service="coordinator", registry=load_registry(), county="430426", broker_user_prefix="wuyuan"
    )
    return refusals


@pytest.fixture
def rows(messaging_database):
    def read() -> list[dict]:
        with psycopg.connect(messaging_database, row_factory=dict_row) as conn:
            return conn.execute(
                "SELECT message_id::text AS message_id, exchange, routing_key, body FROM outbox"
                " WHERE message_type = 'MessageRejected' ORDER BY id"
            ).fetchall()

    return read


@pytest.fixture(autouse=True)
def emptied(messaging_database):
    yield
    with psycopg.connect(messaging_database) as conn:
        conn.execute("DELETE FROM outbox WHERE message_type = 'MessageRejected'")
        conn.execute("DELETE FROM inbox WHERE consumer = 'coordinator:refusals'")


def refused(user_id: str | None, body: bytes = BODY) -> Message:
    properties = {"message_id": REPORT_ID} | ({"user_id": user_id} if user_id else {})
    return Message(body=body, content_type="application/json", headers={}, properties=properties)


def test_a_refused_report_is_one_notice_to_the_court_however_often_it_is_refused(outbox, rows):
    outbox.record_refusal(refused("wuyuan.court_link"), "referral_closed", "rejected: referral_closed: closed")
    outbox.record_refusal(refused("wuyuan.court_link"), "referral_closed", "rejected: referral_closed: closed")

    [row] = rows()
    assert (row["exchange"], row["routing_key"]) == (DOCUMENTS_EXCHANGE, "court_link.MessageRejected")
    assert row["body"]["rejected_message_id"] == REPORT_ID
    assert (row["body"]["recipient"], row["body"]["reason"]) == ("court:430426", "referral_closed")
    assert outbox.relay.announced == [row["message_id"]]  # type: ignore[attr-defined]


def test_two_refused_messages_are_two_notices(outbox, rows):
    other = BODY.replace(REPORT_ID.encode(), b"55555555-5555-4555-8555-555555555555")
    outbox.record_refusal(refused("wuyuan.court_link"), "referral_closed", "closed")
    outbox.record_refusal(refused("wuyuan.court_link", other), "wrong_unit", "not yours")

    assert sorted(r["body"]["reason"] for r in rows()) == ["referral_closed", "wrong_unit"]
    assert len({r["message_id"] for r in rows()}) == 2


def test_two_messages_refused_under_one_id_are_two_notices_and_neither_is_retried_for_ever(outbox, rows):
    """A sender that reused an id: its second message (another case) is refused as message_id_reused, and told so."""
    other_case = BODY.replace(b"430426-20261122-00001", b"430426-20261122-00002")
    outbox.record_refusal(refused("wuyuan.court_link"), "referral_closed", "closed")
    outbox.record_refusal(refused("wuyuan.court_link", other_case), "message_id_reused", "reused")

    assert sorted(r["body"]["reason"] for r in rows()) == ["message_id_reused", "referral_closed"]


@pytest.mark.parametrize("user_id", [None, "wuyuan.intake", "guest"])
def test_a_message_from_no_agency_leaves_no_notice(outbox, rows, user_id):
    outbox.record_refusal(refused(user_id), "schema", "schema violation")

    assert rows() == []
