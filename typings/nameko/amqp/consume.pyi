# nameko.amqp.consume: Consumer, a kombu ConsumerMixin reading queues on one connection.
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kombu.connection import Connection
from kombu.entity import Queue
from kombu.message import Message
from kombu.messaging import Consumer as KombuConsumer
from kombu.mixins import ConsumerMixin
from kombu.transport.base import StdChannel

class Consumer(ConsumerMixin):
    amqp_uri: str
    ssl: bool | dict[str, Any] | None
    login_method: str | None
    queues: Sequence[Queue] | None
    callbacks: list[Callable[[Any, Message], object]]
    heartbeat: float | None
    prefetch_count: int
    accept: Iterable[str] | None
    consumer_options: dict[str, Any]
    ready: threading.Event
    def __init__(
        self,
        amqp_uri: str,
        ssl: bool | dict[str, Any] | None = None,
        login_method: str | None = None,
        queues: Sequence[Queue] | None = None,
        callbacks: list[Callable[[Any, Message], object]] | None = None,
        heartbeat: float | None = None,
        prefetch_count: int | None = None,
        accept: Iterable[str] | None = None,
        **consumer_options: Any,
    ) -> None: ...
    @property
    def connection(self) -> Connection: ...
    def stop(self) -> None: ...
    # kombu.mixins.ConsumerMixin's, which ships no types.
    def create_connection(self) -> Connection: ...
    def on_connection_error(self, exc: BaseException, interval: float) -> None: ...
    def wait_until_consumer_ready(self) -> None: ...
    # consumer_cls is kombu's Consumer with the channel already bound (a functools.partial).
    def get_consumers(self, consumer_cls: Callable[..., KombuConsumer], channel: StdChannel) -> list[KombuConsumer]: ...
    def on_message(self, body: Any, message: Message) -> None: ...
    def ack_message(self, message: Message) -> None: ...
    def requeue_message(self, message: Message) -> None: ...
