# amqp.basic_message: Message, a body with AMQP basic properties.
from collections.abc import Mapping
from typing import Any

from amqp.channel import Channel

class Message:
    body: bytes | str
    channel: Channel | None
    # Set on a received message: delivery_tag, redelivered, exchange, routing_key (and
    # message_count from basic_get, consumer_tag from a consumer).
    delivery_info: dict[str, Any] | None
    properties: dict[str, Any]
    # A str body is encoded with content_encoding (UTF-8 when not given).
    def __init__(
        self,
        body: bytes | str = "",
        children: None = None,
        channel: Channel | None = None,
        *,
        content_type: str = ...,
        content_encoding: str = ...,
        application_headers: Mapping[str, Any] = ...,
        delivery_mode: int = ...,
        priority: int = ...,
        correlation_id: str = ...,
        reply_to: str = ...,
        expiration: str = ...,
        message_id: str = ...,
        timestamp: int = ...,
        type: str = ...,
        user_id: str = ...,
        app_id: str = ...,
        cluster_id: str = ...,
    ) -> None: ...
    @property
    def headers(self) -> dict[str, Any] | None: ...
    @property
    def delivery_tag(self) -> int: ...
