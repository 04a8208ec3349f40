"""Thin AMQP helpers over nameko's consumer and publisher: raw-message consuming and confirmed publishing."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kombu import Connection, Exchange, Queue
from kombu.message import Message
from kombu.messaging import Consumer as KombuConsumer
from kombu.transport.base import StdChannel
from nameko.amqp.consume import Consumer as NamekoConsumer
from nameko.amqp.publish import Publisher

PERSISTENT = 2


# Seconds between attempts to reach the broker again: at once, then every half second, then every second.
RECONNECT_INTERVALS = {"interval_start": 0, "interval_step": 0.5, "interval_max": 1}


class RawConsumer(NamekoConsumer):
    """nameko's consumer, but handing over undecoded messages so a bad body can be dead-lettered.

    kombu decodes before callbacks run, and a body that is not JSON would crash the
    consumer loop; with `on_message` we get the raw message and decide ourselves.
    """

    def __init__(self, amqp_uri: str, on_raw_message: Callable[[Message], None], **kwargs: Any) -> None:
        super().__init__(amqp_uri, callbacks=[], **kwargs)
        self.on_raw_message = on_raw_message

    @contextmanager
    def establish_connection(self) -> Iterator[Connection]:
        # kombu waits 2 s, then 4, 6 … up to 30 s between attempts, so after an outage a consumer could come
        # back half a minute after the broker did; trying every second brings it back within about one.
        with self.create_connection() as connection:
            connection.ensure_connection(self.on_connection_error, self.connect_max_retries, **RECONNECT_INTERVALS)
            yield connection

    def get_consumers(self, consumer_cls: Callable[..., KombuConsumer], channel: StdChannel) -> list[KombuConsumer]:
        consumer = consumer_cls(queues=self.queues, on_message=self._deliver, accept=None, **self.consumer_options)
        consumer.qos(prefetch_count=self.prefetch_count)
        return [consumer]

    def _deliver(self, message: Message) -> None:
        if self.should_stop:
            self.requeue_message(message)
            return
        self.on_raw_message(message)

    def reject_message(self, message: Message) -> None:
        """Reject without requeue: the queue's dead-letter exchange takes it (our delayed retry)."""
        if message.channel.connection:
            message.reject(requeue=False)


def confirmed_publisher(amqp_uri: str) -> Publisher:
    """Persistent, confirmed, mandatory: a publish returns only once the broker has routed and stored it."""
    return Publisher(amqp_uri, use_confirms=True, mandatory=True, delivery_mode=PERSISTENT, serializer="json")


def existing_exchange(name: str, kind: str = "topic") -> Exchange:
    """An exchange declared by provisioning; services never redeclare topology."""
    return Exchange(name, type=kind, durable=True, no_declare=True)


def existing_queue(name: str) -> Queue:
    return Queue(name, no_declare=True)
