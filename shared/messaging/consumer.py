"""The inbox consumer: `@handles(MessageModel)` methods fed from the service's durable inbox queue.

One consumer per service reads `wuyuan.<service>.inbox` and dispatches by message type.
Outcomes, decided only after the handler's transaction has committed or failed:
- success: ack;
- a body that is not JSON, an unknown type or a schema violation: dead-letter with the
  reason, then ack (the service keeps running);
- `Refused` from the handler (the message is valid but can never be applied): dead-letter;
- any other error (database down, case not known yet): reject, so the broker parks it in
  the retry queue and redelivers it after a delay; after `max_attempts`, dead-letter.
"""

import json
import logging
from functools import partial
from types import TracebackType
from typing import Any, TypeAlias

from kombu.message import Message
from nameko.containers import WorkerContext
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint, ProviderCollector, SharedExtension
from pydantic import ValidationError

from shared.config import current_settings
from shared.contracts.envelope import Envelope
from shared.dependency import Injects
from shared.messaging.amqp import RawConsumer, confirmed_publisher, existing_queue
from shared.messaging.dead_letters import delivery_attempts, publish_dead_letter
from shared.messaging.routing import TRACE_HEADERS, inbox_queue
from shared.refusal import Refused

log = logging.getLogger(__name__)

ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType]


def describe_validation_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:10]:
        location = ".".join(str(p) for p in item["loc"]) or "(message)"
        parts.append(f"{location}: {item['msg']}")
    return "schema violation: " + "; ".join(parts)


class InboxConsumer(SharedExtension, ProviderCollector):
    """Consumes the service's inbox queue and hands each message to the handler for its type."""

    def __init__(self) -> None:
        super().__init__()
        self.handlers: dict[str, InboxHandler] = {}
        self.consumer: RawConsumer | None = None

    def setup(self) -> None:
        settings = current_settings()
        self.service = settings.service
        self.queue_name = inbox_queue(settings.service)
        self.max_attempts = settings.max_attempts
        self.publisher = confirmed_publisher(settings.amqp_uri)
        self.consumer = RawConsumer(
            settings.amqp_uri,
            on_raw_message=self.on_message,
            queues=[existing_queue(self.queue_name)],
            prefetch_count=settings.prefetch_count,
            heartbeat=30,
        )

    def start(self) -> None:
        # Entrypoints register during setup, in no set order; by start they all have.
        for provider in self._providers:
            assert isinstance(provider, InboxHandler), f"{provider!r} registered with the inbox"
            message_type = provider.model.TYPE
            if message_type in self.handlers:
                raise TypeError(f"two handlers for {message_type} in {self.service}")
            self.handlers[message_type] = provider
        assert self.consumer is not None
        self.container.spawn_managed_thread(self.consumer.run, identifier=f"inbox[{self.queue_name}]")
        self.consumer.wait_until_consumer_ready()

    def stop(self) -> None:
        if self.consumer is not None:
            self.consumer.stop()
        self.wait_for_providers()

    def kill(self) -> None:
        if self.consumer is not None:
            self.consumer.stop()

    def on_message(self, message: Message) -> None:
        try:
            body = json.loads(message.body)
        except (ValueError, UnicodeDecodeError) as exc:
            self.dead_letter(message, f"malformed JSON: {exc}")
            return
        message_type = body.get("type") if isinstance(body, dict) else None
        handler = self.handlers.get(message_type) if isinstance(message_type, str) else None
        if handler is None:
            self.dead_letter(message, f"unknown message type {message_type!r} for {self.service}")
            return
        try:
            model = handler.model.model_validate(body)
        except ValidationError as exc:
            self.dead_letter(message, describe_validation_error(exc))
            return
        handler.handle(message, model)

    def dead_letter(self, message: Message, reason: str) -> None:
        log.error("dead-lettering message", extra={"reason": reason, "queue": self.queue_name})
        publish_dead_letter(self.publisher, self.service, self.queue_name, message, reason)
        assert self.consumer is not None
        self.consumer.ack_message(message)

    def settle(self, message: Message, exc_info: ExcInfo | None) -> None:
        assert self.consumer is not None
        if exc_info is None:
            self.consumer.ack_message(message)
            return
        error = exc_info[1]
        if isinstance(error, Refused):
            self.dead_letter(message, f"rejected: {error}")
            return
        attempts = delivery_attempts(message, self.queue_name)
        if attempts >= self.max_attempts:
            self.dead_letter(message, f"failed {attempts} times, last: {type(error).__name__}: {error}")
            return
        log.warning(
            "handler failed, retrying later",
            extra={"attempt": attempts, "error": f"{type(error).__name__}: {error}"},
        )
        self.consumer.reject_message(message)

    def requeue(self, message: Message) -> None:
        assert self.consumer is not None
        self.consumer.requeue_message(message)


class InboxHandler(Entrypoint):
    """Marks a service method as the handler of one message model."""

    inbox = InboxConsumer()
    # Handlers of queued messages may share a transaction (shared.persistence.group_commit).
    commits_in_groups = True

    def __init__(self, model: type[Envelope], **kwargs: Any) -> None:
        self.model = model
        super().__init__(expected_exceptions=(Refused,), **kwargs)

    def setup(self) -> None:
        self.inbox.register_provider(self)

    def stop(self) -> None:
        self.inbox.unregister_provider(self)

    def handle(self, message: Message, model: Envelope) -> None:
        headers = message.headers or {}
        context_data = {key: headers[key] for key in TRACE_HEADERS if key in headers}
        context_data["message_type"] = model.type
        context_data["user_id"] = message.properties.get("user_id")
        handle_result = partial(self.handle_result, message)

        def spawn_worker() -> None:
            try:
                self.container.spawn_worker(self, (model,), {}, context_data=context_data, handle_result=handle_result)
            except ContainerBeingKilled:
                self.inbox.requeue(message)

        # A full worker pool must not block the consumer loop (it would miss heartbeats), so
        # only then wait in a thread of its own; nameko is pinned, so its pool is known.
        if self.container._worker_pool.free() > 0:
            spawn_worker()
        else:
            self.container.spawn_managed_thread(spawn_worker, identifier=f"wait_for_worker[{model.type}]")

    def handle_result(
        self, message: Message, worker_ctx: WorkerContext, result: Any, exc_info: ExcInfo | None
    ) -> tuple[Any, ExcInfo | None]:
        self.inbox.settle(message, exc_info)
        return result, exc_info


handles = InboxHandler.decorator


class MessageSender(Injects[str | None]):
    """`self.sender`: the AMQP user_id of the message a worker handles, which RabbitMQ checked (who sent it)."""

    def get_dependency(self, worker_ctx: WorkerContext) -> str | None:
        user = worker_ctx.context_data.get("user_id")
        return str(user) if user else None
