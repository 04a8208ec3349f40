"""Where each message goes: exchanges, routing keys and the queue names of every service."""

from collections.abc import Callable, Collection

from shared.contracts.envelope import Envelope
from shared.contracts.messages import (
    DOCUMENTS_EXCHANGE,
    EVENTS_EXCHANGE,
    TO_RECIPIENT_AGENCY,
    Document,
    Event,
    dead_letter_exchange,
)
from shared.contracts.vocabulary import Source
from shared.registry import AgencyRegistry

RETRY_EXCHANGE = "wuyuan.retry"

# Headers a dead letter carries so operators see why, and replay can restore the sender. Replay
# trusts them only in a dead letter whose own user_id (checked by RabbitMQ) is its service's user.
DEAD_REASON_HEADER = "x-wuyuan-dead-reason"
DEAD_QUEUE_HEADER = "x-wuyuan-dead-queue"
DEAD_AT_HEADER = "x-wuyuan-dead-at"
ORIGINAL_USER_HEADER = "x-wuyuan-original-user-id"
# When `wuyuan reconcile` marked a sent message to go again (ISO 8601, UTC): its receivers may take it as one they
# had handled before their database was restored (supervision: the letters of its watch went out then).
SENT_AGAIN_HEADER = "x-wuyuan-sent-again"
TRACE_HEADERS = ("traceparent", "tracestate", "baggage")


def inbox_queue(service: str) -> str:
    return f"wuyuan.{service}.inbox"


def retry_queue(service: str) -> str:
    return f"wuyuan.{service}.retry"


def dead_queue(service: str) -> str:
    return f"wuyuan.{service}.dead"


def document_routing_key(service: str, message_type: str) -> str:
    return f"{service}.{message_type}"


def event_routing_key(message_type: str, case_source: str | None) -> str:
    """`<Type>.<source>`: a case fact names the channel its case came by (a `Source`), so a service can take the
    facts of one source's cases alone (police_link: those of its own calls'); `<Type>` when no source is given."""
    return f"{message_type}.{Source(case_source).value}" if case_source is not None else message_type


def event_binding_keys(message_type: str, case_sources: Collection[str] = ()) -> list[str]:
    """`<Type>.#` takes every fact of the type, with a source or without; `<Type>.<source>` those of that source's
    cases alone."""
    if not case_sources:
        return [f"{message_type}.#"]
    return [event_routing_key(message_type, source) for source in sorted(case_sources)]


def destination_service(message: Document, registry: AgencyRegistry) -> str:
    if message.DESTINATION == TO_RECIPIENT_AGENCY:
        return registry.service_for_unit(message.recipient)
    return message.DESTINATION


def address(message: Envelope, registry: AgencyRegistry, case_source: str | None = None) -> tuple[str, str]:
    """(exchange, routing key) for a message; an event's key names its case's source when it is given."""
    if isinstance(message, Event):
        return EVENTS_EXCHANGE, event_routing_key(message.type, case_source)
    if isinstance(message, Document):
        return DOCUMENTS_EXCHANGE, document_routing_key(destination_service(message, registry), message.type)
    raise TypeError(f"{type(message).__name__} is neither a Document nor an Event")


def addressing(registry: AgencyRegistry) -> Callable[[Envelope, str | None], tuple[str, str]]:
    """`address` over one registry: what a unit of work asks for each message it queues."""

    def address_in(message: Envelope, case_source: str | None) -> tuple[str, str]:
        return address(message, registry, case_source)

    return address_in


__all__ = [
    "DOCUMENTS_EXCHANGE",
    "EVENTS_EXCHANGE",
    "RETRY_EXCHANGE",
    "address",
    "addressing",
    "dead_letter_exchange",
    "dead_queue",
    "destination_service",
    "document_routing_key",
    "event_binding_keys",
    "event_routing_key",
    "inbox_queue",
    "retry_queue",
]
