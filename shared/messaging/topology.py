"""The broker topology the platform needs, derived from each service's `@handles` entrypoints."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.contracts.envelope import Envelope
from shared.contracts.messages import (
    DOCUMENTS_EXCHANGE,
    EVENTS_EXCHANGE,
    Event,
    MessageRejected,
    NoticeCirculated,
    OverdueNoticeIssued,
    RecordLinked,
    ReferralDeadlineChanged,
    ReferralIssued,
    ReferralWithdrawn,
    ReminderIssued,
)
from shared.messaging.consumer import InboxHandler
from shared.messaging.routing import (
    RETRY_EXCHANGE,
    CaseFilter,
    dead_letter_exchange,
    dead_queue,
    document_routing_key,
    event_binding_keys,
    inbox_queue,
    retry_queue,
)

# Shared by every service; each also has a dead-letter exchange of its own (`dead_letter_exchange`).
# The old shared dead-letter exchange `wuyuan.dead` is neither declared nor writable any more.
EXCHANGES = {
    DOCUMENTS_EXCHANGE: "topic",
    EVENTS_EXCHANGE: "topic",
    RETRY_EXCHANGE: "direct",
}


@dataclass(frozen=True)
class QueueSpec:
    name: str
    arguments: dict[str, Any]
    bindings: tuple[tuple[str, str], ...]  # (exchange, routing key)


def _inbox_handlers(service_cls: type) -> list[InboxHandler]:
    handlers = []
    for attribute in dir(service_cls):
        method = getattr(service_cls, attribute, None)
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, InboxHandler):
                handlers.append(entrypoint)
    return handlers


def handled_models(service_cls: type) -> list[type[Envelope]]:
    """The message models a nameko service class handles through `@handles`."""
    return [handler.model for handler in _inbox_handlers(service_cls)]


def case_filters(service_cls: type) -> dict[str, CaseFilter]:
    """The case facts a service takes only for some cases (`@handles(..., case_sources=..., case_flags=...)`), by
    type."""
    handlers = _inbox_handlers(service_cls)
    return {handler.model.TYPE: handler.case_filter for handler in handlers if handler.case_filter is not None}


def service_queues(
    service: str,
    models: list[type[Envelope]],
    retry_delay_ms: int,
    queue_type: str = "classic",
    filters: Mapping[str, CaseFilter] | None = None,
) -> list[QueueSpec]:
    """Inbox, retry and dead-letter queues of one service; `quorum` replicates them across a cluster.
    `filters` (case_filters): the facts bound for some cases alone, by type."""
    # Only quorum is spelled out: queues declared before the setting existed have no type argument,
    # and redeclaring them with one would be refused as inequivalent.
    kind = {"x-queue-type": queue_type} if queue_type != "classic" else {}
    bindings = []
    for model in sorted(models, key=lambda m: m.TYPE):
        if issubclass(model, Event):
            only = (filters or {}).get(model.TYPE)
            for key in only.binding_keys(model.TYPE) if only is not None else event_binding_keys(model.TYPE):
                bindings.append((EVENTS_EXCHANGE, key))
        else:
            bindings.append((DOCUMENTS_EXCHANGE, document_routing_key(service, model.TYPE)))
    return [
        QueueSpec(
            inbox_queue(service),
            # A rejected message goes to the retry queue, which hands it back after a delay.
            {**kind, "x-dead-letter-exchange": RETRY_EXCHANGE, "x-dead-letter-routing-key": service},
            tuple(bindings),
        ),
        QueueSpec(
            retry_queue(service),
            {
                **kind,
                "x-message-ttl": retry_delay_ms,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": inbox_queue(service),
            },
            ((RETRY_EXCHANGE, service),),
        ),
        # No arguments beyond the type: dead letters expire by a policy (wuyuan/provision_amqp.py).
        QueueSpec(dead_queue(service), kind, ((dead_letter_exchange(service), service),)),
    ]


# The documents every agency receives, whatever its language: the agency base (shared/agency/service.py)
# handles exactly these, and an external agency's inbox is bound to them.
AGENCY_INBOX: tuple[type[Envelope], ...] = (
    ReferralIssued,
    ReminderIssued,
    OverdueNoticeIssued,
    NoticeCirculated,
    ReferralDeadlineChanged,
    ReferralWithdrawn,
    MessageRejected,
    RecordLinked,
)
