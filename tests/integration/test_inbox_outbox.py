"""A unit of work against real PostgreSQL: the inbox claim and the outbox row commit together, or not at all."""

import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from shared.contracts.messages import EVENTS_EXCHANGE, ReferralAccepted, ReferralClosed
from shared.persistence.errors import Conflict
from shared.persistence.unit_of_work import unit_of_work
from shared.registry import load_registry
from wuyuan.provision_db import SHARED_MIGRATIONS, apply_migrations
from wuyuan.settings import PlatformSettings

pytestmark = pytest.mark.integration

CASE_ID = "430426-20260315-00042"
REFERRAL_ID = uuid.UUID("6f1c2a9e-3b5d-4e8f-9a01-23456789abcd")


class Slip(Exception):
    """Something going wrong half-way through a handler."""


@pytest.fixture(scope="module")
def database_url():
    """A database of our own with the shared inbox and outbox migrations, dropped afterwards."""
    admin_url = PlatformSettings().pg_admin_url
    name = f"wyi_uow_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    try:
        assert apply_migrations(url, [SHARED_MIGRATIONS])
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


class Connections:
    """What the service pool gives a worker: a fresh connection per unit of work, rows as dicts."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self) -> psycopg.Connection:
        return psycopg.connect(self.url, row_factory=dict_row, connect_timeout=10)


class Relay:
    """Stands in for the outbox relay: counts how often a commit woke it."""

    def __init__(self) -> None:
        self.pokes = 0

    def poke(self) -> None:
        self.pokes += 1


@pytest.fixture
def relay() -> Relay:
    return Relay()


@pytest.fixture
def transaction(database_url, relay):
    registry = load_registry()

    def open_transaction():
        return unit_of_work(Connections(database_url), "coordinator", registry, on_commit=relay.poke)

    return open_transaction


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


def stored(database_url, message_id: uuid.UUID) -> tuple[list[dict], list[dict]]:
    """(inbox rows, outbox rows) with this message id, read on a connection of its own."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        inbox = conn.execute("SELECT * FROM inbox WHERE message_id = %s", (message_id,)).fetchall()
        outbox = conn.execute("SELECT * FROM outbox WHERE message_id = %s", (message_id,)).fetchall()
    return inbox, outbox


def test_a_claim_and_a_sent_message_commit_together(database_url, transaction, relay):
    incoming, outgoing = accepted_by_court(), referral_closed()
    with transaction() as uow:
        uow.claim(incoming)
        uow.send(outgoing)
        # Nothing is visible outside the transaction, and the relay is not woken, before the commit.
        assert stored(database_url, incoming.message_id) == ([], [])
        assert relay.pokes == 0

    [claim], _ = stored(database_url, incoming.message_id)
    assert (claim["consumer"], claim["message_type"], claim["case_id"]) == ("coordinator", "ReferralAccepted", CASE_ID)
    _, [row] = stored(database_url, outgoing.message_id)
    assert (row["exchange"], row["routing_key"], row["message_type"]) == (
        EVENTS_EXCHANGE,
        "ReferralClosed",
        "ReferralClosed",
    )
    assert row["published_at"] is None and row["case_id"] == CASE_ID
    assert ReferralClosed.model_validate(row["body"]) == outgoing
    assert relay.pokes == 1


def test_a_redelivered_message_changes_nothing(database_url, transaction, relay):
    incoming, first, second = accepted_by_court(), referral_closed(), referral_closed()
    with transaction() as uow:
        uow.claim(incoming)
        uow.send(first)
    # The redelivery's handler runs, but its claim fails at commit and takes its effects with it.
    with transaction() as uow:
        uow.claim(incoming)
        uow.send(second)
    inbox, _ = stored(database_url, incoming.message_id)
    assert len(inbox) == 1
    assert stored(database_url, second.message_id) == ([], [])
    assert relay.pokes == 1  # only the first commit queued anything


def test_a_redelivery_is_found_before_the_handler_reads(database_url, transaction):
    """The claim travels with the first read, so a handler never decides on a message already handled."""
    incoming = accepted_by_court()
    with transaction() as uow:
        uow.claim(incoming)
    reached = []
    with transaction() as uow:
        uow.claim(incoming)
        uow.one("SELECT 1 AS one")
        reached.append("after the read")
    assert reached == []


def test_a_read_sees_the_writes_held_before_it(database_url, transaction):
    outgoing = referral_closed()
    with transaction() as uow:
        uow.send(outgoing)
        uow.write("CREATE TEMP TABLE notes (note text) ON COMMIT DROP")
        uow.write("INSERT INTO notes VALUES ('100%% settled'), (%s)", ("第二条",))
        # A statement without parameters keeps its literal %, even next to ones with parameters.
        uow.write("INSERT INTO notes VALUES ('50% paid')")
        row = uow.one("SELECT count(*) AS n FROM outbox WHERE message_id = %s", (outgoing.message_id,))
        notes = [r["note"] for r in uow.all("SELECT note FROM notes ORDER BY note")]
    assert row["n"] == 1
    assert notes == ["100% settled", "50% paid", "第二条"]


def test_another_consumer_may_claim_the_same_message(database_url, relay):
    """The inbox is per consumer: supervision handling an event does not stop stability handling it."""
    incoming = referral_closed()
    registry = load_registry()
    for consumer in ("supervision", "stability"):
        with unit_of_work(Connections(database_url), consumer, registry) as uow:
            uow.claim(incoming)
    inbox, _ = stored(database_url, incoming.message_id)
    assert sorted(row["consumer"] for row in inbox) == ["stability", "supervision"]


def test_an_error_in_the_block_leaves_neither_claim_nor_message(database_url, transaction, relay):
    incoming, outgoing = accepted_by_court(), referral_closed()
    with pytest.raises(Slip), transaction() as uow:
        uow.claim(incoming)
        uow.send(outgoing)
        raise Slip("the case store failed after the message was queued")

    assert stored(database_url, incoming.message_id) == ([], [])
    assert stored(database_url, outgoing.message_id) == ([], [])
    assert relay.pokes == 0
    # Redelivered after the failure, the message is claimed as new and handled.
    with transaction() as uow:
        uow.claim(incoming)


def test_the_same_message_cannot_be_queued_twice(database_url, transaction, relay):
    outgoing = referral_closed()
    with pytest.raises(Conflict), transaction() as uow:
        uow.send(outgoing)
        uow.send(outgoing)
    assert stored(database_url, outgoing.message_id) == ([], [])
    assert relay.pokes == 0
