"""The outbox relay against the real database and broker: announced rows at once, the rest by sweep, marks in bulk."""

import json
import uuid
from functools import partial

import psycopg
import pytest

from shared.delivery import relay as relay_module
from shared.delivery.outbox import Queued
from shared.delivery.relay import Outbox
from shared.messaging.confirms import PipelinedPublisher
from shared.persistence.transaction import transaction

pytestmark = pytest.mark.integration

CASE_ID = "430426-20260315-00042"


@pytest.fixture
def outbox(connections, broker):
    uri, user, _, _ = broker
    publisher = PipelinedPublisher(uri)
    try:
        yield Outbox(partial(transaction, connections), publisher, user, batch=50)
    finally:
        publisher.close()


def closed_case(exchange: str, n: int, routing_key: str = "bound") -> Queued:
    return Queued(
        message_id=str(uuid.uuid4()),
        message_type="CaseClosed",
        case_id=CASE_ID,
        exchange=exchange,
        routing_key=routing_key,
        body=json.dumps({"n": n, "summary": "邻里纠纷 100%"}, ensure_ascii=False),
        headers={},
    )


def commit(connections, messages: list[Queued], announce=None) -> None:
    with transaction(connections, on_commit=announce) as tx:
        for message in messages:
            tx.queue(message)


def rows(database_url: str, messages: list[Queued]) -> list[dict]:
    with psycopg.connect(database_url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute(
            "SELECT message_id::text AS message_id, published_at, attempts, last_error,"
            " next_attempt_at > now() AS later FROM outbox WHERE message_id = ANY(%s::uuid[]) ORDER BY id",
            ([m.message_id for m in messages],),
        ).fetchall()


def age(database_url: str, messages: list[Queued], seconds: int) -> None:
    """Make rows look as old as ones a crashed instance left behind."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE outbox SET created_at = created_at - %s * interval '1 second' WHERE message_id = ANY(%s::uuid[])",
            (seconds, [m.message_id for m in messages]),
        )


def test_announced_messages_are_published_at_once_then_marked_together(
    messaging_database, connections, outbox, broker, drain
):
    _, user, name, channel = broker
    announced: list[Queued] = []
    messages = [closed_case(name, n) for n in range(3)]
    commit(connections, messages, announced.extend)

    assert outbox.publish_announced(announced[:2]) == 2
    assert outbox.publish_announced(announced[2:]) == 1
    received = drain(channel, name)
    assert [m.properties["message_id"] for m in received] == [m.message_id for m in messages]
    # The body reaches the broker byte for byte as the transaction serialised it.
    assert [m.body for m in received] == [m.body for m in messages]
    assert received[0].properties["user_id"] == user

    # Confirmed, and marked sent only when the relay writes its marks: all three in one go.
    assert all(row["published_at"] is None for row in rows(messaging_database, messages))
    outbox.mark_published()
    marked = rows(messaging_database, messages)
    assert all(row["published_at"] is not None for row in marked)
    assert len({row["published_at"] for row in marked}) == 1
    age(messaging_database, messages, 60)
    assert outbox.sweep() == 0
    assert drain(channel, name) == []


def test_a_sweep_first_marks_what_its_own_relay_has_published(messaging_database, connections, outbox, broker, drain):
    _, _, name, channel = broker
    announced: list[Queued] = []
    message = closed_case(name, 1)
    commit(connections, [message], announced.extend)
    assert outbox.publish_announced(announced) == 1
    age(messaging_database, [message], 60)  # as if the marks had been slow to come

    assert outbox.sweep() == 0
    assert [m.properties["message_id"] for m in drain(channel, name)] == [message.message_id]
    assert rows(messaging_database, [message])[0]["published_at"] is not None


def test_the_sweep_publishes_what_no_commit_announced_once_the_grace_has_passed(
    messaging_database, connections, outbox, broker, drain
):
    _, _, name, channel = broker
    orphans = [closed_case(name, n) for n in range(2)]
    commit(connections, orphans)  # as if the instance died right after its commit

    # Young rows belong to the relay of the instance that committed them.
    assert outbox.sweep() == 0
    age(messaging_database, orphans, 2 * int(relay_module.SWEEP_GRACE_SECONDS) + 1)
    assert outbox.sweep() == 2
    assert [json.loads(m.body) for m in drain(channel, name)] == [json.loads(o.body) for o in orphans]
    assert all(row["published_at"] is not None for row in rows(messaging_database, orphans))


def test_rows_another_relay_holds_are_neither_swept_nor_waited_for(
    messaging_database, connections, outbox, broker, drain
):
    _, _, name, channel = broker
    announced: list[Queued] = []
    held, free = closed_case(name, 1), closed_case(name, 2)
    commit(connections, [held, free], announced.extend)
    assert outbox.publish_announced(announced) == 2
    assert len(drain(channel, name)) == 2
    age(messaging_database, [held, free], 60)

    with psycopg.connect(messaging_database) as other_relay:
        other_relay.execute("SELECT id FROM outbox WHERE message_id = %s FOR UPDATE", (held.message_id,))
        # Marking skips the row the other relay's sweep is publishing, rather than block on it.
        outbox.mark_published()
        assert [row["published_at"] is not None for row in rows(messaging_database, [held, free])] == [False, True]
        assert outbox.sweep() == 0
        assert drain(channel, name) == []
    # The other relay let go without publishing or marking (it crashed): the next sweep takes the row.
    assert outbox.sweep() == 1
    assert [m.properties["message_id"] for m in drain(channel, name)] == [held.message_id]
    assert rows(messaging_database, [held])[0]["published_at"] is not None


def test_an_unroutable_message_backs_off_instead_of_spinning(messaging_database, connections, outbox, broker, drain):
    _, _, name, channel = broker
    announced: list[Queued] = []
    stray = closed_case(name, 1, routing_key="nobody-listens")
    commit(connections, [stray], announced.extend)

    assert outbox.publish_announced(announced) == 0
    [row] = rows(messaging_database, [stray])
    assert row["published_at"] is None and row["attempts"] == 1 and row["later"]
    assert "unroutable" in row["last_error"]
    # Not due yet, so the sweep leaves it alone however old it is.
    age(messaging_database, [stray], 60)
    assert outbox.sweep() == 0
    assert drain(channel, name) == []


def test_a_sent_row_keeps_no_id_or_mobile_number_in_its_text_but_numbers_stay(
    messaging_database, connections, outbox, broker, drain
):
    _, _, name, channel = broker
    referral = Queued(
        message_id=str(uuid.uuid4()),
        message_type="ReferralIssued",
        case_id=CASE_ID,
        exchange=name,
        routing_key="bound",
        body=json.dumps(
            {
                "parties": [{"name": "张三", "phone": "13800138000"}],
                "summary": "身份证430426199005201239，电话13912345678",
                "note": "另留电话：\n13700137000",  # after a line break, as an officer types it
                "details": {"amount": 13800138000, "ids": [13912345678]},
            },
            ensure_ascii=False,
        ),
        headers={},
    )
    announced: list[Queued] = []
    commit(connections, [referral], announced.extend)
    outbox.publish_announced(announced)
    [sent] = drain(channel, name)
    assert "13800138000" in str(sent.body)  # the recipient gets what it needs

    outbox.mark_published()

    with psycopg.connect(messaging_database) as conn:
        [(kept,)] = conn.execute("SELECT body FROM outbox WHERE message_id = %s", (referral.message_id,)).fetchall()
    assert kept["parties"][0]["phone"] == "[redacted]"
    assert kept["summary"] == "身份证[redacted]，电话[redacted]"
    assert kept["note"] == "另留电话：\n[redacted]"
    # Digits that are JSON numbers are not text anyone typed: left alone, so the body stays valid.
    assert kept["details"] == {"amount": 13800138000, "ids": [13912345678]}
