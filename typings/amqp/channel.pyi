# amqp.channel: Channel, the AMQP methods a client sends and the broker events it hears.
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from amqp.basic_message import Message
from amqp.connection import Connection
from amqp.protocol import queue_declare_ok_t

# Methods sent without waiting for the broker's reply return a vine promise, hence `object`.
class Channel:
    # Callbacks by event: basic_ack and basic_nack get (delivery_tag, multiple); basic_return
    # gets (exc, exchange, routing_key, message).
    events: defaultdict[str, set[Callable[..., object]]]
    # Connection.channel() makes and opens one; a channel_id of None takes a free one.
    def __init__(
        self,
        connection: Connection,
        channel_id: int | None = None,
        auto_decode: bool = True,
        on_open: Callable[..., object] | None = None,
    ) -> None: ...
    def close(
        self, reply_code: int = 0, reply_text: str = "", method_sig: tuple[int, int] = (0, 0), argsig: str = "BsBB"
    ) -> None: ...
    def confirm_select(self, nowait: bool = False) -> object: ...
    def queue_declare(
        self,
        queue: str = "",
        passive: bool = False,
        durable: bool = False,
        exclusive: bool = False,
        auto_delete: bool = True,
        nowait: bool = False,
        arguments: dict[str, Any] | None = None,
        argsig: str = "BsbbbbbF",
    ) -> queue_declare_ok_t | None: ...
    # The number of messages deleted, unless nowait.
    def queue_delete(
        self,
        queue: str = "",
        if_unused: bool = False,
        if_empty: bool = False,
        nowait: bool = False,
        argsig: str = "Bsbbb",
    ) -> object: ...
    def basic_publish(
        self,
        msg: Message,
        exchange: str = "",
        routing_key: str = "",
        mandatory: bool = False,
        immediate: bool = False,
        timeout: float | None = None,
        confirm_timeout: float | None = None,
        argsig: str = "Bssbb",
    ) -> object: ...
    def basic_get(self, queue: str = "", no_ack: bool = False, argsig: str = "Bsb") -> Message | None: ...
    def basic_ack(self, delivery_tag: int, multiple: bool = False, argsig: str = "Lb") -> object: ...
    def basic_reject(self, delivery_tag: int, requeue: bool, argsig: str = "Lb") -> object: ...
