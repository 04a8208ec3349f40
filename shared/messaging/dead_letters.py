"""Dead-lettering: a message that can never be processed goes to its service's dead-letter queue, with why."""

from datetime import UTC, datetime
from typing import Any

from kombu.message import Message
from nameko.amqp.publish import Publisher

from shared.messaging.amqp import PERSISTENT, existing_exchange
from shared.messaging.routing import (
    DEAD_AT_HEADER,
    DEAD_QUEUE_HEADER,
    DEAD_REASON_HEADER,
    ORIGINAL_USER_HEADER,
    dead_letter_exchange,
)
from shared.telemetry.processors import redact

MAX_REASON = 1000
# The delivered message's AMQP properties, as it came (headers and user_id apart, which are kept as they are
# above): publishing the dead letter cannot keep them all (kombu sets a content_encoding the original lacked,
# 'binary', and a content_type), so replay sets from this what the original had, and nothing it had not.
ORIGINAL_PROPERTIES_HEADER = "x-wuyuan-original-properties"
# The basic properties replay restores (py-amqp's names), all but application_headers and user_id.
REPLAYED_PROPERTIES = (
    "content_type",
    "content_encoding",
    "delivery_mode",
    "priority",
    "correlation_id",
    "reply_to",
    "expiration",
    "message_id",
    "timestamp",
    "type",
    "app_id",
    "cluster_id",
)
_WRITTEN_HERE = frozenset(
    {"x-death", DEAD_REASON_HEADER, DEAD_QUEUE_HEADER, DEAD_AT_HEADER, ORIGINAL_USER_HEADER, ORIGINAL_PROPERTIES_HEADER}
)


def dead_letter_headers(message: Message, queue: str, reason: str) -> dict[str, Any]:
    """The original headers, less every header replay trusts: a sender could have set those itself
    (a message published with no user_id and a made-up original user would otherwise be replayed
    under that user). What replay reads is written here, from what RabbitMQ vouched for, or not at all."""
    headers = {key: value for key, value in (message.headers or {}).items() if key not in _WRITTEN_HERE}
    # A reason may quote the value that failed (a schema error, a database DETAIL): no ID or phone in it.
    headers[DEAD_REASON_HEADER] = redact(reason)[:MAX_REASON]
    headers[DEAD_QUEUE_HEADER] = queue
    headers[DEAD_AT_HEADER] = datetime.now(UTC).isoformat()
    original_user = message.properties.get("user_id")
    if original_user:
        headers[ORIGINAL_USER_HEADER] = original_user
    headers[ORIGINAL_PROPERTIES_HEADER] = original_properties(message)
    return headers


def original_properties(message: Message) -> dict[str, Any]:
    """The properties the message came with, those it was sent without left out (not written as empty)."""
    given = {**message.properties, "content_type": message.content_type, "content_encoding": message.content_encoding}
    return {name: given[name] for name in REPLAYED_PROPERTIES if given.get(name) is not None}


def publish_dead_letter(
    publisher: Publisher,
    service: str,
    user_id: str,
    queue: str,
    message: Message,
    reason: str,
    body: bytes | None = None,
) -> None:
    """Publish the raw body unchanged (or `body` in its place) with the reason in headers; confirmed before the
    original is acked.

    It goes to the service's own dead-letter exchange, stamped with the service's own broker user:
    RabbitMQ checks that user_id, so replay can tell a genuine dead letter from a planted one.
    """
    publisher.publish(
        message.body if body is None else body,
        exchange=existing_exchange(dead_letter_exchange(service), "direct"),
        routing_key=service,
        user_id=user_id,
        headers=dead_letter_headers(message, queue, reason),
        content_type=message.content_type or "application/octet-stream",
        content_encoding=message.content_encoding or "binary",
        message_id=message.properties.get("message_id"),
        type=message.properties.get("type"),
        delivery_mode=PERSISTENT,
        serializer=None,
    )


def delivery_attempts(message: Message, queue: str) -> int:
    """How many times the message was handled before: RabbitMQ counts rejections in x-death.

    A sender may publish its own x-death, which RabbitMQ then counts on from: a count that no broker writes
    (negative, not a whole number) raises ValueError, and the consumer takes the message as out of attempts,
    so that a forged count of -1000 cannot buy a thousand retries."""
    for death in (message.headers or {}).get("x-death") or []:
        if death.get("queue") == queue and death.get("reason") == "rejected":
            count = death.get("count", 0)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"x-death count {count!r} for {queue}: not one RabbitMQ writes")
            return count + 1
    return 1
