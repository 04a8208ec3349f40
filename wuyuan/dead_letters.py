"""Operators' view of dead letters: list them with their reasons, and replay them to the queue they came from."""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import amqp
from kombu import Connection

from shared.messaging.amqp import PERSISTENT
from shared.messaging.routing import (
    DEAD_AT_HEADER,
    DEAD_QUEUE_HEADER,
    DEAD_REASON_HEADER,
    ORIGINAL_USER_HEADER,
    dead_queue,
)
from wuyuan.provision_amqp import OPERATOR, _call
from wuyuan.settings import SERVICES, PlatformSettings

_DEAD_HEADERS = (DEAD_AT_HEADER, DEAD_QUEUE_HEADER, DEAD_REASON_HEADER, ORIGINAL_USER_HEADER)


@dataclass(frozen=True)
class DeadLetter:
    service: str
    message_id: str | None
    message_type: str | None
    reason: str
    dead_at: str | None
    from_queue: str | None
    body_preview: str


def list_dead_letters(
    settings: PlatformSettings, services: Iterable[str] = SERVICES, limit: int = 100
) -> list[DeadLetter]:
    """Peek without consuming: the management API requeues what it shows."""
    found = []
    for service in services:
        response = _call(
            settings,
            "POST",
            f"queues/{quote(settings.vhost, safe='')}/{quote(dead_queue(service), safe='')}/get",
            {"count": limit, "ackmode": "ack_requeue_true", "encoding": "auto", "truncate": 2000},
        )
        for item in response.json():
            props = item.get("properties", {})
            headers = props.get("headers", {}) or {}
            found.append(
                DeadLetter(
                    service=service,
                    message_id=props.get("message_id"),
                    message_type=props.get("type"),
                    reason=str(headers.get(DEAD_REASON_HEADER, "(no reason recorded)")),
                    dead_at=headers.get(DEAD_AT_HEADER),
                    from_queue=headers.get(DEAD_QUEUE_HEADER),
                    body_preview=str(item.get("payload", ""))[:200],
                )
            )
    return found


def operator_connection(settings: PlatformSettings) -> Connection:
    parts = urlsplit(settings.amqp_admin_uri)
    netloc = f"{settings.broker_user(OPERATOR)}:{settings.service_password}@{parts.hostname}:{parts.port or 5672}"
    return Connection(urlunsplit(parts._replace(netloc=netloc, path=f"/{settings.vhost}")), connect_timeout=10)


def replay(settings: PlatformSettings, services: Iterable[str] = SERVICES, message_id: str | None = None) -> int:
    """Send dead letters back to the inbox they came from, under their original sender; returns how many.

    The operator user may impersonate (RabbitMQ's `impersonator` tag), so a replayed result
    still carries the agency's user_id and passes the coordinator's sender check.
    """
    replayed = 0
    with operator_connection(settings) as conn:
        channel = conn.channel()
        channel.confirm_select()
        for service in services:
            kept = []
            # Only what was dead when the replay began: a message that fails again is dead-lettered
            # behind these while we work, and fetching it again would replay it round and round.
            left = None
            while left is None or left > 0:
                message = channel.basic_get(dead_queue(service), no_ack=False)
                if message is None:
                    break
                left = message.delivery_info["message_count"] if left is None else left - 1
                headers = dict(message.properties.get("application_headers") or {})
                if message_id and message.properties.get("message_id") != message_id:
                    kept.append(message)
                    continue
                target = headers.get(DEAD_QUEUE_HEADER)
                original_user = headers.get(ORIGINAL_USER_HEADER)
                properties = {
                    "application_headers": {k: v for k, v in headers.items() if k not in _DEAD_HEADERS},
                    "delivery_mode": PERSISTENT,
                    "content_type": message.properties.get("content_type"),
                    "content_encoding": message.properties.get("content_encoding"),
                    "message_id": message.properties.get("message_id"),
                    "type": message.properties.get("type"),
                }
                if original_user:
                    properties["user_id"] = original_user
                # The default exchange delivers straight to the named queue: only the original consumer.
                channel.basic_publish(
                    amqp.Message(message.body, **{k: v for k, v in properties.items() if v is not None}),
                    exchange="",
                    routing_key=target,
                    mandatory=True,
                )
                channel.basic_ack(message.delivery_tag)
                replayed += 1
            for message in kept:
                channel.basic_reject(message.delivery_tag, requeue=True)
    return replayed
