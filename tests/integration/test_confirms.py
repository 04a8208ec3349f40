"""Pipelined confirmed publishing against the real broker: confirmed, unroutable and failed messages told apart."""

import json
import uuid

import pytest

from shared.messaging.confirms import Outgoing, PipelinedPublisher

pytestmark = pytest.mark.integration


def outgoing(exchange: str, routing_key: str, user: str, n: int) -> Outgoing:
    return Outgoing(
        message_id=str(uuid.uuid4()),
        exchange=exchange,
        routing_key=routing_key,
        body=json.dumps({"n": n, "summary": "邻里纠纷"}, ensure_ascii=False).encode(),
        message_type="CaseClosed",
        headers={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        user_id=user,
    )


def test_a_batch_is_confirmed_and_arrives_in_order_as_sent(broker, drain):
    uri, user, name, channel = broker
    batch = [outgoing(name, "bound", user, n) for n in range(250)]
    publisher = PipelinedPublisher(uri)
    try:
        outcome = publisher.publish(batch)
    finally:
        publisher.close()
    assert sorted(outcome.confirmed) == sorted(m.message_id for m in batch)
    assert (outcome.unroutable, outcome.failed, outcome.not_attempted) == ({}, {}, [])
    received = drain(channel, name)
    assert [m.properties["message_id"] for m in received] == [m.message_id for m in batch]
    first = received[0]
    assert first.properties["delivery_mode"] == 2
    assert first.properties["user_id"] == user
    assert first.properties["type"] == "CaseClosed"
    assert first.headers["traceparent"].startswith("00-0af7651916cd43dd")
    assert json.loads(first.body) == {"n": 0, "summary": "邻里纠纷"}


def test_a_batch_is_written_whole_before_the_socket_is_read_for_its_confirms(broker, drain, monkeypatch):
    """py-amqp reads the socket before each publish when connection.blocked is agreed; the batch must not."""
    uri, user, name, channel = broker
    publisher = PipelinedPublisher(uri)
    reads_while_writing: list[int] = []
    sent = 0
    try:
        publisher.publish([outgoing(name, "bound", user, 0)])  # connected, so only the batch's own reads count
        connection = publisher._connection
        assert connection is not None
        assert connection.client_properties["capabilities"]["connection.blocked"] is False
        drain_events = connection.drain_events

        def counted_drain(*args, **kwargs):
            reads_while_writing.append(sent)
            return drain_events(*args, **kwargs)

        monkeypatch.setattr(connection, "drain_events", counted_drain)
        basic_publish = publisher._channel.basic_publish

        def counted_publish(*args, **kwargs):
            nonlocal sent
            result = basic_publish(*args, **kwargs)
            sent += 1
            return result

        monkeypatch.setattr(publisher._channel, "basic_publish", counted_publish)
        outcome = publisher.publish([outgoing(name, "bound", user, n) for n in range(1, 51)])
    finally:
        publisher.close()
    assert len(outcome.confirmed) == 50
    assert reads_while_writing and min(reads_while_writing) == 50  # every read came after the last write
    assert len(drain(channel, name)) == 51


def test_a_message_no_queue_takes_is_reported_unroutable_not_lost(broker, drain):
    uri, user, name, channel = broker
    routed, stray, after = (
        outgoing(name, "bound", user, 1),
        outgoing(name, "nobody-listens", user, 2),
        outgoing(name, "bound", user, 3),
    )
    publisher = PipelinedPublisher(uri)
    try:
        outcome = publisher.publish([routed, stray, after])
    finally:
        publisher.close()
    assert sorted(outcome.confirmed) == sorted([routed.message_id, after.message_id])
    assert stray.message_id in outcome.unroutable
    assert "nobody-listens" in outcome.unroutable[stray.message_id]
    assert len(drain(channel, name)) == 2


def test_a_channel_error_blames_the_message_it_names_and_loses_nothing(broker, drain):
    uri, user, name, channel = broker
    good = outgoing(name, "bound", user, 1)
    missing_exchange = outgoing(f"{name}.missing", "bound", user, 2)
    behind = outgoing(name, "bound", user, 3)
    publisher = PipelinedPublisher(uri)
    try:
        outcome = publisher.publish([good, missing_exchange, behind])
        assert list(outcome.failed) == [missing_exchange.message_id]
        assert "NOT_FOUND" in outcome.failed[missing_exchange.message_id]
        # The channel closed before every confirm came back: what is unconfirmed goes again.
        assert set(outcome.confirmed) | set(outcome.not_attempted) == {good.message_id, behind.message_id}

        retry = [m for m in (good, behind) if m.message_id in outcome.not_attempted]
        assert sorted(publisher.publish(retry).confirmed) == sorted(m.message_id for m in retry)
    finally:
        publisher.close()
    # At least once: a message both stored and retried arrives twice; inboxes drop the copy.
    assert {m.properties["message_id"] for m in drain(channel, name)} == {good.message_id, behind.message_id}


def test_an_idle_connection_keeps_alive_and_publishes_after(broker, drain):
    uri, user, name, channel = broker
    publisher = PipelinedPublisher(uri, heartbeat=2)
    try:
        assert publisher.publish([outgoing(name, "bound", user, 1)]).confirmed
        for _ in range(3):
            publisher.keepalive()
        assert publisher.publish([outgoing(name, "bound", user, 2)]).confirmed
    finally:
        publisher.close()
    assert len(drain(channel, name)) == 2


def test_a_refused_batch_is_reported_failed_and_the_next_goes_out_on_a_fresh_connection(broker, drain):
    uri, user, name, channel = broker
    # A queue that refuses every publish: the broker nacks a confirmed one (what a lost queue leader looked like).
    full = f"{name}.full"
    refusing = {"x-max-length": 0, "x-overflow": "reject-publish"}
    channel.queue_declare(full, durable=True, auto_delete=False, arguments=refusing)
    channel.queue_bind(full, name, routing_key="full")
    publisher = PipelinedPublisher(uri)
    try:
        refused = outgoing(name, "full", user, 1)
        first = publisher.publish([refused])
        refused_on = publisher._connection
        taken = outgoing(name, "bound", user, 2)
        second = publisher.publish([taken])
        after_on = publisher._connection
    finally:
        publisher.close()
        channel.queue_delete(full)
    assert first.failed == {refused.message_id: "nacked by the broker"} and first.confirmed == []
    assert refused_on is None  # dropped at once: the outbox relay tries again on a new connection
    assert second.confirmed == [taken.message_id] and after_on is not None
    assert [m.properties["message_id"] for m in drain(channel, name)] == [taken.message_id]
