"""The inbox consumer: `@handles(MessageModel)` methods fed from the service's durable inbox queue.

One consumer per service reads `wuyuan.<service>.inbox` and dispatches by message type.
Outcomes, decided only after the handler's transaction has committed or failed:
- success: ack;
- a body that is not plain UTF-8 JSON (shared.contracts.strict_json), an unknown type, a
  schema violation (a resident ID's birth date after the receiver's today among them), an
  `occurred_at` no message can have (before 2000, or more than a day after the receiver's
  clock), or anything else that fails while reading it: dead-letter with the
  reason, then ack (the service keeps running; nothing a message holds escapes the consumer);
- `Refused` from the handler (the message is valid but can never be applied): dead-letter;
- any other error (database down, case not known yet): reject, so the broker parks it in
  the retry queue and redelivers it after a delay; after `max_attempts`, dead-letter.
Before a message is dead-lettered, the service's refusal recorder (if it has one, see
`RecordsRefusals`) tells its sender: a failure there leaves the message for a retry instead.
"""

import logging
import re
import sys
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from functools import partial
from types import TracebackType
from typing import Any, Protocol, TypeAlias, runtime_checkable

import eventlet
from kombu.message import Message
from nameko.containers import WorkerContext
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint, ProviderCollector, SharedExtension
from opentelemetry import trace
from pydantic import ValidationError

from shared import clock
from shared.config import current_settings
from shared.contracts.dates import message_context
from shared.contracts.envelope import Envelope
from shared.contracts.identifiers import CASE_ID_PATTERN
from shared.contracts.messages import (
    MAX_MESSAGE_BYTES,
    REJECTED_FAILED,
    REJECTED_MALFORMED,
    REJECTED_SCHEMA,
    REJECTED_TOO_LARGE,
    REJECTED_UNKNOWN_TYPE,
    REJECTED_UNREADABLE,
    Event,
)
from shared.contracts.strict_json import loads_strict
from shared.contracts.vocabulary import Flag, Source
from shared.dependency import Injects
from shared.messaging.amqp import RawConsumer, confirmed_publisher, existing_queue
from shared.messaging.dead_letters import delivery_attempts, publish_dead_letter
from shared.messaging.routing import SENT_AGAIN_HEADER, TRACE_HEADERS, CaseFilter, inbox_queue
from shared.refusal import Refused
from shared.telemetry.propagation import CASE_ID_KEY, REFUSAL_REASON_KEY, context_from_headers

log = logging.getLogger(__name__)
_CASE_ID = re.compile(CASE_ID_PATTERN)

ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType]
MAX_REASON = 1000  # a dead letter's reason, as dead_letters keeps it
MAX_TRACE_HEADER = 8192  # W3C baggage may be 8192 bytes; traceparent is 55
# When a message may say it happened: no record of the platform's is older than this, and a sender's clock may run
# ahead of the receiver's, but not by more than a day. Judged by the receiver against its own clock (the platform's,
# shared.clock, which every service reads its time from), so a message sent again long after (`wuyuan reconcile`, a
# restore) keeps its first time and still reads.
EARLIEST_OCCURRED_AT = datetime.fromisoformat("2000-01-01T00:00:00+00:00")
OCCURRED_AT_AHEAD = timedelta(days=1)


class Unreadable(Exception):
    """A message that can never be handled as it is: its body, type or schema is wrong. The text says how."""

    def __init__(self, text: str, code: str = REJECTED_UNREADABLE) -> None:
        super().__init__(text)
        self.code = code


@runtime_checkable
class RecordsRefusals(Protocol):
    """A shared extension that records, before the message is dead-lettered, that it was refused for good
    (shared.runtime.refusals: the notice to its sender, in the service's outbox, once per message).
    It raises when it could not record; the message is then retried rather than dead-lettered."""

    def record_refusal(self, message: Message, code: str, detail: str) -> None: ...


def case_named_by(message: Message) -> str | None:
    """The case a message's body names, when it reads as a JSON object with a well-formed `case_id`: for the lines
    and spans of a message that is refused, whose model was never built. Anything else (a sender's free text)
    is None."""
    body = bytes(message.body) if isinstance(message.body, bytearray | memoryview) else message.body
    if not isinstance(body, bytes | str) or len(body) > MAX_MESSAGE_BYTES:  # too large: refused unread
        return None
    try:
        data = loads_strict(body)
    except ValueError:
        return None
    case_id = data.get("case_id") if isinstance(data, dict) else None
    return case_id if isinstance(case_id, str) and _CASE_ID.fullmatch(case_id) else None


def occurred_at_problem(occurred_at: datetime, now: datetime) -> str | None:
    """Why a message cannot have happened when it says (before the platform's earliest time, or more than a day after
    the receiver's `now`), or None when it could have."""
    if occurred_at < EARLIEST_OCCURRED_AT:
        return f"{occurred_at.isoformat()} is before {EARLIEST_OCCURRED_AT.date().isoformat()}"
    if occurred_at > now + OCCURRED_AT_AHEAD:
        return f"{occurred_at.isoformat()} is more than a day after the receiver's clock ({now.isoformat()})"
    return None


def trace_context_of(message: Message) -> dict[str, str]:
    """The W3C trace headers worth passing on: text of a sane length. Anything else would make
    OpenTelemetry's propagators raise (they expect strings), so it is dropped, not trusted."""
    headers = message.headers
    if not isinstance(headers, dict):
        return {}
    found = {}
    for key in TRACE_HEADERS:
        value = headers.get(key)
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        if isinstance(value, str) and len(value) <= MAX_TRACE_HEADER:
            found[key] = value
    return found


def describe_validation_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_input=False)[:10]:
        location = ".".join(str(p)[:100] for p in item["loc"]) or "(message)"
        parts.append(f"{location}: {item['msg']}")
    return "schema violation: " + "; ".join(parts)


def failure_text(error: BaseException) -> str:
    """A handler's error as its dead letter and log line name it: a model the handler built and pydantic refused
    is described field by field, without the values (its text would quote them, a phone number included)."""
    if isinstance(error, ValidationError):
        return f"{type(error).__name__}: {describe_validation_error(error)}"
    return f"{type(error).__name__}: {error}"


# How long a message waits before it is delivered again while the database is down.
STORE_DOWN_PAUSE_SECONDS = 2.0


def retries_without_attempt(error: BaseException | None) -> bool:
    """True when the error, or one it was raised from, says the message was not at fault (the database was
    down: shared.persistence.errors.StoreDown), so trying again must not use up an attempt."""
    seen = 0
    while error is not None and seen < 10:
        if getattr(error, "retry_without_attempt", False):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


class InboxConsumer(SharedExtension, ProviderCollector):
    """Consumes the service's inbox queue and hands each message to the handler for its type."""

    def __init__(self) -> None:
        super().__init__()
        self.handlers: dict[str, InboxHandler] = {}
        self.consumer: RawConsumer | None = None
        self.recorder: RecordsRefusals | None = None
        # Told of each dead letter once it is published, with its reason code (the service's metrics count them).
        self.dead_letter_listeners: list[Callable[[Message, str], None]] = []

    def setup(self) -> None:
        settings = current_settings()
        self.service = settings.service
        self.user_id = settings.amqp_user
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
        # The service's refusal recorder, when it keeps a database (shared.runtime.refusals).
        self.recorder = next((e for e in self.container.extensions if isinstance(e, RecordsRefusals)), None)
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
        """Hand the message to its handler, or dead-letter it; nothing it holds may escape into the consumer loop.

        An error escaping here would end the consumer's thread, and nameko would stop the service.
        """
        try:
            handler, model = self.read(message)
        except Unreadable as exc:
            self.give_up(message, str(exc), exc.code)
            return
        except Exception as exc:  # reading failed in a way not foreseen: the message will never read better
            self.give_up(message, f"unreadable message: {type(exc).__name__}: {str(exc)[:200]}", REJECTED_UNREADABLE)
            return
        try:
            handler.handle(message, model)
        except Exception:
            self.failed(message, sys.exc_info())  # type: ignore[arg-type]  # inside except: never (None, None, None)

    def read(self, message: Message) -> tuple["InboxHandler", Envelope]:
        """The handler for the message and its validated model, or Unreadable saying why not."""
        body = message.body
        if isinstance(body, bytearray | memoryview):
            body = bytes(body)
        if not isinstance(body, bytes | str):
            raise Unreadable(f"malformed JSON: the body is a {type(body).__name__}", REJECTED_MALFORMED)
        if len(body) > MAX_MESSAGE_BYTES:
            raise Unreadable(
                f"message too large: {len(body)} bytes, at most {MAX_MESSAGE_BYTES}; the body was not kept",
                REJECTED_TOO_LARGE,
            )
        try:
            data = loads_strict(body)
        except ValueError as exc:  # not UTF-8 whatever content_encoding says, not JSON, NaN, too deep
            encoding = getattr(message, "content_encoding", None)
            raise Unreadable(
                f"malformed JSON (content_encoding {encoding!r:.40}): {str(exc)[:300]}", REJECTED_MALFORMED
            ) from None
        message_type = data.get("type") if isinstance(data, dict) else None
        handler = self.handlers.get(message_type) if isinstance(message_type, str) else None
        if handler is None:
            if not isinstance(data, dict):
                raise Unreadable(
                    f"malformed message: the body is a JSON {type(data).__name__}, not an object", REJECTED_MALFORMED
                )
            if message_type is None:  # the AMQP `type` property is not what a receiver reads: the body's is
                raise Unreadable('no message type: the body has no "type" field', REJECTED_UNKNOWN_TYPE)
            raise Unreadable(f"unknown message type {message_type!r:.100} for {self.service}", REJECTED_UNKNOWN_TYPE)
        now = clock.now()
        try:
            # Judged at the receiver's clock: a resident ID's birth date after its today is no person's.
            model = handler.model.model_validate(data, context=message_context(now))
        except ValidationError as exc:
            raise Unreadable(describe_validation_error(exc), REJECTED_SCHEMA) from None
        problem = occurred_at_problem(model.occurred_at, now)
        if problem is not None:
            raise Unreadable(f"schema violation: occurred_at: {problem}", REJECTED_SCHEMA)
        return handler, model

    def give_up(self, message: Message, reason: str, code: str) -> None:
        """Dead-letter a message that can never be handled; if even that fails, park it for a retry."""
        try:
            # No worker ran, so no span holds the refusal: one of its own, in the message's trace.
            tracer = trace.get_tracer(__name__)
            with tracer.start_as_current_span(
                f"{self.service} refuse message",
                context=context_from_headers(trace_context_of(message)),
                kind=trace.SpanKind.CONSUMER,
            ):
                self.dead_letter(message, reason[:MAX_REASON], code)
        except Exception as exc:
            self._after_settling_failed(message, exc)

    def failed(self, message: Message, exc_info: ExcInfo) -> None:
        """A message whose handler could not be started: retried like one whose handler failed."""
        log.error("could not start the handler", exc_info=exc_info)
        try:
            self.settle(message, exc_info)
        except Exception as exc:
            self._after_settling_failed(message, exc)

    def _after_settling_failed(self, message: Message, exc: Exception) -> None:
        assert self.consumer is not None
        if isinstance(exc, self.consumer.connection.connection_errors):
            raise exc  # kombu reconnects, and the broker redelivers the unacknowledged message
        log.error("could not settle a message; rejecting it for a retry", exc_info=exc)
        try:
            self.consumer.reject_message(message)
        except Exception:
            log.exception("could not reject a message either; the broker redelivers it when the channel closes")

    def dead_letter(self, message: Message, reason: str, code: str) -> None:
        case_id = case_named_by(message)
        if case_id is not None:  # on the handler's span, or the refusal's own
            trace.get_current_span().set_attribute(CASE_ID_KEY, case_id)
        log.error(
            "dead-lettering message",
            extra={"reason": reason, "queue": self.queue_name, **({"case_id": case_id} if case_id else {})},
        )
        self.tell_sender(message, code, reason)
        # A body too large to read is not kept either: it could never be replayed, and would fill the dead queue.
        body = b"" if code == REJECTED_TOO_LARGE else None
        publish_dead_letter(self.publisher, self.service, self.user_id, self.queue_name, message, reason, body)
        for listener in self.dead_letter_listeners:
            listener(message, code)
        assert self.consumer is not None
        self.consumer.ack_message(message)

    def settle(self, message: Message, exc_info: ExcInfo | None) -> None:
        assert self.consumer is not None
        if exc_info is None:
            self.consumer.ack_message(message)
            return
        error = exc_info[1]
        if isinstance(error, Refused):
            self.dead_letter(message, f"rejected: {error}", error.code)
            return
        if retries_without_attempt(error):
            # The database is down: the message waits (holding its worker, which has nothing to do meanwhile)
            # and goes back to the queue untouched, so a long outage uses up none of its attempts.
            log.warning("database unavailable; the message waits and is delivered again", extra={"error": str(error)})
            eventlet.sleep(STORE_DOWN_PAUSE_SECONDS)
            self.consumer.requeue_message(message)
            return
        try:
            attempts = delivery_attempts(message, self.queue_name)
        except Exception:  # an x-death header a client forged (junk, or a count no broker writes)
            attempts = self.max_attempts
        if attempts >= self.max_attempts:
            self.dead_letter(message, f"failed {attempts} times, last: {failure_text(error)}", REJECTED_FAILED)
            return
        log.warning(
            "handler failed, retrying later",
            extra={"attempt": attempts, "error": failure_text(error)},
        )
        self.consumer.reject_message(message)

    def settle_after_worker(self, message: Message, exc_info: ExcInfo | None) -> None:
        """Settle from a worker's thread: an error escaping there would make nameko kill the service, so a
        message that could not be settled (its refusal not recorded, its dead letter not confirmed) is
        rejected for a retry, or left for the broker to redeliver when the channel closes."""
        try:
            self.settle(message, exc_info)
        except Exception:
            log.error("could not settle a message; rejecting it for a retry", exc_info=True)
            try:
                assert self.consumer is not None
                self.consumer.reject_message(message)
            except Exception:
                log.exception("could not reject a message either; the broker redelivers it when the channel closes")

    def tell_sender(self, message: Message, code: str, reason: str) -> None:
        """Record the refusal on the current span (the handler's, in the case's trace) and with the recorder."""
        properties = message.properties if isinstance(message.properties, dict) else {}
        span = trace.get_current_span()
        span.add_event(
            "message refused",
            {
                REFUSAL_REASON_KEY: code,
                "wuyuan.refusal.message_id": str(properties.get("message_id") or "")[:64],  # a sender's text
                "wuyuan.refusal.queue": self.queue_name,
            },
        )
        span.set_attribute(REFUSAL_REASON_KEY, code)
        if self.recorder is not None:
            self.recorder.record_refusal(message, code, reason)

    def requeue(self, message: Message) -> None:
        assert self.consumer is not None
        self.consumer.requeue_message(message)


class InboxHandler(Entrypoint):
    """Marks a service method as the handler of one message model."""

    inbox = InboxConsumer()
    # Handlers of queued messages may share a transaction (shared.persistence.group_commit).
    commits_in_groups = True

    def __init__(
        self,
        model: type[Envelope],
        case_sources: Collection[str] = (),
        case_flags: Collection[str] = (),
        alone: bool = False,
        **kwargs: Any,
    ) -> None:
        """`case_sources`, `case_flags` (case facts only): the inbox is bound to the facts of cases from these sources
        and of cases with these flags alone (either is enough). `alone`: the handler commits in a transaction of its
        own, never shared with other handlers' (one that locks many rows, whose order against theirs no one chose,
        would risk deadlocks)."""
        if alone:
            self.commits_in_groups = False
        # CalendarYearLoaded is an event about no case: it is published without a source, so it would never arrive.
        is_case_fact = issubclass(model, Event) and model.model_fields["case_id"].is_required()
        if (case_sources or case_flags) and not is_case_fact:
            raise TypeError(
                f"{model.TYPE} is not a case fact: only case facts are routed by their case's source, flags"
            )
        self.model = model
        self.case_filter = (
            CaseFilter(
                frozenset(Source(source).value for source in case_sources),
                frozenset(Flag(flag).value for flag in case_flags),
            )
            if case_sources or case_flags
            else None
        )
        super().__init__(expected_exceptions=(Refused,), **kwargs)

    def setup(self) -> None:
        self.inbox.register_provider(self)

    def stop(self) -> None:
        self.inbox.unregister_provider(self)

    def handle(self, message: Message, model: Envelope) -> None:
        context_data: dict[str, Any] = trace_context_of(message)
        context_data["message_type"] = model.type
        user_id = message.properties.get("user_id") if isinstance(message.properties, dict) else None
        context_data["user_id"] = user_id if isinstance(user_id, str) else None
        context_data["sent_again"] = sent_again_of(message)
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
        self.inbox.settle_after_worker(message, exc_info)
        return result, exc_info


handles = InboxHandler.decorator


def sent_again_of(message: Message) -> str | None:
    """When `wuyuan reconcile` sent this message again (SENT_AGAIN_HEADER), as an aware ISO time; None when it was
    not, or the header is not a time (it is then ignored, never trusted)."""
    headers = message.headers
    value = headers.get(SENT_AGAIN_HEADER) if isinstance(headers, dict) else None
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.isoformat() if moment.tzinfo is not None else None


class SentAgain(Injects[datetime | None]):
    """`self.sent_again`: when `wuyuan reconcile` sent the message a worker handles again, or None."""

    def get_dependency(self, worker_ctx: WorkerContext) -> datetime | None:
        value = worker_ctx.context_data.get("sent_again")
        return datetime.fromisoformat(value) if isinstance(value, str) else None


class MessageSender(Injects[str | None]):
    """`self.sender`: the AMQP user_id of the message a worker handles, which RabbitMQ checked (who sent it)."""

    def get_dependency(self, worker_ctx: WorkerContext) -> str | None:
        user = worker_ctx.context_data.get("user_id")
        return str(user) if user else None
