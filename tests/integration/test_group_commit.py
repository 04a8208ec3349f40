"""Handlers of queued messages sharing one transaction, on real PostgreSQL: each keeps or loses only its own work."""

import uuid
from datetime import UTC, datetime

import eventlet
import psycopg
import pytest
from psycopg.rows import dict_row

from shared.contracts.messages import ReferralAccepted, ReferralClosed
from shared.messaging.routing import addressing
from shared.persistence.errors import Conflict, StoreUnavailable
from shared.persistence.group_commit import GroupCommit
from shared.persistence.transaction import Transaction
from shared.persistence.unit_of_work import PostgresUnitOfWork
from shared.registry import load_registry

pytestmark = pytest.mark.integration

CASE_ID = "430426-20260315-00042"


class Slip(Exception):
    """Something going wrong half-way through one handler."""


def accepted(n: int) -> ReferralAccepted:
    return ReferralAccepted.build(
        message_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        case_id=CASE_ID,
        sender="court:430426",
        recipient="centre:430426",
        referral_id=uuid.UUID(int=n),
        officer="法官陈",
    )


def closed(n: int) -> ReferralClosed:
    return ReferralClosed.build(
        message_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        case_id=CASE_ID,
        sender="centre:430426",
        recipient="centre:430426",
        referral_id=uuid.UUID(int=n),
        unit="court:430426",
        reason="result_reported",
        outcome="resolved",
    )


class Transactions:
    """Counts the transactions the group commits, and what each commit announced to the relay."""

    def __init__(self, connections) -> None:
        self.announced: list[list[str]] = []
        self.opened = 0

        def connection():
            self.opened += 1
            return connections()

        self.group = GroupCommit(connection, on_commit=self.announce)
        self.address = addressing(load_registry())

    def unit(self) -> PostgresUnitOfWork[Transaction]:
        """A handler's unit of work in the group; its store is the shared transaction, to run SQL on."""
        return PostgresUnitOfWork(self.group.transaction, lambda statements: statements, "coordinator", self.address)

    def announce(self, queued) -> None:
        self.announced.append([q.message_id for q in queued])


@pytest.fixture
def transactions(connections) -> Transactions:
    return Transactions(connections)


def stored(database_url: str, table: str, message_ids) -> int:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(
            f"SELECT count(*) AS n FROM {table} WHERE message_id = ANY(%s)", ([str(m) for m in message_ids],)
        ).fetchone()["n"]


def run_together(handlers) -> list:
    """Start every handler before any runs, as workers queued behind a busy one are; return each outcome."""
    threads = [eventlet.spawn(handler) for handler in handlers]
    outcomes = []
    for thread in threads:
        try:
            outcomes.append(thread.wait())
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


def handler(transactions: Transactions, incoming, outgoing, slip: bool = False):
    def handle():
        with transactions.unit() as uow:
            uow.claim(incoming)
            uow.store.one("SELECT 1 AS one")  # a read: the claim reaches the server inside the group
            uow.send(outgoing)
            if slip:
                raise Slip("the handler failed after writing")
        return "done"

    return handle


def test_handlers_queued_together_commit_in_one_transaction(messaging_database, transactions):
    pairs = [(accepted(n), closed(n)) for n in range(5)]

    outcomes = run_together([handler(transactions, i, o) for i, o in pairs])

    assert outcomes == ["done"] * 5
    assert transactions.opened == 1
    assert transactions.announced == [[str(o.message_id) for _, o in pairs]]
    assert stored(messaging_database, "inbox", [i.message_id for i, _ in pairs]) == 5
    assert stored(messaging_database, "outbox", [o.message_id for _, o in pairs]) == 5


def test_a_failing_handler_loses_only_its_own_work(messaging_database, transactions):
    pairs = [(accepted(n), closed(n)) for n in range(3)]

    outcomes = run_together([handler(transactions, i, o, slip=(n == 1)) for n, (i, o) in enumerate(pairs)])

    assert outcomes[0] == "done" and outcomes[2] == "done"
    assert isinstance(outcomes[1], Slip)
    kept, lost = [pairs[0], pairs[2]], pairs[1]
    assert stored(messaging_database, "inbox", [i.message_id for i, _ in kept]) == 2
    assert stored(messaging_database, "outbox", [o.message_id for _, o in kept]) == 2
    assert stored(messaging_database, "inbox", [lost[0].message_id]) == 0
    assert stored(messaging_database, "outbox", [lost[1].message_id]) == 0
    assert transactions.announced == [[str(o.message_id) for _, o in kept]]


def test_a_redelivery_in_a_group_is_skipped_and_the_others_commit(messaging_database, transactions):
    handled_before = accepted(7)
    run_together([handler(transactions, handled_before, closed(7))])
    again, fresh = closed(8), (accepted(9), closed(9))

    outcomes = run_together([handler(transactions, handled_before, again), handler(transactions, *fresh)])

    assert outcomes == ["done", "done"]  # the redelivery's message is acknowledged, as if handled
    assert stored(messaging_database, "outbox", [again.message_id]) == 0
    assert stored(messaging_database, "inbox", [fresh[0].message_id]) == 1
    assert transactions.announced[-1] == [str(fresh[1].message_id)]


def test_when_the_commit_fails_every_handler_of_the_group_fails(messaging_database, transactions):
    pairs = [(accepted(n), closed(n)) for n in range(3)]

    def leaves_an_orphan():
        with transactions.unit() as uow:
            # A deferred foreign key fails only at COMMIT: after every handler of the group finished.
            uow.store.write(
                "CREATE TEMP TABLE parent (n int PRIMARY KEY) ON COMMIT DROP;"
                " CREATE TEMP TABLE child (n int REFERENCES parent DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP"
            )
            uow.store.write("INSERT INTO child VALUES (1)")
        return "done"

    outcomes = run_together([handler(transactions, *pairs[0]), leaves_an_orphan, handler(transactions, *pairs[1])])

    assert all(isinstance(outcome, StoreUnavailable) for outcome in outcomes), outcomes
    assert stored(messaging_database, "inbox", [i.message_id for i, _ in pairs]) == 0
    assert transactions.announced == []


def test_a_message_meeting_its_ids_claim_in_a_group_whose_commit_failed_is_retried_not_taken_as_handled(
    messaging_database, transactions
):
    """Its claim met another handler's claim of the same id in the group, which then failed: neither was kept, so the
    message was never handled, and it must not be acknowledged as if it had been."""
    first = accepted(4)
    same_id = accepted(5).model_copy(update={"message_id": first.message_id})

    def claims_then_fails_at_commit():
        with transactions.unit() as uow:
            uow.claim(first)
            uow.store.write(
                "CREATE TEMP TABLE parent (n int PRIMARY KEY) ON COMMIT DROP;"
                " CREATE TEMP TABLE child (n int REFERENCES parent DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP"
            )
            uow.store.write("INSERT INTO child VALUES (1)")
            uow.store.one("SELECT 1 AS one")
        return "done"

    outcomes = run_together([claims_then_fails_at_commit, handler(transactions, same_id, closed(5))])

    assert [type(outcome) for outcome in outcomes] == [StoreUnavailable, StoreUnavailable], outcomes
    assert stored(messaging_database, "inbox", [first.message_id]) == 0


def test_one_handler_at_a_time_commits_alone(messaging_database, transactions):
    first, second = (accepted(1), closed(1)), (accepted(2), closed(2))

    assert run_together([handler(transactions, *first)]) == ["done"]
    assert run_together([handler(transactions, *second)]) == ["done"]

    assert transactions.opened == 2
    assert transactions.announced == [[str(first[1].message_id)], [str(second[1].message_id)]]


class RoundTrips:
    """What each round trip sent, by its statements' verbs (BEGIN, which the first adds, aside)."""

    def __init__(self, monkeypatch) -> None:
        self.sent: list[str] = []
        send = Transaction._send

        def counted(transaction, statements):
            self.sent.append("; ".join(sql.split(None, 1)[0].upper() for sql, _ in statements))
            return send(transaction, statements)

        monkeypatch.setattr(Transaction, "_send", counted)


def writer(transactions: Transactions, incoming, outgoing):
    """A handler that only writes: its claim reaches the server with its last writes."""

    def handle():
        with transactions.unit() as uow:
            uow.claim(incoming)
            uow.send(outgoing)
        return "done"

    return handle


def test_a_handler_alone_sends_its_last_writes_and_the_commit_in_one_round_trip(
    messaging_database, transactions, monkeypatch
):
    round_trips = RoundTrips(monkeypatch)
    incoming, outgoing = accepted(11), closed(11)

    assert run_together([handler(transactions, incoming, outgoing)]) == ["done"]

    assert round_trips.sent == ["SAVEPOINT; INSERT; SELECT", "INSERT; RELEASE; COMMIT"]
    assert stored(messaging_database, "inbox", [incoming.message_id]) == 1
    assert stored(messaging_database, "outbox", [outgoing.message_id]) == 1
    assert transactions.announced == [[str(outgoing.message_id)]]


def test_a_redelivery_alone_is_acknowledged_with_nothing_kept_and_the_next_handler_commits(
    messaging_database, transactions, monkeypatch
):
    handled_before = accepted(12)
    run_together([writer(transactions, handled_before, closed(12))])
    round_trips = RoundTrips(monkeypatch)
    again, fresh = closed(13), (accepted(14), closed(14))

    # Its claim fails in the round trip that would have committed: nothing of it is kept.
    assert run_together([writer(transactions, handled_before, again)]) == ["done"]
    assert run_together([writer(transactions, *fresh)]) == ["done"]

    # The redelivery then reads what its id was claimed for (the same message, or another that took its id).
    assert round_trips.sent == [
        "SAVEPOINT; INSERT; INSERT; RELEASE; COMMIT",
        "SAVEPOINT; SELECT",
        "RELEASE; COMMIT",
        "SAVEPOINT; INSERT; INSERT; RELEASE; COMMIT",
    ]
    assert stored(messaging_database, "outbox", [again.message_id]) == 0
    assert stored(messaging_database, "inbox", [fresh[0].message_id]) == 1
    assert transactions.announced[-1] == [str(fresh[1].message_id)]


def test_a_handler_alone_whose_last_writes_fail_keeps_nothing_and_frees_the_turn(messaging_database, transactions):
    first, second = (accepted(15), closed(15)), (accepted(16), closed(16))

    def conflicting():
        with transactions.unit() as uow:
            uow.claim(first[0])
            uow.send(first[1])
            uow.send(first[1])  # the same message twice: the outbox refuses the second
        return "done"

    [outcome] = run_together([conflicting])
    assert isinstance(outcome, Conflict)
    assert run_together([handler(transactions, *second)]) == ["done"]

    assert stored(messaging_database, "inbox", [first[0].message_id]) == 0
    assert stored(messaging_database, "outbox", [first[1].message_id]) == 0
    assert stored(messaging_database, "inbox", [second[0].message_id]) == 1
    assert transactions.announced == [[str(second[1].message_id)]]
