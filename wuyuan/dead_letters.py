"""Operators' view of dead letters: list them with their reasons, and replay them to the inbox they came from.

Replay acts under an identity the broker vouched for. A service dead-letters through an exchange
only its own broker user may write to, stamping its user as `user_id`, which RabbitMQ checks.
So a dead letter in `wuyuan.<S>.dead` is replayed only if its `user_id` is S's user; it goes back
only to S's inbox (never to a queue a header names), under the original sender that S recorded
when RabbitMQ had validated it. Anything else (a letter planted by another account, or one
dead-lettered before letters were signed) is refused, reported, and left in the dead queue.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import amqp
from kombu import Connection

from shared.contracts.messages import (
    MAX_MESSAGE_BYTES,
    REJECTED_FAILED,
    REJECTED_MALFORMED,
    REJECTED_SCHEMA,
    REJECTED_TOO_LARGE,
    REJECTED_UNKNOWN_TYPE,
    REJECTED_UNREADABLE,
)
from shared.contracts.strict_json import loads_strict
from shared.messaging.amqp import PERSISTENT
from shared.messaging.dead_letters import ORIGINAL_PROPERTIES_HEADER, REPLAYED_PROPERTIES
from shared.messaging.routing import (
    DEAD_AT_HEADER,
    DEAD_QUEUE_HEADER,
    DEAD_REASON_HEADER,
    ORIGINAL_USER_HEADER,
    dead_queue,
    inbox_queue,
)
from shared.registry import PLATFORM_SERVICES
from shared.telemetry.processors import redact
from shared.wording import REJECTION_REASONS
from wuyuan.provision_amqp import _call, has_inbox
from wuyuan.settings import OPERATOR, PlatformSettings

_DEAD_HEADERS = (
    DEAD_AT_HEADER,
    DEAD_QUEUE_HEADER,
    DEAD_REASON_HEADER,
    ORIGINAL_USER_HEADER,
    ORIGINAL_PROPERTIES_HEADER,
)


@dataclass(frozen=True)
class DeadLetter:
    service: str
    message_id: str | None
    message_type: str | None
    reason: str
    dead_at: str | None
    from_queue: str | None
    body_preview: str
    # Why replay would leave it where it is; None when it may be replayed.
    refused: str | None = None
    # The reason as a code (`malformed`, `schema`, `failed`, a business rule's …), as the dead-letter metric's `reason`
    # label gives it; None for a reason worded elsewhere (an agency in another language).
    reason_code: str | None = None
    # The broker user that sent the refused message (its `user_id`), as the dead-lettering service recorded it.
    sent_by: str | None = None
    # Only its sender can put it right (`only_the_sender_can_correct`): replayed as it is, it is refused again.
    sender_corrects: bool = False


@dataclass(frozen=True)
class RefusedReplay:
    service: str
    message_id: str | None
    why: str


@dataclass(frozen=True)
class ReplayReport:
    replayed: list[str | None] = field(default_factory=list)  # message ids, in the order sent
    refused: list[RefusedReplay] = field(default_factory=list)  # left in their dead queue


# How the platform's own consumers open a dead letter's reason (shared/messaging/consumer.py), and what each means
# for an operator. An agency written elsewhere words its own; its reason is then shown as it is.
_REASON_OPENINGS = (
    (re.compile(r"^malformed JSON"), REJECTED_MALFORMED, "消息不是有效的 JSON"),
    (re.compile(r"^malformed message"), REJECTED_MALFORMED, "消息不是 JSON 对象"),
    (re.compile(r"^no message type"), REJECTED_UNKNOWN_TYPE, "消息没有注明类型（正文缺少 type 项）"),
    (re.compile(r"^unknown message type"), REJECTED_UNKNOWN_TYPE, "该服务不接收此类消息"),
    (re.compile(r"^schema violation"), REJECTED_SCHEMA, "消息格式不符合约定"),
    (re.compile(r"^unreadable message"), REJECTED_UNREADABLE, "消息无法读取"),
    (re.compile(r"^message too large"), REJECTED_TOO_LARGE, "消息过大，未读取（正文已丢弃）"),
    (
        re.compile(r"^failed (\d+) times"),
        REJECTED_FAILED,
        "处理失败 {0} 次后放弃（多为数据库或程序出错，见该服务日志）",
    ),
)
_REFUSED = re.compile(r"^rejected: ([a-z_]+): ")


def reason_in_chinese(reason: str) -> str | None:
    """What a dead letter's reason says, in Chinese, when it is one of the platform's own; None otherwise."""
    refused = _REFUSED.match(reason)
    if refused:
        code = refused.group(1)
        return f"被业务规则拒收：{REJECTION_REASONS.get(code, '其他原因')}（{code}）"
    for opening, _, words in _REASON_OPENINGS:
        found = opening.match(reason)
        if found:
            return words.format(*found.groups())
    return None


def letter_id(properties: Mapping[str, Any], body: object) -> str | None:
    """A dead letter's message id: the AMQP property, or the body's own `message_id` when its sender set none (an
    agency written elsewhere may not), so that an operator can still name it to `dlq replay --message-id`."""
    given = properties.get("message_id")
    if given:
        return str(given)
    raw = body.encode() if isinstance(body, str) else body
    if not isinstance(raw, bytes | bytearray) or len(raw) > MAX_MESSAGE_BYTES:
        return None
    try:
        said = loads_strict(bytes(raw))
    except ValueError:
        return None
    found = said.get("message_id") if isinstance(said, dict) else None
    return found if isinstance(found, str) and len(found) <= 100 else None


def _text_payload(item: Mapping[str, Any]) -> str | None:
    """The body the management API showed, when it showed it as text (not base64)."""
    return str(item.get("payload")) if item.get("payload_encoding") == "string" else None


def reason_code(reason: str) -> str | None:
    """The code of a dead letter's reason when it is one of the platform's own (the consumer's, or a rule's)."""
    refused = _REFUSED.match(reason)
    if refused:
        return refused.group(1)
    return next((code for opening, code, _ in _REASON_OPENINGS if opening.match(reason)), None)


# A body refused unread for its size is not kept: nothing is left to send again.
BODY_NOT_KEPT = "消息过大，正文未保留，无法重放；请发送方改小后重新发送"


def replay_refusal(settings: PlatformSettings, service: str, user_id: object, reason: str = "") -> str | None:
    """Why a dead letter in `service`'s dead queue may not be replayed, or None if it may."""
    owner = settings.broker_user(service)
    if user_id == owner:
        return BODY_NOT_KEPT if reason_code(reason) == REJECTED_TOO_LARGE else None
    return (
        f"不是 {owner} 写入的死信（其 user_id 为 {user_id or '空'}）：由其他账号放入，"
        "或是死信签名之前写入的；留在死信队列中"
    )


# A body its receiver cannot read as the contract says: what is wrong is in the message itself.
_BODY_REFUSALS = frozenset({REJECTED_SCHEMA, REJECTED_MALFORMED})


def only_the_sender_can_correct(settings: PlatformSettings, reason: str, sent_by: object) -> bool:
    """Whether a dead letter is the receiver's answer to the message as it is, which only its sender can correct: a
    business rule's refusal, or a body malformed or against the schema from anyone but the platform's own services
    (an agency, in Python or another language). The platform's own, deployed together, may be out of step for a
    while (a receiver not yet upgraded to the sender's version): their letters are replayed once that is put right."""
    code = reason_code(reason)
    if _REFUSED.match(reason):
        return True
    if code not in _BODY_REFUSALS:
        return False
    return sent_by not in {settings.broker_user(service) for service in PLATFORM_SERVICES}


def list_dead_letters(
    settings: PlatformSettings, services: Iterable[str] | None = None, limit: int = 100
) -> list[DeadLetter]:
    """Peek without consuming: the management API requeues what it shows."""
    found = []
    for service in _with_queues(settings, services):
        response = _call(
            settings,
            "POST",
            f"queues/{quote(settings.vhost, safe='')}/{quote(dead_queue(service), safe='')}/get",
            {"count": limit, "ackmode": "ack_requeue_true", "encoding": "auto", "truncate": 2000},
        )
        for item in response.json():
            props = item.get("properties", {})
            headers = props.get("headers", {}) or {}
            reason = str(headers.get(DEAD_REASON_HEADER, ""))
            sent_by = headers.get(ORIGINAL_USER_HEADER)
            sent_by = sent_by if isinstance(sent_by, str) and sent_by else None
            found.append(
                DeadLetter(
                    service=service,
                    message_id=letter_id(
                        props, item.get("payload") if item.get("payload_encoding") == "string" else None
                    ),
                    message_type=props.get("type"),
                    reason=str(headers.get(DEAD_REASON_HEADER, "（未记录原因）")),
                    dead_at=headers.get(DEAD_AT_HEADER),
                    from_queue=headers.get(DEAD_QUEUE_HEADER),
                    # Operators see why, not whose: ID and phone numbers in the body are not shown.
                    body_preview=redact(str(item.get("payload", "")))[:200],
                    refused=replay_refusal(settings, service, props.get("user_id"), reason),
                    reason_code=reason_code(reason),
                    sent_by=sent_by,
                    sender_corrects=only_the_sender_can_correct(settings, reason, sent_by),
                )
            )
    return found


def operator_connection(settings: PlatformSettings) -> Connection:
    # Each publish waits for the broker's confirm: a dead letter is acknowledged only once its copy is safe.
    return Connection(
        settings.service_amqp_uri(OPERATOR), connect_timeout=10, transport_options={"confirm_publish": True}
    )


def replay(settings: PlatformSettings, services: Iterable[str] | None = None, message_id: str | None = None) -> int:
    """Replay what may be replayed (see `replay_dead_letters`); returns how many were sent."""
    return len(replay_dead_letters(settings, services, message_id).replayed)


def replay_dead_letters(
    settings: PlatformSettings, services: Iterable[str] | None = None, message_id: str | None = None
) -> ReplayReport:
    """Send each genuine dead letter back to its service's inbox, under its original sender.

    The operator user may impersonate (RabbitMQ's `impersonator` tag), so a replayed result
    still carries the agency's user_id and passes the coordinator's sender check.
    """
    report = ReplayReport()
    with operator_connection(settings) as conn:
        channel = conn.channel()
        channel.confirm_select()
        for service in _with_queues(settings, services):
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
                if message_id and letter_id(message.properties, message.body) != message_id:
                    kept.append(message)
                    continue
                refusal = replay_refusal(
                    settings, service, message.properties.get("user_id"), str(headers.get(DEAD_REASON_HEADER, ""))
                )
                if refusal is not None:
                    report.refused.append(RefusedReplay(service, message.properties.get("message_id"), refusal))
                    kept.append(message)
                    continue
                # Only the service that dead-lettered it gets it back, whatever its headers say.
                target = inbox_queue(service)
                # The default exchange delivers straight to the named queue: only the original consumer.
                channel.basic_publish(
                    amqp.Message(message.body, **replayed_properties(message.properties, headers)),
                    exchange="",
                    routing_key=target,
                    mandatory=True,
                )
                channel.basic_ack(message.delivery_tag)
                report.replayed.append(message.properties.get("message_id"))
            for message in kept:
                channel.basic_reject(message.delivery_tag, requeue=True)
    return report


def replayed_properties(dead: dict[str, Any], headers: dict[str, Any]) -> dict[str, Any]:
    """The properties a dead letter is replayed with: the original's as the service recorded them (none it was
    sent without), its headers less the dead-lettering ones, and its original sender as user_id."""
    recorded = headers.get(ORIGINAL_PROPERTIES_HEADER)
    if isinstance(recorded, dict):
        properties = {name: recorded[name] for name in REPLAYED_PROPERTIES if recorded.get(name) is not None}
    else:  # dead-lettered before the original properties were recorded: what the dead letter itself carries
        properties = {name: dead.get(name) for name in ("content_type", "content_encoding", "message_id", "type")}
        properties = {"delivery_mode": PERSISTENT, **{k: v for k, v in properties.items() if v is not None}}
    kept = {key: value for key, value in headers.items() if key not in _DEAD_HEADERS}
    if kept:
        properties["application_headers"] = kept
    original_user = headers.get(ORIGINAL_USER_HEADER)
    if isinstance(original_user, str) and original_user:
        properties["user_id"] = original_user
    return properties


def _with_queues(settings: PlatformSettings, services: Iterable[str] | None) -> list[str]:
    """The services asked for (all by default) that have dead-letter queues: one that receives no messages (the
    console, identity) has none, and so no dead letters."""
    return [s for s in (settings.services if services is None else services) if has_inbox(settings, s)]
