# nameko.amqp.publish: Publisher, which publishes through kombu's producer pool.
from collections.abc import Sequence
from typing import Any

from kombu.entity import Exchange, Queue

class Publisher:
    amqp_uri: str
    use_confirms: bool
    delivery_mode: int
    mandatory: bool
    serializer: str
    publish_kwargs: dict[str, Any]
    def __init__(
        self,
        amqp_uri: str,
        use_confirms: bool | None = None,
        serializer: str | None = None,
        compression: str | None = None,
        delivery_mode: int | None = None,
        mandatory: bool | None = None,
        priority: int | None = None,
        expiration: float | None = None,
        declare: Sequence[Exchange | Queue] | None = None,
        retry: bool | None = None,
        retry_policy: dict[str, Any] | None = None,
        ssl: bool | dict[str, Any] | None = None,
        login_method: str | None = None,
        **publish_kwargs: Any,
    ) -> None: ...
    # The payload is whatever the serializer encodes; the keyword arguments go to kombu's
    # Producer.publish (exchange, routing_key, headers, message properties, ...).
    def publish(self, payload: Any, **kwargs: Any) -> None: ...
