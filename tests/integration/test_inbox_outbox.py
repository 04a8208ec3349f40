"""A unit of work against real PostgreSQL: the inbox claim and the outbox row commit together, or not at all."""

import uuid
from datetime import UTC, datetime
from functools import partial

import psycopg
import pytest
from psycopg.rows import dict_row

from shared.contracts.messages import EVENTS_EXCHANGE, ReferralAccepted, ReferralClosed, ReferralDeclined
from shared.delivery.inbox import MESSAGE_ID_REUSED
from shared.messaging.routing import addressing
from shared.persistence.errors import Conflict
from shared.persistence.transaction import Transaction, transaction
from shared.persistence.unit_of_work import PostgresUnitOfWork
from shared.refusal import Refused
from shared.registry import load_registry

pytestmark = pytest.mark.integration

CASE_ID = "430426-20260315-00042"
REFERRAL_ID = uuid.UUID("6f1c2a9e-3b5d-4e8f-9a01-23456789abcd")


class Slip(Exception):
    """Something going wrong half-way through a handler."""


class Relay:
    """Stands in for the outbox relay: keeps the message ids each commit announced to it."""

    def __init__(self) -> None:
        self.announced: list[list[str]] = []

    def announce(self, queued) -> None:
        self.announced.append([q.message_id for q in queued])


@pytest.fixture
def relay() -> Relay:
    return Relay()


def unit_of_work(connections, consumer: str, relay: Relay | None = None) -> PostgresUnitOfWork[Transaction]:
    """A unit of work as a service's handlers get it; its store is the bare transaction, to run SQL on."""
    registry = load_registry()
    return PostgresUnitOfWork(
        partial(transaction, connections, relay.announce if relay else None),
        lambda statements: statements,
        consumer,
        addressing(registry),
    )


@pytest.fixture
def unit(connections, relay):
    return lambda: unit_of_work(connections, "coordinator", relay)


def accepted_by_court() -> ReferralAccepted:
    return ReferralAccepted.build(
        message_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        case_id=CASE_ID,
        sender="court:430426",
        recipient="centre:430426",
        referral_id=REFERRAL_ID,
        officer="法官陈",
    )


def referral_closed() -> ReferralClosed:
    return ReferralClosed.build(
        message_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        case_id=CASE_ID,
        sender="centre:430426",
        recipient="centre:430426",
        referral_id=REFERRAL_ID,
        unit="court:430426",
        reason="result_reported",
        outcome="resolved",
    )


def stored(database_url: str, message_id: uuid.UUID) -> tuple[list[dict], list[dict]]:
    """(inbox rows, outbox rows) with this message id, read on a connection of its own."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        inbox = conn.execute("SELECT * FROM inbox WHERE message_id = %s", (message_id,)).fetchall()
        outbox = conn.execute("SELECT * FROM outbox WHERE message_id = %s", (message_id,)).fetchall()
    return inbox, outbox


def test_a_claim_and_a_sent_message_commit_together(messaging_database, unit, relay):
    incoming, outgoing = accepted_by_court(), referral_closed()
    with unit() as uow:
        uow.claim(incoming)
        uow.send(outgoing)
        # Nothing is visible outside the transaction, and the relay is not woken, before the commit.
        assert stored(messaging_database, incoming.message_id) == ([], [])
        assert relay.announced == []

    [claim], _ = stored(messaging_database, incoming.message_id)
    assert (claim["consumer"], claim["message_type"], claim["case_id"]) == ("coordinator", "ReferralAccepted", CASE_ID)
    _, [row] = stored(messaging_database, outgoing.message_id)
    assert (row["exchange"], row["routing_key"], row["message_type"]) == (
        EVENTS_EXCHANGE,
        "ReferralClosed",
        "ReferralClosed",
    )
    assert row["published_at"] is None and row["case_id"] == CASE_ID
    assert ReferralClosed.model_validate(row["body"]) == outgoing
    assert relay.announced == [[str(outgoing.message_id)]]


def test_a_redelivered_message_changes_nothing(messaging_database, unit, relay):
    incoming, first, second = accepted_by_court(), referral_closed(), referral_closed()
    with unit() as uow:
        uow.claim(incoming)
        uow.send(first)
    # The redelivery's handler runs, but its claim fails at commit and takes its effects with it.
    with unit() as uow:
        uow.claim(incoming)
        uow.send(second)
    inbox, _ = stored(messaging_database, incoming.message_id)
    assert len(inbox) == 1
    assert stored(messaging_database, second.message_id) == ([], [])
    assert relay.announced == [[str(first.message_id)]]  # only the first commit queued anything


def test_a_message_under_an_id_another_message_took_is_refused_not_skipped(messaging_database, unit, relay):
    """An acceptance, then a decline the sender sent under the acceptance's id: skipped as a redelivery, the decline
    would be lost without a word; refused, it goes to the dead letters and the sender is told."""
    accepted = accepted_by_court()
    declined = ReferralDeclined.build(
        message_id=accepted.message_id,
        occurred_at=datetime.now(UTC),
        case_id=CASE_ID,
        sender="court:430426",
        recipient="centre:430426",
        referral_id=REFERRAL_ID,
        officer="法官陈",
        reason="不属于法院主管",
    )
    with unit() as uow:
        uow.claim(accepted)

    with pytest.raises(Refused) as refused, unit() as uow:
        uow.claim(declined)
        uow.send(referral_closed())

    assert refused.value.code == MESSAGE_ID_REUSED
    assert "ReferralAccepted" in str(refused.value) and "ReferralDeclined" in str(refused.value)
    inbox, _ = stored(messaging_database, accepted.message_id)
    assert [row["message_type"] for row in inbox] == ["ReferralAccepted"]
    assert relay.announced == [[]] or relay.announced == []  # the decline's block kept nothing


def test_a_redelivery_is_found_before_the_handler_reads(messaging_database, unit):
    """The claim travels with the first read, so a handler never decides on a message already handled."""
    incoming = accepted_by_court()
    with unit() as uow:
        uow.claim(incoming)
    reached = []
    with unit() as uow:
        uow.claim(incoming)
        uow.store.one("SELECT 1 AS one")
        reached.append("after the read")
    assert reached == []


def test_a_read_sees_the_writes_held_before_it(messaging_database, unit):
    outgoing = referral_closed()
    with unit() as uow:
        uow.send(outgoing)
        uow.store.write("CREATE TEMP TABLE notes (note text) ON COMMIT DROP")
        uow.store.write("INSERT INTO notes VALUES ('100%% settled'), (%s)", ("第二条",))
        # A statement without parameters keeps its literal %, even next to ones with parameters.
        uow.store.write("INSERT INTO notes VALUES ('50% paid')")
        row = uow.store.one("SELECT count(*) AS n FROM outbox WHERE message_id = %s", (outgoing.message_id,))
        notes = [r["note"] for r in uow.store.all("SELECT note FROM notes ORDER BY note")]
    assert row["n"] == 1
    assert notes == ["100% settled", "50% paid", "第二条"]


def test_another_consumer_may_claim_the_same_message(messaging_database, connections):
    """The inbox is per consumer: supervision handling an event does not stop stability handling it."""
    incoming = referral_closed()
    for consumer in ("supervision", "stability"):
        with unit_of_work(connections, consumer) as uow:
            uow.claim(incoming)
    inbox, _ = stored(messaging_database, incoming.message_id)
    assert sorted(row["consumer"] for row in inbox) == ["stability", "supervision"]


def test_an_error_in_the_block_leaves_neither_claim_nor_message(messaging_database, unit, relay):
    incoming, outgoing = accepted_by_court(), referral_closed()
    with pytest.raises(Slip), unit() as uow:
        uow.claim(incoming)
        uow.send(outgoing)
        raise Slip("the case store failed after the message was queued")

    assert stored(messaging_database, incoming.message_id) == ([], [])
    assert stored(messaging_database, outgoing.message_id) == ([], [])
    assert relay.announced == []
    # Redelivered after the failure, the message is claimed as new and handled.
    with unit() as uow:
        uow.claim(incoming)


def test_the_same_message_cannot_be_queued_twice(messaging_database, unit, relay):
    outgoing = referral_closed()
    with pytest.raises(Conflict), unit() as uow:
        uow.send(outgoing)
        uow.send(outgoing)
    assert stored(messaging_database, outgoing.message_id) == ([], [])
    assert relay.announced == []
