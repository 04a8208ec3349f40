"""Where each message goes: exchanges, routing keys and the queue names of every service."""

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from shared.contracts.envelope import Envelope
from shared.contracts.messages import (
    DOCUMENTS_EXCHANGE,
    EVENTS_EXCHANGE,
    TO_RECIPIENT_AGENCY,
    Document,
    Event,
    dead_letter_exchange,
)
from shared.contracts.vocabulary import Flag, Source
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


def event_routing_key(message_type: str, case_source: str | None, case_flags: Collection[str] = ()) -> str:
    """`<Type>.<source>[.<flag>…]`: a case fact names the channel its case came by (a `Source`), then the case's
    flags (`Flag`s, in alphabetical order), so a service can take the facts of one source's cases alone (police_link:
    those of its own calls') or of the cases with a flag (stability: the risky ones); `<Type>` when no source is
    given (a fact about no case, which has no flags either)."""
    if case_source is None:
        if case_flags:
            raise ValueError(f"{message_type}: flags name a case, and a fact about no case has none")
        return message_type
    flags = sorted({Flag(flag).value for flag in case_flags})
    return ".".join((message_type, Source(case_source).value, *flags))


def event_binding_keys(
    message_type: str, case_sources: Collection[str] = (), case_flags: Collection[str] = ()
) -> list[str]:
    """`<Type>.#` takes every fact of the type, with a source or without; `<Type>.<source>.#` those of that source's
    cases; `<Type>.*.#.<flag>.#` those of the cases with that flag (whatever their source and other flags). A fact
    of a case that several bind matches them all, and still reaches the queue once."""
    if not case_sources and not case_flags:
        return [f"{message_type}.#"]
    by_source = [f"{message_type}.{Source(source).value}.#" for source in sorted(case_sources)]
    by_flag = [f"{message_type}.*.#.{Flag(flag).value}.#" for flag in sorted(case_flags)]
    return by_source + by_flag


@dataclass(frozen=True)
class CaseFilter:
    """The cases whose facts of one type a service takes (`@handles(..., case_sources=..., case_flags=...)`): those
    from any of `sources`, and those with any of `flags`."""

    sources: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()

    def binding_keys(self, message_type: str) -> list[str]:
        return event_binding_keys(message_type, self.sources, self.flags)


def binding_pattern(binding_key: str) -> str:
    """A topic binding key as a regular expression (Python's and PostgreSQL's) over `.` + the routing key: `*` is one
    word, `#` zero or more, as RabbitMQ matches them. The dot in front lets `#` match no word at all."""
    parts = []
    for word in binding_key.split("."):
        if word == "#":
            parts.append(r"(?:\.[^.]+)*")
        elif word == "*":
            parts.append(r"\.[^.]+")
        else:
            parts.append(r"\." + re.escape(word))
    return "^" + "".join(parts) + "$"


def destination_service(message: Document, registry: AgencyRegistry) -> str:
    if message.DESTINATION == TO_RECIPIENT_AGENCY:
        return registry.service_for_unit(message.recipient)
    return message.DESTINATION


def address(
    message: Envelope, registry: AgencyRegistry, case_source: str | None = None, case_flags: Collection[str] = ()
) -> tuple[str, str]:
    """(exchange, routing key) for a message; an event's key names its case's source and flags when they are given."""
    if isinstance(message, Event):
        return EVENTS_EXCHANGE, event_routing_key(message.type, case_source, case_flags)
    if isinstance(message, Document):
        return DOCUMENTS_EXCHANGE, document_routing_key(destination_service(message, registry), message.type)
    raise TypeError(f"{type(message).__name__} is neither a Document nor an Event")


def addressing(registry: AgencyRegistry) -> Callable[[Envelope, str | None, Collection[str]], tuple[str, str]]:
    """`address` over one registry: what a unit of work asks for each message it queues."""

    def address_in(message: Envelope, case_source: str | None, case_flags: Collection[str]) -> tuple[str, str]:
        return address(message, registry, case_source, case_flags)

    return address_in


__all__ = [
    "DOCUMENTS_EXCHANGE",
    "EVENTS_EXCHANGE",
    "RETRY_EXCHANGE",
    "CaseFilter",
    "address",
    "addressing",
    "binding_pattern",
    "dead_letter_exchange",
    "dead_queue",
    "destination_service",
    "document_routing_key",
    "event_binding_keys",
    "event_routing_key",
    "inbox_queue",
    "retry_queue",
]
